"""Pending approvals that wait too long: a reminder after a while, then escalation to the approver's manager.

Run by a scheduled job with the time passed in, so tests control the clock. Each sends nothing itself: it writes
timeline events, from which notifications are derived.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.approvals.policies import stand_in
from app.approvals.steps import StepAction, move
from app.database import DbSession
from app.models import Approval, ApprovalStatus, EventKind, Order, OrderStatus, get_setting
from app.orders import lifecycle


def _waiting(session: DbSession, older_than: datetime):
    return (
        select(Approval)
        .join(Order, Approval.order_id == Order.id)
        .where(
            Approval.status == ApprovalStatus.PENDING,
            Order.status == OrderStatus.PENDING_APPROVAL,
            Approval.assigned_at <= older_than,
        )
        .options(joinedload(Approval.order), joinedload(Approval.assignee))
    )


def send_reminders(session: DbSession, now: datetime) -> list[Approval]:
    """Remind the approver of each step pending longer than the reminder time (once per assignment)."""
    hours = int(get_setting("approval_reminder_hours"))
    due = session.scalars(_waiting(session, now - timedelta(hours=hours)).where(Approval.reminded_at.is_(None))).all()
    for approval in due:
        approval.reminded_at = now
        who = approval.assignee.name if approval.assignee else (approval.group.name if approval.group else "")
        lifecycle.record(
            session,
            approval.order,
            EventKind.APPROVAL_REMINDER,
            None,
            comment=f"Reminder sent to {who}: waiting for {hours} hours.",
            data={"approval_id": approval.id, "step": approval.position},
        )
    return list(due)


def escalate(session: DbSession, now: datetime) -> list[Approval]:
    """Move each step pending longer than the escalation time to the approver's manager."""
    hours = int(get_setting("approval_escalation_hours"))
    due = session.scalars(
        _waiting(session, now - timedelta(hours=hours))
        .where(Approval.escalated_at.is_(None))
        .where(Approval.assignee_id.is_not(None))
    ).all()
    escalated = []
    for approval in due:
        previous = approval.assignee
        boss = stand_in(session, previous.manager, approval.order, now.date())
        if boss.user is None or boss.user.id == previous.id:
            continue  # nobody above can take it: it stays, and is reminded again
        move(approval, StepAction.REASSIGN)
        approval.assignee, approval.on_behalf_of = boss.user, boss.on_behalf_of
        approval.escalated_at = approval.assigned_at = now
        approval.reminded_at = None
        lifecycle.record(
            session,
            approval.order,
            EventKind.APPROVAL_ESCALATED,
            None,
            comment=f"Escalated from {previous.name} to {approval.assignee.name} after {hours} hours.",
            data={
                "approval_id": approval.id,
                "from_user_id": previous.id,
                "to_user_id": approval.assignee.id,
                "step": approval.position,
            },
        )
        escalated.append(approval)
    return escalated
