"""The built-in carrier simulator: makes valid identifiers and moves orders along like a real carrier.

It acknowledges with a carrier reference, ships with a tracking number, and completes with what the order
type needs (a new number, an IMEI and serial, an ICCID), one step per pace, now and then with a backorder.
Every step is a carrier update with a deterministic id, so running a step twice changes nothing.
"""

from __future__ import annotations

import itertools
import random
import string
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from sqlalchemy import select

from app import clock
from app.database import DbSession
from app.identifiers import make_iccid, make_imei
from app.models import Device, DeviceModel, Line, LineStatus, Order, OrderStatus, Sim, WirelineNumber
from app.orders.types import REGISTRY, WIRELINE, OrderType
from app.orders.types.base import WIRELINE_FACTS

TACS = {"Apple": "35391110", "Samsung": "35290611", "Google": "35846911", "Netgear": "86497604"}
AREA_CODES = {"Denver": "303", "New York": "212"}
NAME = "Northwind Wireless"  # the simulated carrier, as it signs its messages


def _rng(order: Order, step: str) -> random.Random:
    return random.Random(f"{order.id}-{step}")


def imei_for(session: DbSession, model: DeviceModel | None, rng: random.Random) -> str:
    tac = TACS.get(model.maker if model else "", "35391110")
    while True:
        value = make_imei(tac, rng.randrange(10**6))
        if session.scalar(select(Device.id).where(Device.imei == value)) is None:
            return value


def iccid_for(session: DbSession, rng: random.Random) -> str:
    while True:
        value = make_iccid("01410", rng.randrange(10**11))
        if session.scalar(select(Sim.id).where(Sim.iccid == value)) is None:
            return value


def number_for(session: DbSession, order: Order, rng: random.Random) -> str:
    """A valid NANP number in the area code the order asked for (else the employee's area), not held by a live
    line."""
    city = order.employee.location.city if order.employee.location else "New York"
    home = AREA_CODES.get(city, "212")
    area = order.details.get("preferred_area_code") or home
    for attempt in itertools.count():
        if attempt == 200:  # no valid number in the area code asked for: the carrier gives one in the person's area
            area = home
        candidate = f"+1{area}{rng.randrange(200, 1000)}{rng.randrange(10**4):04d}"
        parsed = phonenumbers.parse(candidate, None)
        if not phonenumbers.is_valid_number(parsed) or candidate[5:8] == "555":
            continue
        taken = session.scalar(
            select(Line.id).where(Line.number == candidate, Line.status.in_([LineStatus.ACTIVE, LineStatus.SUSPENDED]))
        )
        if taken is None:
            return candidate
    raise AssertionError("unreachable")  # itertools.count() never ends


def tracking_for(order: Order, rng: random.Random) -> dict[str, str]:
    carrier = ("UPS", "FedEx", "USPS")[order.id % 3]
    if carrier == "UPS":
        shipper = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(6))
        number = f"1Z{shipper}03{rng.randrange(10**8):08d}"
    elif carrier == "FedEx":
        number = f"{rng.randrange(10**12):012d}"
    else:
        number = f"9400{rng.randrange(10**18):018d}"
    return {"shipping_carrier": carrier, "tracking_number": number}


def backorders(order: Order) -> bool:
    """About one order in seven waits for stock once."""
    return order.id % 7 == 3


def too_late_to_cancel(order: Order) -> bool:
    """About one order in five is too far along when its cancellation is asked."""
    return order.id % 5 == 4


def completion_message(order_type: OrderType, details: dict[str, Any], carrier: str = NAME) -> str:
    """What the carrier says as it completes an order of this type: "Activated" only when it put a number, a
    device or a SIM into service; "Delivered" for a parcel alone (accessories); else that the change is made."""
    if order_type.activates(details):
        return f"Activated by {carrier}."
    if order_type.ships:
        return f"Delivered by {carrier}."
    return f"Done by {carrier}: the change is made on the line."


def backorder_message(order_type: OrderType) -> str | None:
    """What the carrier says when what it ships is out of stock; None for a type that ships nothing."""
    if not order_type.ships:
        return None
    return "It is on backorder; it ships as soon as stock arrives."


def delay_message(order_type: OrderType) -> str:
    """A carrier's delay worth flagging to the fulfillment team, in words that fit the type."""
    if order_type.ships:
        return "The carrier says it is backordered for three weeks."
    return "The carrier says its systems hold the change for a few days: it asks us to wait."


def next_update(session: DbSession, order: Order, now: datetime, pace: timedelta) -> dict | None:
    """The update the simulated carrier sends next for `order`, or None when it is not time yet."""
    if now - order.updated_at < pace and order.status is not OrderStatus.APPROVED:
        return None
    base = {"order_number": order.number}
    if order.status is OrderStatus.CANCELLATION_REQUESTED:
        if too_late_to_cancel(order):
            return {
                **base,
                "update_id": f"sim-{order.id}-cancel",
                "status": "cancel_refused",
                "message": "Too late to cancel: it is already being prepared.",
            }
        return {
            **base,
            "update_id": f"sim-{order.id}-cancel",
            "status": "cancelled",
            "message": f"Cancelled by {NAME}.",
        }
    if order.status is OrderStatus.APPROVED:
        return {
            **base,
            "update_id": f"sim-{order.id}-ack",
            "status": "acknowledged",
            "carrier_reference": f"NW-{order.id:06d}-{_rng(order, 'ref').randrange(1000, 9999)}",
            "message": f"Order received by {NAME}.",
        }
    order_type = REGISTRY[order.type]
    if order.status is OrderStatus.WITH_CARRIER and order_type.module == WIRELINE:
        return wireline_step(session, order, base)
    if order.status is OrderStatus.WITH_CARRIER:
        backorder = backorder_message(order_type)
        if backorder and backorders(order) and not any(e.kind == "backordered" for e in order.events):
            return {**base, "update_id": f"sim-{order.id}-backorder", "status": "backordered", "message": backorder}
        if order_type.ships:
            return {
                **base,
                "update_id": f"sim-{order.id}-ship",
                "status": "shipped",
                "shipments": [tracking_for(order, _rng(order, "ship"))],
            }
        return _completion(session, order, base)
    if order.status is OrderStatus.SHIPPED:
        return _completion(session, order, base)
    return None


WIRELINE_STEPS = ("foc", "install_scheduled", "installed", "turned_up")


def wireline_step(session: DbSession, order: Order, base: dict) -> dict:
    """A wireline order's next milestone: the FOC date (the install date asked for), the install scheduled on it,
    installed, tested and turned up (with the circuit ID or the numbers it needs), then completed."""
    facts = order.details.get(WIRELINE_FACTS) or {}
    done = {e.kind for e in order.events}
    installs = REGISTRY[order.type].activates(order.details) or bool(order.details.get("install_on"))
    step = next((s for s in (WIRELINE_STEPS if installs else ("foc",)) if s not in done), None)
    if step is None:
        message = completion_message(REGISTRY[order.type], order.details)
        return {**base, "update_id": f"sim-{order.id}-complete", "status": "completed", "message": message}
    update: dict[str, Any] = {**base, "update_id": f"sim-{order.id}-{step}", "status": step}
    on = facts.get("install_on") or order.details.get("install_on") or order.details.get("disconnect_on")
    on = on or (clock.today() + timedelta(days=14)).isoformat()
    if step == "foc":
        update["foc_date"] = on
    elif step == "install_scheduled":
        update.update(install_date=on, install_window="08:00–12:00")
    elif step == "turned_up":
        update.update(turned_up_facts(session, order))
    return update


def turned_up_facts(session: DbSession, order: Order) -> dict[str, Any]:
    """What the simulated carrier turns up: a circuit ID, and numbers when the type needs them (free ones)."""
    order_type = REGISTRY[order.type]
    needs = set(order_type.needs_reported(order.details))
    facts: dict[str, Any] = {}
    if "circuit_id" in needs or not needs:
        facts["circuit_id"] = f"NW/{order.id:06d}/{_rng(order, 'circuit').randrange(10**5):05d}"
    if "numbers" in needs:
        wanted = int(order.details.get("numbers_to_add") or 1)
        rng = _rng(order, "numbers")
        numbers: list[str] = []
        while len(numbers) < wanted:
            candidate = f"+1212555{rng.randrange(2000, 10**4):04d}"
            taken = session.scalar(select(WirelineNumber.number).where(WirelineNumber.number == candidate))
            if candidate not in numbers and taken is None:
                numbers.append(candidate)
        facts["numbers"] = numbers
    return facts


def _completion(session: DbSession, order: Order, base: dict) -> dict:
    rng = _rng(order, "complete")
    order_type = REGISTRY[order.type]
    update = {
        **base,
        "update_id": f"sim-{order.id}-complete",
        "status": "completed",
        "message": completion_message(order_type, order.details),
    }
    needs = {*order_type.needs_reported(order.details), *order_type.also_reports}
    if "service_number" in needs:
        update["service_number"] = number_for(session, order, rng)
    device = {}
    if "imei" in needs:
        model = (
            session.get(DeviceModel, int(order.details["device_model"]))
            if order.details.get("device_model")
            else (order.line.device.model if order.line and order.line.device else None)
        )
        if model is None or model.kind != "hotspot":  # a hotspot is known by its serial number alone
            device["imei"] = imei_for(session, model, rng)
        device["serial"] = f"{(model.maker[:2] if model else 'NW').upper()}{rng.randrange(10**8):08d}"
    if "iccid" in needs:
        device["iccid"] = iccid_for(session, rng)
    if device:
        update["devices"] = [device]
    return update
