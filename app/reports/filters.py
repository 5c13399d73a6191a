"""The filters of the dashboard and the reports: parsed from a query string, turned into SQL conditions, and
written back as query-string arguments (so a figure links to exactly the list it counts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, CompoundSelect, and_, case, func, literal_column, select, union_all

from app import clock, params
from app.database import DbSession
from app.models import Approval, ApprovalStatus, Carrier, Department, Order, OrderStatus, User
from app.orders.types import REGISTRY

NONE = "none"  # the carrier or department filter value meaning "none at all"

# How long an approval step has waited: (key, label, at least days, under days).
AGE_BUCKETS: tuple[tuple[str, str, int, int | None], ...] = (
    ("under_1d", "Under 1 day", 0, 1),
    ("1_3d", "1 to 3 days", 1, 3),
    ("3_7d", "3 to 7 days", 3, 7),
    ("over_7d", "7 days or more", 7, None),
)
REACHED = {"approved": "Approved", "completed": "Completed"}
FULFILMENT = {"carrier": "By a carrier", "internal": "Internally (no carrier)"}
LISTED_STATUSES = tuple(s for s in OrderStatus if s is not OrderStatus.DRAFT)

IdFilter = int | str | None  # an id, NONE, or None for "any"


@dataclass(frozen=True)
class ReportFilter:
    """What a list or a figure is narrowed to. The period is of submission (of decision, for turnaround)."""

    statuses: tuple[OrderStatus, ...] = ()
    types: tuple[str, ...] = ()
    carrier: IdFilter = None
    department: IdFilter = None
    start: date | None = None
    end: date | None = None  # inclusive
    reached: str | None = None  # "approved" or "completed": only orders that got that far
    fulfilment: str | None = None  # "carrier" or "internal"
    waiting_on: str | None = None  # "user:<id>" or "group:<id>": orders whose pending step waits for them
    waiting_age: str | None = None  # an AGE_BUCKETS key: orders whose pending step has waited that long
    tz: str = "UTC"  # the company's time zone: days start at its midnight

    # ------------------------------------------------------------ query string
    @classmethod
    def from_args(
        cls, args: Mapping[str, str], *, tz: str = "UTC", default_period: tuple[date, date] | None = None
    ) -> ReportFilter:
        """Unknown or malformed values are ignored (a hand-edited URL shows a wider list, not an error).

        Without `start` and `end` in the query string the default period applies; present but empty means
        "no bound".
        """
        start, end = _day(args.get("start")), _day(args.get("end"))
        if default_period and "start" not in args and "end" not in args:
            start, end = default_period
        if start and end and start > end:
            start, end = end, start
        statuses = tuple(OrderStatus(v) for v in _values(args.get("status")) if v in _STATUS_VALUES)
        return cls(
            statuses=statuses,
            types=tuple(v for v in _values(args.get("type")) if v in REGISTRY),
            carrier=_id(args.get("carrier")),
            department=_id(args.get("department")),
            start=start,
            end=end,
            reached=args.get("reached") if args.get("reached") in REACHED else None,
            fulfilment=args.get("fulfilment") if args.get("fulfilment") in FULFILMENT else None,
            waiting_on=_approver_key(args.get("waiting_on")),
            waiting_age=args.get("waiting_age") if args.get("waiting_age") in _AGE_KEYS else None,
            tz=tz,
        )

    def to_args(self, *, explicit_period: bool = False) -> dict[str, str]:
        """Query-string arguments that parse back to this filter. `explicit_period` writes an empty period
        too, for pages whose default period is not "all time"."""
        args = {
            "status": ",".join(s.value for s in self.statuses),
            "type": ",".join(self.types),
            "carrier": "" if self.carrier is None else str(self.carrier),
            "department": "" if self.department is None else str(self.department),
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
            "reached": self.reached or "",
            "fulfilment": self.fulfilment or "",
            "waiting_on": self.waiting_on or "",
            "waiting_age": self.waiting_age or "",
        }
        keep = {"start", "end"} if explicit_period else set()
        return {k: v for k, v in args.items() if v or k in keep}

    def narrowed(self, **changes: Any) -> ReportFilter:
        return replace(self, **changes)

    def now_only(self) -> ReportFilter:
        """The same filter without a period: for figures that show what stands now."""
        return replace(self, start=None, end=None)

    # ------------------------------------------------------------ time
    def instant(self, day: date) -> datetime:
        """The company's midnight starting `day`, as the naive UTC time the database stores."""
        local = datetime.combine(day, time.min, tzinfo=ZoneInfo(self.tz))
        return local.astimezone(UTC).replace(tzinfo=None)

    def period_bounds(self) -> tuple[datetime | None, datetime | None]:
        """[from, until) in UTC for the period's days."""
        return (
            self.instant(self.start) if self.start else None,
            self.instant(self.end + timedelta(days=1)) if self.end else None,
        )

    # ------------------------------------------------------------ SQL
    def order_conditions(self, *, now: datetime | None = None) -> list[ColumnElement[bool]]:
        """Conditions on Order (the period applies to submitted_at)."""
        conditions = self.scope_conditions()
        since, until = self.period_bounds()
        if since is not None:
            conditions.append(Order.submitted_at >= since)
        if until is not None:
            conditions.append(Order.submitted_at < until)
        if self.statuses:
            conditions.append(Order.status.in_(self.statuses))
        if self.reached == "approved":
            conditions.append(Order.approved_at.is_not(None))
        elif self.reached == "completed":
            conditions.append(Order.completed_at.is_not(None))
        if self.waiting_on or self.waiting_age:
            conditions.append(Order.id.in_(self._waiting_orders(now or clock.now())))
        return conditions

    def scope_conditions(self) -> list[ColumnElement[bool]]:
        """Conditions on Order for type, fulfilment, carrier and department only."""
        conditions: list[ColumnElement[bool]] = []
        if self.types:
            conditions.append(Order.type.in_(self.types))
        if self.fulfilment:
            carrier_types = [code for code, t in REGISTRY.items() if t.carrier_fulfilled]
            conditions.append(
                Order.type.in_(carrier_types) if self.fulfilment == "carrier" else Order.type.not_in(carrier_types)
            )
        if self.carrier is not None:
            conditions.append(id_condition(Order.carrier_id, self.carrier))
        if self.department is not None:
            conditions.append(Order.employee_id.in_(people_in_department(self.department)))
        return conditions

    def _waiting_orders(self, now: datetime):
        conditions = [Approval.status == ApprovalStatus.PENDING]
        if self.waiting_on:
            conditions.append(approver_condition(self.waiting_on))
        if self.waiting_age:
            conditions.append(age_condition(self.waiting_age, now))
        return (
            select(Approval.order_id)
            .join(Order, Approval.order_id == Order.id)
            .where(Order.status == OrderStatus.PENDING_APPROVAL, *conditions)
        )


def id_condition(column, value: IdFilter) -> ColumnElement[bool]:
    return column.is_(None) if value == NONE else column == value


def people_in_department(department: IdFilter):
    return select(User.id).where(id_condition(User.department_id, department))


def waited_since():
    """When a pending step started waiting (its order's submission, for a step without an assignment time)."""
    return func.coalesce(Approval.assigned_at, Order.submitted_at)


def age_condition(key: str, now: datetime) -> ColumnElement[bool]:
    """Steps (joined to their order) that have waited as long as the bucket `key` says."""
    _, _, at_least, under = next(b for b in AGE_BUCKETS if b[0] == key)
    since = waited_since()
    conditions = []
    if at_least:  # the first bucket has no lower bound: a clock running ahead still counts as "new"
        conditions.append(since <= now - timedelta(days=at_least))
    if under is not None:
        conditions.append(since > now - timedelta(days=under))
    return and_(*conditions)


def age_bucket(now: datetime):
    """The AGE_BUCKETS key of each pending step, as an SQL expression (to group on)."""
    return case(*[(age_condition(key, now), key) for key, *_ in AGE_BUCKETS[:-1]], else_=AGE_BUCKETS[-1][0])


def approver_condition(key: str) -> ColumnElement[bool]:
    kind, _, ident = key.partition(":")
    if kind == "user":
        return Approval.assignee_id == int(ident)
    return and_(Approval.assignee_id.is_(None), Approval.group_id == int(ident))


def default_period(today: date, weeks: int = 12) -> tuple[date, date]:
    """The last `weeks` whole weeks (Monday to Sunday), this one included, up to today."""
    return week_start(today) - timedelta(weeks=weeks - 1), today


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


# ---------------------------------------------------------------- parsing helpers
_STATUS_VALUES = {s.value for s in LISTED_STATUSES}
_AGE_KEYS = {b[0] for b in AGE_BUCKETS}


def _values(raw: str | None) -> list[str]:
    return [v.strip() for v in (raw or "").split(",") if v.strip()]


def _day(raw: str | None) -> date | None:
    return params.to_date(raw)


def _id(raw: str | None) -> IdFilter:
    raw = (raw or "").strip()
    if raw == NONE:
        return NONE
    return params.to_int(raw, minimum=1)


def _approver_key(raw: str | None) -> str | None:
    kind, _, ident = (raw or "").partition(":")
    number = params.to_int(ident, minimum=1)
    return f"{kind}:{number}" if kind in ("user", "group") and number is not None else None


# ---------------------------------------------------------------- what the filter controls offer
@dataclass(frozen=True)
class FilterChoices:
    statuses: list[tuple[str, str]]
    types: list[tuple[str, str]]
    carriers: list[tuple[str, str]]
    departments: list[tuple[str, str]]
    reached: list[tuple[str, str]]
    fulfilment: list[tuple[str, str]]


def filter_choices(session: DbSession) -> FilterChoices:
    """The options of the filter controls (one small query: carriers, then departments, each by name)."""
    options: CompoundSelect = union_all(
        select(literal_column("0").label("kind"), Carrier.id.label("id"), Carrier.name.label("name")),
        select(literal_column("1"), Department.id, Department.name),
    )
    rows = session.execute(options.order_by(options.selected_columns.kind, options.selected_columns.name)).all()
    carriers = [(i, name) for kind, i, name in rows if kind == 0]
    departments = [(i, name) for kind, i, name in rows if kind == 1]
    return FilterChoices(
        statuses=[(s.value, s.label) for s in LISTED_STATUSES],
        types=sorted(((code, t.name) for code, t in REGISTRY.items()), key=lambda item: item[1]),
        carriers=[(str(i), name) for i, name in carriers],
        departments=[(str(i), name) for i, name in departments],
        reached=list(REACHED.items()),
        fulfilment=list(FULFILMENT.items()),
    )
