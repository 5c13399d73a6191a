"""The dashboard includes wireline: orders by module, the installs the carriers scheduled in the next 30 days, and
the monthly cost of the active services by site; against the small company of tests/support/dashboard.py with a
few sites, services and wireline orders added here, and in the same few statements as before."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.dashboard import figures
from app.extensions import db
from app.models import Carrier, Order, OrderStatus, ServiceKind, ServiceStatus, Site, User, WirelineService
from app.orders.types.base import WIRELINE_FACTS
from app.reports.filters import ReportFilter, default_period
from tests.support.dashboard import NOW, TODAY, build_company, dashboard_rows, shift_to_today

S = OrderStatus


def period_filter(**changes) -> ReportFilter:
    start, end = default_period(TODAY)
    return ReportFilter(start=start, end=end, tz="UTC").narrowed(**changes)


def add_wireline(session, *, shift: timedelta = timedelta(0)) -> dict[str, int]:
    """Two sites with services (one disconnected), and wireline orders: installs in 5, 20 and 40 days, one past,
    one completed and one not yet scheduled. Ids by short name."""
    today, now = TODAY + shift, NOW + shift
    carriers = {c.code: c for c in session.scalars(select(Carrier))}
    alpha, beta = carriers["test-a"], carriers["test-b"]
    tara = session.scalar(select(User).where(User.email == "rita@example.com"))
    hq = Site(name="Test HQ", street="1 Main Street", city="Boston", state="MA", zip_code="02110")
    branch = Site(name="Test branch", street="2 Main Street", city="Denver", state="CO", zip_code="80202")

    def service(site, kind, carrier, cents, status=ServiceStatus.ACTIVE):
        return WirelineService(site=site, kind=kind, carrier=carrier, monthly_cents=cents, status=status)

    dia = service(hq, ServiceKind.DEDICATED_INTERNET, alpha, 185000)
    session.add_all(
        [
            dia,
            service(hq, ServiceKind.POTS, beta, 6500),
            service(branch, ServiceKind.INTERNET, alpha, 24900),
            service(branch, ServiceKind.MPLS, beta, 61000, ServiceStatus.DISCONNECTED),
        ]
    )

    def order(name, code, status, site, install_in, *, kind="internet", service=None):
        facts = {"milestones": ["foc", "install_scheduled"], "install_window": "08:00–12:00"}
        if install_in is not None:
            facts["install_on"] = (today + timedelta(days=install_in)).isoformat()
        details = {"kind": kind, WIRELINE_FACTS: facts} if service is None else {WIRELINE_FACTS: facts}
        return Order(
            number=f"W-{name}", type=code, status=status, requester=tara, employee=tara, carrier=alpha, site=site,
            service=service, details=details, submitted_at=now - timedelta(days=3), updated_at=now,
        )  # fmt: skip

    orders = [
        order("soon", "wireline_new", S.WITH_CARRIER, branch, 5, kind="sip_trunk"),
        order("later", "wireline_capacity", S.WITH_CARRIER, hq, 20, service=dia),
        order("today", "wireline_new", S.NEEDS_ATTENTION, hq, 0),
        order("far", "wireline_new", S.WITH_CARRIER, branch, 40),
        order("past", "wireline_new", S.WITH_CARRIER, branch, -1),
        order("done", "wireline_new", S.COMPLETED, branch, 3),
        order("unscheduled", "wireline_new", S.APPROVED, branch, None),
    ]
    session.add_all(orders)
    session.commit()
    return {"hq": hq.id, "branch": branch.id}


def test_orders_by_module_splits_the_periods_orders_and_links_to_each_modules_types(db_session):
    build_company(db_session)
    add_wireline(db_session)
    by_module = figures.orders_by_module(db_session, period_filter())
    assert [(bar.label, bar.count) for bar in by_module] == [("Mobile", 14), ("Wireline", 7)]
    wireline = by_module[1].filters
    assert "wireline_new" in wireline.types and "new_line" not in wireline.types
    assert sum(b.count for b in figures.orders_by_status(db_session, period_filter())) == 21
    # the dashboard's figures agree with the charts asked for one by one
    board = figures.dashboard(db_session, period_filter(), today=TODAY, now=NOW)
    assert board.by_module == by_module
    assert board.by_status == figures.orders_by_status(db_session, period_filter())


def test_install_dates_coming_up_are_the_next_30_days_of_open_wireline_orders_soonest_first(db_session):
    build_company(db_session)
    add_wireline(db_session)
    _, installs = figures.attention_and_installs(db_session, period_filter(), today=TODAY)
    assert [(i.number, (i.on - TODAY).days, i.site, i.service, i.window) for i in installs] == [
        ("W-today", 0, "Test HQ", "Business internet", "08:00–12:00"),
        ("W-soon", 5, "Test branch", "SIP trunk", "08:00–12:00"),
        ("W-later", 20, "Test HQ", "Dedicated internet access", "08:00–12:00"),
    ]
    assert installs[2].type == "Change bandwidth or channels"
    attention, _ = figures.attention_and_installs(db_session, period_filter(), today=TODAY)
    assert attention == figures.needing_attention(db_session, period_filter())
    assert "W-today" in [a.number for a in attention]
    other_carrier = period_filter(carrier=db_session.scalar(select(Carrier.id).where(Carrier.code == "test-b")))
    assert figures.attention_and_installs(db_session, other_carrier, today=TODAY)[1] == []


def test_monthly_cost_by_site_sums_the_active_services_and_links_to_the_site(db_session):
    company = build_company(db_session)
    sites = add_wireline(db_session)
    ours = {str(sites["hq"]), str(sites["branch"])}  # the database may hold the offices' sites besides

    def by_site(filters: ReportFilter) -> list:
        return [b for b in figures.service_cost_by_site(db_session, filters) if b.key in ours]

    bars = by_site(period_filter())
    assert [(b.label, b.value, b.count, b.report, b.key) for b in bars] == [
        ("Test HQ", 191500, 2, "site", str(sites["hq"])),
        ("Test branch", 24900, 1, "site", str(sites["branch"])),
    ]
    beta = by_site(period_filter(carrier=company.carrier["B"]))
    assert [(b.label, b.value) for b in beta] == [("Test HQ", 6500)]
    # the line costs are what they were, from the same statement
    lines, _ = figures.active_cost_rows(db_session, period_filter())
    assert sorted(lines, key=repr) == sorted(
        (tuple(r) for r in figures.line_cost_rows(db_session, period_filter())), key=repr
    )


def test_the_dashboard_with_wireline_runs_the_same_few_statements(db_session):
    build_company(db_session)
    without = dashboard_rows(db_session)
    add_wireline(db_session)
    assert len(dashboard_rows(db_session)) == len(without) <= 7


def test_the_page_shows_the_modules_the_installs_coming_up_and_the_cost_by_site(app, login):
    with app.app_context():
        shift = shift_to_today(app)
        build_company(db.session, shift=shift)
        sites = add_wireline(db.session, shift=shift)
        soon = db.session.scalar(select(Order.number).where(Order.number == "W-soon"))
    html = login("telecom").get("/dashboard").get_data(as_text=True)
    for chart in ("orders-by-module", "cost-by-site"):
        section = html.split(f'id="{chart}"', 1)[1].split("</section>", 1)[0]
        assert 'class="bar' in section and "<caption" in section and 'scope="row"' in section, chart
    module = html.split('id="orders-by-module"', 1)[1].split("</section>", 1)[0]
    assert "wireline_new" in module and ">Wireline<" in module
    installs = html.split('id="installs-coming"', 1)[1].split("</section>", 1)[0]
    assert f"/orders/{soon}" in installs and "SIP trunk" in installs and "Test branch" in installs
    assert "W-far" not in installs
    cost = html.split('id="cost-by-site"', 1)[1].split("</section>", 1)[0]
    assert f"/inventory/sites/{sites['hq']}" in cost
