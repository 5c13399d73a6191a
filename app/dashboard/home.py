"""What the home page shows a person: their open orders, the questions they have to answer, and the open orders
of the people who report to them (directly or further down, through the org chart's closure table: no walk of
the chart per request). Plain module: a session and a person in."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.database import DbSession
from app.models import Order, OrderEvent, OrderStatus, User, org_chart
from app.orders import lifecycle
from app.orders.conversation import Question, open_question

LISTED = 10


@dataclass(frozen=True)
class Listing:
    """The first orders of a list, and how many there are in all."""

    orders: list[Order]
    total: int


def _mine(person: User):
    return or_(Order.requester_id == person.id, Order.employee_id == person.id)


def _listing(session: DbSession, query: Select, limit: int) -> Listing:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return Listing(_newest(session, query, limit), total)


def _newest(session: DbSession, query: Select, limit: int) -> list[Order]:
    # The newest few first, in a subquery, then what they show joined to those few only: joined to every match
    # (a manager's team has hundreds of open orders), PostgreSQL would hash whole tables to keep ten rows.
    newest = query.order_by(Order.updated_at.desc(), Order.id.desc()).limit(limit).subquery()
    row = aliased(Order, newest)
    orders = session.scalars(
        select(row)
        .options(joinedload(row.employee), joinedload(row.line), selectinload(row.events))
        .order_by(newest.c.updated_at.desc(), newest.c.id.desc())
    ).all()
    return list(orders)


def open_orders(session: DbSession, person: User, limit: int = LISTED) -> Listing:
    """Orders the person placed or that are for them, submitted and not yet finished; latest change first.

    The timeline is loaded with them (one query for all), for the progress stepper of stopped orders."""
    return _listing(session, select(Order).where(_mine(person), Order.status.in_(lifecycle.OPEN)), limit)


ASKING = (OrderStatus.INFO_REQUESTED, OrderStatus.NEEDS_ATTENTION)  # where a question may wait for an answer


def answers_to_give(session: DbSession, person: User, limit: int = 50) -> list[tuple[Order, Question]]:
    """The person's orders held by a question for them (an approver's, or the fulfilment team's), with it;
    the longest waiting first."""
    candidates = session.scalars(
        select(Order)
        .where(_mine(person), Order.status.in_(ASKING))
        .options(joinedload(Order.employee), selectinload(Order.events).joinedload(OrderEvent.actor))
        .order_by(Order.updated_at, Order.id)
        .limit(limit)
    ).all()
    waiting = [(order, open_question(order)) for order in candidates]
    return [(order, question) for order, question in waiting if question is not None]


TEAM_COUNTED = 1000  # past this many, the team's open orders are "more than 1,000": never counted to the end


@dataclass(frozen=True)
class TeamListing:
    """The first open orders of a manager's team, and whether there are more (counted apart, on demand)."""

    orders: list[Order]
    more: bool


def _team_open(manager: User) -> Select:
    return select(Order).where(Order.employee_id.in_(org_chart.below(manager)), Order.status.in_(lifecycle.OPEN))


def team_open_orders(session: DbSession, manager: User, limit: int = LISTED) -> TeamListing:
    """Open orders for the people who report to the manager, directly or not; latest change first. Not counted:
    the COO's team is everyone, and the landing page must not wait on counting it (see `team_open_count`).

    PostgreSQL picks by the team's size: a large team's list walks the open orders latest change first (their own
    index, ix_orders_open_updated) keeping those of people below the manager, until it has enough; a small team's
    reads its people's open orders (the person, status index) and sorts those."""
    found = _newest(session, _team_open(manager), limit + 1)
    return TeamListing(found[:limit], more=len(found) > limit)


def team_open_count(session: DbSession, manager: User, bound: int = TEAM_COUNTED) -> int:
    """How many open orders the manager's team has, counted up to `bound` + 1 (more than `bound`: the caller
    says "more than")."""
    counted = _team_open(manager).with_only_columns(Order.id).limit(bound + 1).subquery()
    return session.scalar(select(func.count()).select_from(counted)) or 0
