"""What happens on a date rather than at once: a disconnection or the end of a stipend ordered for a later day,
the reminder before a suspension's planned end, the reminder before a device is due back. The worker's daily job
(`app.jobs.dated_sweep`) calls `carry_out_dated_changes`; each change commits on its own, so one that cannot take
effect is recorded on its order (the fulfilment team is told) and never holds up the others."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import clock, formatting
from app.database import DbSession
from app.inventory import returns
from app.models import DatedChange, EventKind, Order
from app.orders import lifecycle
from app.orders.types import REGISTRY
from app.orders.types.base import EffectError

BATCH = 500


def carry_out_dated_changes(session: DbSession, today: date | None = None) -> dict[str, int]:
    """Carry out the dated changes due by `today` (default: today), then remind people of devices due back."""
    today = today or clock.today()
    counts = {"took_effect": 0, "failed": 0, "reminded": 0, "returns_reminded": 0}
    due = session.scalars(
        select(DatedChange)
        .options(joinedload(DatedChange.order))
        .where(DatedChange.done_at.is_(None), DatedChange.due_on <= today)
        .order_by(DatedChange.due_on, DatedChange.id)
        .limit(BATCH)
    ).all()
    for change in due:
        counts[_carry_out(session, change)] += 1
        session.commit()
    for device in returns.due_reminders(session, today):
        order = session.get(Order, device.return_order_id)
        if order is not None:
            lifecycle.record(
                session,
                order,
                EventKind.RETURN_REMINDER,
                None,
                comment=f"Return {returns.described(device)} by {formatting.day(device.return_due_on)}. "
                f"{returns.instructions()}",
                data={
                    "device_id": device.id,
                    "due_on": device.return_due_on.isoformat() if device.return_due_on else "",
                },
            )
            counts["returns_reminded"] += 1
        device.return_reminded_at = clock.now()
        session.commit()
    return counts


def _carry_out(session: DbSession, change: DatedChange) -> str:
    order = change.order
    order_type = REGISTRY[order.type]
    change.done_at = clock.now()
    if change.kind == "reminder":
        lifecycle.record(
            session,
            order,
            EventKind.PLANNED_END_REMINDER,
            None,
            comment=order_type.reminder(order) if order_type.reminder else f"A reminder about {order.number}.",
            data={"dated_change_id": change.id},
        )
        return "reminded"
    try:
        with session.begin_nested():
            if order_type.on_date is None:
                raise EffectError(f"{order_type.name} has nothing to do on a date")
            order_type.on_date(session, order, None)
            lifecycle.record(
                session,
                order,
                EventKind.TOOK_EFFECT,
                None,
                comment=f"Took effect on {formatting.day(change.due_on)}.",
                data={"dated_change_id": change.id},
            )
    except EffectError as refused:
        lifecycle.record(
            session,
            order,
            EventKind.DATED_CHANGE_FAILED,
            None,
            comment=f"It could not take effect on {formatting.day(change.due_on)}: {refused}.",
            data={"dated_change_id": change.id},
        )
        return "failed"
    return "took_effect"
