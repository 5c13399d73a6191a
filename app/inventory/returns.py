"""Devices owed back: a device an order replaced (an upgrade, a warranty replacement, a port with a new phone) is
"pending return" until the telecom team records that it came back, or that it was lost (with the company's charge).

The person sees what to return, by when and how on their page and on the order; a reminder goes out before the
day (`due_reminders`, by the worker's daily job); the team works the list of devices still owed (`owed`).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app import clock, formatting
from app.database import DbSession
from app.inventory.history import apply_changes
from app.models import Device, DeviceStatus, Order, User, get_setting


class ReturnError(Exception):
    """The device is not owed back (any more)."""


def owe_back(session: DbSession, device: Device, order: Order, actor: User | None) -> None:
    """`device` was replaced by `order`: it is owed back within the company's return period."""
    due = clock.today() + timedelta(days=int(get_setting("return_days")))
    apply_changes(
        session,
        device,
        {"status": DeviceStatus.PENDING_RETURN, "return_due_on": due, "returned_on": None},
        actor=actor,
        order=order,
    )
    device.return_order_id = order.id
    device.return_reminded_at = None


def described(device: Device) -> str:
    """'the iPhone 12 (IMEI 35-209900-176148-1)', or with its serial number when it has no IMEI."""
    if device.imei:
        return f"the {device.model} (IMEI {formatting.imei(device.imei)})"
    return f"the {device.model} (serial number {device.serial})" if device.serial else f"the {device.model}"


def instructions() -> str:
    """How to return a device (the company's words, set in Admin › Settings)."""
    return str(get_setting("return_instructions"))


def owed_query() -> Select[Device]:
    """Devices still owed back, the longest overdue first."""
    return (
        select(Device)
        .options(joinedload(Device.model), joinedload(Device.employee))
        .where(Device.status == DeviceStatus.PENDING_RETURN)
        .order_by(Device.return_due_on.is_(None), Device.return_due_on, Device.id)
    )


def owed(session: DbSession, *, employee: User | None = None, order: Order | None = None) -> list[Device]:
    """Devices still owed back: all of them, a person's, or those an order replaced."""
    query = owed_query()
    if employee is not None:
        query = query.where(Device.employee_id == employee.id)
    if order is not None:
        query = query.where(Device.return_order_id == order.id)
    return list(session.scalars(query))


def owed_count(session: DbSession) -> int:
    return session.scalar(select(func.count(Device.id)).where(Device.status == DeviceStatus.PENDING_RETURN)) or 0


def _expect_owed(device: Device) -> None:
    if device.status is not DeviceStatus.PENDING_RETURN:
        raise ReturnError(f"The {device.model} is not owed back: it is {device.status.value.replace('_', ' ')}.")


RETURNED_TO = (DeviceStatus.IN_STOCK, DeviceStatus.RETIRED, DeviceStatus.RETURNED_TO_VENDOR)


def record_return(
    session: DbSession, device: Device, actor: User, *, to: DeviceStatus = DeviceStatus.IN_STOCK, on: date | None = None
) -> None:
    """The device came back: no longer held by the person, it goes back to stock (or is retired, or sent on to
    the vendor)."""
    _expect_owed(device)
    if to not in RETURNED_TO:
        raise ReturnError("A returned device goes back to stock, is retired or is sent to the vendor.")
    apply_changes(session, device, {"status": to, "returned_on": on or clock.today(), "employee_id": None}, actor=actor)


def record_lost(session: DbSession, device: Device, actor: User, *, charge_cents: int) -> None:
    """The device will not come back: it is lost, and the company's charge for it is recorded."""
    _expect_owed(device)
    if charge_cents < 0:
        raise ReturnError("The charge cannot be negative.")
    apply_changes(
        session, device, {"status": DeviceStatus.LOST_STOLEN, "return_charge_cents": charge_cents}, actor=actor
    )


def due_reminders(session: DbSession, today: date) -> list[Device]:
    """Devices whose return is due within the reminder period and whose holder has not been reminded yet."""
    horizon = today + timedelta(days=int(get_setting("return_reminder_days")))
    return list(
        session.scalars(
            owed_query().where(
                Device.return_due_on.is_not(None),
                Device.return_due_on <= horizon,
                Device.return_reminded_at.is_(None),
                Device.return_order_id.is_not(None),
            )
        )
    )
