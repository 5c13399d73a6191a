"""Dashboard figures against a small company built here, with known timestamps and hand-computed expectations;
every figure's link leads to a list of exactly what it counts; the page, its HTMX fragment, and the home page."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.dashboard import figures, home
from app.extensions import db
from app.models import (
    Line,
    LineStatus,
    Order,
    OrderStatus,
    User,
)
from app.reports import queries
from app.reports.filters import ReportFilter, default_period
from tests.support.dashboard import CHARTS, NOW, TODAY, Company, build_company, shift_to_today

S = OrderStatus
PERIOD = default_period(TODAY)  # Monday Dec 23, 2024 to today: 12 whole weeks


@pytest.fixture
def company(db_session) -> Company:
    return build_company(db_session)


def period_filter(**changes) -> ReportFilter:
    start, end = PERIOD
    return ReportFilter(start=start, end=end, tz="UTC").narrowed(**changes)


def values(bars) -> dict[str, float]:
    return {bar.label: bar.value for bar in bars}


def counts(bars) -> dict[str, int]:
    return {bar.label: bar.count for bar in bars}


# ---------------------------------------------------------------- orders in the period
def test_orders_by_status_counts_orders_submitted_in_the_period_and_never_drafts(db_session, company):
    bars = figures.orders_by_status(db_session, period_filter())
    assert [bar.label for bar in bars] == [s.label for s in OrderStatus if s is not S.DRAFT]
    assert {label: n for label, n in values(bars).items() if n} == {
        "Pending approval": 5,
        "Info requested": 1,
        "With carrier": 1,
        "Completed": 4,
        "Needs attention": 1,
        "Rejected": 1,
        "Cancelled": 1,
    }  # o11 was submitted before the period; o12 is a draft


def test_orders_by_status_follows_the_period_carrier_and_department(db_session, company):
    march = period_filter(start=date(2025, 3, 10))
    assert {k: v for k, v in values(figures.orders_by_status(db_session, march)).items() if v} == {
        "Pending approval": 3,
        "With carrier": 1,
        "Completed": 1,
    }  # o3 o4 o6 o7 o16
    beta = period_filter(carrier=company.carrier["B"])
    assert {k: v for k, v in values(figures.orders_by_status(db_session, beta)).items() if v} == {
        "Pending approval": 2,
        "Info requested": 1,
        "With carrier": 1,
        "Completed": 1,
        "Rejected": 1,
    }
    legal = period_filter(department=company.department["legal"])
    assert {k: v for k, v in values(figures.orders_by_status(db_session, legal)).items() if v} == {
        "Pending approval": 3,
        "Info requested": 1,
        "With carrier": 1,
        "Completed": 1,
        "Needs attention": 1,
    }
    all_time = ReportFilter(tz="UTC")
    assert values(figures.orders_by_status(db_session, all_time))["Completed"] == 5  # o11 too


def test_orders_by_type_per_week_shows_twelve_weeks_and_the_commonest_types(db_session, company):
    weekly = figures.orders_by_type_per_week(db_session, period_filter(), today=TODAY)
    assert [w.start for w in weekly.weeks] == [date(2024, 12, 23) + timedelta(weeks=i) for i in range(12)]
    assert weekly.weeks[-1].end == TODAY  # the period ends today
    assert [w.total for w in weekly.weeks] == [0] * 9 + [2, 7, 5]
    by_label = {s.label: list(s.counts[-3:]) for s in weekly.series}
    assert by_label == {
        "New line": [1, 3, 2],
        "Upgrade": [1, 0, 2],
        "Accessories": [0, 0, 1],
        "Change features": [0, 1, 0],
        "Change plan": [0, 1, 0],
        "Other types": [0, 2, 0],  # Enrol in stipend and New SIM, one each
    }
    other = weekly.series[-1]
    assert other.filters[10].types == ("sim_request", "stipend_enroll")
    assert (other.filters[10].start, other.filters[10].end) == (date(2025, 3, 3), date(2025, 3, 9))


def test_weeks_are_cut_to_a_short_period(db_session, company):
    short = period_filter(start=date(2025, 3, 5), end=date(2025, 3, 11))
    weekly = figures.orders_by_type_per_week(db_session, short, today=TODAY)
    assert [(w.start, w.end, w.total) for w in weekly.weeks] == [
        (date(2025, 3, 5), date(2025, 3, 9), 4),  # o10 o13 o14 o15
        (date(2025, 3, 10), date(2025, 3, 11), 3),  # o3 o4 o6
    ]


def test_median_times_to_approve_and_to_fulfil_by_type_and_by_carrier(db_session, company):
    durations = figures.time_to_approve_and_fulfil(db_session, period_filter())
    # approve: o1 10 h, o2 20 h (new line); o3 4 h, o4 8 h, o9 24 h (upgrade); o5 2 h (stipend)
    assert values(durations["approve_by_type"]) == {"New line": 15.0, "Upgrade": 8.0, "Enrol in stipend": 2.0}
    assert counts(durations["approve_by_type"]) == {"New line": 2, "Upgrade": 3, "Enrol in stipend": 1}
    assert values(durations["approve_by_carrier"]) == {"Alpha Mobile": 20.0, "Beta Wireless": 6.0, "No carrier": 2.0}
    # fulfil: o1 48 h, o2 24 h (new line, Alpha); o3 12 h (upgrade, Beta); the stipend completes at approval
    assert values(durations["fulfil_by_type"]) == {"New line": 36.0, "Upgrade": 12.0}
    assert values(durations["fulfil_by_carrier"]) == {"Alpha Mobile": 36.0, "Beta Wireless": 12.0}
    assert counts(durations["fulfil_by_carrier"]) == {"Alpha Mobile": 2, "Beta Wireless": 1}


def test_medians_follow_the_filters(db_session, company):
    research = figures.time_to_approve_and_fulfil(db_session, period_filter(department=company.department["research"]))
    assert values(research["approve_by_type"]) == {"New line": 10.0, "Upgrade": 4.0, "Enrol in stipend": 2.0}
    everything = figures.time_to_approve_and_fulfil(db_session, ReportFilter(tz="UTC"))
    assert values(everything["approve_by_type"])["New line"] == 20.0  # 10, 20 and o11's 100


# ---------------------------------------------------------------- what stands now
def test_approvals_waiting_by_approver_and_by_age_ignore_the_period(db_session, company):
    march = period_filter(start=date(2025, 3, 10))  # o8 and o14 were submitted before: still waiting now
    by_approver = figures.approvals_waiting_by_approver(db_session, march)
    assert [(bar.label, bar.count) for bar in by_approver] == [
        ("Ann Approver", 2),
        ("Bob Boss", 2),
        ("Test approvers (any member)", 1),
    ]
    by_age = figures.approvals_waiting_by_age(db_session, march, now=NOW)
    assert [(bar.label, bar.count) for bar in by_age] == [
        ("Under 1 day", 2),
        ("1 to 3 days", 1),
        ("3 to 7 days", 1),
        ("7 days or more", 1),
    ]


def test_approvals_waiting_follow_carrier_and_department(db_session, company):
    legal_alpha = period_filter(carrier=company.carrier["A"], department=company.department["legal"])
    assert counts(figures.approvals_waiting_by_approver(db_session, legal_alpha)) == {
        "Bob Boss": 1,
        "Test approvers (any member)": 1,
    }  # o16, o7
    assert counts(figures.approvals_waiting_by_age(db_session, legal_alpha, now=NOW)) == {
        "Under 1 day": 2,
        "1 to 3 days": 0,
        "3 to 7 days": 0,
        "7 days or more": 0,
    }


def test_orders_needing_attention(db_session, company):
    assert [(b.label, b.count) for b in figures.needing_attention_by_carrier(db_session, period_filter())] == [
        ("Alpha Mobile", 1)
    ]
    listed = figures.needing_attention(db_session, period_filter(start=date(2025, 3, 10)))
    assert [(o.number, o.type, o.carrier) for o in listed] == [("T-o9", "Upgrade", "Alpha Mobile")]


def test_monthly_line_cost_by_department_and_by_carrier(db_session, company):
    alpha = ReportFilter(carrier=company.carrier["A"])
    assert [(b.label, b.value, b.count) for b in figures.line_cost_by_department(db_session, alpha)] == [
        ("Legal", 6500, 1),
        ("No department", 5000, 1),
        ("Research", 4000, 1),
    ]
    assert [(b.label, b.value, b.count) for b in figures.line_cost_by_carrier(db_session, alpha)] == [
        ("Alpha Mobile", 15500, 3)
    ]  # the suspended line is not counted
    beta = ReportFilter(carrier=company.carrier["B"])
    assert [(b.label, b.value) for b in figures.line_cost_by_department(db_session, beta)] == [
        ("Research", 4000),
        ("Legal", 700),
    ]
    research = ReportFilter(department=company.department["research"])
    assert [(b.label, b.value) for b in figures.line_cost_by_carrier(db_session, research)] == [
        ("Alpha Mobile", 4000),
        ("Beta Wireless", 4000),
    ]


def test_line_cost_matches_each_lines_own_monthly_cost(db_session, company):
    """The SQL sum agrees with Line.monthly_cents (plan plus features), line by line."""
    lines = db_session.scalars(
        select(Line).where(Line.carrier_id == company.carrier["A"], Line.status == LineStatus.ACTIVE)
    ).all()
    alpha = ReportFilter(carrier=company.carrier["A"])
    total = sum(bar.value for bar in figures.line_cost_by_carrier(db_session, alpha))
    assert total == sum(line.monthly_cents for line in lines) == 15500


# ---------------------------------------------------------------- each figure links to its list
def _list_size(session, bar) -> tuple[int, int]:
    if bar.report == "lines":
        rows = queries.lines_by_cost_center(session, bar.filters)
        return sum(r.lines for r in rows), sum(r.monthly_cents for r in rows)
    query = queries.orders(bar.filters)
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())), 0


@pytest.mark.parametrize("carrier", [None, "A", "B"])
def test_every_figure_links_to_a_list_of_exactly_what_it_counts(db_session, company, carrier):
    filters = period_filter(carrier=company.carrier[carrier] if carrier else None)
    board = figures.dashboard(db_session, filters, today=TODAY, now=NOW)
    bars = [
        bar
        for name in (
            "by_status",
            "approve_by_type",
            "approve_by_carrier",
            "fulfil_by_type",
            "fulfil_by_carrier",
            "waiting_by_approver",
            "attention_by_carrier",
            "cost_by_department",
            "cost_by_carrier",
        )
        for bar in getattr(board, name)
    ]
    for bar in bars:
        size, cents = _list_size(db_session, bar)
        assert size == bar.count, bar
        if bar.report == "lines":
            assert cents == bar.value, bar
    for week in board.per_week.weeks:
        assert _list_size(db_session, figures.Bar("", "", 0, week.total, week.filters))[0] == week.total
    for series in board.per_week.series:
        for n, link in zip(series.counts, series.filters, strict=True):
            assert _list_size(db_session, figures.Bar("", "", 0, n, link))[0] == n


def test_age_links_count_the_same_steps_as_the_figure(db_session, company, monkeypatch):
    """The list behind an age bucket uses the same clock as the figure."""
    clock.current().freeze(NOW)
    for bar in figures.approvals_waiting_by_age(db_session, period_filter(), now=NOW):
        assert _list_size(db_session, bar)[0] == bar.count, bar


# ---------------------------------------------------------------- time zone
def test_days_start_at_the_companys_midnight():
    new_york = ReportFilter(start=date(2025, 3, 12), end=date(2025, 3, 12), tz="America/New_York")
    assert new_york.period_bounds() == (datetime(2025, 3, 12, 4, 0), datetime(2025, 3, 13, 4, 0))  # EDT


def test_the_filter_round_trips_through_the_query_string(company):
    f = ReportFilter(
        statuses=(S.PENDING_APPROVAL,),
        types=("new_line", "upgrade"),
        carrier=3,
        department="none",
        start=date(2025, 1, 1),
        end=date(2025, 1, 31),
        reached="approved",
        fulfilment="carrier",
        waiting_on="group:2",
        waiting_age="3_7d",
    )
    assert ReportFilter.from_args(f.to_args()) == f
    assert ReportFilter.from_args({"start": "2025-02-01", "end": "2025-01-01"}).start == date(2025, 1, 1)
    assert ReportFilter.from_args({"status": "bogus", "carrier": "x", "start": "not-a-date"}) == ReportFilter()


# ---------------------------------------------------------------- the page
def test_dashboard_page_shows_every_chart_with_its_table(app, login):
    with app.app_context():
        build_company(db.session, shift=shift_to_today(app))
    html = login("telecom").get("/dashboard").get_data(as_text=True)
    for chart in CHARTS:
        section = html.split(f'id="{chart}"', 1)[1].split("</section>", 1)[0]
        assert 'class="bar' in section and "<caption" in section and 'scope="row"' in section, chart
    assert "Apply filters" in html and '<label for="filter-start">' in html
    assert "/reports/orders?status=completed" in html


def test_htmx_gets_only_the_figures_and_a_plain_get_the_whole_page(app, login):
    with app.app_context():
        build_company(db.session, shift=shift_to_today(app))
    tara = login("telecom")
    fragment = tara.get("/dashboard?start=&end=&carrier=&department=", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="dashboard-figures"') and "<html" not in text
    assert "HX-Request" in fragment.headers["Vary"]
    assert "Orders submitted at any time" in text
    page = tara.get("/dashboard?start=&end=&carrier=&department=").get_data(as_text=True)
    assert "<html" in page and "Orders submitted at any time" in page


def test_only_telecom_and_admins_see_the_dashboard(login):
    assert login("employee").get("/dashboard").status_code == 403
    assert login("manager").get("/dashboard").status_code == 403
    assert login("admin").get("/dashboard").status_code == 200


# ---------------------------------------------------------------- home page
def test_home_lists_my_open_orders_with_progress_and_the_answers_i_owe(app, company):
    with app.app_context():
        leo = db.session.get(User, company.person["leo"])
        mine = home.open_orders(db.session, leo)
        assert {o.number for o in mine.orders} == {"T-o4", "T-o7", "T-o9", "T-o13", "T-o14", "T-o16"}
        assert mine.total == 6
        assert [o.number for o, _ in home.answers_to_give(db.session, leo)] == ["T-o13"]


def test_a_manager_sees_the_open_orders_of_direct_and_indirect_reports(app, login):
    with app.app_context():
        marco = db.session.scalar(select(User).where(User.email == "manager@example.com"))
        sofia = marco.manager  # Marco's manager: Erin is her indirect report
        erin = db.session.scalar(select(User).where(User.email == "employee@example.com"))
        db.session.add_all(
            [
                Order(
                    number="T-erin",
                    type="new_line",
                    status=S.PENDING_APPROVAL,
                    requester=erin,
                    employee=erin,
                    submitted_at=NOW,
                ),
                Order(
                    number="T-erin-done",
                    type="new_line",
                    status=S.COMPLETED,
                    requester=erin,
                    employee=erin,
                    submitted_at=NOW,
                ),
            ]
        )
        db.session.commit()
        assert [o.number for o in home.team_open_orders(db.session, marco).orders] == ["T-erin"]
        assert [o.number for o in home.team_open_orders(db.session, sofia).orders] == ["T-erin"]
        assert home.team_open_orders(db.session, erin) == home.TeamListing([], more=False)
        assert home.team_open_count(db.session, sofia) == 1
    html = login("manager").get("/").get_data(as_text=True)
    assert "My team's open orders" in html and "T-erin" in html and "T-erin-done" not in html
    erin_home = login("employee").get("/").get_data(as_text=True)
    assert "My team" not in erin_home and 'aria-label="Progress"' in erin_home
