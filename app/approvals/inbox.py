"""The approver's queue: what waits for a person (theirs, their groups', delegated to them) and what they decided."""

from __future__ import annotations

import functools

from sqlalchemy import BindParameter, Integer, ScalarSelect, Select, and_, bindparam, func, literal, or_, select
from sqlalchemy.orm import joinedload

from app.approvals.decisions import may_decide
from app.database import DbSession
from app.models import Approval, ApprovalStatus, Order, OrderStatus, User


def _mine(person: User):
    group_ids = [g.id for g in person.groups]
    clauses = [Approval.assignee_id == person.id]
    not_own = (Order.requester_id != person.id, Order.employee_id != person.id)
    if group_ids:
        clauses.append(and_(Approval.assignee_id.is_(None), Approval.group_id.in_(group_ids), *not_own))
    if person.is_admin:  # the "No approver" queue: steps nobody else can decide
        clauses.append(and_(Approval.assignee_id.is_(None), Approval.group_id.is_(None), *not_own))
    return or_(*clauses)


# What a row of the queue shows: the order, its requester, the person it is for, its line, the group, the delegator.
ROW = (
    joinedload(Approval.order).joinedload(Order.requester),
    joinedload(Approval.order).joinedload(Order.employee),
    joinedload(Approval.order).joinedload(Order.line),
    joinedload(Approval.on_behalf_of),
    joinedload(Approval.group),
)


def waiting_query(person: User, *, order_type: str | None = None, requester_id: int | None = None) -> Select:
    """Pending steps of orders waiting for approval, oldest first: the steps alone (`with_rows` loads what the
    queue shows, for one page of them)."""
    query = (
        select(Approval)
        .join(Order, Approval.order_id == Order.id)
        .where(Approval.status == ApprovalStatus.PENDING, Order.status == OrderStatus.PENDING_APPROVAL, _mine(person))
        .order_by(Approval.assigned_at, Approval.id)
    )
    if order_type:
        query = query.where(Order.type == order_type)
    if requester_id:
        query = query.where(Order.requester_id == requester_id)
    return query


def with_rows(session: DbSession, steps: list[Approval]) -> list[Approval]:
    """Load what the queue shows for these steps, in one query. Joined into the queue's own query instead, the
    database would join every waiting step (a thousand, for a busy manager) before keeping a page of fifty:
    PostgreSQL then hashes whole tables of people and lines."""
    if steps:
        session.scalars(select(Approval).where(Approval.id.in_([s.id for s in steps])).options(*ROW)).all()
    return steps


# The badge counts this many and says "99+" beyond: what waits for a person is read at most this far, each part
# of the count through its own index, so the badge on every page costs the same however long the queue.
BADGE_LIMIT = 99


def waiting_count(session: DbSession, person: User, *, up_to: int | None = None) -> int:
    """How many steps wait for the person: their own steps and their groups' counted apart, each through its own
    index, so the count costs what the person's queue holds, not the company's. With `up_to` (the badge on every
    page) each part reads at most that many steps and the count stops there: exact below it."""
    group_ids = [g.id for g in person.groups]
    if group_ids:
        count = session.scalar(_count_with_groups(up_to), {"person": person.id, "groups": group_ids}) or 0
    else:
        count = session.scalar(_count_own(up_to), {"person": person.id}) or 0
    if person.is_admin:
        count += session.scalar(_count_unrouted(up_to), {"person": person.id}) or 0
    return count if up_to is None else min(count, up_to)


def badge_count(session: DbSession, person: User) -> int:
    """The count the badge shows: exact up to BADGE_LIMIT, BADGE_LIMIT + 1 for anything more ("99+")."""
    return waiting_count(session, person, up_to=BADGE_LIMIT + 1)


def badge_figure(count: int) -> str:
    """'7', or '99+' past the limit."""
    return f"{BADGE_LIMIT}+" if count > BADGE_LIMIT else str(count)


def _pending(*conditions, up_to: int | None) -> ScalarSelect:
    steps = (
        select(Approval.id)
        .join(Order, Approval.order_id == Order.id)
        .where(Approval.status == ApprovalStatus.PENDING, Order.status == OrderStatus.PENDING_APPROVAL, *conditions)
    )
    if up_to is not None:  # written into the statement, not bound: the planner then knows to read only that far
        steps = steps.limit(literal(up_to, Integer, literal_execute=True))
    return select(func.count()).select_from(steps.subquery()).scalar_subquery()


# The badge's statements, built once per bound (every page of an approver runs one): the person and groups are bound.
@functools.cache
def _count_own(up_to: int | None) -> Select:
    return select(_pending(Approval.assignee_id == bindparam("person"), up_to=up_to))


@functools.cache
def _count_with_groups(up_to: int | None) -> Select:
    person: BindParameter[int] = bindparam("person")
    groups = _pending(
        Approval.assignee_id.is_(None),
        Approval.group_id.in_(bindparam("groups", expanding=True)),
        Order.requester_id != person,
        Order.employee_id != person,
        up_to=up_to,
    )
    return select(_pending(Approval.assignee_id == person, up_to=up_to) + groups)


@functools.cache
def _count_unrouted(up_to: int | None) -> Select:
    person: BindParameter[int] = bindparam("person")
    return select(
        _pending(
            Approval.assignee_id.is_(None),
            Approval.group_id.is_(None),
            Order.requester_id != person,
            Order.employee_id != person,
            up_to=up_to,
        )
    )


def decided_query(person: User) -> Select:
    return (
        select(Approval)
        .where(Approval.decided_by_id == person.id)
        .options(joinedload(Approval.order).joinedload(Order.requester))
        .order_by(Approval.decided_at.desc())
    )


def requesters_waiting(session: DbSession, person: User) -> list[User]:
    """People whose orders wait for this approver (for the requester filter)."""
    ids = (
        select(Order.requester_id)
        .join(Approval, Approval.order_id == Order.id)
        .where(Approval.status == ApprovalStatus.PENDING, Order.status == OrderStatus.PENDING_APPROVAL, _mine(person))
    )
    return list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.name)))


def may_see(approval: Approval, person: User) -> bool:
    """The step's decider, or whoever decided it."""
    return approval.decided_by_id == person.id or may_decide(approval, person)
