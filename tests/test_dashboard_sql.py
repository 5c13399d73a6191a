"""The dashboard's figures are computed in the database: the same statements whatever the number of orders, each
returning a row per bar (never a row per order), and medians equal to the median Python takes of every order's
hours. Counting statements and rows, never timing."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

import pytest
from sqlalchemy import BigInteger, literal, select, union_all

from app.dashboard import figures
from app.models import Approval, ApprovalStatus, ApproverKind, Carrier, Order, OrderStatus, User
from app.reports.medians import median_rows, microseconds_between
from app.reports.queries import hours_between
from tests.support.dashboard import NOW, build_company, dashboard_rows, period, rows_per_statement
from tests.support.databases import USE_POSTGRES
from tests.support.plans import plans_of, statements_sent

S = OrderStatus
START = period().start
# the shapes more orders take: (type, carrier, status); each already on the charts with the first ten orders
SHAPES = [("new_line", "A", S.COMPLETED), ("upgrade", "B", S.COMPLETED), ("accessory", "A", S.PENDING_APPROVAL)]
SHAPES += [("upgrade", "A", S.NEEDS_ATTENTION)]


def add_orders(session, company, numbers: range) -> None:
    """Orders `numbers` in the period's first week, of the SHAPES in turn, with times to the microsecond; each order
    waiting for approval waits for an approver of its own (so there are ever more approvers)."""
    carriers = {code: session.get(Carrier, company.carrier[code]) for code in ("A", "B")}
    rita = session.get(User, company.person["rita"])
    week = datetime.combine(START, datetime.min.time()) + timedelta(hours=9)
    for i in numbers:
        code, carrier, status = SHAPES[i % len(SHAPES)]
        submitted = week + timedelta(minutes=7 * i, microseconds=i)
        decided = status is not S.PENDING_APPROVAL
        approved = submitted + timedelta(hours=1 + i % 9, seconds=i, microseconds=999_999 - i) if decided else None
        done = (
            approved + timedelta(hours=20 + i % 5, microseconds=3 * i) if status is S.COMPLETED and approved else None
        )
        order = Order(
            number=f"X-{i}",
            type=code,
            status=status,
            requester=rita,
            employee=rita,
            carrier=carriers[carrier],
            cost_center=rita.cost_center,
            submitted_at=submitted,
            approved_at=approved,
            completed_at=done,
            updated_at=done or approved or submitted,
        )
        session.add(order)
        if not decided:
            approver = User(email=f"approver{i}@example.com", name=f"Approver {i:04d}")
            session.add(
                Approval(
                    order=order,
                    position=0,
                    status=ApprovalStatus.PENDING,
                    approver_kind=ApproverKind.USER,
                    assignee=approver,
                    assigned_at=submitted,
                )
            )
    session.commit()


def test_the_dashboard_runs_the_same_few_statements_with_40_or_400_more_orders(db_session):
    """Forty more orders, then four hundred: the same statements, each returning the same rows (one per bar)."""
    company = build_company(db_session)
    add_orders(db_session, company, range(40))
    with_40 = dashboard_rows(db_session)
    add_orders(db_session, company, range(40, 400))
    with_400 = dashboard_rows(db_session)
    assert with_400 == with_40
    assert len(with_40) <= 7  # the page adds its person, the data's version, filters, settings and the badge
    assert max(with_40) < 50


def test_the_approvers_chart_asks_for_its_ten_only(db_session):
    """A hundred approvers waited on: the statement returns the ten with most waiting."""
    company = build_company(db_session)
    add_orders(db_session, company, range(400))
    with rows_per_statement(db_session) as fetched:
        bars = figures.approvals_waiting_by_approver(db_session, period())
    assert fetched == [figures.APPROVERS_LISTED] and len(bars) == figures.APPROVERS_LISTED
    assert [bar.label for bar in bars[:4]] == ["Ann Approver", "Bob Boss", "Approver 0002", "Approver 0006"]


@pytest.mark.parametrize("count", [57, 58, 59, 60])  # odd and even numbers of orders in each median
def test_medians_are_the_median_of_every_order_s_hours_to_the_microsecond(db_session, count):
    """The medians taken in the database equal statistics.median over each order's hours."""
    company = build_company(db_session)
    add_orders(db_session, company, range(count))
    durations = figures.time_to_approve_and_fulfil(db_session, period())
    orders = db_session.query(Order).filter(Order.submitted_at >= datetime.combine(START, datetime.min.time())).all()
    approved = [o for o in orders if o.approved_at is not None]
    expected = {
        carrier.name: round(statistics.median(hours_between(o.submitted_at, o.approved_at) for o in group), 1)
        for carrier in db_session.query(Carrier).all()
        if (group := [o for o in approved if o.carrier_id == carrier.id])
    }
    got = {bar.label: bar.value for bar in durations["approve_by_carrier"]}
    assert {name: got[name] for name in expected} == expected
    new_lines = [o for o in approved if o.type == "new_line" and o.completed_at is not None]
    fulfil = statistics.median(hours_between(o.approved_at, o.completed_at) for o in new_lines)
    assert {bar.label: bar.value for bar in durations["fulfil_by_type"]}["New line"] == round(fulfil, 1)


@pytest.mark.skipif(not USE_POSTGRES, reason="the plan of PostgreSQL is the one that matters at scale")
def test_the_charts_of_what_waits_now_read_indexes_of_the_waiting_rows(db_session):
    """The steps waiting (by approver, by age) and the orders needing attention (by carrier) are found in indexes
    of those rows alone, which hold what the charts read: at 2,000,000 orders, looking each one up in its table
    read 15,000 to 19,000 pages a chart (60 to 130 ms each; 2 to 23 ms from the indexes)."""
    company = build_company(db_session)
    add_orders(db_session, company, range(40))
    filters = period()
    by_approver, by_age, by_carrier = plans_of(
        lambda: (
            figures.approvals_waiting_by_approver(db_session, filters),
            figures.approvals_waiting_by_age(db_session, filters, now=NOW),
            figures.needing_attention_by_carrier(db_session, filters),
        ),
        without=("seqscan", "bitmapscan"),  # a test's few orders would be read whole
    )
    for plan in (by_approver, by_age):
        assert "ix_approvals_pending_steps" in plan and "ix_orders_pending_approval" in plan, plan
    assert "ix_orders_needs_attention" in by_carrier, by_carrier


def test_the_counts_read_the_period_once_and_the_line_costs_add_up_into_their_groups(db_session):
    """The charts' counts come from one pass over the period's orders (two, by status and per week, took 115 ms at
    2,000,000 orders; one takes 70). The line costs add the plans' and the features' costs straight into their
    groups: summing each line's features first made a table of every line with features to join (400 → 300 ms)."""
    company = build_company(db_session)
    add_orders(db_session, company, range(40))
    with statements_sent() as counting:
        statuses, weeks, types = figures.period_counts(db_session, period(), today=NOW.date())
    [(sql, _)] = counting
    assert sql.count("FROM orders") == 1, sql
    assert sum(statuses.values()) == sum(types.values()) >= sum(n for _, _, n in weeks) > 0
    with statements_sent() as costing:
        figures.line_cost_rows(db_session, period())
    [(sql, _)] = costing
    assert "GROUP BY line_features.line_id" not in sql, sql


def test_the_middle_values_of_groups_of_one_to_eight_values(db_session):
    """Per group: how many values, the lower and the upper middle one (the same one when the count is odd),
    whatever the database; duplicates count as values of their own."""
    values = {n: [(i * 7919) % 23 for i in range(n)] for n in range(1, 9)}  # 8 values: 0 and 7919 % 23 twice
    rows = union_all(
        *(select(literal(n).label("n"), literal(v, BigInteger).label("v")) for n, vs in values.items() for v in vs)
    ).subquery("rows")
    dialect = db_session.get_bind().dialect.name
    found = db_session.execute(median_rows(dialect, [rows.c.n], rows.c.v)).all()
    expected = {n: (n, sorted(vs)[(n - 1) // 2], sorted(vs)[n // 2]) for n, vs in values.items()}
    assert {n: (count, lower, upper) for n, count, lower, upper in found} == expected


@pytest.mark.parametrize(
    "start, end",
    [
        (datetime(2025, 3, 1, 9, 0, 0, 1), datetime(2025, 3, 1, 9, 0, 0, 2)),  # a microsecond
        (datetime(2025, 3, 1, 9, 0, 0, 999_999), datetime(2025, 3, 4, 17, 30, 1, 3)),  # days, across a second
        (datetime(2024, 12, 31, 23, 59, 59, 999_999), datetime(2025, 3, 31, 0, 0, 0, 1)),  # across months
        (datetime(2001, 1, 1, 0, 0, 0, 123_457), datetime(2030, 6, 30, 12, 0, 0, 654_321)),  # almost thirty years
    ],
)
def test_the_time_between_two_instants_to_the_microsecond(db_session, start, end):
    dialect = db_session.get_bind().dialect.name
    order = Order(type="new_line", status=S.APPROVED, submitted_at=start, approved_at=end, number="X-micro")
    order.requester = order.employee = db_session.query(User).first() or User(email="m@example.com", name="M")
    db_session.add(order)
    db_session.flush()
    between = microseconds_between(dialect, Order.submitted_at, Order.approved_at)
    found = db_session.scalar(select(between).where(Order.id == order.id))
    assert found == (end - start) // timedelta(microseconds=1)
