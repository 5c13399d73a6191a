"""The state machine of an approval step: waiting → pending (its turn) → approved or rejected, or skipped when
the order ends first; a pending step may be handed to someone else (delegation, escalation, an admin's choice).

`claim` decides a step in the database with a conditional UPDATE (only from the action's source states), so of
two people deciding the same step at once exactly one wins; `move` changes a step the caller holds."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app import clock
from app.database import DbSession, rows_changed
from app.formatting import local_time
from app.models import Approval, ApprovalStatus, Group, Order, User

A = ApprovalStatus


class StepAction(enum.Enum):
    ACTIVATE = "activate"
    APPROVE = "approve"
    REJECT = "reject"
    SKIP = "skip"
    REASSIGN = "reassign"


@dataclass(frozen=True)
class StepTransition:
    sources: frozenset[ApprovalStatus]
    target: ApprovalStatus


STEP_TRANSITIONS: dict[StepAction, StepTransition] = {
    StepAction.ACTIVATE: StepTransition(frozenset({A.WAITING}), A.PENDING),
    StepAction.APPROVE: StepTransition(frozenset({A.PENDING}), A.APPROVED),
    StepAction.REJECT: StepTransition(frozenset({A.PENDING}), A.REJECTED),
    StepAction.SKIP: StepTransition(frozenset({A.WAITING, A.PENDING}), A.SKIPPED),
    StepAction.REASSIGN: StepTransition(frozenset({A.PENDING}), A.PENDING),
}
OPEN_STEPS = STEP_TRANSITIONS[StepAction.SKIP].sources  # a step that may still be decided


class StepError(Exception):
    """A step that cannot take this action now; the message says why."""


class AlreadyDecided(StepError):
    """Someone else decided this step first."""


def move(step: Approval, action: StepAction) -> None:
    """Move a step the caller holds (activate it, hand it on), or raise StepError."""
    rule = STEP_TRANSITIONS[action]
    if step.status not in rule.sources:
        raise StepError(f"Step {step.position} is {step.status.value}: it cannot be {action.value}d now.")
    step.status = rule.target
    if action is StepAction.ACTIVATE:
        step.assigned_at = clock.now()


def claim(session: DbSession, step: Approval, action: StepAction, person: User, comment: str) -> None:
    """Decide `step` only if it is still in a source state: the database decides who was first.

    The order's row is locked before the step's, in the order a cancellation takes them (the order, then its
    steps): a decision racing a cancellation then waits for it instead of deadlocking with it (PostgreSQL).
    Raises AlreadyDecided (naming who decided, and when) without touching the caller's transaction."""
    rule = STEP_TRANSITIONS[action]
    session.execute(select(Order.id).where(Order.id == step.order_id).with_for_update())
    result = session.execute(
        update(Approval)
        .where(Approval.id == step.id, Approval.status.in_(rule.sources))
        .values(status=rule.target, decided_by_id=person.id, decided_at=clock.now(), comment=comment)
        .execution_options(synchronize_session=False)
    )
    if rows_changed(result) != 1:
        fresh = session.execute(
            select(Approval.status, Approval.decided_at, User.name)
            .outerjoin(User, User.id == Approval.decided_by_id)
            .where(Approval.id == step.id)
        ).one()
        when = f" at {local_time(fresh.decided_at)}" if fresh.decided_at else ""
        raise AlreadyDecided(f"{fresh.name or 'Someone else'} already decided this step ({fresh.status.value}){when}.")
    session.refresh(step)


def skip_open(session: DbSession, order: Order) -> None:
    """A rejected or cancelled order leaves no step waiting in anyone's inbox."""
    rule = STEP_TRANSITIONS[StepAction.SKIP]
    session.execute(
        update(Approval)
        .where(Approval.order_id == order.id, Approval.status.in_(rule.sources))
        .values(status=rule.target)
        .execution_options(synchronize_session=False)
    )


def chain(session: DbSession, order: Order) -> list[Approval]:
    """The order's approval steps in order, with who may decide each (the assignee, or the group and its members)
    and who decided: what the order page shows, in one query."""
    return list(
        session.scalars(
            select(Approval)
            .where(Approval.order_id == order.id)
            .options(
                joinedload(Approval.assignee),
                joinedload(Approval.decided_by),
                joinedload(Approval.on_behalf_of),
                joinedload(Approval.group).joinedload(Group.members),  # one query, whatever the steps
            )
            .order_by(Approval.position, Approval.id)
        ).unique()
    )
