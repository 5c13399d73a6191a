"""A small company with known timestamps, for the dashboard and report figures computed by hand."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import event

from app import clock
from app.dashboard import figures
from app.models import (
    Approval,
    ApprovalStatus,
    ApproverKind,
    Carrier,
    CostCenter,
    Department,
    Feature,
    Group,
    Line,
    LineFeature,
    LineStatus,
    Order,
    OrderStatus,
    Plan,
    PlanKind,
    User,
)
from app.reports.filters import ReportFilter, default_period

S = OrderStatus
NOW = datetime(2025, 3, 12, 12, 0)  # a Wednesday, noon (UTC)
TODAY = NOW.date()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class Company:
    """What the small data set made; ids by short name."""

    carrier: dict[str, int] = field(default_factory=dict)
    department: dict[str, int] = field(default_factory=dict)
    person: dict[str, int] = field(default_factory=dict)
    group: int = 0
    order: dict[str, int] = field(default_factory=dict)


# name: (type, carrier, for, status, submitted, approved, completed)
ORDERS = {
    "o1": ("new_line", "A", "rita", S.COMPLETED, "2025-03-03 09:00", "2025-03-03 19:00", "2025-03-05 19:00"),
    "o2": ("new_line", "A", "leo", S.COMPLETED, "2025-03-04 10:00", "2025-03-05 06:00", "2025-03-06 06:00"),
    "o3": ("upgrade", "B", "rita", S.COMPLETED, "2025-03-10 08:00", "2025-03-10 12:00", "2025-03-11 00:00"),
    "o4": ("upgrade", "B", "leo", S.WITH_CARRIER, "2025-03-11 09:00", "2025-03-11 17:00", None),
    "o5": ("stipend_enroll", None, "rita", S.COMPLETED, "2025-03-04 12:00", "2025-03-04 14:00", "2025-03-04 14:00"),
    "o6": ("new_line", "B", "rita", S.PENDING_APPROVAL, "2025-03-11 10:00", None, None),
    "o7": ("accessory", "A", "leo", S.PENDING_APPROVAL, "2025-03-12 09:00", None, None),
    "o8": ("new_line", "A", "rita", S.PENDING_APPROVAL, "2025-02-24 10:00", None, None),
    "o9": ("upgrade", "A", "leo", S.NEEDS_ATTENTION, "2025-02-26 10:00", "2025-02-27 10:00", None),
    "o10": ("change_plan", "B", "rita", S.REJECTED, "2025-03-05 10:00", None, None),
    "o11": ("new_line", "A", "rita", S.COMPLETED, "2024-11-01 10:00", "2024-11-05 14:00", "2024-11-09 18:00"),
    "o12": ("new_line", "A", "rita", S.DRAFT, None, None, None),
    "o13": ("new_line", "B", "leo", S.INFO_REQUESTED, "2025-03-06 10:00", None, None),
    "o14": ("change_features", "B", "leo", S.PENDING_APPROVAL, "2025-03-07 12:00", None, None),
    "o15": ("sim_request", "A", "rita", S.CANCELLED, "2025-03-06 11:00", None, None),
    "o16": ("new_line", "A", "leo", S.PENDING_APPROVAL, "2025-03-12 10:30", None, None),
}
# order: (approver, status, assigned, decided); approver is a person's short name or "group"
APPROVALS = [
    ("o1", "ann", ApprovalStatus.APPROVED, "2025-03-03 09:00", "2025-03-03 13:00"),  # 4 h
    ("o1", "bob", ApprovalStatus.APPROVED, "2025-03-03 13:00", "2025-03-03 19:00"),  # 6 h
    ("o2", "ann", ApprovalStatus.APPROVED, "2025-03-04 10:00", "2025-03-05 06:00"),  # 20 h
    ("o3", "bob", ApprovalStatus.APPROVED, "2025-03-10 08:00", "2025-03-10 11:00"),  # 3 h
    ("o4", "ann", ApprovalStatus.APPROVED, "2025-03-11 09:00", "2025-03-11 17:00"),  # 8 h
    ("o5", "ann", ApprovalStatus.APPROVED, "2025-03-04 12:00", "2025-03-04 14:00"),  # 2 h
    ("o9", "bob", ApprovalStatus.APPROVED, "2025-02-26 10:00", "2025-02-26 20:00"),  # 10 h
    ("o10", "ann", ApprovalStatus.REJECTED, "2025-03-05 10:00", "2025-03-06 10:00"),  # 24 h
    ("o11", "ann", ApprovalStatus.APPROVED, "2024-11-01 10:00", "2024-11-05 14:00"),  # 100 h
    ("o6", "ann", ApprovalStatus.PENDING, "2025-03-11 10:00", None),  # waiting 26 h
    ("o7", "group", ApprovalStatus.PENDING, "2025-03-12 09:00", None),  # 3 h
    ("o8", "ann", ApprovalStatus.PENDING, "2025-03-01 12:00", None),  # 11 days
    ("o14", "bob", ApprovalStatus.PENDING, "2025-03-08 12:00", None),  # 4 days
    ("o16", "bob", ApprovalStatus.PENDING, "2025-03-12 11:00", None),  # 1 h
]


def build_company(session, *, shift: timedelta = timedelta(0)) -> Company:
    """Two carriers, two departments, two people, two approvers and a group, the orders and approvals above
    (moved by `shift`), and six lines of known monthly cost."""
    c = Company()
    carriers = {
        code: Carrier(code=f"test-{code.lower()}", name=name)
        for code, name in (("A", "Alpha Mobile"), ("B", "Beta Wireless"))
    }
    departments = {"research": Department(name="Research"), "legal": Department(name="Legal")}
    cost_centers = {
        "research": CostCenter(code="CC-9200", name="Research"),
        "legal": CostCenter(code="CC-9100", name="Legal"),
    }
    session.add_all([*carriers.values(), *departments.values(), *cost_centers.values()])
    people = {
        "rita": User(
            email="rita@example.com",
            name="Rita Reyes",
            department=departments["research"],
            cost_center=cost_centers["research"],
        ),
        "leo": User(
            email="leo@example.com", name="Leo Lane", department=departments["legal"], cost_center=cost_centers["legal"]
        ),
        "ann": User(email="ann@example.com", name="Ann Approver"),
        "bob": User(email="bob@example.com", name="Bob Boss"),
    }
    group = Group(name="Test approvers", members=[people["ann"], people["bob"]])
    session.add_all([*people.values(), group])
    session.flush()

    def moved(text: str | None) -> datetime | None:
        return at(text) + shift if text else None

    orders = {}
    for name, (code, carrier, person, status, submitted, approved, completed) in ORDERS.items():
        employee = people[person]
        orders[name] = Order(
            number=f"T-{name}",
            type=code,
            status=status,
            requester=employee,
            employee=employee,
            carrier=carriers[carrier] if carrier else None,
            cost_center=employee.cost_center,
            submitted_at=moved(submitted),
            approved_at=moved(approved),
            completed_at=moved(completed),
            updated_at=moved(submitted) or NOW + shift,
        )
    session.add_all(orders.values())
    session.flush()
    for position, (name, approver, status, assigned, decided) in enumerate(APPROVALS):
        person = people.get(approver)
        session.add(
            Approval(
                order=orders[name],
                position=position,
                status=status,
                approver_kind=ApproverKind.GROUP if person is None else ApproverKind.USER,
                assignee=person,
                group=group if person is None else None,
                assigned_at=moved(assigned),
                decided_at=moved(decided),
                decided_by=person if decided else None,
            )
        )
    _lines(session, carriers, people, cost_centers)
    session.commit()
    c.carrier = {code: carrier.id for code, carrier in carriers.items()}
    c.department = {name: d.id for name, d in departments.items()}
    c.person = {name: p.id for name, p in people.items()}
    c.group = group.id
    c.order = {name: o.id for name, o in orders.items()}
    return c


def _lines(session, carriers, people, cost_centers) -> None:
    a, b = carriers["A"], carriers["B"]
    basic = Plan(carrier=a, name="A Basic", kind=PlanKind.VOICE_DATA, monthly_cents=3000)
    maximum = Plan(carrier=a, name="A Max", kind=PlanKind.VOICE_DATA, monthly_cents=5000)
    b_plan = Plan(carrier=b, name="B Plan", kind=PlanKind.VOICE_DATA, monthly_cents=4000)
    hotspot = Feature(carrier=a, code="hotspot", name="Hotspot", monthly_cents=1000)
    intl = Feature(carrier=a, code="intl", name="International", monthly_cents=500)
    b_intl = Feature(carrier=b, code="intl", name="International", monthly_cents=700)
    rita, leo = people["rita"], people["leo"]
    research, legal = cost_centers["research"], cost_centers["legal"]
    specs = [  # carrier, plan, features, person, cost center, status → monthly cost
        (a, basic, [hotspot], rita, research, LineStatus.ACTIVE),  # L1 $40.00
        (a, maximum, [hotspot, intl], leo, legal, LineStatus.ACTIVE),  # L2 $65.00
        (b, b_plan, [], rita, research, LineStatus.ACTIVE),  # L3 $40.00
        (a, maximum, [], None, legal, LineStatus.ACTIVE),  # L4 $50.00, a spare: no person, no department
        (a, basic, [], rita, research, LineStatus.SUSPENDED),  # L5 not counted
        (b, None, [b_intl], leo, legal, LineStatus.ACTIVE),  # L6 $7.00, no plan
    ]
    for i, (carrier, plan, features_, person, cost_center, status) in enumerate(specs, start=1):
        line = Line(
            number=f"+1555019{i:04d}",
            carrier=carrier,
            plan=plan,
            employee=person,
            cost_center=cost_center,
            status=status,
            features=[LineFeature(feature=f) for f in features_],
        )
        session.add(line)


def shift_to_today(app) -> timedelta:
    """How far to move the data set so that its day is the company's today (the pages use the real clock)."""
    return timedelta(days=(clock.today() - TODAY).days)


# ---------------------------------------------------------------- in Chromium
CHARTS = (
    "orders-by-status",
    "orders-per-week",
    "approve-by-type",
    "approve-by-carrier",
    "fulfil-by-type",
    "fulfil-by-carrier",
    "waiting-by-approver",
    "waiting-by-age",
    "attention-by-carrier",
    "cost-by-department",
    "cost-by-carrier",
)


def assert_every_chart_is_drawn(page) -> None:
    for chart in CHARTS:
        svg = page.locator(f"#{chart} svg.bar-chart")
        box = svg.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, chart
        widths = [bar.bounding_box()["width"] for bar in svg.locator("rect.bar").all()]
        assert widths and max(widths) > 0, f"{chart} has no bar drawn"


# ---------------------------------------------------------------- statements and their rows
def period() -> ReportFilter:
    """The dashboard's default period around the data set's day."""
    start, end = default_period(TODAY)
    return ReportFilter(start=start, end=end, tz="UTC")


@contextmanager
def rows_per_statement(session):
    """The number of rows each statement the session executes returns, in order."""
    fetched: list[int] = []

    def count_rows(state):
        frozen = state.invoke_statement().freeze()
        fetched.append(len(frozen.data))
        return frozen()

    event.listen(session, "do_orm_execute", count_rows)
    try:
        yield fetched
    finally:
        event.remove(session, "do_orm_execute", count_rows)


def dashboard_rows(session) -> list[int]:
    """The rows each of the dashboard's figure statements returns."""
    with rows_per_statement(session) as fetched:
        figures.dashboard(session, period(), today=TODAY, now=NOW)
    return fetched
