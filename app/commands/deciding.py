"""The approvers' commands: approve, reject, ask for information. The last approval checks every rule of the order's
type again (the line may have been disconnected meanwhile): if one no longer holds, the order needs attention
with the reason; else it is approved, and then completed at once (internal types) or handed to its carrier."""

from __future__ import annotations

from datetime import datetime

from app import clock
from app.approvals import decisions, reminders
from app.commands.fulfilling import queue_hand_off
from app.database import DbSession
from app.models import Approval, EventKind, Order, User
from app.orders import completion, lifecycle, service
from app.orders.lifecycle import Party
from app.orders.types import REGISTRY


def approve(session: DbSession, step: Approval, person: User, comment: str = "") -> Approval | None:
    """Approve a step; returns the next step, or None when it was the last (the order is then approved, or held
    for attention when a rule no longer holds)."""
    following = decisions.approve(session, step, person, comment)
    if following is None:
        _last_step_approved(session, step.order, person, comment.strip(), decisions.step_data(step))
    return following


def reject(session: DbSession, step: Approval, person: User, reason: str) -> None:
    decisions.reject(session, step, person, reason)


def ask(session: DbSession, step: Approval, person: User, question: str) -> None:
    """Send the order back to the requester with a question."""
    decisions.request_information(session, step, person, question)


def remind_and_escalate(session: DbSession, now: datetime) -> dict[str, int]:
    """Remind approvers of steps waiting too long, and escalate those waiting longer still."""
    return {"reminded": len(reminders.send_reminders(session, now)), "escalated": len(reminders.escalate(session, now))}


def _last_step_approved(session: DbSession, order: Order, person: User, comment: str, data: dict) -> None:
    ordered_on = clock.current().date_of(order.submitted_at) if order.submitted_at else clock.today()
    errors = service.check(session, order, order.requester, today=ordered_on)
    if errors:
        reason = next(iter(errors.values()))
        lifecycle.transition(
            session,
            order,
            EventKind.HOLD,
            None,
            party=Party.SYSTEM,
            comment=f"{person.name} gave the last approval, but the order cannot go ahead: {reason}",
            data={**data, "errors": errors},
        )
        return
    lifecycle.transition(session, order, EventKind.APPROVE, person, party=Party.APPROVER, comment=comment, data=data)
    if REGISTRY[order.type].carrier_fulfilled:
        queue_hand_off(session, order)
        return
    try:
        completion.complete(session, order, None, party=Party.SYSTEM, note="Completed on approval: no carrier needed.")
    except completion.EffectError as refused:
        lifecycle.transition(
            session,
            order,
            EventKind.HOLD,
            None,
            party=Party.SYSTEM,
            comment=f"Approved, but it cannot be completed: {refused}.",
        )
