"""What completing an order does to the inventory, per order type, written to the inventory history.

Called in the same transaction as the order's move to `completed`. Internal types (line assignment, stipend
enrolment and removal) complete at their last approval; carrier types when the carrier reports completion.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.inventory.history import apply_changes, record_created
from app.models import (
    Accessory,
    Carrier,
    Device,
    DeviceAccessory,
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
    Stipend,
    StipendStatus,
    StipendTier,
    User,
)

WARRANTY_DAYS = 365

# What the carrier must have reported before an order of each type can complete.
NEEDS = {
    "new_line": ("service_number", "imei"),
    "activate_in_stock": ("service_number",),
    "upgrade": ("imei",),
    "warranty_replacement": ("imei",),
    "change_number": ("service_number",),
    "sim_request": ("iccid",),
}
NEED_MESSAGES = {
    "service_number": ("service_number", "Record the new phone number before completing."),
    "imei": ("imei", "Record the new device's IMEI before completing."),
    "iccid": ("iccid", "Record the new SIM's ICCID before completing."),
}

Effect = Callable[[Session, Order, "User | None"], None]
EFFECTS: dict[str, Effect] = {}


class EffectError(Exception):
    """The inventory cannot take this order's effect (the record changed since it was ordered)."""


def effect(code: str) -> Callable[[Effect], Effect]:
    def register(fn: Effect) -> Effect:
        EFFECTS[code] = fn
        return fn

    return register


def apply_completion(session: Session, order: Order, actor: User | None) -> None:
    fn = EFFECTS.get(order.type)
    if fn is None:
        raise EffectError(f"No inventory effect is defined for {order.type} orders.")
    fn(session, order, actor)


def missing_for_completion(order: Order) -> dict[str, str]:
    """What still has to be reported before the order can complete: {field: message}."""
    missing = {}
    needs = list(NEEDS.get(order.type, ()))
    if order.type == "port_in" and order.details.get("device_model"):
        needs.append("imei")
    for need in needs:
        if need == "service_number" and not order.service_number:
            missing[NEED_MESSAGES[need][0]] = NEED_MESSAGES[need][1]
        elif need in ("imei", "iccid") and not any(getattr(d, need) for d in order.reported_devices):
            missing[NEED_MESSAGES[need][0]] = NEED_MESSAGES[need][1]
    return missing


def _record_field(record, field: str, old: str | None, new: str | None, *, actor: User | None,
                  order: Order) -> None:
    """A history row for a change apply_changes cannot see (a collection: features, accessories)."""
    from app.inventory.history import record_type, utcnow
    from app.models import InventoryChange

    db_session = Session.object_session(record)
    db_session.add(InventoryChange(at=utcnow(), actor=actor, record_type=record_type(record), record_id=record.id,
                                   field=field, old_value=old, new_value=new, order_id=order.id))


def _detail_id(session: Session, order: Order, model: type, name: str):
    value = order.details.get(name)
    return session.get(model, int(value)) if value not in (None, "") else None


def _reported(order: Order, name: str) -> str | None:
    return next((getattr(d, name) for d in order.reported_devices if getattr(d, name)), None)


def _new_device(session: Session, order: Order, model: DeviceModel, actor: User | None) -> Device:
    today = date.today()
    device = Device(imei=_reported(order, "imei"), serial=_reported(order, "serial") or "", model=model,
                    status=DeviceStatus.ASSIGNED, employee=order.employee, purchased_on=today, activated_on=today,
                    warranty_ends_on=today + timedelta(days=WARRANTY_DAYS))
    session.add(device)
    record_created(device, actor=actor, order=order, note=f"received for {order.number}")
    return device


def _replace_device(session: Session, order: Order, line: Line, model: DeviceModel, old_status: DeviceStatus,
                    actor: User | None) -> Device:
    """A new device of `model` goes on the line; the one it replaces takes `old_status`."""
    old = line.device
    device = _new_device(session, order, model, actor)
    apply_changes(line, {"device": device}, actor=actor, order=order)
    if old is not None:
        apply_changes(old, {"status": old_status}, actor=actor, order=order)
    return device


def _new_sim(session: Session, order: Order, line: Line, actor: User | None) -> Sim | None:
    iccid = _reported(order, "iccid")
    if not iccid:
        return None
    for old in line.sims:
        if old.active:
            apply_changes(old, {"active": False}, actor=actor, order=order)
    kind = SimKind.ESIM if order.details.get("sim_kind") == "esim" else SimKind.PHYSICAL
    sim = Sim(iccid=iccid, kind=kind, line=line, activated_on=date.today())
    session.add(sim)
    record_created(sim, actor=actor, order=order, note=f"activated for {order.number}")
    return sim


def _set_features(session: Session, order: Order, line: Line, actor: User | None) -> None:
    wanted = [session.get(Feature, int(i)) for i in order.details.get("features", [])]
    before = ", ".join(sorted(lf.feature.name for lf in line.features)) or None
    starts = order.details.get("travel_starts_on")
    ends = order.details.get("travel_ends_on")
    line.features.clear()
    for feature in wanted:
        dated = feature.takes_dates
        line.features.append(LineFeature(feature=feature, starts_on=date.fromisoformat(starts) if dated and starts
                                          else None, ends_on=date.fromisoformat(ends) if dated and ends else None))
    after = ", ".join(sorted(f.name for f in wanted)) or None
    if before != after:
        _record_field(line, "features", before, after, actor=actor, order=order)


def _new_line(session: Session, order: Order, number: str, device: Device | None, actor: User | None) -> Line:
    carrier = order.carrier or _detail_id(session, order, Carrier, "carrier")
    line = Line(number=number, carrier=carrier, account_number=carrier.account_number,
                plan=_detail_id(session, order, Plan, "plan"), employee=order.employee,
                cost_center=order.employee.cost_center, device=device, status=LineStatus.ACTIVE,
                activated_on=date.today())
    session.add(line)
    record_created(line, actor=actor, order=order, note=f"activated for {order.number}")
    order.line = line
    return line


def _detail_date(order: Order, name: str) -> date:
    value = order.details.get(name)
    return date.fromisoformat(value) if value else date.today()


@effect("assign_line")
def assign_line(session: Session, order: Order, actor: User | None) -> None:
    """The line (and its device) go to the new employee, with the new employee's cost center."""
    line = order.line
    new_holder = session.get(User, int(order.details["new_employee"]))
    if line is None or new_holder is None:
        raise EffectError("The line or the person it goes to no longer exists.")
    apply_changes(line, {"employee_id": new_holder.id, "cost_center_id": new_holder.cost_center_id},
                  actor=actor, order=order)
    if line.device is not None:
        apply_changes(line.device, {"employee_id": new_holder.id, "status": DeviceStatus.ASSIGNED},
                      actor=actor, order=order)


@effect("stipend_enroll")
def stipend_enroll(session: Session, order: Order, actor: User | None) -> None:
    tier = session.get(StipendTier, int(order.details["tier"]))
    stipend = Stipend(employee=order.employee, tier=tier, monthly_cents=tier.monthly_cents,
                      status=StipendStatus.ACTIVE, starts_on=date.today())
    session.add(stipend)
    record_created(stipend, actor=actor, order=order, note=f"enrolled at {tier.name}")


@effect("stipend_remove")
def stipend_remove(session: Session, order: Order, actor: User | None) -> None:
    stipend = session.scalars(select(Stipend).where(Stipend.employee_id == order.employee_id,
                                                    Stipend.status == StipendStatus.ACTIVE)).first()
    if stipend is None:
        raise EffectError(f"{order.employee.name} is no longer enrolled in the stipend program.")
    apply_changes(stipend, {"status": StipendStatus.ENDED, "ends_on": _detail_date(order, "effective_on")},
                  actor=actor, order=order)


# ---------------------------------------------------------------- carrier-fulfilled types
@effect("new_line")
def new_line(session: Session, order: Order, actor: User | None) -> None:
    """A new line (active, new number, plan, features), its new device and SIM, for the employee."""
    device = _new_device(session, order, _detail_id(session, order, DeviceModel, "device_model"), actor)
    line = _new_line(session, order, order.service_number, device, actor)
    session.flush()
    _set_features(session, order, line, actor)
    _new_sim(session, order, line, actor)
    order.device = device


@effect("activate_in_stock")
def activate_in_stock(session: Session, order: Order, actor: User | None) -> None:
    """A new line on the in-stock device, which is now assigned to the employee."""
    device = order.device
    apply_changes(device, {"status": DeviceStatus.ASSIGNED, "employee_id": order.employee_id,
                           "activated_on": date.today()}, actor=actor, order=order)
    line = _new_line(session, order, order.service_number, device, actor)
    session.flush()
    _set_features(session, order, line, actor)
    _new_sim(session, order, line, actor)


@effect("upgrade")
def upgrade(session: Session, order: Order, actor: User | None) -> None:
    """The new device goes on the line; the old one is to be returned."""
    line = order.line
    _replace_device(session, order, line, _detail_id(session, order, DeviceModel, "device_model"),
                    DeviceStatus.PENDING_RETURN, actor)
    _new_sim(session, order, line, actor)


@effect("warranty_replacement")
def warranty_replacement(session: Session, order: Order, actor: User | None) -> None:
    """A replacement of the same model goes on the line; the defective one goes back to the vendor."""
    line = order.line
    _replace_device(session, order, line, line.device.model, DeviceStatus.RETURNED_TO_VENDOR, actor)


@effect("accessory")
def accessory(session: Session, order: Order, actor: User | None) -> None:
    """The accessories shipped are listed on the device."""
    device = order.device
    names = []
    for accessory_id in order.details.get("accessories", []):
        item = session.get(Accessory, int(accessory_id))
        session.add(DeviceAccessory(device=device, accessory=item, order_id=order.id))
        names.append(item.name)
    _record_field(device, "accessories", None, ", ".join(names), actor=actor, order=order)


@effect("port_in")
def port_in(session: Session, order: Order, actor: User | None) -> None:
    """The line moves to the new carrier, account and plan; the number stays. A new device if one was ordered."""
    line = order.line
    carrier = _detail_id(session, order, Carrier, "carrier")
    apply_changes(line, {"carrier": carrier, "account_number": carrier.account_number,
                         "plan": _detail_id(session, order, Plan, "plan")}, actor=actor, order=order)
    if order.details.get("device_model"):
        _replace_device(session, order, line, _detail_id(session, order, DeviceModel, "device_model"),
                        DeviceStatus.PENDING_RETURN, actor)
    _new_sim(session, order, line, actor)


@effect("transfer_liability")
def transfer_liability(session: Session, order: Order, actor: User | None) -> None:
    """In: a new corporate line with the person's number. Out: the line leaves; the device stays with them."""
    if order.details.get("direction") == "to_corporate":
        from app.identifiers import parse_phone

        number = order.service_number or parse_phone(order.details["phone_number"])
        line = _new_line(session, order, number, None, actor)
        _new_sim(session, order, line, actor)
        return
    line = order.line
    apply_changes(line, {"status": LineStatus.TRANSFERRED_OUT, "disconnected_on": date.today()},
                  actor=actor, order=order)
    if line.device is not None:
        apply_changes(line.device, {"status": DeviceStatus.RETIRED}, actor=actor, order=order)


@effect("change_features")
def change_features(session: Session, order: Order, actor: User | None) -> None:
    _set_features(session, order, order.line, actor)


@effect("change_plan")
def change_plan(session: Session, order: Order, actor: User | None) -> None:
    apply_changes(order.line, {"plan": _detail_id(session, order, Plan, "plan")}, actor=actor, order=order)


@effect("change_number")
def change_number(session: Session, order: Order, actor: User | None) -> None:
    """The line gets its new number; the old one stays in the line's history."""
    apply_changes(order.line, {"number": order.service_number}, actor=actor, order=order)


@effect("swap_to_stock_device")
def swap_to_stock_device(session: Session, order: Order, actor: User | None) -> None:
    """The line moves to the in-stock device; the old device goes back to stock."""
    line, device = order.line, order.device
    old = line.device
    apply_changes(device, {"status": DeviceStatus.ASSIGNED, "employee_id": order.employee_id,
                           "activated_on": date.today()}, actor=actor, order=order)
    apply_changes(line, {"device": device}, actor=actor, order=order)
    if old is not None and old is not device:
        apply_changes(old, {"status": DeviceStatus.IN_STOCK, "employee_id": None}, actor=actor, order=order)


@effect("sim_request")
def sim_request(session: Session, order: Order, actor: User | None) -> None:
    _new_sim(session, order, order.line, actor)


@effect("restore")
def restore(session: Session, order: Order, actor: User | None) -> None:
    apply_changes(order.line, {"status": LineStatus.ACTIVE, "suspended_on": None, "suspend_reason": "",
                               "disconnected_on": None}, actor=actor, order=order)


@effect("suspend")
def suspend(session: Session, order: Order, actor: User | None) -> None:
    apply_changes(order.line, {"status": LineStatus.SUSPENDED, "suspended_on": date.today(),
                               "suspend_reason": order.details.get("reason", "")}, actor=actor, order=order)


DISPOSITION_STATUS = {"return_to_stock": DeviceStatus.IN_STOCK, "keep": DeviceStatus.RETIRED,
                      "recycle": DeviceStatus.RETIRED, "lost_stolen": DeviceStatus.LOST_STOLEN}


@effect("disconnect")
def disconnect(session: Session, order: Order, actor: User | None) -> None:
    """The line is disconnected on its date; the device goes where the order said."""
    line = order.line
    apply_changes(line, {"status": LineStatus.DISCONNECTED, "disconnected_on": _detail_date(order, "effective_on")},
                  actor=actor, order=order)
    device = line.device
    disposition = order.details.get("disposition")
    if device is not None and disposition in DISPOSITION_STATUS:
        changes = {"status": DISPOSITION_STATUS[disposition]}
        if disposition == "return_to_stock":
            changes["employee_id"] = None
        apply_changes(device, changes, actor=actor, order=order)
