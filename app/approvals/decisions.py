"""Deciding approvals: route a submitted order, approve, reject, ask for information.

Each decision claims its step in the database (app.approvals.steps), so of two people deciding the same step
at once exactly one wins and the other is told who decided first; the order moves through the lifecycle (which
bumps its version and writes the timeline), and the next step is assigned. What follows the last approval (the
rules checked again, completion or hand-off) is the commands' (app.commands), not this module's.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app import clock
from app.approvals.policies import assign, lay_out
from app.approvals.steps import AlreadyDecided, StepAction, StepError, claim, move, skip_open
from app.database import DbSession
from app.models import Approval, ApprovalStatus, EventKind, Order, OrderStatus, User
from app.orders import lifecycle
from app.orders.lifecycle import Party

__all__ = ["AlreadyDecided", "ApprovalError", "approve", "may_decide", "reject", "request_information", "route"]


class ApprovalError(StepError):
    """A decision that cannot be made; the message says why."""


def route(session: DbSession, order: Order, today: date | None = None) -> Approval:
    """Lay out a submitted order's steps and assign the first (there is always one: approvals fail closed)."""
    approvals = lay_out(session, order)
    session.flush()
    step = next_step(session, order, approvals, today=today or clock.today())
    assert step is not None
    return step


def next_step(session: DbSession, order: Order, approvals: list[Approval], *, today: date) -> Approval | None:
    """Activate the next waiting step and say who decides it; None when every step is decided."""
    waiting = sorted((a for a in approvals if a.status is ApprovalStatus.WAITING), key=lambda a: a.position)
    if not waiting:
        return None
    step = waiting[0]
    approver = assign(session, step, today)
    move(step, StepAction.ACTIVATE)
    if approver.nobody:
        lifecycle.record(
            session,
            order,
            EventKind.NO_APPROVER,
            None,
            comment=f"Step {step.position}: {approver.note}. It waits for an administrator in the No approver queue.",
            data={"step": step.position},
        )
    elif approver.note:
        lifecycle.record(
            session, order, EventKind.ROUTING_NOTE, None, comment=f"Step {step.position}: {approver.note}."
        )
    return step


def may_decide(approval: Approval, person: User) -> bool:
    """The assignee (or their delegate, who is the assignee then), any member of the step's group, or an
    administrator for a step nobody else can decide — never the requester or the person the order is for."""
    order = approval.order
    if person.id in (order.requester_id, order.employee_id):
        return False
    if approval.assignee_id is not None:
        return approval.assignee_id == person.id
    if approval.group_id is not None:
        return approval.group_id in {g.id for g in person.groups}
    return person.is_admin


def _pending_step(approval: Approval, person: User) -> None:
    order = approval.order
    if approval.status is not ApprovalStatus.PENDING:
        who = approval.decided_by.name if approval.decided_by else "Someone else"
        raise AlreadyDecided(f"{who} already decided this step ({approval.status.value}).")
    if order.status is not OrderStatus.PENDING_APPROVAL:
        raise ApprovalError(f"{order.number} is {order.status.label.lower()}: there is nothing to decide now.")
    if not may_decide(approval, person):
        raise ApprovalError("This step is not yours to decide.")


def _still_pending(approval: Approval) -> None:
    """After the claim (which reads the order again): a question asked meanwhile leaves nothing to reject. Without
    the row locks of PostgreSQL (SQLite) both may have read the order before either wrote."""
    order = approval.order
    if order.status is not OrderStatus.PENDING_APPROVAL:
        raise ApprovalError(f"{order.number} is {order.status.label.lower()}: there is nothing to decide now.")


def _locked(session: DbSession, approval: Approval) -> None:
    """Lock the order, then read the step and the order as they are now (another decision may have just won)."""
    session.execute(select(Order.id).where(Order.id == approval.order_id).with_for_update())
    session.refresh(approval.order)
    session.refresh(approval)


def approve(
    session: DbSession, approval: Approval, person: User, comment: str = "", today: date | None = None
) -> Approval | None:
    """Approve a step; returns the next step, or None when this was the last (the order still awaits the
    final approval, which app.commands gives after checking the rules again)."""
    _pending_step(approval, person)
    order = approval.order
    claim(session, approval, StepAction.APPROVE, person, comment.strip())
    others = session.scalars(select(Approval).where(Approval.order_id == order.id)).all()
    if not any(a.status is ApprovalStatus.WAITING for a in others):
        return None
    lifecycle.transition(
        session,
        order,
        EventKind.APPROVE_STEP,
        person,
        party=Party.APPROVER,
        comment=comment.strip(),
        data=step_data(approval),
    )
    return next_step(session, order, list(others), today=today or clock.today())


def step_data(approval: Approval) -> dict:
    return {"step": approval.position, "on_behalf_of": approval.on_behalf_of.name if approval.on_behalf_of else None}


def reject(session: DbSession, approval: Approval, person: User, reason: str) -> None:
    if not reason.strip():
        raise ApprovalError("Give the reason for rejecting: the requester will see it.")
    _locked(session, approval)  # a question racing this rejection: whichever locks the order first wins
    _pending_step(approval, person)
    claim(session, approval, StepAction.REJECT, person, reason.strip())
    _still_pending(approval)
    lifecycle.transition(
        session,
        approval.order,
        EventKind.REJECT,
        person,
        party=Party.APPROVER,
        comment=reason.strip(),
        data={"step": approval.position},
    )
    skip_open(session, approval.order)


def request_information(session: DbSession, approval: Approval, person: User, question: str) -> None:
    """Send the order back to the requester with a question; the step stays with the same approver."""
    if not question.strip():
        raise ApprovalError("Write the question for the requester.")
    _locked(session, approval)  # a rejection racing this question: whichever locks the order first wins
    _pending_step(approval, person)
    lifecycle.transition(
        session,
        approval.order,
        EventKind.REQUEST_INFO,
        person,
        party=Party.APPROVER,
        comment=question.strip(),
        data={"step": approval.position},
    )
