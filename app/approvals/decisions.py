"""Deciding approvals: route a submitted order, approve, reject, ask for information, and the answer.

Each decision is one transaction: the step is claimed with a conditional update (so of two people deciding the
same step at once, exactly one wins and the other is told who decided first), the order moves through the
lifecycle (which bumps its version and writes the timeline), and the next step is assigned.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.approvals.policies import assign, lay_out
from app.formatting import local_time
from app.models import Approval, ApprovalStatus, Order, OrderStatus, User
from app.orders import lifecycle
from app.orders.types import REGISTRY

OPEN = (ApprovalStatus.WAITING, ApprovalStatus.PENDING)


class ApprovalError(Exception):
    """A decision that cannot be made; the message says why."""


class AlreadyDecided(ApprovalError):
    """Someone else decided this step first."""


def route(session: Session, order: Order, today: date | None = None) -> Approval | None:
    """Lay out a submitted order's steps and assign the first; with no steps, the order is approved at once."""
    approvals = lay_out(session, order)
    session.flush()
    return _advance(session, order, approvals, actor=None, today=today or date.today())


def _advance(session: Session, order: Order, approvals: list[Approval], *, actor: User | None, today: date,
             comment: str = "", data: dict | None = None) -> Approval | None:
    """Activate the next waiting step, or approve the order when none is left."""
    waiting = sorted((a for a in approvals if a.status is ApprovalStatus.WAITING), key=lambda a: a.position)
    if waiting:
        step = waiting[0]
        approver = assign(session, step, today)
        step.status = ApprovalStatus.PENDING
        step.assigned_at = lifecycle.utcnow()
        if approver.note:
            lifecycle.record(session, order, "routing_note", None, comment=f"Step {step.position}: {approver.note}.")
        return step
    lifecycle.transition(session, order, "approve", actor, comment=comment, data=data)
    order_type = REGISTRY.get(order.type)
    if order_type is not None and not order_type.carrier_fulfilled:
        from app.fulfilment.effects import EffectError, apply_completion

        try:
            apply_completion(session, order, actor)
        except EffectError as error:  # the inventory moved since the order was placed: say so, change nothing
            raise ApprovalError(f"{order.number} cannot be completed: {error}") from error
        lifecycle.transition(session, order, "complete", actor, comment="Completed on approval: no carrier needed.")
    return None


def may_decide(approval: Approval, person: User) -> bool:
    """The assignee (or their delegate, who is the assignee then), or any member of the step's group —
    never the requester or the person the order is for."""
    order = approval.order
    if person.id in (order.requester_id, order.employee_id):
        return False
    if approval.assignee_id is not None:
        return approval.assignee_id == person.id
    return approval.group_id is not None and approval.group_id in {g.id for g in person.groups}


def _claim(session: Session, approval: Approval, person: User, status: ApprovalStatus, comment: str) -> None:
    """Mark the step decided only if it is still pending: the database decides who was first."""
    # Lock the order row before the step, in the order a cancellation takes them (the order, then its steps):
    # a decision racing a cancellation then waits for it instead of deadlocking with it (PostgreSQL).
    session.execute(select(Order.id).where(Order.id == approval.order_id).with_for_update())
    now = lifecycle.utcnow()
    result = session.execute(
        update(Approval)
        .where(Approval.id == approval.id, Approval.status == ApprovalStatus.PENDING)
        .values(status=status, decided_by_id=person.id, decided_at=now, comment=comment)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        fresh = session.get(Approval, approval.id)
        session.refresh(fresh)
        who = fresh.decided_by.name if fresh.decided_by else "someone else"
        raise AlreadyDecided(f"{who} already decided this step ({fresh.status.value}) at "
                             f"{local_time(fresh.decided_at)}.")
    session.refresh(approval)


def _pending_step(approval: Approval, person: User) -> None:
    order = approval.order
    if approval.status is not ApprovalStatus.PENDING:
        who = approval.decided_by.name if approval.decided_by else "Someone else"
        raise AlreadyDecided(f"{who} already decided this step ({approval.status.value}).")
    if order.status is not OrderStatus.PENDING_APPROVAL:
        raise ApprovalError(f"{order.number} is {order.status.label.lower()}: there is nothing to decide now.")
    if not may_decide(approval, person):
        raise ApprovalError("This step is not yours to decide.")


def approve(session: Session, approval: Approval, person: User, comment: str = "",
            today: date | None = None) -> Approval | None:
    """Approve a step; returns the next step (None when the order is now approved)."""
    _pending_step(approval, person)
    order = approval.order
    _claim(session, approval, person, ApprovalStatus.APPROVED, comment.strip())
    others = session.scalars(select(Approval).where(Approval.order_id == order.id)).all()
    remaining = [a for a in others if a.status is ApprovalStatus.WAITING]
    data = {"step": approval.position, "on_behalf_of": approval.on_behalf_of.name if approval.on_behalf_of else None}
    if remaining:
        lifecycle.transition(session, order, "approve_step", person, comment=comment.strip(), data=data)
        return _advance(session, order, others, actor=person, today=today or date.today())
    return _advance(session, order, others, actor=person, today=today or date.today(), comment=comment.strip(),
                    data=data)


def reject(session: Session, approval: Approval, person: User, reason: str) -> None:
    if not reason.strip():
        raise ApprovalError("Give the reason for rejecting: the requester will see it.")
    _pending_step(approval, person)
    _claim(session, approval, person, ApprovalStatus.REJECTED, reason.strip())
    lifecycle.transition(session, approval.order, "reject", person, comment=reason.strip(),
                         data={"step": approval.position})
    skip_open_steps(session, approval.order)


def request_information(session: Session, approval: Approval, person: User, question: str) -> None:
    """Send the order back to the requester with a question; the step stays with the same approver."""
    if not question.strip():
        raise ApprovalError("Write the question for the requester.")
    _pending_step(approval, person)
    lifecycle.transition(session, approval.order, "request_info", person, comment=question.strip(),
                         data={"step": approval.position})


def skip_open_steps(session: Session, order: Order) -> None:
    """A rejected or cancelled order leaves no step waiting in anyone's inbox."""
    session.execute(update(Approval).where(Approval.order_id == order.id, Approval.status.in_(OPEN))
                    .values(status=ApprovalStatus.SKIPPED).execution_options(synchronize_session=False))
