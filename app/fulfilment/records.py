"""What the carrier reports on an order, recorded one piece at a time (by the API, the console or the simulator).

Every function here validates its input with app.identifiers, writes the fact on the order, moves the status
through the lifecycle where the fact implies it (never backwards: a late report is recorded, nothing more), and
adds the event to the timeline. The caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import exists, select

from app.database import DbSession
from app.formatting import imei, phone
from app.identifiers import InvalidIdentifier, parse_iccid, parse_imei, parse_phone, parse_tracking
from app.models import Device, EventKind, Line, LineStatus, Order, OrderStatus, ReportedDevice, Shipment, Sim, User
from app.orders import completion, lifecycle
from app.orders.lifecycle import Party
from app.orders.types import REGISTRY

S = OrderStatus
E = EventKind
SHIPPING_CARRIERS = ("UPS", "FedEx", "USPS", "DHL")


class FulfilmentError(Exception):
    """The order cannot take this report now (its state does not allow it); the message says why."""


class InvalidReport(Exception):
    """Fields that are not valid: {field name: message}."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class FactInUse(InvalidReport):
    """A reported phone number, IMEI or ICCID already belongs to another record: {field name: message}. The API
    answers 409; the console shows it next to the field."""


@dataclass
class DeviceReport:
    imei: str | None = None
    serial: str | None = None
    iccid: str | None = None


@dataclass
class Report:
    """One update from the carrier, already validated."""

    status: str | None = None  # acknowledged, backordered, shipped, delivered, completed, rejected
    carrier_reference: str | None = None
    service_number: str | None = None
    devices: list[DeviceReport] = field(default_factory=list)
    shipments: list[tuple[str, str]] = field(default_factory=list)
    message: str = ""
    wireline: dict = field(default_factory=dict)  # a wireline milestone's fields (app.fulfilment.wireline)


STATUSES = (
    "acknowledged",
    "backordered",
    "shipped",
    "delivered",
    "completed",
    "rejected",
    "cancelled",
    "cancel_refused",
    # wireline milestones (app.fulfilment.wireline.MILESTONES)
    "foc",
    "site_survey",
    "install_scheduled",
    "installed",
    "turned_up",
    "jeopardy",
)


def parse_report(payload: dict) -> Report:
    """Validate a carrier update body (the API's JSON, or what the console posts); InvalidReport names each bad
    field the way the API reports it, e.g. "devices[0].imei"."""
    errors: dict[str, str] = {}
    report = Report()
    status = payload.get("status")
    if status is not None and status not in STATUSES:
        errors["status"] = f"Must be one of: {', '.join(STATUSES)}."
    report.status = status if status in STATUSES else None
    for name in ("carrier_reference", "message"):
        value = payload.get(name)
        if value is not None and not isinstance(value, str):
            errors[name] = "Must be a string."
        elif name == "carrier_reference" and value is not None:
            if not value.strip() or len(value) > 80:
                errors[name] = "Give the carrier's reference (1 to 80 characters)."
            report.carrier_reference = value.strip()
        elif name == "message" and value:
            report.message = value.strip()[:2000]
    number = payload.get("service_number")
    if number is not None:
        try:
            report.service_number = parse_phone(number if isinstance(number, str) else "")
        except InvalidIdentifier as exc:
            errors["service_number"] = str(exc)
    devices = payload.get("devices")
    if devices is not None and not isinstance(devices, list):
        errors["devices"] = "Must be a list."
    for i, item in enumerate(devices if isinstance(devices, list) else []):
        if not isinstance(item, dict):
            errors[f"devices[{i}]"] = "Must be an object with imei, serial and iccid."
            continue
        device = DeviceReport()
        for name, parse in (("imei", parse_imei), ("iccid", parse_iccid)):
            value = item.get(name)
            if value is None:
                continue
            try:
                setattr(device, name, parse(value if isinstance(value, str) else ""))
            except InvalidIdentifier as exc:
                errors[f"devices[{i}].{name}"] = str(exc)
        serial = item.get("serial")
        if serial is not None:
            if not isinstance(serial, str) or not serial.strip() or len(serial) > 40:
                errors[f"devices[{i}].serial"] = "A serial number is 1 to 40 characters."
            else:
                device.serial = serial.strip()
        if not (device.imei or device.serial or device.iccid) and not any(
            k.startswith(f"devices[{i}]") for k in errors
        ):
            errors[f"devices[{i}]"] = "Give at least an IMEI, a serial number or an ICCID."
        report.devices.append(device)
    shipments = payload.get("shipments")
    if shipments is not None and not isinstance(shipments, list):
        errors["shipments"] = "Must be a list."
    for i, item in enumerate(shipments if isinstance(shipments, list) else []):
        if not isinstance(item, dict):
            errors[f"shipments[{i}]"] = "Must be an object with shipping_carrier and tracking_number."
            continue
        carrier, number = item.get("shipping_carrier"), item.get("tracking_number")
        if carrier not in SHIPPING_CARRIERS:
            errors[f"shipments[{i}].shipping_carrier"] = "Must be UPS, FedEx, USPS or DHL."
            continue
        try:
            report.shipments.append((carrier, parse_tracking(carrier, number if isinstance(number, str) else "")))
        except InvalidIdentifier as exc:
            errors[f"shipments[{i}].tracking_number"] = str(exc)
    errors.update(_wireline_fields(report, payload))
    if report.status == "shipped" and not report.shipments and "shipments" not in errors:
        errors["shipments"] = "A shipped update needs at least one shipment with its tracking number."
    if errors:
        raise InvalidReport(errors)
    return report


def _wireline_fields(report: Report, payload: dict) -> dict[str, str]:
    """A wireline milestone's fields (FOC date, install date and window, circuit ID…), validated; a completion may
    carry the turned-up facts too."""
    from app.fulfilment import wireline  # it records through this module: imported when used

    if report.status in wireline.MILESTONES:
        try:
            report.wireline = wireline.parse_milestone(report.status, payload)
        except InvalidReport as invalid:
            return invalid.errors
        return {}
    report.wireline, errors = wireline.parse_fields(payload)
    return errors


# ---------------------------------------------------------------- state checks
def check_allowed(order: Order, status: str | None) -> None:
    """Refuse a report the order's state cannot take (before approval, after rejection or cancellation)."""
    if order.status is S.DRAFT or order.status in lifecycle.AWAITING_APPROVAL:
        raise FulfilmentError(f"{order.number} is {order.status.label.lower()}: it has not been approved yet.")
    if order.status in (S.REJECTED, S.CANCELLED):
        raise FulfilmentError(f"{order.number} is {order.status.label.lower()}: the carrier cannot update it.")
    order_type = REGISTRY.get(order.type)
    if order_type is not None and not order_type.carrier_fulfilled:
        raise FulfilmentError(f"{order.number} is fulfilled internally, not by a carrier.")
    if status in ("cancelled", "cancel_refused") and order.status is not S.CANCELLATION_REQUESTED:
        raise FulfilmentError(
            f"{order.number} is {order.status.label.lower()}: no cancellation was asked of the carrier."
        )


# The status each carrier status would move an order to.
REPORTED_STATUS = {
    "acknowledged": S.WITH_CARRIER,
    "backordered": S.WITH_CARRIER,
    "shipped": S.SHIPPED,
    "delivered": S.SHIPPED,
    "completed": S.COMPLETED,
    "rejected": S.NEEDS_ATTENTION,
    "cancelled": S.CANCELLED,
    "cancel_refused": S.WITH_CARRIER,
    **dict.fromkeys(("foc", "site_survey", "install_scheduled", "installed", "turned_up", "jeopardy"), S.WITH_CARRIER),
}


def is_late(order: Order, status: str) -> bool:
    """A report that would move the order backwards (a "shipped" after "completed")."""
    target = REPORTED_STATUS[status]
    if order.status is S.COMPLETED:
        return True
    return lifecycle.RANK[target] < lifecycle.RANK[order.status] and target is not S.NEEDS_ATTENTION


# ---------------------------------------------------------------- facts already on record elsewhere
# Completion writes what the carrier reported into the inventory, where a live line's number, a device's IMEI and
# a SIM's ICCID are unique. A fact that is already someone else's is refused when it is reported, and checked
# again before completion, so the database's constraint is never what says no.
def facts_in_use(
    session: DbSession,
    order: Order,
    *,
    service_number: str | None = None,
    devices: Iterable[tuple[str, DeviceReport | ReportedDevice]] = (),
) -> dict[str, str]:
    """{field: why} for each fact that the order's type would write and another record already holds; `devices`
    are (field prefix, device), e.g. ("devices[0].", device) from the API or ("", device) for the console."""
    order_type = REGISTRY.get(order.type)
    used = {*order_type.needs_reported(order.details), *order_type.also_reports} if order_type else set()
    errors: dict[str, str] = {}
    if service_number:
        live = select(Line.id).where(
            Line.number == service_number, Line.status.in_((LineStatus.ACTIVE, LineStatus.SUSPENDED))
        )
        if order.line_id is not None:
            live = live.where(Line.id != order.line_id)  # a port or a transfer keeps the order's own number
        if session.scalar(select(exists(live))):
            errors["service_number"] = f"{phone(service_number)} is already the number of a live line."
    for prefix, device in devices:
        if "imei" in used and device.imei and session.scalar(select(exists().where(Device.imei == device.imei))):
            errors[f"{prefix}imei"] = f"IMEI {imei(device.imei)} is already on record for another device."
        if "iccid" in used and device.iccid and session.scalar(select(exists().where(Sim.iccid == device.iccid))):
            errors[f"{prefix}iccid"] = f"ICCID {device.iccid} is already on record for another SIM."
    return errors


def check_facts_free(session: DbSession, order: Order, **facts) -> None:
    """Raise FactInUse naming each fact another record already holds (see `facts_in_use`)."""
    errors = facts_in_use(session, order, **facts)
    if errors:
        raise FactInUse(errors)


# ---------------------------------------------------------------- the facts
def mark_placed(
    session: DbSession,
    order: Order,
    reference: str,
    actor: User | None,
    note: str = "",
    *,
    party: Party = Party.CARRIER,
) -> None:
    reference = (reference or "").strip()
    if not reference:
        raise InvalidReport({"carrier_reference": "Enter the carrier's order reference."})
    check_allowed(order, "acknowledged")
    order.carrier_reference = reference
    if lifecycle.allowed(order, E.PLACE, party):
        lifecycle.transition(
            session, order, E.PLACE, actor, party=party, comment=note, data={"carrier_reference": reference}
        )
    else:
        lifecycle.record(
            session,
            order,
            E.CARRIER_UPDATE,
            actor,
            comment=note or f"Carrier reference {reference}.",
            data={"carrier_reference": reference},
        )


def add_shipment(
    session: DbSession,
    order: Order,
    shipping_carrier: str,
    tracking: str,
    actor: User | None,
    note: str = "",
    *,
    party: Party = Party.CARRIER,
) -> Shipment:
    try:
        number = parse_tracking(shipping_carrier, tracking)
    except InvalidIdentifier as exc:
        field_name = "shipping_carrier" if shipping_carrier not in SHIPPING_CARRIERS else "tracking_number"
        raise InvalidReport({field_name: str(exc)}) from None
    check_allowed(order, "shipped")
    shipment = next((s for s in order.shipments if s.tracking_number == number), None)
    if shipment is None:
        shipment = Shipment(order=order, shipping_carrier=shipping_carrier, tracking_number=number)
        session.add(shipment)
    data = {"shipping_carrier": shipping_carrier, "tracking_number": number}
    if lifecycle.allowed(order, E.SHIP, party):
        lifecycle.transition(session, order, E.SHIP, actor, party=party, comment=note, data=data)
    else:
        lifecycle.record(
            session,
            order,
            E.CARRIER_UPDATE,
            actor,
            comment=note or f"Shipment {shipping_carrier} {number} recorded.",
            data=data,
        )
    return shipment


def record_device(
    session: DbSession, order: Order, device: DeviceReport, actor: User | None, *, prefix: str = ""
) -> ReportedDevice:
    check_allowed(order, None)
    check_facts_free(session, order, devices=[(prefix, device)])
    row = next((d for d in order.reported_devices if device.imei and d.imei == device.imei), None) or next(
        (d for d in order.reported_devices if device.iccid and d.iccid == device.iccid), None
    )
    if row is None:
        row = ReportedDevice(order=order)
        session.add(row)
    row.imei = device.imei or row.imei
    row.serial = device.serial or row.serial
    row.iccid = device.iccid or row.iccid
    described = ", ".join(
        f"{k} {v}" for k, v in (("IMEI", imei(row.imei)), ("serial", row.serial), ("ICCID", row.iccid)) if v
    )
    lifecycle.record(
        session,
        order,
        E.CARRIER_UPDATE,
        actor,
        comment=f"Device recorded: {described}.",
        data={"imei": row.imei, "serial": row.serial, "iccid": row.iccid},
    )
    return row


def record_number(session: DbSession, order: Order, number: str, actor: User | None) -> None:
    try:
        e164 = parse_phone(number)
    except InvalidIdentifier as exc:
        raise InvalidReport({"service_number": str(exc)}) from None
    check_allowed(order, None)
    check_facts_free(session, order, service_number=e164)
    order.service_number = e164
    wanted = order.details.get("preferred_area_code")
    outside = bool(wanted) and e164.startswith("+1") and e164[2:5] != wanted
    comment = "Phone number recorded."
    if outside:
        comment += f" It is outside the requested area code {wanted}."
    lifecycle.record(
        session,
        order,
        E.CARRIER_UPDATE,
        actor,
        comment=comment,
        data={"service_number": e164, **({"outside_area_code": wanted} if outside else {})},
    )


def report_problem(
    session: DbSession,
    order: Order,
    message: str,
    actor: User | None,
    question: str = "",
    *,
    party: Party = Party.CARRIER,
    refused: bool = False,
) -> None:
    """The order needs attention: a problem, or the carrier refused it (`refused`: the requester is told too)."""
    message = (message or "").strip()
    if not message:
        raise InvalidReport({"message": "Describe the problem."})
    check_allowed(order, "rejected")
    data: dict = {"question": question.strip()} if question and question.strip() else {}
    if refused:
        data["refused"] = True
    if lifecycle.allowed(order, E.REPORT_PROBLEM, party):
        lifecycle.transition(session, order, E.REPORT_PROBLEM, actor, party=party, comment=message, data=data)
    else:
        lifecycle.record(session, order, E.CARRIER_UPDATE, actor, comment=message, data=data)


def complete(
    session: DbSession, order: Order, actor: User | None, note: str = "", *, party: Party = Party.CARRIER
) -> None:
    """Complete the order and apply its inventory effect, in the same transaction."""
    check_allowed(order, "completed")
    if order.status is S.COMPLETED:
        lifecycle.record(session, order, E.CARRIER_UPDATE, actor, comment=note or "Completed again: nothing changed.")
        return
    check_facts_free(
        session, order, service_number=order.service_number, devices=[("", d) for d in order.reported_devices]
    )
    try:
        completion.complete(session, order, actor, party=party, note=note)
    except completion.MissingReports as missing:
        raise InvalidReport(missing.errors) from None
    except completion.EffectError as refused:
        raise FulfilmentError(f"{order.number} cannot be completed: {refused}") from None


# ---------------------------------------------------------------- a whole report, as the API sends it
def apply_report(session: DbSession, order: Order, report: Report, actor: User | None = None) -> str:
    """Apply one carrier update; returns what happened, for the update's record. A late update (one that would
    move the order backwards, or any update of a completed order) is kept on record and changes nothing."""
    check_allowed(order, report.status)
    if report.status is not None and is_late(order, report.status):
        lifecycle.record(
            session,
            order,
            E.CARRIER_UPDATE,
            actor,
            comment=f"Late “{report.status}” update recorded; the order stays {order.status.label.lower()} "
            "and nothing it reported was changed.",
        )
        return "late: recorded"
    from app.fulfilment import wireline

    if report.status in wireline.MILESTONES:
        if report.carrier_reference:
            order.carrier_reference = order.carrier_reference or report.carrier_reference
        wireline.record_milestone(session, order, report.status, report.wireline, actor)
        return "applied"
    if report.status == "completed" and wireline.facts_of(report.wireline):
        wireline.record_milestone(session, order, "turned_up", report.wireline, actor)
    if report.carrier_reference and report.status in (None, "acknowledged", "backordered"):
        mark_placed(session, order, report.carrier_reference, actor, note=report.message)
    elif report.carrier_reference:
        order.carrier_reference = order.carrier_reference or report.carrier_reference
    if report.service_number:
        record_number(session, order, report.service_number, actor)
    for i, device in enumerate(report.devices):
        record_device(session, order, device, actor, prefix=f"devices[{i}].")
    for carrier, number in report.shipments:
        add_shipment(session, order, carrier, number, actor, note=report.message if report.status == "shipped" else "")
    if report.status == "acknowledged" and not report.carrier_reference and lifecycle.allowed(order, E.PLACE):
        lifecycle.transition(session, order, E.PLACE, actor, party=Party.CARRIER, comment=report.message)
    elif report.status == "backordered":
        if order.status is S.APPROVED:
            lifecycle.transition(session, order, E.PLACE, actor, party=Party.CARRIER)
        lifecycle.record(session, order, E.BACKORDERED, actor, comment=report.message or "Backordered by the carrier.")
    elif report.status == "delivered":
        lifecycle.record(session, order, E.DELIVERED, actor, comment=report.message or "Delivered.")
    elif report.status == "completed":
        complete(session, order, actor, note=report.message)
    elif report.status == "rejected":
        report_problem(session, order, report.message or "The carrier rejected the order.", actor, refused=True)
    elif report.status in ("cancelled", "cancel_refused"):
        answer_cancellation(session, order, report.status == "cancelled", report.message, actor)
    return "applied"


def answer_cancellation(
    session: DbSession, order: Order, cancelled: bool, note: str, actor: User | None, *, party: Party = Party.CARRIER
) -> None:
    """The carrier's answer to the cancellation asked of it: cancelled, or too late (the order goes on)."""
    if order.status is not S.CANCELLATION_REQUESTED:
        raise FulfilmentError(
            f"{order.number} is {order.status.label.lower()}: no cancellation was asked of the carrier."
        )
    action, words = (
        (E.CONFIRM_CANCEL, "Cancelled by the carrier.")
        if cancelled
        else (E.REFUSE_CANCEL, "Too late to cancel: the carrier goes on with the order.")
    )
    lifecycle.transition(session, order, action, actor, party=party, comment=(note or "").strip() or words)
