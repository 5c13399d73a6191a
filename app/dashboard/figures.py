"""The telecom dashboard's figures, as plain data: a session and filters in, numbers out. Every figure is
aggregated in SQL (counts, sums, and medians through `app.reports.medians`): a statement returns a row per bar,
never a row per order or line. Every bar carries the filter of the list behind it, so the page can link to it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)

from app.database import DbSession
from app.inventory.history import status_label
from app.models import (
    Approval,
    ApprovalStatus,
    Carrier,
    Department,
    Group,
    Order,
    OrderStatus,
    ServiceStatus,
    Site,
    User,
    WirelineService,
)
from app.orders.types import MOBILE, REGISTRY, WIRELINE
from app.orders.types.base import WIRELINE_FACTS
from app.reports.filters import AGE_BUCKETS, LISTED_STATUSES, NONE, ReportFilter, age_bucket, id_condition, week_start
from app.reports.medians import median_hours, median_rows, microseconds_between
from app.reports.queries import approver_label, line_cost_totals

WEEKS = 12  # the weekly chart shows at most this many weeks, ending with the period's last
SERIES = 6  # the weekly chart shows this many types, the rest together as "Other types"
ATTENTION_LISTED = 5
INSTALLS_LISTED = 10
INSTALLS_AHEAD = timedelta(days=30)  # "install dates coming up": the wireline installs scheduled this far ahead
MODULES = (MOBILE, WIRELINE)
APPROVERS_LISTED = 10  # a large company has thousands of approvers: the chart shows those with most waiting


@dataclass(frozen=True)
class Bar:
    """One bar: its label, the value its length shows, how many records are behind it and which list."""

    key: str
    label: str
    value: float
    count: int
    filters: ReportFilter
    report: str = "orders"  # the list behind it: "orders", "lines", or "site" (the site page, its key the site's id)


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
class InstallDate:
    """A wireline order's install, scheduled at a site (the carrier's date, or the new one of a jeopardy)."""

    on: date
    window: str
    site: str
    service: str  # the kind of service: "Business internet"
    type: str
    number: str


@dataclass(frozen=True)
class Dashboard:
    by_status: list[Bar]
    by_module: list[Bar]
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
    installs: list[InstallDate]
    cost_by_site: list[Bar]


def dashboard(session: DbSession, filters: ReportFilter, *, today: date, now: datetime) -> Dashboard:
    """Every figure of the dashboard for these filters."""
    statuses, weeks, types = period_counts(session, filters, today=today)
    durations = time_to_approve_and_fulfil(session, filters)
    line_costs, site_costs = active_cost_rows(session, filters)
    attention, installs = attention_and_installs(session, filters, today=today)
    return Dashboard(
        by_status=orders_by_status(session, filters, statuses),
        by_module=orders_by_module(session, filters, types),
        per_week=orders_by_type_per_week(session, filters, today=today, counts=weeks),
        approve_by_type=durations["approve_by_type"],
        approve_by_carrier=durations["approve_by_carrier"],
        fulfil_by_type=durations["fulfil_by_type"],
        fulfil_by_carrier=durations["fulfil_by_carrier"],
        waiting_by_approver=approvals_waiting_by_approver(session, filters),
        waiting_by_age=approvals_waiting_by_age(session, filters, now=now),
        attention_by_carrier=needing_attention_by_carrier(session, filters),
        attention_orders=attention,
        cost_by_department=line_cost_by_department(session, filters, line_costs),
        cost_by_carrier=line_cost_by_carrier(session, filters, line_costs),
        installs=installs,
        cost_by_site=service_cost_by_site(session, filters, site_costs),
    )


# ---------------------------------------------------------------- orders submitted in the period
StatusCounts = dict[OrderStatus, int]
WeekCounts = list[tuple[int, str, int]]  # (week of the windows, type, orders)
TypeCounts = dict[str, int]


def period_counts(
    session: DbSession, filters: ReportFilter, *, today: date
) -> tuple[StatusCounts, WeekCounts, TypeCounts]:
    """The orders of the period by status, per week and type, and by type: the charts' counts, in one pass over
    the period (a row per status, type and week that has orders: a few thousand at most, never one per order)."""
    week = _week_of(week_windows(filters, today), filters)
    rows = session.execute(
        select(Order.status, Order.type, week, func.count())
        .where(*filters.order_conditions(), Order.status != OrderStatus.DRAFT)
        .group_by(Order.status, Order.type, week)
    ).all()
    statuses: StatusCounts = defaultdict(int)
    types: TypeCounts = defaultdict(int)
    weeks: dict[tuple[int, str], int] = defaultdict(int)
    for status, code, i, n in rows:
        statuses[status] += n
        types[code] += n
        if i >= 0:
            weeks[i, code] += n
    return dict(statuses), [(i, code, n) for (i, code), n in weeks.items()], dict(types)


def orders_by_status(session: DbSession, filters: ReportFilter, counts: StatusCounts | None = None) -> list[Bar]:
    """Orders submitted in the period, by where they stand now (every status, in lifecycle order)."""
    if counts is None:
        counts = defaultdict(int)
        for status, _, n in session.execute(_status_counts(filters)):
            counts[status] += n
    return [
        Bar(s.value, s.label, counts.get(s, 0), counts.get(s, 0), filters.narrowed(statuses=(s,)))
        for s in LISTED_STATUSES
    ]


def orders_by_module(session: DbSession, filters: ReportFilter, counts: TypeCounts | None = None) -> list[Bar]:
    """Orders submitted in the period by module (Mobile, Wireline), each linking to the list of its types."""
    if counts is None:
        counts = defaultdict(int)
        for _, code, n in session.execute(_status_counts(filters)):
            counts[code] += n
    bars = []
    for module in MODULES:
        codes = tuple(sorted(code for code, order_type in REGISTRY.items() if order_type.module == module))
        n = sum(counts.get(code, 0) for code in codes)
        bars.append(Bar(module.lower(), module, n, n, filters.narrowed(types=codes)))
    return bars


def _status_counts(filters: ReportFilter) -> Select:
    """Orders of the period per status and type (a row per pair: a few dozen at most)."""
    return (
        select(Order.status, Order.type, func.count().label("count"))
        .where(*filters.order_conditions())
        .where(Order.status != OrderStatus.DRAFT)
        .group_by(Order.status, Order.type)
    )


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


def orders_by_type_per_week(
    session: DbSession, filters: ReportFilter, *, today: date, counts: WeekCounts | None = None
) -> Weekly:
    """Orders submitted per week and type; the SERIES - 1 commonest types apart, the rest as "Other types"."""
    windows = week_windows(filters, today)
    rows = session.execute(_week_counts(filters, windows)).all() if counts is None else counts
    per_type: dict[str, list[int]] = defaultdict(lambda: [0] * len(windows))
    for week, code, count in rows:
        per_type[code][week] += count
    ranked = sorted(per_type, key=lambda code: (-sum(per_type[code]), _type_label(code)))
    shown = ranked if len(ranked) <= SERIES else ranked[: SERIES - 1]
    others = [code for code in ranked if code not in shown]

    def series(key: str, label: str, codes: list[str]) -> Series:
        per_week = tuple(sum(per_type[c][i] for c in codes) for i in range(len(windows)))
        links = tuple(filters.narrowed(types=tuple(sorted(codes)), start=s, end=e) for s, e in windows)
        return Series(key, label, per_week, links, tuple(_type_label(c) for c in codes))

    all_series = [series(code, _type_label(code), [code]) for code in shown]
    if others:
        all_series.append(series("other", "Other types", others))
    weeks = tuple(
        Week(s, e, sum(per_type[c][i] for c in ranked), filters.narrowed(start=s, end=e))
        for i, (s, e) in enumerate(windows)
    )
    return Weekly(weeks, tuple(all_series))


def _week_counts(filters: ReportFilter, windows: list[tuple[date, date]]) -> Select:
    week_of = _week_of(windows, filters)
    return (
        select(week_of.label("week"), Order.type, func.count().label("count"))
        .where(
            Order.status != OrderStatus.DRAFT,
            *filters.order_conditions(),
            Order.submitted_at >= filters.instant(windows[0][0]),
            Order.submitted_at < filters.instant(windows[-1][1] + timedelta(days=1)),
        )
        .group_by(week_of, Order.type)
    )


def _week_of(windows: list[tuple[date, date]], filters: ReportFilter) -> ColumnElement[int]:
    """Which of the weekly chart's `windows` an order was submitted in (its index), or -1 for none."""
    starts = [filters.instant(start) for start, _ in windows]
    after = filters.instant(windows[-1][1] + timedelta(days=1))
    in_window = [(Order.submitted_at >= starts[i], i) for i in reversed(range(len(starts)))]
    return case((Order.submitted_at >= after, -1), *in_window, else_=-1)


@dataclass(frozen=True)
class MedianFigure:
    """A chart of median durations: which duration, grouped by type or by carrier, and what its bars' lists add."""

    name: str
    duration: str  # a column of `_durations`: "approve" or "fulfil"
    by_type: bool  # else by carrier
    narrowing: tuple[tuple[str, str], ...]


MEDIAN_FIGURES = (
    MedianFigure("approve_by_type", "approve", True, (("reached", "approved"),)),
    MedianFigure("approve_by_carrier", "approve", False, (("reached", "approved"),)),
    MedianFigure("fulfil_by_type", "fulfil", True, (("reached", "completed"),)),
    MedianFigure("fulfil_by_carrier", "fulfil", False, (("reached", "completed"), ("fulfilment", "carrier"))),
)


def time_to_approve_and_fulfil(session: DbSession, filters: ReportFilter) -> dict[str, list[Bar]]:
    """Median hours from submission to approval, and from approval to completion, by type and by carrier: one
    statement, the medians taken in the database, a row per bar.

    Fulfilment counts only types a carrier fulfils (the others complete at approval, in no time at all).
    """
    dialect = session.get_bind().dialect.name
    d = _durations(dialect, filters).c
    no_type, no_carrier, no_name = (
        null().cast(d.type.type),
        null().cast(d.carrier_id.type),
        null().cast(Carrier.name.type),
    )
    parts = []
    for i, figure in enumerate(MEDIAN_FIGURES):
        medians = median_rows(dialect, [d.type if figure.by_type else d.carrier_id], d[figure.duration])
        m = medians.subquery(f"medians_{i}")
        group, *counted = m.c  # the type or the carrier, then the count, the lower and the upper middle
        if figure.by_type:
            parts.append(select(literal_column(str(i)), group, no_carrier, no_name, *counted))
        else:  # the carrier's name joined to its few rows, not sorted along with every order
            named = select(literal_column(str(i)), no_type, group, Carrier.name, *counted)
            parts.append(named.outerjoin(Carrier, group == Carrier.id))
    bars: dict[str, list[Bar]] = {figure.name: [] for figure in MEDIAN_FIGURES}
    for i, code, carrier_id, carrier, n, lower, upper in session.execute(union_all(*parts)):
        figure = MEDIAN_FIGURES[i]
        hours = round(median_hours(lower, upper), 1)
        if figure.by_type:
            link = filters.narrowed(types=(code,), **dict(figure.narrowing))
            bars[figure.name].append(Bar(code, _type_label(code), hours, n, link))
        else:
            key = carrier_id if carrier_id is not None else NONE
            link = filters.narrowed(carrier=key, **dict(figure.narrowing))
            bars[figure.name].append(Bar(str(key), carrier or "No carrier", hours, n, link))
    return {name: sorted(found, key=lambda bar: bar.label) for name, found in bars.items()}


def _durations(dialect: str, filters: ReportFilter):
    """The approved orders of the filters: type, carrier id, and the microseconds to approve and (for a type a
    carrier fulfils, once completed) to fulfil; read once by every median."""
    carrier_fulfilled = [code for code, order_type in REGISTRY.items() if order_type.carrier_fulfilled]
    fulfilled = and_(Order.completed_at.is_not(None), Order.type.in_(carrier_fulfilled))
    return (
        select(
            Order.type,
            Order.carrier_id,
            microseconds_between(dialect, Order.submitted_at, Order.approved_at).label("approve"),
            case((fulfilled, microseconds_between(dialect, Order.approved_at, Order.completed_at))).label("fulfil"),
        )
        .where(*filters.order_conditions(), Order.approved_at.is_not(None), Order.submitted_at.is_not(None))
        .cte("durations")
    )


# ---------------------------------------------------------------- what stands now (the period does not apply)
def approvals_waiting_by_approver(session: DbSession, filters: ReportFilter) -> list[Bar]:
    """Pending approval steps per person, or per group for steps any member may take; the APPROVERS_LISTED with
    most waiting, chosen in the database (a large company has thousands of approvers)."""
    now_filters = filters.now_only()
    person = Approval.assignee_id.is_not(None)
    group_id = case((person, None), else_=Approval.group_id)  # a person's steps count together whatever the group
    # the label approver_label makes, to break ties in the order Python sorts strings
    label = case((person, User.name), else_=func.coalesce(Group.name, "None").concat(" (any member)"))
    count = func.count()
    rows = session.execute(
        select(Approval.assignee_id, group_id, User.name, Group.name, count)
        .join(Order, Approval.order_id == Order.id)
        .outerjoin(User, Approval.assignee_id == User.id)
        .outerjoin(Group, and_(Approval.group_id == Group.id, ~person))
        .where(
            Approval.status == ApprovalStatus.PENDING,
            Order.status == OrderStatus.PENDING_APPROVAL,
            *now_filters.order_conditions(),
        )
        .group_by(Approval.assignee_id, group_id, User.name, Group.name)
        .order_by(count.desc(), _codepoint_order(session, label), Approval.assignee_id, group_id)
        .limit(APPROVERS_LISTED)
    ).all()
    waiting = now_filters.narrowed(statuses=(OrderStatus.PENDING_APPROVAL,))
    bars = []
    for assignee_id, group, person_name, group_name, n in rows:
        key = f"user:{assignee_id}" if assignee_id is not None else f"group:{group}"
        name = approver_label(person_name if assignee_id is not None else None, group_name)
        bars.append(Bar(key, name, n, n, waiting.narrowed(waiting_on=key)))
    return bars


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


def attention_and_installs(
    session: DbSession, filters: ReportFilter, *, today: date
) -> tuple[list[AttentionOrder], list[InstallDate]]:
    """The orders needing attention longest, and the wireline installs coming up (from today to INSTALLS_AHEAD,
    soonest first): two short lists of open orders in one statement."""
    attention = filters.now_only().narrowed(statuses=(OrderStatus.NEEDS_ATTENTION,))
    longest = (
        select(Order.number, Order.type, Carrier.name.label("name"), Order.updated_at)
        .outerjoin(Carrier, Order.carrier_id == Carrier.id)
        .where(*attention.order_conditions())
        .order_by(Order.updated_at, Order.id)
        .limit(ATTENTION_LISTED)
        .subquery("longest")
    )
    coming = _installs_coming(filters, today).subquery("installs")
    no_text = null().cast(String())
    rows = session.execute(
        union_all(
            select(literal(0), *longest.c, no_text, no_text, no_text, null().cast(WirelineService.kind.type)),
            select(
                literal(1),
                coming.c.number,
                coming.c.type,
                coming.c.site,
                null().cast(Order.updated_at.type),
                coming.c.install_on,
                coming.c.window,
                coming.c.kind,
                coming.c.service_kind,
            ),
        )
    ).all()
    orders = sorted((row for row in rows if row[0] == 0), key=lambda row: (row[4], row[1] or ""))
    installs = sorted((row for row in rows if row[0] == 1), key=lambda row: (row[5], row[1] or ""))
    return (
        [AttentionOrder(number or "", _type_label(code), name or "No carrier", since)
         for _, number, code, name, since, *_ in orders],
        [
            InstallDate(date.fromisoformat(on), window or "", site or "No site",
                        status_label(service_kind or kind or ""), _type_label(code), number or "")
            for _, number, code, site, _, on, window, kind, service_kind in installs
        ],
    )  # fmt: skip


def _installs_coming(filters: ReportFilter, today: date) -> Select:
    """Open wireline orders whose install the carrier scheduled within INSTALLS_AHEAD of today."""
    wireline = [code for code, order_type in REGISTRY.items() if order_type.module == WIRELINE]
    install_on = Order.details[(WIRELINE_FACTS, "install_on")].as_string()
    open_with_carrier = (OrderStatus.APPROVED, OrderStatus.WITH_CARRIER, OrderStatus.NEEDS_ATTENTION)
    return (
        select(
            Order.number,
            Order.type,
            Site.name.label("site"),
            install_on.label("install_on"),
            Order.details[(WIRELINE_FACTS, "install_window")].as_string().label("window"),
            Order.details["kind"].as_string().label("kind"),
            WirelineService.kind.label("service_kind"),
        )
        .outerjoin(Site, Order.site_id == Site.id)
        .outerjoin(WirelineService, Order.service_id == WirelineService.id)
        .where(
            *filters.now_only().order_conditions(),
            Order.type.in_(wireline),
            Order.status.in_(open_with_carrier),
            install_on >= today.isoformat(),
            install_on <= (today + INSTALLS_AHEAD).isoformat(),
        )
        .order_by(install_on, Order.id)
        .limit(INSTALLS_LISTED)
    )


def line_cost_rows(session: DbSession, filters: ReportFilter) -> Sequence[Any]:
    """Active lines, their count and monthly cost (plan and features), per department and carrier: one pass over
    the lines serves both cost charts."""
    return session.execute(_line_costs(filters)).all()


def active_cost_rows(session: DbSession, filters: ReportFilter) -> tuple[Sequence[Any], Sequence[Any]]:
    """The rows of `line_cost_rows`, and the active wireline services' count and monthly cost per site (site id,
    name, services, cents): what things cost each month now, in one statement."""
    lines = _line_costs(filters).subquery("line_rows")
    sites = _site_costs(filters).subquery("site_rows")
    no_id, no_name = null().cast(Integer), null().cast(String())
    rows = session.execute(
        union_all(
            select(literal(0), *lines.c),
            select(literal(1), sites.c.site_id, sites.c.name, no_id, no_name, sites.c.count, sites.c.cents),
        )
    ).all()
    return [tuple(row[1:]) for row in rows if row[0] == 0], [tuple(row[1:3] + row[5:]) for row in rows if row[0] == 1]


def _line_costs(filters: ReportFilter) -> Select:
    costs = line_cost_totals(filters, "department_id", "carrier_id")
    return (
        select(
            costs.c.department_id,
            Department.name.label("department"),
            costs.c.carrier_id,
            Carrier.name.label("carrier"),
            costs.c.lines.label("count"),
            costs.c.cents,
        )
        .outerjoin(Department, costs.c.department_id == Department.id)
        .join(Carrier, costs.c.carrier_id == Carrier.id)
    )


def _site_costs(filters: ReportFilter) -> Select:
    """Active wireline services per site: how many, and their monthly cost. The carrier filter applies; sites
    belong to no department."""
    query = (
        select(
            WirelineService.site_id,
            Site.name,
            func.count().label("count"),
            func.sum(func.coalesce(WirelineService.monthly_cents, 0)).label("cents"),
        )
        .join(Site, WirelineService.site_id == Site.id)
        .where(WirelineService.status == ServiceStatus.ACTIVE)
        .group_by(WirelineService.site_id, Site.name)
    )
    if filters.carrier is not None:
        query = query.where(id_condition(WirelineService.carrier_id, filters.carrier))
    return query


def service_cost_by_site(session: DbSession, filters: ReportFilter, rows: Sequence[Any] | None = None) -> list[Bar]:
    """Monthly cost of active wireline services by site (each bar linking to the site's page), costliest first."""
    rows = active_cost_rows(session, filters)[1] if rows is None else rows
    bars = [
        Bar(str(site_id), name, int(cents or 0), count, filters, report="site") for site_id, name, count, cents in rows
    ]
    return sorted(bars, key=lambda bar: (-bar.value, bar.label))


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
def _codepoint_order(session: DbSession, text: ColumnElement[str]) -> ColumnElement[str]:
    """Text to sort by as Python sorts strings (by code point): SQLite compares bytes; PostgreSQL's "C"
    collation does, whatever the database's locale."""
    return text.collate("C") if session.get_bind().dialect.name == "postgresql" else text


def _type_label(code: str) -> str:
    return REGISTRY[code].name if code in REGISTRY else code
