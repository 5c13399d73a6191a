"""Who is emailed about what: the one table from an order event to its milestones and their recipients.

`app.notifications.owed.notifications_for(session, event)` turns one timeline event into the Notification rows it
owes from this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.database import DbSession
from app.models import (
    Approval,
    ApprovalStatus,
    Group,
    MilestoneSetting,
    OrderEvent,
    Role,
    User,
    UserRole,
)
from app.orders import conversation
from app.orders.types.wireline.effects import install_site


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

MILESTONES: dict[str, Milestone] = {
    m.key: m
    for m in (
        Milestone("submitted", "Order submitted (receipt)", "The requester and the person it is for"),
        Milestone("approval_needed", "Approval needed", "The approver of the step (each step in turn)", True),
        Milestone("info_requested", "Information requested", "The requester", True),
        Milestone("info_provided", "Information provided", "The approver who asked", True),
        Milestone("approved", "Approved", "The requester and the person it is for"),
        Milestone("rejected", "Rejected (with the reason)", "The requester and the person it is for"),
        Milestone("cancelled", "Cancelled", "The requester and the person it is for"),
        Milestone("cancellation_requested", "Cancellation to ask of the carrier", "The fulfillment team", True),
        Milestone("cancellation_asked", "Cancellation asked of the carrier", "The requester and the person it is for"),
        Milestone("cancel_refused", "Too late to cancel", "The requester and the person it is for"),
        Milestone("placed", "Placed with the carrier", "The requester and the person it is for"),
        Milestone("shipped", "Shipped (with tracking links)", "The requester and the person it is for"),
        Milestone("completed", "Completed (new number and device)", "The requester and the person it is for"),
        Milestone("needs_attention", "Needs attention", "The fulfillment team", True),
        Milestone(
            "carrier_refused", "Refused by the carrier (with what to do next)", "The requester and the person it is for"
        ),
        Milestone(
            "held", "Cannot go ahead after approval (with the reason)", "The requester and the person it is for", True
        ),
        Milestone("approval_reminder", "Approval reminder", "The approver of a step waiting too long", True),
        Milestone("approval_escalated", "Approval escalated", "The new approver", True),
        Milestone("approval_moved", "Approval moved away (escalation)", "The approver it was taken from"),
        Milestone(
            "took_effect",
            "A dated change took effect (a disconnection on its day)",
            "The requester and the person it is for",
        ),
        Milestone("planned_end", "A suspension's planned end is near", "The requester and the person it is for", True),
        Milestone("return_reminder", "A device is due back soon", "The requester and the person it is for", True),
        Milestone(
            "message",
            "A message on an order (its conversation)",
            "Everyone taking part in the order but its author: the requester, the person it is for, its approvers "
            "and the fulfillment team members on it",
        ),
        Milestone(
            "team_question", "A question from the fulfillment team", "The requester and the person it is for", True
        ),
        Milestone("team_answered", "The answer to the fulfillment team's question", "The team member who asked", True),
        Milestone("foc_set", "Wireline: the carrier's FOC date", "The requester and the site's contact"),
        Milestone(
            "install_scheduled",
            "Wireline: install scheduled (the window, the site's address and hours for the installer)",
            "The site's contact and the requester",
            True,
        ),
        Milestone(
            "jeopardy", "Wireline: delayed (the new date and the reason)", "The requester and the site's contact"
        ),
    )
}

NO_MAIL_SERVER = "no mail server configured"


# ---------------------------------------------------------------- audiences
def requester(session: DbSession, event: OrderEvent) -> list[Recipient]:
    return [Recipient(event.order.requester)]


def requester_and_employee(session: DbSession, event: OrderEvent) -> list[Recipient]:
    return [Recipient(event.order.requester), Recipient(event.order.employee)]


def told_of_refusal(session: DbSession, event: OrderEvent) -> list[Recipient]:
    """The requester and the person it is for, when the carrier refused the order (not for a mere problem)."""
    return requester_and_employee(session, event) if event.data.get("refused") else []


def asked_of_requester(session: DbSession, event: OrderEvent) -> list[Recipient]:
    """The requester and the person it is for, when the team's report asks them a question."""
    return requester_and_employee(session, event) if event.data.get("question") else []


def site_contact_and_requester(session: DbSession, event: OrderEvent) -> list[Recipient]:
    """The contact of the site where the carrier installs (they let the installer in), and the requester."""
    site = install_site(session, event.order)
    contact = [Recipient(site.contact)] if site is not None and site.contact is not None else []
    return [*contact, Recipient(event.order.requester)]


def conversation_listeners(session: DbSession, event: OrderEvent) -> list[Recipient]:
    return [Recipient(person) for person in conversation.listeners(session, event)]


def who_asked(session: DbSession, event: OrderEvent) -> list[Recipient]:
    """The team member whose question this answers (the whole team when the carrier asked it)."""
    asked = session.get(OrderEvent, event.data.get("question_event_id") or 0)
    if asked is not None and asked.actor is not None:
        return [Recipient(asked.actor)]
    return fulfilment_team(session, event)


def current_approvers(session: DbSession, event: OrderEvent) -> list[Recipient]:
    """Whoever decides the order's pending step: its assignee (a delegate, when delegated), else its group."""
    step = session.scalar(
        _approval_query()
        .where(Approval.order_id == event.order_id, Approval.status == ApprovalStatus.PENDING)
        .order_by(Approval.position)
    )
    return approvers_of(step)


def reminded_approvers(session: DbSession, event: OrderEvent) -> list[Recipient]:
    return approvers_of(_event_approval(session, event))


def new_approver(session: DbSession, event: OrderEvent) -> list[Recipient]:
    person = session.get(User, event.data.get("to_user_id") or 0)
    return [Recipient(person, _event_approval(session, event))] if person else []


def former_approver(session: DbSession, event: OrderEvent) -> list[Recipient]:
    person = session.get(User, event.data.get("from_user_id") or 0)
    return [Recipient(person)] if person else []


def administrators(session: DbSession) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.ADMIN, User.active)
            .order_by(User.name)
        )
    )


def fulfilment_team(session: DbSession, event: OrderEvent) -> list[Recipient]:
    people = session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.FULFILLMENT)
        .order_by(User.name)
    ).all()
    return [Recipient(person) for person in people]


def approvers_of(step: Approval | None) -> list[Recipient]:
    """The people who may decide `step` (never the requester or the person the order is for)."""
    if step is None or step.status is not ApprovalStatus.PENDING:
        return []
    if step.assignee is not None:
        people = [step.assignee]
    elif step.group is not None:
        people = sorted(step.group.members, key=lambda u: u.name)
    else:  # nobody can approve it: the administrators' "No approver" queue
        session = Session.object_session(step)
        people = administrators(session) if session is not None else []
    own = {step.order.requester_id, step.order.employee_id}
    return [Recipient(person, step) for person in people if person.id not in own]


def _approval_query():
    # populate_existing: decisions move steps with bulk updates, so an already-loaded step may be stale.
    return (
        select(Approval)
        .options(joinedload(Approval.assignee), joinedload(Approval.group).selectinload(Group.members))
        .execution_options(populate_existing=True)
    )


def _event_approval(session: DbSession, event: OrderEvent) -> Approval | None:
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
    "request_cancel": (("cancellation_requested", fulfilment_team), ("cancellation_asked", requester_and_employee)),
    "confirm_cancel": (("cancelled", requester_and_employee),),
    "refuse_cancel": (("cancel_refused", requester_and_employee),),
    "place": (("placed", requester_and_employee),),
    "ship": (("shipped", requester_and_employee),),
    "complete": (("completed", requester_and_employee),),
    "report_problem": (
        ("needs_attention", fulfilment_team),
        ("carrier_refused", told_of_refusal),
        ("team_question", asked_of_requester),
    ),
    "message": (("message", conversation_listeners),),
    "answer": (("team_answered", who_asked),),
    "hold": (("needs_attention", fulfilment_team), ("held", requester_and_employee)),
    "approval_reminder": (("approval_reminder", reminded_approvers),),
    "approval_escalated": (("approval_escalated", new_approver), ("approval_moved", former_approver)),
    "took_effect": (("took_effect", requester_and_employee),),
    "dated_change_failed": (("needs_attention", fulfilment_team),),
    "carrier_send_failed": (("needs_attention", fulfilment_team),),
    "planned_end_reminder": (("planned_end", requester_and_employee),),
    "return_reminder": (("return_reminder", requester_and_employee),),
    "foc": (("foc_set", site_contact_and_requester),),
    "install_scheduled": (("install_scheduled", site_contact_and_requester),),
    "jeopardy": (("jeopardy", site_contact_and_requester),),
}


# ---------------------------------------------------------------- switches
def switches(session: DbSession) -> dict[str, bool]:
    """Each milestone's switch (on unless an admin turned it off)."""
    stored = {row.milestone: row.enabled for row in session.scalars(select(MilestoneSetting))}
    return {key: stored.get(key, True) for key in MILESTONES}


def set_switches(session: DbSession, wanted: dict[str, bool]) -> dict[str, bool]:
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
