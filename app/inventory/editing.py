"""Editing inventory records by hand: references looked up, rules checked, edits made on a stale copy refused,
and every change written to the history."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app import formatting
from app.database import DbSession
from app.inventory.history import apply_changes, last_change, status_label
from app.models import (
    Carrier,
    CostCenter,
    Device,
    DeviceModel,
    DeviceStatus,
    InventoryChange,
    Line,
    LineStatus,
    Plan,
    Sim,
    Stipend,
    StipendStatus,
    StipendTier,
    User,
)

LIVE = (LineStatus.ACTIVE, LineStatus.SUSPENDED)


# A reference typed in a form (an id, an email, an IMEI, a number) → the object, or ValueError saying why not.
Resolver = Callable[[DbSession, Any], Any]


class EditRefused(Exception):
    """The values break a rule; `errors` says, field by field, what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class StaleEdit(Exception):
    """Someone saved the record after the editor opened it; nothing was saved."""

    def __init__(self, changed_by: User | None, changed_at: datetime | None) -> None:
        super().__init__("The record changed after it was opened")
        self.changed_by = changed_by
        self.changed_at = changed_at


def edit(
    session: DbSession, record: Any, raw: dict[str, Any], *, actor: User, expected_version: int | None
) -> list[InventoryChange]:
    """Change `record` as typed in a form, or refuse: `raw` holds parsed form values (references as ids, the
    employee by email, a line's device by IMEI). The caller commits, or rolls back on an exception."""
    if expected_version is not None and record.version != expected_version:
        raise _stale(session, record)
    values = resolve(session, raw)
    errors = check(session, record, values)
    if errors:
        raise EditRefused(errors)
    try:
        with session.begin_nested():  # a refused write leaves the caller's transaction as it was
            changes = apply_changes(session, record, values, actor=actor)
    except StaleDataError:  # saved by someone else between our check and our write
        session.expire(record)
        raise _stale(session, session.get(type(record), record.id)) from None
    except IntegrityError as error:  # a number, IMEI or ICCID taken a moment ago
        raise EditRefused(_constraint_errors(str(error.orig))) from None
    return changes


def _stale(session: DbSession, record: Any) -> StaleEdit:
    change = last_change(session, record) if record is not None else None
    return StaleEdit(change.actor if change else None, change.at if change else None)


def _constraint_errors(message: str) -> dict[str, str]:
    for marker, field in (("imei", "imei"), ("iccid", "iccid"), ("number", "number")):
        if marker in message:
            return {field: "Someone saved this value on another record a moment ago; it is already in use."}
    return {"": "The change could not be saved because it conflicts with another record."}


# ------------------------------------------------------------------ references typed in forms → objects
def _by_id(model: type, message: str, required: bool = True) -> Resolver:
    def find(session: DbSession, value: Any) -> Any:
        if value in (None, ""):
            if required:
                raise ValueError(message)
            return None
        found = session.get(model, int(value))
        if found is None:
            raise ValueError(message)
        return found

    return find


def _employee(session: DbSession, email: str | None) -> User | None:
    if not email:
        return None
    if "@" not in email:
        raise ValueError("Enter the employee's email address, like name@example.com.")
    person = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if person is None:
        raise ValueError(f"No one has the email {email.strip()}.")
    return person


def _device(session: DbSession, imei: str | None) -> Device | None:
    if not imei:
        return None
    device = session.scalar(select(Device).where(Device.imei == imei))
    if device is None:
        raise ValueError(f"No device has the IMEI {formatting.imei(imei)}; add the device first.")
    return device


def _line(session: DbSession, number: str | None) -> Line | None:
    if not number:
        return None
    line = session.scalar(select(Line).where(Line.number == number, Line.status.in_(LIVE)))
    if line is None:
        raise ValueError(f"No active or suspended line has the number {formatting.phone(number)}.")
    return line


RESOLVERS: dict[str, Resolver] = {
    "carrier": _by_id(Carrier, "Choose the carrier."),
    "plan": _by_id(Plan, "Choose a plan from the list.", required=False),
    "cost_center": _by_id(CostCenter, "Choose a cost center from the list.", required=False),
    "model": _by_id(DeviceModel, "Choose the device model."),
    "tier": _by_id(StipendTier, "Choose the stipend tier."),
    "employee": _employee,
    "device": _device,
    "line": _line,
}


def resolve(session: DbSession, raw: dict[str, Any]) -> dict[str, Any]:
    """Form values with references looked up; EditRefused naming each one that does not exist."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in raw.items():
        if name in RESOLVERS:
            try:
                values[name] = RESOLVERS[name](session, value)
            except ValueError as error:
                errors[name] = str(error)
        else:
            values[name] = value
    if errors:
        raise EditRefused(errors)
    return values


# ------------------------------------------------------------------ rules
def check(session: DbSession, record: Any, values: dict[str, Any]) -> dict[str, str]:
    """What is wrong with `record` once `values` are applied, field by field (empty: nothing)."""
    kinds: dict[type[Any], Callable[..., Iterable[tuple[str, str]]]] = {
        Line: _line_rules,
        Device: _device_rules,
        Sim: _sim_rules,
        Stipend: _stipend_rules,
    }
    rules = kinds.get(type(record))
    if rules is None:
        return {}

    def after(name: str) -> Any:
        return values[name] if name in values else getattr(record, name)

    def before(name: str) -> Any:
        return getattr(record, name)

    # Only what this change breaks: a fault the record already had does not block an unrelated edit.
    already = dict(rules(session, record, before)) if record.id is not None else {}
    return {field: message for field, message in rules(session, record, after) if already.get(field) != message}


def _line_rules(session: DbSession, line: Line, after: Callable[[str], Any]):
    live = after("status") in LIVE
    number = after("number")
    if live and number:
        holder = session.scalar(select(Line).where(Line.number == number, Line.status.in_(LIVE), Line.id != _id(line)))
        if holder is not None:
            yield "number", f"{formatting.phone(number)} is already the number of {_whose(holder)}."
    device = after("device")
    if device is not None:
        holder = session.scalar(
            select(Line).where(Line.device_id == device.id, Line.status.in_(LIVE), Line.id != _id(line))
        )
        if holder is not None and live:
            yield "device", f"The device with IMEI {formatting.imei(device.imei)} is on {_whose(holder)}."
    plan, carrier = after("plan"), after("carrier")
    if plan is not None and carrier is not None and plan.carrier_id != carrier.id:
        yield "plan", f"{plan.name} is a {plan.carrier.name} plan; choose one of {carrier.name}'s plans."
    if after("status") == LineStatus.SUSPENDED and after("suspended_on") is None:
        yield "suspended_on", "Enter the date the line was suspended."
    if after("status") == LineStatus.DISCONNECTED and after("disconnected_on") is None:
        yield "disconnected_on", "Enter the date the line was disconnected."


def _device_rules(session: DbSession, device: Device, after: Callable[[str], Any]):
    imei = after("imei")
    if imei:
        holder = session.scalar(select(Device).where(Device.imei == imei, Device.id != _id(device)))
        if holder is not None:
            yield "imei", f"IMEI {formatting.imei(imei)} already belongs to {describe_device(session, holder)}."
    bought, warranty = after("purchased_on"), after("warranty_ends_on")
    if bought and warranty and warranty < bought:
        yield "warranty_ends_on", "The warranty cannot end before the device was bought."
    if after("status") == DeviceStatus.ASSIGNED and after("employee") is None:
        yield "employee", "An assigned device needs the email of the employee who has it."


def _sim_rules(session: DbSession, sim: Sim, after: Callable[[str], Any]):
    iccid = after("iccid")
    if iccid:
        holder = session.scalar(select(Sim).where(Sim.iccid == iccid, Sim.id != _id(sim)))
        if holder is not None:
            where = f"the SIM of {_whose(holder.line)}" if holder.line else "another SIM (on no line)"
            yield "iccid", f"ICCID {iccid} is already {where}."


def _stipend_rules(session: DbSession, stipend: Stipend, after: Callable[[str], Any]):
    starts, ends = after("starts_on"), after("ends_on")
    if starts and ends and ends < starts:
        yield "ends_on", "The stipend cannot end before it starts."
    if after("status") == StipendStatus.ENDED and ends is None:
        yield "ends_on", "Enter the date the stipend ended."
    amount = after("monthly_cents")
    if amount is not None and amount <= 0:
        yield "monthly_cents", "Enter a monthly amount above $0.00."


def _id(record: Any) -> int:
    return record.id if record.id is not None else -1


def _whose(line: Line) -> str:
    owner = f"{line.employee.name}'s" if line.employee else "an unassigned"
    return f"{owner} {status_label(line.status).lower()} line {formatting.phone(line.number)}"


def describe_device(session: DbSession, device: Device) -> str:
    """'Apple iPhone 16 128 GB Black (serial AP00104729), on Erin Park's active line (212) 555-0100'."""
    text = f"{device.model} (serial {device.serial or 'not recorded'})"
    line = session.scalar(select(Line).where(Line.device_id == device.id, Line.status.in_(LIVE)))
    if line is not None:
        return f"{text}, on {_whose(line)}"
    return f"{text}, {status_label(device.status).lower()}"
