"""The reports, one query-building function each: the same function serves the page, its HTMX fragment and
its CSV export, so an export is always the list on the screen. Plain module: a session and filters in, plain
data (or a SELECT) out."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Select, Subquery, cast, func, literal, select, union_all
from sqlalchemy.orm import joinedload

from app.database import DbSession
from app.models import (
    Approval,
    ApprovalStatus,
    CostCenter,
    Feature,
    Group,
    Line,
    LineFeature,
    LineStatus,
    Order,
    OrderStatus,
    Plan,
    User,
)
from app.reports.filters import ReportFilter, id_condition


# ---------------------------------------------------------------- orders
def orders(filters: ReportFilter) -> Select:
    """Submitted orders matching the filters, newest first (drafts are nobody else's business).

    Only submitting moves an order out of draft, and it stamps submitted_at: so the orders listed are those with a
    submitted_at too. Said here, it lets the index on submitted_at start at the newest order: PostgreSQL sorts
    NULL first in a descending order, and the first page would otherwise read past every draft."""
    return (
        select(Order)
        .where(Order.status != OrderStatus.DRAFT, Order.submitted_at.is_not(None), *filters.order_conditions())
        .options(
            joinedload(Order.employee).joinedload(User.department),
            joinedload(Order.requester),
            joinedload(Order.carrier),
            joinedload(Order.cost_center),
        )
        .order_by(Order.submitted_at.desc(), Order.id.desc())
    )


# ---------------------------------------------------------------- approval turnaround
@dataclass(frozen=True)
class Turnaround:
    approver_id: int
    approver: str
    decided: int
    approved: int
    rejected: int
    median_hours: float


DECIDED = (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED)


def approval_turnaround(session: DbSession, filters: ReportFilter) -> list[Turnaround]:
    """Per approver, the steps they decided in the period and the median hours from assignment to decision.

    The period applies to the decision; type, carrier and department to the order. One query fetches the two
    times of each decision in the period (the median is computed here, the same on SQLite and PostgreSQL).
    """
    since, until = filters.period_bounds()
    query = (
        select(
            Approval.decided_by_id,
            User.name,
            Approval.status,
            func.coalesce(Approval.assigned_at, Order.submitted_at),
            Approval.decided_at,
        )
        .join(Order, Approval.order_id == Order.id)
        .join(User, Approval.decided_by_id == User.id)
        .where(Approval.status.in_(DECIDED), Approval.decided_at.is_not(None), *filters.scope_conditions())
    )
    if since is not None:
        query = query.where(Approval.decided_at >= since)
    if until is not None:
        query = query.where(Approval.decided_at < until)
    names: dict[int, str] = {}
    statuses: dict[int, list[ApprovalStatus]] = defaultdict(list)
    hours: dict[int, list[float]] = defaultdict(list)
    for approver_id, name, status, waited_from, decided_at in session.execute(query):
        if approver_id is None:
            continue
        names[approver_id] = name
        statuses[approver_id].append(status)
        hours[approver_id].append(hours_between(waited_from, decided_at))
    return sorted(
        (
            Turnaround(
                approver_id=i,
                approver=names[i],
                decided=len(statuses[i]),
                approved=statuses[i].count(ApprovalStatus.APPROVED),
                rejected=statuses[i].count(ApprovalStatus.REJECTED),
                median_hours=round(statistics.median(hours[i]), 1),
            )
            for i in names
        ),
        key=lambda row: (row.approver, row.approver_id),
    )


def hours_between(start: datetime | None, end: datetime | None) -> float:
    if start is None or end is None:
        return 0.0
    return (end - start).total_seconds() / 3600


# ---------------------------------------------------------------- line costs
LINE_COST_KEYS = {
    "department_id": User.department_id,
    "carrier_id": Line.carrier_id,
    "cost_center_id": Line.cost_center_id,
}


def line_cost_totals(filters: ReportFilter, *keys: str) -> Subquery:
    """Active lines and their monthly cost (plan plus features), per group of `keys` (of LINE_COST_KEYS: the
    department of the person a line is assigned to, its carrier, its cost center): the keys, `lines` and `cents`.
    Carrier and department filters apply; the period does not (costs are now).

    The plans' and the features' costs are added up apart, each straight into its groups, then together: summing
    each line's features first built a table of every line with features (160,000 at 500,000 lines) to join."""
    columns = [LINE_COST_KEYS[key].label(key) for key in keys]

    def active(query: Select) -> Select:
        query = query.outerjoin(User, Line.employee_id == User.id).where(Line.status == LineStatus.ACTIVE)
        if filters.carrier is not None:
            query = query.where(id_condition(Line.carrier_id, filters.carrier))
        if filters.department is not None:
            query = query.where(id_condition(User.department_id, filters.department))
        return query.group_by(*columns)

    plans = active(
        select(*columns, func.count().label("lines"), func.sum(func.coalesce(Plan.monthly_cents, 0)).label("cents"))
        .select_from(Line)
        .outerjoin(Plan, Line.plan_id == Plan.id)
    )
    features = active(
        select(*columns, literal(0).label("lines"), func.sum(Feature.monthly_cents).label("cents"))
        .select_from(LineFeature)
        .join(Feature, LineFeature.feature_id == Feature.id)
        .join(Line, LineFeature.line_id == Line.id)
    )
    both = union_all(plans, features).subquery("line_cost_parts")
    grouped = [both.c[key] for key in keys]
    return (
        select(  # whole numbers on both databases (PostgreSQL sums bigints as numeric)
            *grouped,
            cast(func.sum(both.c.lines), BigInteger).label("lines"),
            cast(func.sum(both.c.cents), BigInteger).label("cents"),
        )
        .group_by(*grouped)
        .subquery("line_costs")
    )


@dataclass(frozen=True)
class CostCenterLines:
    cost_center_id: int | None
    code: str
    name: str
    lines: int
    monthly_cents: int


def lines_by_cost_center(session: DbSession, filters: ReportFilter) -> list[CostCenterLines]:
    """Active lines and their monthly cost, per cost center (lines without one last)."""
    costs = line_cost_totals(filters, "cost_center_id")
    rows = session.execute(
        select(costs.c.cost_center_id, CostCenter.code, CostCenter.name, costs.c.lines, costs.c.cents).outerjoin(
            CostCenter, costs.c.cost_center_id == CostCenter.id
        )
    ).all()
    found = [
        CostCenterLines(cc_id, code or "", name or "No cost center", count, int(cents or 0))
        for cc_id, code, name, count, cents in rows
    ]
    return sorted(found, key=lambda row: (row.cost_center_id is None, row.code))


def approver_name(session: DbSession, key: str | None) -> str | None:
    """Who a "waiting on" filter names: a person, or a group (any member)."""
    if not key:
        return None
    kind, _, ident = key.partition(":")
    if kind == "user":
        return session.scalar(select(User.name).where(User.id == int(ident)))
    name = session.scalar(select(Group.name).where(Group.id == int(ident)))
    return approver_label(None, name) if name else None


def approver_label(person: str | None, group: str | None) -> str:
    """A step waits for a person, or for any member of a group."""
    return person if person is not None else f"{group} (any member)"
