"""Who is emailed about what: the one table from an order event to its milestones and their recipients.

`notifications_for(session, event)` turns one timeline event into the Notification rows it owes (rendered, and
either pending or recorded as not sent with the reason). It runs inside the event's own transaction (see
app.notifications.outbox), so an event is never committed without its emails.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.models import (
    Approval,
    ApprovalStatus,
    Group,
    MilestoneSetting,
    Notification,
    NotificationStatus,
    OrderEvent,
    Role,
    User,
    UserRole,
)


@dataclass(frozen=True)
class Milestone:
    key: str
    label: str
    audience: str  # who gets it, in words, for the admin page
    asks_to_act: bool = False  # sent even to people who turned off informational emails


@dataclass(frozen=True)
class Recipient:
    user: User
    approval: Approval | None = None  # the step an approver is asked about: their email links to its inbox row


Audience = Callable[[Session, OrderEvent], list[Recipient]]

MILESTONES: dict[str, Milestone] = {m.key: m for m in (
    Milestone("submitted", "Order submitted (receipt)", "The requester and the person it is for"),
    Milestone("approval_needed", "Approval needed", "The approver of the step (each step in turn)", True),
    Milestone("info_requested", "Information requested", "The requester", True),
    Milestone("info_provided", "Information provided", "The approver who asked", True),
    Milestone("approved", "Approved", "The requester and the person it is for"),
    Milestone("rejected", "Rejected (with the reason)", "The requester and the person it is for"),
    Milestone("cancelled", "Cancelled", "The requester and the person it is for"),
    Milestone("placed", "Placed with the carrier", "The requester and the person it is for"),
    Milestone("shipped", "Shipped (with tracking links)", "The requester and the person it is for"),
    Milestone("completed", "Completed (new number and device)", "The requester and the person it is for"),
    Milestone("needs_attention", "Needs attention", "The fulfilment team", True),
    Milestone("approval_reminder", "Approval reminder", "The approver of a step waiting too long", True),
    Milestone("approval_escalated", "Approval escalated", "The new approver", True),
    Milestone("approval_moved", "Approval moved away (escalation)", "The approver it was taken from"),
)}

NO_MAIL_SERVER = "no mail server configured"


# ---------------------------------------------------------------- audiences
def requester(session: Session, event: OrderEvent) -> list[Recipient]:
    return [Recipient(event.order.requester)]


def requester_and_employee(session: Session, event: OrderEvent) -> list[Recipient]:
    return [Recipient(event.order.requester), Recipient(event.order.employee)]


def current_approvers(session: Session, event: OrderEvent) -> list[Recipient]:
    """Whoever decides the order's pending step: its assignee (a delegate, when delegated), else its group."""
    step = session.scalar(
        _approval_query().where(Approval.order_id == event.order_id, Approval.status == ApprovalStatus.PENDING)
        .order_by(Approval.position)
    )
    return approvers_of(step)


def reminded_approvers(session: Session, event: OrderEvent) -> list[Recipient]:
    return approvers_of(_event_approval(session, event))


def new_approver(session: Session, event: OrderEvent) -> list[Recipient]:
    person = session.get(User, event.data.get("to_user_id") or 0)
    return [Recipient(person, _event_approval(session, event))] if person else []


def former_approver(session: Session, event: OrderEvent) -> list[Recipient]:
    person = session.get(User, event.data.get("from_user_id") or 0)
    return [Recipient(person)] if person else []


def fulfilment_team(session: Session, event: OrderEvent) -> list[Recipient]:
    people = session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                             .where(UserRole.role == Role.FULFILLMENT).order_by(User.name)).all()
    return [Recipient(person) for person in people]


def approvers_of(step: Approval | None) -> list[Recipient]:
    """The people who may decide `step` (never the requester or the person the order is for)."""
    if step is None or step.status is not ApprovalStatus.PENDING:
        return []
    if step.assignee is not None:
        people = [step.assignee]
    else:
        people = sorted(step.group.members, key=lambda u: u.name) if step.group else []
    own = {step.order.requester_id, step.order.employee_id}
    return [Recipient(person, step) for person in people if person.id not in own]


def _approval_query():
    # populate_existing: decisions move steps with bulk updates, so an already-loaded step may be stale.
    return (select(Approval).options(joinedload(Approval.assignee),
                                     joinedload(Approval.group).selectinload(Group.members))
            .execution_options(populate_existing=True))


def _event_approval(session: Session, event: OrderEvent) -> Approval | None:
    approval_id = event.data.get("approval_id")
    return session.scalar(_approval_query().where(Approval.id == approval_id)) if approval_id else None


# ---------------------------------------------------------------- the table: event kind → what it owes
RULES: dict[str, tuple[tuple[str, Audience], ...]] = {
    "submit": (("submitted", requester_and_employee), ("approval_needed", current_approvers)),
    "approve_step": (("approval_needed", current_approvers),),
    "request_info": (("info_requested", requester),),
    "provide_info": (("info_provided", current_approvers),),
    "approve": (("approved", requester_and_employee),),
    "reject": (("rejected", requester_and_employee),),
    "cancel": (("cancelled", requester_and_employee),),
    "place": (("placed", requester_and_employee),),
    "ship": (("shipped", requester_and_employee),),
    "complete": (("completed", requester_and_employee),),
    "report_problem": (("needs_attention", fulfilment_team),),
    "approval_reminder": (("approval_reminder", reminded_approvers),),
    "approval_escalated": (("approval_escalated", new_approver), ("approval_moved", former_approver)),
}


# ---------------------------------------------------------------- switches
def switches(session: Session) -> dict[str, bool]:
    """Each milestone's switch (on unless an admin turned it off)."""
    stored = {row.milestone: row.enabled for row in session.scalars(select(MilestoneSetting))}
    return {key: stored.get(key, True) for key in MILESTONES}


def set_switches(session: Session, wanted: dict[str, bool]) -> dict[str, bool]:
    """Store the switches; returns those that changed (milestone → now on?). The caller commits."""
    current = switches(session)
    changed = {key: on for key, on in wanted.items() if key in MILESTONES and current[key] != on}
    for key, on in changed.items():
        row = session.get(MilestoneSetting, key)
        if row is None:
            session.add(MilestoneSetting(milestone=key, enabled=on))
        else:
            row.enabled = on
    return changed


# ---------------------------------------------------------------- events → notifications
def notifications_for(session: Session, event: OrderEvent, now: datetime,
                      switched: dict[str, bool] | None = None) -> list[Notification]:
    """The emails `event` owes, rendered: one per milestone per address. Not added to the session."""
    from app.notifications.rendering import render_email

    switched = switched if switched is not None else switches(session)
    made: list[Notification] = []
    for key, audience in RULES.get(event.kind, ()):
        milestone = MILESTONES[key]
        seen: set[str] = set()
        for recipient in audience(session, event):
            person = recipient.user
            address = (person.email or "").strip().lower()
            if not address or address in seen or not person.active:
                continue
            seen.add(address)
            email = render_email(session, event, milestone, recipient)
            reason = why_not_sent(milestone, person, switched)
            made.append(Notification(
                event=event, order_id=event.order_id, milestone=key, recipient=person, email=address,
                subject=email.subject[:250], body_text=email.text, body_html=email.html,
                status=NotificationStatus.NOT_SENT if reason else NotificationStatus.PENDING,
                last_error=reason, attempts=0, next_attempt_at=now, created_at=now,
            ))
    return made


def why_not_sent(milestone: Milestone, person: User, switched: dict[str, bool]) -> str:
    """Why this email is recorded but not sent ("" when it should go)."""
    if not switched.get(milestone.key, True):
        return f"The “{milestone.label}” milestone is switched off."
    if not milestone.asks_to_act and not person.informational_emails:
        return f"{person.name} turned off informational emails."
    return ""
