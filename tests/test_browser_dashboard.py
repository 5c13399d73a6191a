"""In Chromium: Tara and Ada see every dashboard chart drawn, change the period and see the figures follow; the
dashboard on a phone; Marco's home page shows his report's open order."""

import csv
import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Approval, ApprovalStatus, ApproverKind, Order, OrderEvent, OrderStatus, User
from tests.support.dashboard import CHARTS, TODAY, assert_every_chart_is_drawn, build_company, shift_to_today
from tests.support.helpers import DEMO_USERS
from tests.support.navigation import go_to


@pytest.fixture
def shift(app) -> timedelta:
    """The small company of tests/test_dashboard.py, moved so that its "now" is today."""
    moved = shift_to_today(app)
    with app.app_context():
        build_company(db.session, shift=moved)
    return moved


def count_in(page, chart: str, row: str) -> str:
    cell = page.locator(f"#{chart} tbody tr", has_text=row).locator("td").last
    return (cell.text_content() or "").split()[0]


@pytest.mark.parametrize("role", ["telecom", "admin"])
def test_dashboard_draws_every_chart_and_follows_the_date_filter(page, shift, role):
    page.sign_in(DEMO_USERS[role])
    go_to(page, "Dashboard")
    page.wait_for_load_state("load")
    page.check()
    assert_every_chart_is_drawn(page)
    assert count_in(page, "orders-by-status", "Pending approval") == "5"
    assert count_in(page, "orders-by-status", "Completed") == "4"

    monday = (TODAY - timedelta(days=2) + shift).isoformat()  # the data set's Monday: five orders since
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Submitted from").fill(monday)
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(rf"/dashboard\?start={monday}"))  # HTMX pushed the filtered URL
    status = page.locator("#orders-by-status tbody tr", has_text="Pending approval").locator("td").last
    expect(status).to_have_text(re.compile(r"^\s*3\b"))
    assert page.evaluate("window.notReloaded") is True  # the figures were swapped, the page stayed
    assert count_in(page, "orders-by-status", "Completed") == "1"
    assert (
        page.get_by_role("status").filter(has_text="Orders submitted").inner_text().startswith("Orders submitted from")
    )
    assert_every_chart_is_drawn(page)
    page.check()

    page.reload()  # the pushed URL is a whole page of its own
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", level=1, name="Dashboard").is_visible()
    assert count_in(page, "orders-by-status", "Pending approval") == "3"
    assert page.get_by_label("Submitted from").input_value() == monday

    # a figure's number opens the list behind it
    page.locator("#orders-by-status tbody tr", has_text="Pending approval").get_by_role("link").click()
    page.wait_for_url("**/reports/orders?**")
    page.check()
    assert page.get_by_text("3 orders", exact=True).is_visible()
    assert page.get_by_label("Status").locator("option:checked").inner_text() == "Pending approval"


def test_the_dashboard_is_readable_on_a_phone(page, shift):
    page.set_viewport_size({"width": 390, "height": 844})
    page.sign_in(DEMO_USERS["telecom"])
    page.goto("/dashboard")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the dashboard scrolls sideways ({width}px wide)"
    assert_every_chart_is_drawn(page)
    sizes = page.eval_on_selector_all(
        "svg.bar-chart text", "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert sizes and min(sizes) >= 12, "chart text too small to read"
    for chart in CHARTS:
        assert page.locator(f"#{chart} svg.bar-chart").bounding_box()["width"] <= 390


def test_marco_sees_his_reports_open_order_on_the_home_page(app, page):
    with app.app_context():
        marco = db.session.scalar(select(User).where(User.email == DEMO_USERS["manager"]))
        erin = db.session.scalar(select(User).where(User.email == DEMO_USERS["employee"]))
        now = clock.now()
        waiting = Order(
            number="WO-900001",
            type="new_line",
            status=OrderStatus.PENDING_APPROVAL,
            requester=erin,
            employee=erin,
            submitted_at=now - timedelta(hours=3),
        )
        own = Order(
            number="WO-900002",
            type="upgrade",
            status=OrderStatus.WITH_CARRIER,
            requester=marco,
            employee=marco,
            submitted_at=now - timedelta(days=3),
            approved_at=now - timedelta(days=2),
        )
        db.session.add_all([waiting, own])
        db.session.add(
            Approval(
                order=waiting,
                position=0,
                approver_kind=ApproverKind.MANAGER,
                assignee=marco,
                status=ApprovalStatus.PENDING,
                assigned_at=now - timedelta(hours=3),
            )
        )
        db.session.add(
            OrderEvent(
                order=own, kind="place", from_status="approved", to_status="with_carrier", at=datetime(2025, 1, 1)
            )
        )
        db.session.commit()
    page.sign_in(DEMO_USERS["manager"])
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Marco"
    team = page.get_by_role("region", name="My team's open orders")
    row = team.get_by_role("row").filter(has_text="WO-900001")
    assert "Erin Park" in row.inner_text() and "Pending approval" in row.inner_text()
    mine = page.get_by_role("region", name="My open orders")
    assert mine.get_by_role("link", name="WO-900002").is_visible()
    assert mine.get_by_role("list", name="Progress").is_visible()
    waiting_card = page.locator(".stat-grid article", has_text="Waiting for my approval")
    assert "1" in waiting_card.locator(".stat-figure").inner_text()
    page.check()


def test_reports_filter_in_place_and_export_what_they_show(page, shift):
    page.sign_in(DEMO_USERS["telecom"])
    go_to(page, "Reports")
    page.get_by_role("link", name="All orders").click()
    page.wait_for_url("**/reports/orders")
    page.check()
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Status").select_option(label="Pending approval")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/reports/orders?status=pending_approval**")
    expect(page.get_by_text("5 orders", exact=True)).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    page.check()
    shown = [cell.inner_text() for cell in page.locator("#report-results tbody th").all()]
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    with open(download.value.path(), newline="") as exported:
        assert [row["number"] for row in csv.DictReader(exported)] == shown
    for report in ("Approval turnaround", "Lines by cost center"):
        page.goto("/reports/")
        page.get_by_role("link", name=report).click()
        page.wait_for_load_state("load")
        assert page.get_by_role("heading", level=1, name=report).is_visible()
        page.check()
