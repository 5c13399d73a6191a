"""What the benchmarks at 2,000,000 orders changed, each checked for what it must still show: the approvals badge
counts up to a limit and says "99+" past it, the all-orders report starts at the newest submitted order, and an
order's devices owed back are found through their own index."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect

from app.approvals import inbox
from app.extensions import db
from app.models import Approval
from app.reports import queries
from app.reports.filters import ReportFilter
from tests.support.approvals import person, submit
from tests.support.databases import USE_POSTGRES
from tests.support.plans import plans_of, statements_sent


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
