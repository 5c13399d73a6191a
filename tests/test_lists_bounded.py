"""What the benchmarks at 2,000,000 orders changed, each checked for what it must still show: the approvals badge
counts up to a limit and says "99+" past it, the all-orders report starts at the newest submitted order, and an
order's devices owed back are found through their own index."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import insert, inspect, select, text

from app.approvals import inbox
from app.extensions import db
from app.models import Approval, Line
from app.reports import queries
from app.reports.filters import ReportFilter
from tests.support.approvals import person, submit
from tests.support.databases import USE_POSTGRES
from tests.support.plans import plans_of, postgres_plan, statements_sent


# ---------------------------------------------------------------- the approvals badge
def test_the_badge_is_exact_up_to_its_limit_and_says_more_beyond(app, login, demo, monkeypatch):
    monkeypatch.setattr(inbox, "BADGE_LIMIT", 2)  # the real limit (99) works alike; 100 orders take long to place
    submit(login, demo)
    submit(login, demo, code="change_plan")
    marco = login("manager")
    assert 'class="count-badge">2<span class="visually-hidden"> waiting for you</span>' in marco.get(
        "/approvals/count"
    ).get_data(as_text=True)
    for _ in range(5):  # the limit and five more
        submit(login, demo)
    badge = marco.get("/approvals/count").get_data(as_text=True)
    assert 'class="count-badge">2+<span class="visually-hidden"> waiting for you</span>' in badge
    assert '<span class="stat-figure">2+</span>' in marco.get("/").get_data(as_text=True)
    with app.app_context():
        assert inbox.waiting_count(db.session, person("manager@example.com")) == 7  # the inbox's own count: exact


def test_the_badge_reads_at_most_its_limit_of_steps_for_each_part(app, login, demo):
    submit(login, demo)
    with app.app_context():
        tara = person("telecom@example.com")
        assert tara.groups, "the demo's telecom admin approves for a group"
        with statements_sent() as sent:
            inbox.badge_count(db.session, tara)
        counted = [sql for sql, _ in sent if "approvals" in sql]
    assert len(counted) == 1
    assert counted[0].count(f"LIMIT {inbox.BADGE_LIMIT + 1}") == 2, counted[0]  # her own steps, and her groups'


@pytest.mark.skipif(not USE_POSTGRES, reason="the plan of PostgreSQL is the one that matters at scale")
def test_the_badge_finds_a_group_s_steps_as_a_range_of_an_index_that_starts_with_the_group(app, login, demo):
    """Every page of a group's approver counts the group's steps waiting. An index of the waiting steps that led with
    their order, and held the group further on, tempted PostgreSQL into reading it whole, with a parallel worker,
    on every page: at 2,000,000 orders the telecom team's pages took twice as long (6 ms of 23 on the badge)."""
    submit(login, demo)
    with app.app_context():
        tara = person("telecom@example.com")
        assert tara.groups
        plans = plans_of(lambda: inbox.badge_count(db.session, tara), without=("seqscan", "bitmapscan"))
    [plan] = [plan for plan in plans if "approvals" in plan]
    read = re.findall(r"Scan using (\w+) on approvals approvals_1", plan)  # the group part (the second sub-select)
    assert read, plan
    indexes = {index.name: index for index in Approval.__table__.indexes}
    for name in read:
        assert [column.name for column in indexes[name].columns][0] == "group_id", plan


# ---------------------------------------------------------------- the all-orders report
@pytest.mark.skipif(not USE_POSTGRES, reason="the plan of PostgreSQL is the one that matters at scale")
def test_the_orders_report_starts_its_first_page_at_the_newest_submitted_order(app, login, demo):
    """Drafts have no submitted_at, and a descending sort puts NULL first: the first page must not read them."""
    submit(login, demo)
    with app.app_context():
        query = queries.orders(ReportFilter()).limit(51)
        connection = db.session.connection()
        compiled = query.compile(connection)
        connection.exec_driver_sql("SET enable_seqscan = off")  # a demo's few orders: reading them all is cheaper
        plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params))
    assert "Index Cond: (submitted_at IS NOT NULL)" in plan, plan


# ---------------------------------------------------------------- an order's devices owed back
def test_devices_owed_back_after_an_order_are_found_by_their_own_index(app):
    with app.app_context():
        indexes = inspect(db.engine).get_indexes("devices")
    assert ["return_order_id"] in [index["column_names"] for index in indexes]


# ---------------------------------------------------------------- the lines Assign line offers the helpdesk
@pytest.mark.skipif(not USE_POSTGRES, reason="the plan of PostgreSQL is the one that matters at scale")
def test_the_live_lines_assigned_to_nobody_are_read_from_their_own_index(app, login, demo):
    """Assign line offers the helpdesk the employee's lines and the live lines assigned to nobody: without an index
    of those alone, the statement read every unassigned line of the company (15,836 at 2,000,000 orders, none
    live) to keep the live ones."""
    hana = login("helpdesk")
    erin = demo.user("employee@example.com")
    with app.app_context():  # a company's worth: many live lines held by people, many disconnected held by nobody
        carrier = db.session.scalar(select(Line.carrier_id).order_by(Line.id))
        holder = demo.user("manager@example.com")
        rows = [
            {
                "number": f"+1206555{i:04}",
                "number_digits": f"206555{i:04}",
                "number_digits_reversed": f"206555{i:04}"[::-1],
                "carrier_id": carrier,
                "account_number": "A-1",
                "status": "active" if i % 2 else "disconnected",
                "employee_id": holder if i % 2 else None,
                "suspend_reason": "",
                "version": 1,
            }
            for i in range(4000)
        ]
        db.session.execute(insert(Line), rows)
        db.session.commit()
        db.session.execute(text("ANALYZE lines"))
        db.session.commit()
    with app.app_context(), statements_sent() as sent:
        assert hana.get(f"/orders/new/assign_line?for={erin}").status_code == 200
        [(sql, params)] = [(sql, params) for sql, params in sent if "FROM lines" in sql and "IS NULL" in sql]
        plan = postgres_plan(sql, params, without=("seqscan",))
    assert "ix_lines_unassigned_live" in plan, plan
