"""The reports, one query-building function each: the same function serves the page, its HTMX fragment and
its CSV export, so an export is always the list on the screen. Plain module: a session and filters in, plain
data (or a SELECT) out."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, Subquery, func, select
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
def active_line_costs(filters: ReportFilter) -> Subquery:
    """Each active line with its monthly cost (plan plus features), carrier, cost center and the department of
    the person it is assigned to. Carrier and department filters apply; the period does not (costs are now)."""
    features = (
        select(LineFeature.line_id, func.sum(Feature.monthly_cents).label("cents"))
        .join(Feature, LineFeature.feature_id == Feature.id)
        .group_by(LineFeature.line_id)
        .subquery("feature_costs")
    )
    query = (
        select(
            Line.id.label("line_id"),
            Line.carrier_id,
            Line.cost_center_id,
            User.department_id,
            (func.coalesce(Plan.monthly_cents, 0) + func.coalesce(features.c.cents, 0)).label("cents"),
        )
        .outerjoin(Plan, Line.plan_id == Plan.id)
        .outerjoin(features, features.c.line_id == Line.id)
        .outerjoin(User, Line.employee_id == User.id)
        .where(Line.status == LineStatus.ACTIVE)
    )
    if filters.carrier is not None:
        query = query.where(id_condition(Line.carrier_id, filters.carrier))
    if filters.department is not None:
        query = query.where(id_condition(User.department_id, filters.department))
    return query.subquery("line_costs")


@dataclass(frozen=True)
class CostCenterLines:
    cost_center_id: int | None
    code: str
    name: str
    lines: int
    monthly_cents: int


def lines_by_cost_center(session: DbSession, filters: ReportFilter) -> list[CostCenterLines]:
    """Active lines and their monthly cost, per cost center (lines without one last)."""
    costs = active_line_costs(filters)
    rows = session.execute(
        select(costs.c.cost_center_id, CostCenter.code, CostCenter.name, func.count(), func.sum(costs.c.cents))
        .outerjoin(CostCenter, costs.c.cost_center_id == CostCenter.id)
        .group_by(costs.c.cost_center_id, CostCenter.code, CostCenter.name)
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
