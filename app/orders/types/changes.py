"""The inventory changes order types' effects are made of: a device received, a device replaced on a line, a new
SIM, a line's features set, a new line. Each writes the inventory history with the order it came from."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from app import clock
from app.database import DbSession
from app.identifiers import parse_phone
from app.inventory import returns
from app.inventory.history import apply_changes, record_change, record_created
from app.models import (
    Carrier,
    DatedChange,
    Device,
    DeviceModel,
    DeviceStatus,
    Feature,
    Line,
    LineFeature,
    LineStatus,
    Order,
    Plan,
    Sim,
    SimKind,
    User,
)
from app.orders.types.base import EffectError

WARRANTY_DAYS = 365


def the_line(order: Order) -> Line:
    """The line the order changes; an order of a type with a line always has one, but a record can go."""
    if order.line is None:
        raise EffectError("the order's line is no longer on file")
    return order.line


def later(session: DbSession, order: Order, on: date, *, kind: str = "effect") -> bool:
    """Whether `on` is after today; if so, the order's dated change (its type's `on_date`, or a reminder) is
    registered for that day, and the worker's daily job carries it out then."""
    if on <= clock.today():
        return False
    session.add(DatedChange(order=order, kind=kind, due_on=on))
    return True


def detail_row(session: DbSession, order: Order, model: type, name: str) -> Any:
    """The catalog or inventory row the order's detail `name` names (its id), or None."""
    value = order.details.get(name)
    return session.get(model, int(value)) if value not in (None, "") else None


def detail_date(order: Order, name: str) -> date:
    value = order.details.get(name)
    return date.fromisoformat(value) if value else clock.today()


def reported(order: Order, name: str) -> str | None:
    """The first `name` (imei, serial, iccid) the carrier reported on the order."""
    return next((getattr(d, name) for d in order.reported_devices if getattr(d, name)), None)


def received_device(session: DbSession, order: Order, model: DeviceModel, actor: User | None) -> Device:
    """The device the carrier delivered (its IMEI and serial as reported), assigned to the employee."""
    if model is None:
        raise EffectError("the device model ordered is no longer in the catalog")
    today = clock.today()
    device = Device(
        imei=reported(order, "imei"),
        serial=reported(order, "serial") or "",
        model=model,
        status=DeviceStatus.ASSIGNED,
        employee=order.employee,
        purchased_on=today,
        activated_on=today,
        warranty_ends_on=today + timedelta(days=WARRANTY_DAYS),
    )
    session.add(device)
    record_created(session, device, actor=actor, order=order, note=f"received for {order.number}")
    return device


def take_from_stock(
    session: DbSession, order: Order, device: Device | None, holder_id: int | None, actor: User | None
) -> Device:
    """The order's in-stock device, now assigned to `holder_id` and activated today (EffectError when the device
    is no longer in stock)."""
    device = expect_device(device, DeviceStatus.IN_STOCK, what="The in-stock device")
    apply_changes(
        session,
        device,
        {"status": DeviceStatus.ASSIGNED, "employee_id": holder_id, "activated_on": clock.today()},
        actor=actor,
        order=order,
    )
    return device


RESUMED = {"status": LineStatus.ACTIVE, "suspended_on": None, "suspended_until": None, "suspend_reason": ""}


def replace_device(
    session: DbSession, order: Order, line: Line, device: Device, old_status: DeviceStatus, actor: User | None
) -> None:
    """`device` goes on the line; the one it replaces takes `old_status` (pending return: it is owed back). A device
    lost or stolen stays so (nothing to give back), and a line suspended for its loss is active again."""
    old = line.device
    apply_changes(session, line, {"device": device}, actor=actor, order=order)
    if old is None or old is device:
        return
    if old.lost:
        if line.status is LineStatus.SUSPENDED:
            apply_changes(session, line, RESUMED, actor=actor, order=order)
        return
    if old_status is DeviceStatus.PENDING_RETURN:
        returns.owe_back(session, old, order, actor)
    else:
        apply_changes(session, old, {"status": old_status}, actor=actor, order=order)


def new_sim(session: DbSession, order: Order, line: Line, actor: User | None) -> Sim | None:
    """The SIM the carrier reported becomes the line's active one (None when none was reported)."""
    iccid = reported(order, "iccid")
    if not iccid:
        return None
    for old in line.sims:
        if old.active:
            apply_changes(session, old, {"active": False}, actor=actor, order=order)
    kind = SimKind.ESIM if order.details.get("sim_kind") == "esim" else SimKind.PHYSICAL
    sim = Sim(iccid=iccid, kind=kind, line=line, activated_on=clock.today())
    session.add(sim)
    record_created(session, sim, actor=actor, order=order, note=f"activated for {order.number}")
    return sim


def set_features(session: DbSession, order: Order, line: Line, actor: User | None) -> None:
    """The line's features become those ordered (dated ones with their dates)."""
    found = [session.get(Feature, int(i)) for i in order.details.get("features", []) if i not in (None, "")]
    wanted = [f for f in found if f is not None]
    if len(wanted) != len(found):
        raise EffectError("a feature ordered is no longer in the catalog")
    before = ", ".join(sorted(lf.feature.name for lf in line.features)) or None
    starts, ends = order.details.get("travel_starts_on"), order.details.get("travel_ends_on")
    line.features.clear()
    for feature in wanted:
        dated = feature.takes_dates
        line.features.append(
            LineFeature(
                feature=feature,
                starts_on=date.fromisoformat(starts) if dated and starts else None,
                ends_on=date.fromisoformat(ends) if dated and ends else None,
            )
        )
    after = ", ".join(sorted(f.name for f in wanted)) or None
    if before != after:
        record_change(session, line, "features", before, after, actor=actor, order=order)


def new_line(session: DbSession, order: Order, number: str | None, device: Device | None, actor: User | None) -> Line:
    """A new active line for the employee, on the order's carrier and plan."""
    if not number:
        raise EffectError("no phone number was reported for the new line")
    carrier = order.carrier or detail_row(session, order, Carrier, "carrier")
    line = Line(
        number=number,
        carrier=carrier,
        account_number=carrier.account_number,
        plan=detail_row(session, order, Plan, "plan"),
        employee=order.employee,
        cost_center=order.employee.cost_center,
        device=device,
        status=LineStatus.ACTIVE,
        activated_on=clock.today(),
    )
    session.add(line)
    record_created(session, line, actor=actor, order=order, note=f"activated for {order.number}")
    order.line = line
    return line


def personal_number(order: Order) -> str:
    """The personal number a transfer brings to the corporate account (as reported, else as given)."""
    return order.service_number or parse_phone(order.details["phone_number"])


def expect_device(device: Device | None, *statuses: DeviceStatus, what: str = "The device") -> Device:
    """The device, if it is in one of `statuses`; else the order cannot take effect."""
    if device is None or device.status not in statuses:
        state = device.status.value.replace("_", " ") if device is not None else "gone"
        raise EffectError(f"{what} is {state} now")
    return device
