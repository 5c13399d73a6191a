"""The telecom dashboard's figures, as plain data: a session and filters in, numbers out. Counts and sums are
aggregated in SQL; medians are taken here from the durations of the filtered orders (one query, the same on
SQLite and PostgreSQL). Every bar carries the filter of the list behind it, so the page can link to it."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from app.database import DbSession
from app.models import Approval, ApprovalStatus, Carrier, Department, Group, Order, OrderStatus, User
from app.orders.types import REGISTRY
from app.reports.filters import AGE_BUCKETS, LISTED_STATUSES, NONE, ReportFilter, age_bucket, week_start
from app.reports.queries import active_line_costs, approver_label, hours_between

WEEKS = 12  # the weekly chart shows at most this many weeks, ending with the period's last
SERIES = 6  # the weekly chart shows this many types, the rest together as "Other types"
ATTENTION_LISTED = 5
APPROVERS_LISTED = 10  # a large company has thousands of approvers: the chart shows those with most waiting


@dataclass(frozen=True)
class Bar:
    """One bar: its label, the value its length shows, how many records are behind it and which list."""

    key: str
    label: str
    value: float
    count: int
    filters: ReportFilter
    report: str = "orders"  # the list behind it: "orders" or "lines"


@dataclass(frozen=True)
class Week:
    start: date
    end: date
    total: int
    filters: ReportFilter


@dataclass(frozen=True)
class Series:
    """One order type (or "Other types") in the weekly chart: a count per week, each with its list."""

    key: str
    label: str
    counts: tuple[int, ...]
    filters: tuple[ReportFilter, ...]
    types: tuple[str, ...]  # the names of the types it counts


@dataclass(frozen=True)
class Weekly:
    weeks: tuple[Week, ...]
    series: tuple[Series, ...]


@dataclass(frozen=True)
class AttentionOrder:
    number: str
    type: str
    carrier: str
    since: datetime


@dataclass(frozen=True)
class Dashboard:
    by_status: list[Bar]
    per_week: Weekly
    approve_by_type: list[Bar]
    approve_by_carrier: list[Bar]
    fulfil_by_type: list[Bar]
    fulfil_by_carrier: list[Bar]
    waiting_by_approver: list[Bar]
    waiting_by_age: list[Bar]
    attention_by_carrier: list[Bar]
    attention_orders: list[AttentionOrder]
    cost_by_department: list[Bar]
    cost_by_carrier: list[Bar]


def dashboard(session: DbSession, filters: ReportFilter, *, today: date, now: datetime) -> Dashboard:
    """Every figure of the dashboard for these filters."""
    durations = time_to_approve_and_fulfil(session, filters)
    line_costs = line_cost_rows(session, filters)
    return Dashboard(
        by_status=orders_by_status(session, filters),
        per_week=orders_by_type_per_week(session, filters, today=today),
        approve_by_type=durations["approve_by_type"],
        approve_by_carrier=durations["approve_by_carrier"],
        fulfil_by_type=durations["fulfil_by_type"],
        fulfil_by_carrier=durations["fulfil_by_carrier"],
        waiting_by_approver=approvals_waiting_by_approver(session, filters),
        waiting_by_age=approvals_waiting_by_age(session, filters, now=now),
        attention_by_carrier=needing_attention_by_carrier(session, filters),
        attention_orders=needing_attention(session, filters),
        cost_by_department=line_cost_by_department(session, filters, line_costs),
        cost_by_carrier=line_cost_by_carrier(session, filters, line_costs),
    )


# ---------------------------------------------------------------- orders submitted in the period
def orders_by_status(session: DbSession, filters: ReportFilter) -> list[Bar]:
    """Orders submitted in the period, by where they stand now (every status, in lifecycle order)."""
    rows = dict(
        session.execute(
            select(Order.status, func.count())
            .where(*filters.order_conditions())
            .where(Order.status != OrderStatus.DRAFT)
            .group_by(Order.status)
        ).all()
    )
    return [
        Bar(s.value, s.label, rows.get(s, 0), rows.get(s, 0), filters.narrowed(statuses=(s,))) for s in LISTED_STATUSES
    ]


def week_windows(filters: ReportFilter, today: date) -> list[tuple[date, date]]:
    """The weeks (Monday to Sunday) the weekly chart shows, each cut to the period: at most WEEKS of them,
    ending with the week of the period's end (or this week)."""
    last = week_start(filters.end or today)
    first = last - timedelta(weeks=WEEKS - 1)
    if filters.start:
        first = max(first, week_start(filters.start))
    windows = []
    monday = first
    while monday <= last:
        start = max(monday, filters.start) if filters.start else monday
        end = min(monday + timedelta(days=6), filters.end) if filters.end else monday + timedelta(days=6)
        windows.append((start, end))
        monday += timedelta(weeks=1)
    return windows


def orders_by_type_per_week(session: DbSession, filters: ReportFilter, *, today: date) -> Weekly:
    """Orders submitted per week and type; the SERIES - 1 commonest types apart, the rest as "Other types"."""
    windows = week_windows(filters, today)
    starts = [filters.instant(start) for start, _ in windows]
    week_of = case(*[(Order.submitted_at >= starts[i], i) for i in reversed(range(len(starts)))], else_=-1)
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(windows))
    rows = session.execute(
        select(week_of, Order.type, func.count())
        .where(
            Order.status != OrderStatus.DRAFT,
            *filters.order_conditions(),
            Order.submitted_at >= starts[0],
            Order.submitted_at < filters.instant(windows[-1][1] + timedelta(days=1)),
        )
        .group_by(week_of, Order.type)
    ).all()
    for week, code, count in rows:
        counts[code][week] += count
    ranked = sorted(counts, key=lambda code: (-sum(counts[code]), _type_label(code)))
    shown = ranked if len(ranked) <= SERIES else ranked[: SERIES - 1]
    others = [code for code in ranked if code not in shown]

    def series(key: str, label: str, codes: list[str]) -> Series:
        per_week = tuple(sum(counts[c][i] for c in codes) for i in range(len(windows)))
        links = tuple(filters.narrowed(types=tuple(sorted(codes)), start=s, end=e) for s, e in windows)
        return Series(key, label, per_week, links, tuple(_type_label(c) for c in codes))

    all_series = [series(code, _type_label(code), [code]) for code in shown]
    if others:
        all_series.append(series("other", "Other types", others))
    weeks = tuple(
        Week(s, e, sum(counts[c][i] for c in ranked), filters.narrowed(start=s, end=e))
        for i, (s, e) in enumerate(windows)
    )
    return Weekly(weeks, tuple(all_series))


def time_to_approve_and_fulfil(session: DbSession, filters: ReportFilter) -> dict[str, list[Bar]]:
    """Median hours from submission to approval, and from approval to completion, by type and by carrier.

    Fulfilment counts only types a carrier fulfils (the others complete at approval, in no time at all).
    """
    rows = session.execute(
        select(Order.type, Order.carrier_id, Order.submitted_at, Order.approved_at, Order.completed_at).where(
            *filters.order_conditions(), Order.approved_at.is_not(None), Order.submitted_at.is_not(None)
        )
    ).all()
    carrier_names = _carrier_names(session)
    approve_type, approve_carrier = defaultdict(list), defaultdict(list)
    fulfil_type, fulfil_carrier = defaultdict(list), defaultdict(list)
    for code, carrier_id, submitted, approved, completed in rows:
        carrier_key = carrier_id if carrier_id is not None else NONE
        approve_type[code].append(hours_between(submitted, approved))
        approve_carrier[carrier_key].append(hours_between(submitted, approved))
        if completed is not None and code in REGISTRY and REGISTRY[code].carrier_fulfilled:
            fulfil_type[code].append(hours_between(approved, completed))
            fulfil_carrier[carrier_key].append(hours_between(approved, completed))

    def by_type(groups: dict, reached: str) -> list[Bar]:
        return _medians(groups, _type_label, lambda code: filters.narrowed(types=(code,), reached=reached))

    def by_carrier(groups: dict, **narrowing: str) -> list[Bar]:
        return _medians(
            groups,
            lambda key: carrier_names.get(key, "No carrier"),
            lambda key: filters.narrowed(carrier=key, **narrowing),
        )

    return {
        "approve_by_type": by_type(approve_type, "approved"),
        "approve_by_carrier": by_carrier(approve_carrier, reached="approved"),
        "fulfil_by_type": by_type(fulfil_type, "completed"),
        "fulfil_by_carrier": by_carrier(fulfil_carrier, reached="completed", fulfilment="carrier"),
    }


def _medians(groups: dict, label: Callable[[Any], str], narrow: Callable[[Any], ReportFilter]) -> list[Bar]:
    """A bar per group of durations: its median, in hours to a tenth, and how many orders it is the median of."""
    bars = [
        Bar(str(key), label(key), round(statistics.median(hours), 1), len(hours), narrow(key))
        for key, hours in groups.items()
    ]
    return sorted(bars, key=lambda bar: bar.label)


# ---------------------------------------------------------------- what stands now (the period does not apply)
def approvals_waiting_by_approver(session: DbSession, filters: ReportFilter) -> list[Bar]:
    """Pending approval steps per person, or per group for steps any member may take; most waiting first."""
    now_filters = filters.now_only()
    rows = session.execute(
        select(Approval.assignee_id, Approval.group_id, User.name, Group.name, func.count())
        .join(Order, Approval.order_id == Order.id)
        .outerjoin(User, Approval.assignee_id == User.id)
        .outerjoin(Group, Approval.group_id == Group.id)
        .where(
            Approval.status == ApprovalStatus.PENDING,
            Order.status == OrderStatus.PENDING_APPROVAL,
            *now_filters.order_conditions(),
        )
        .group_by(Approval.assignee_id, Approval.group_id, User.name, Group.name)
    ).all()
    counts: dict[str, int] = defaultdict(int)
    labels: dict[str, str] = {}
    for assignee_id, group_id, person, group, count in rows:
        key = f"user:{assignee_id}" if assignee_id is not None else f"group:{group_id}"
        labels[key] = approver_label(person if assignee_id is not None else None, group)
        counts[key] += count
    waiting = now_filters.narrowed(statuses=(OrderStatus.PENDING_APPROVAL,))
    top = sorted(counts.items(), key=lambda item: (-item[1], labels[item[0]]))[:APPROVERS_LISTED]
    return [Bar(key, labels[key], n, n, waiting.narrowed(waiting_on=key)) for key, n in top]


def approvals_waiting_by_age(session: DbSession, filters: ReportFilter, *, now: datetime) -> list[Bar]:
    """Pending approval steps by how long they have waited (every bucket, youngest first)."""
    now_filters = filters.now_only()
    bucket = age_bucket(now)
    rows: dict[str, int] = dict(
        session.execute(
            select(bucket, func.count())
            .select_from(Approval)
            .join(Order, Approval.order_id == Order.id)
            .where(
                Approval.status == ApprovalStatus.PENDING,
                Order.status == OrderStatus.PENDING_APPROVAL,
                *now_filters.order_conditions(now=now),
            )
            .group_by(bucket)
        ).all()
    )
    waiting = now_filters.narrowed(statuses=(OrderStatus.PENDING_APPROVAL,))
    return [
        Bar(key, label, rows.get(key, 0), rows.get(key, 0), waiting.narrowed(waiting_age=key))
        for key, label, *_ in AGE_BUCKETS
    ]


def needing_attention_by_carrier(session: DbSession, filters: ReportFilter) -> list[Bar]:
    """Orders stopped by a carrier exception, per carrier."""
    attention = filters.now_only().narrowed(statuses=(OrderStatus.NEEDS_ATTENTION,))
    rows = session.execute(
        select(Order.carrier_id, Carrier.name, func.count())
        .outerjoin(Carrier, Order.carrier_id == Carrier.id)
        .where(*attention.order_conditions())
        .group_by(Order.carrier_id, Carrier.name)
    ).all()
    bars = [
        Bar(
            str(carrier_id or NONE),
            name or "No carrier",
            n,
            n,
            attention.narrowed(carrier=carrier_id if carrier_id is not None else NONE),
        )
        for carrier_id, name, n in rows
    ]
    return sorted(bars, key=lambda bar: (-bar.count, bar.label))


def needing_attention(session: DbSession, filters: ReportFilter) -> list[AttentionOrder]:
    """The orders that have needed attention longest (the oldest few)."""
    attention = filters.now_only().narrowed(statuses=(OrderStatus.NEEDS_ATTENTION,))
    rows = session.execute(
        select(Order.number, Order.type, Carrier.name, Order.updated_at)
        .outerjoin(Carrier, Order.carrier_id == Carrier.id)
        .where(*attention.order_conditions())
        .order_by(Order.updated_at, Order.id)
        .limit(ATTENTION_LISTED)
    ).all()
    return [
        AttentionOrder(number or "", _type_label(code), carrier or "No carrier", since)
        for number, code, carrier, since in rows
    ]


def line_cost_rows(session: DbSession, filters: ReportFilter) -> Sequence[Any]:
    """Active lines, their count and monthly cost (plan and features), per department and carrier: one pass over
    the lines serves both cost charts."""
    costs = active_line_costs(filters)
    return session.execute(
        select(
            costs.c.department_id,
            Department.name,
            costs.c.carrier_id,
            Carrier.name,
            func.count(),
            func.sum(costs.c.cents),
        )
        .outerjoin(Department, costs.c.department_id == Department.id)
        .join(Carrier, costs.c.carrier_id == Carrier.id)
        .group_by(costs.c.department_id, Department.name, costs.c.carrier_id, Carrier.name)
    ).all()


def line_cost_by_department(session: DbSession, filters: ReportFilter, rows: Sequence[Any] | None = None) -> list[Bar]:
    """Monthly cost of active lines (plan and features) by the department of the person who has the line."""
    rows = line_cost_rows(session, filters) if rows is None else rows
    return _cost_bars(filters, _total_by(rows, 0, 1), "department", "No department")


def line_cost_by_carrier(session: DbSession, filters: ReportFilter, rows: Sequence[Any] | None = None) -> list[Bar]:
    """Monthly cost of active lines (plan and features) by carrier."""
    rows = line_cost_rows(session, filters) if rows is None else rows
    return _cost_bars(filters, _total_by(rows, 2, 3), "carrier", "No carrier")


def _total_by(rows: Sequence[Any], key: int, name: int) -> list[tuple]:
    """(key, name, lines, cents) per key, from the rows of `line_cost_rows`."""
    totals: dict[Any, list] = {}
    for row in rows:
        total = totals.setdefault(row[key], [row[key], row[name], 0, 0])
        total[2] += row[4]
        total[3] += int(row[5] or 0)
    return [tuple(total) for total in totals.values()]


def _cost_bars(filters: ReportFilter, rows, field: str, nothing: str) -> list[Bar]:
    scope = ReportFilter(carrier=filters.carrier, department=filters.department, tz=filters.tz)
    bars = [
        Bar(
            str(key if key is not None else NONE),
            name or nothing,
            int(cents or 0),
            count,
            scope.narrowed(**{field: key if key is not None else NONE}),
            report="lines",
        )
        for key, name, count, cents in rows
    ]
    return sorted(bars, key=lambda bar: (-bar.value, bar.label))


# ---------------------------------------------------------------- names
def _type_label(code: str) -> str:
    return REGISTRY[code].name if code in REGISTRY else code


def _carrier_names(session: DbSession) -> dict[int, str]:
    return dict(session.execute(select(Carrier.id, Carrier.name)).all())
