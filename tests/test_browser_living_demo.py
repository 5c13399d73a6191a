"""The first look, in Chromium: the demo company with its twelve weeks of history (what `make run` loads) fills
every main page — the dashboard's charts, the inbox, the fulfilment queue, My orders, the inventory — at 1280 px
and on a phone. These pages are the README's main screenshots."""

import pytest

from app.demo_history import load_history
from app.extensions import db
from tests.support.dashboard import assert_every_chart_is_drawn
from tests.support.helpers import DEMO_USERS

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def living_demo(app):
    """The demo company as `make run` leaves it: its history loaded (about 200 orders)."""
    with app.app_context():
        made = load_history(db.session)
    assert made >= 100


def rows(page, table: str = "table") -> int:
    """How many rows of records the page's first such table shows."""
    return page.locator(f"{table} tbody tr").count()


def look(page, url: str, name: str, *, phone: bool = False) -> None:
    """Open the page, at 1280 px and (with `phone`) at 390 px too, and keep its screenshots for the README."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url)
    page.screenshot_for_docs(name)
    if phone:
        page.set_viewport_size(PHONE)
        page.check()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot_for_docs(f"{name}-phone")


def test_the_living_demo_fills_the_telecom_teams_pages(new_page, living_demo):
    tara = new_page()
    tara.sign_in(DEMO_USERS["telecom"])
    look(tara, "/dashboard", "dashboard", phone=True)
    assert_every_chart_is_drawn(tara)
    look(tara, "/fulfillment", "fulfilment-queue", phone=True)
    assert rows(tara) >= 3, "orders with the carrier or needing attention are in the queue"


def test_the_living_demo_fills_the_approvers_and_the_employees_pages(new_page, living_demo):
    marco = new_page()
    marco.sign_in(DEMO_USERS["manager"])
    look(marco, "/", "home-manager")
    marco.goto("/approvals")
    assert rows(marco) >= 2, "orders wait on Marco"
    marco.locator("tbody tr").first.get_by_role("link", name="Open").click()
    marco.get_by_role("button", name="Request information").wait_for()
    marco.check()
    marco.screenshot_for_docs("approvals-inbox")
    # On a phone the inbox's Open is in sight without scrolling the table sideways, and opens the step in place
    marco.set_viewport_size(PHONE)
    marco.goto("/approvals")
    first = marco.locator("tbody tr").first.get_by_role("link", name="Open")
    box = first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    first.click()
    marco.get_by_role("button", name="Approve", exact=True).first.wait_for()
    marco.check()
    marco.screenshot_for_docs("approvals-inbox-phone")

    erin = new_page()
    erin.sign_in(DEMO_USERS["employee"])
    look(erin, "/orders", "my-orders", phone=True)
    assert rows(erin) >= 3, "Erin's past orders are listed"

    hana = new_page()
    hana.sign_in(DEMO_USERS["helpdesk"])
    look(hana, "/inventory/lines", "inventory-lines")
    assert rows(hana) >= 10
