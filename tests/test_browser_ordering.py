"""In Chromium: Erin orders a new line; an upgrade too early is refused; the approval round trip."""

import re

from tests.support.helpers import DEMO_USERS


def order_new_line(page, *, other_address: bool = False) -> str:
    page.goto("/orders/new")
    page.get_by_role("link", name="New line", exact=True).click()
    page.wait_for_load_state("load")
    page.check()
    page.get_by_label("Carrier").select_option(label="Northwind Wireless")
    # HTMX refreshes the plans and devices for the carrier chosen
    page.settle()
    page.get_by_label("Plan").select_option(label="Business Unlimited · $45.00/month")
    page.settle()
    page.get_by_label("Device", exact=True).select_option(label="Apple iPhone 16 128 GB Black · $799.00")
    page.locator("#price-summary").get_by_text("$799.00", exact=True).wait_for()
    if other_address:
        page.get_by_label("Another address").check()
        page.get_by_label("Street address").fill("12 Harbor Road")
        page.get_by_label("City").fill("Hoboken")
        page.get_by_label("State").fill("NJ")
        page.get_by_label("ZIP code").fill("07030")
    page.get_by_role("button", name="Review order").click()
    page.wait_for_url("**/review")
    page.check()
    assert page.get_by_role("heading", name="Review your order").is_visible()
    number = re.search(r"/orders/(WO-\d+)/review", page.url).group(1)
    return number


def test_erin_orders_a_new_line_reviews_the_price_and_submits(page):
    page.sign_in(DEMO_USERS["employee"])
    number = order_new_line(page, other_address=True)
    assert page.get_by_text("$799.00").first.is_visible() and page.get_by_text("$45.00").first.is_visible()
    assert page.get_by_text("12 Harbor Road, Hoboken, NJ 07030").is_visible()
    page.screenshot_for_docs("order-review")
    page.get_by_role("button", name="Submit order").click()
    page.wait_for_url(f"**/orders/{number}")
    page.check()
    assert page.get_by_role("heading", name=re.compile("Status: Pending approval")).is_visible()
    assert page.get_by_role("list", name="Progress").is_visible()
    page.screenshot_for_docs("order-page")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My orders").click()
    page.wait_for_load_state("load")
    page.check()
    row = page.get_by_role("row").filter(has_text=number)
    assert "Pending approval" in row.inner_text()


def test_an_early_upgrade_asks_erin_why_with_the_date_it_would_be_due(page):
    page.sign_in(DEMO_USERS["employee"])
    page.goto("/orders/new/upgrade")
    page.get_by_label("Line").select_option(index=1)
    page.get_by_label("New device").select_option(label="Apple iPhone 16 Pro 256 GB Natural titanium · $1,099.00")
    page.get_by_role("button", name="Review order").click()
    error = page.locator(".field-error").first
    error.wait_for()
    assert re.search(r"Early upgrade is out of policy \(the line is eligible on \w{3} \d{2}, \d{4}", error.inner_text())
    page.check()
    assert page.get_by_label("New device").input_value() != ""  # what she chose is kept


def test_approval_round_trip_with_a_question_two_approvals_and_a_rejection(new_page):
    erin = new_page()
    erin.sign_in(DEMO_USERS["employee"])
    number = order_new_line(erin)
    erin.get_by_role("button", name="Submit order").click()
    erin.wait_for_url(f"**/orders/{number}")

    marco = new_page()
    marco.sign_in(DEMO_USERS["manager"])
    marco.get_by_role("link", name="Approvals", exact=True).click()
    marco.wait_for_load_state("load")
    marco.check()
    marco.get_by_role("link", name=f"Open {number}").click()
    marco.get_by_role("button", name="Request information").wait_for()
    marco.check()
    marco.get_by_label("Question for the requester").fill("Would an iPhone SE do?")
    marco.get_by_role("button", name="Request information").click()
    marco.get_by_text(f"Asked Erin Park about {number}.").wait_for()

    erin.goto(f"/orders/{number}")
    assert erin.get_by_role("blockquote").inner_text() == "Would an iPhone SE do?"
    erin.get_by_label("Your answer").fill("No: I need the camera for site photos.")
    erin.get_by_role("button", name="Send answer").click()
    erin.get_by_text("Answer sent.").wait_for()
    erin.check()

    marco.goto("/approvals")
    marco.get_by_role("link", name=f"Open {number}").click()
    marco.get_by_role("button", name="Approve", exact=True).click()
    marco.get_by_text(f"Approved {number}. It goes on to Telecom admins.").wait_for()

    tara = new_page()
    tara.sign_in(DEMO_USERS["telecom"])
    tara.goto("/approvals")
    tara.get_by_role("link", name=f"Open {number}").click()
    tara.get_by_role("button", name="Approve", exact=True).click()
    tara.get_by_text(f"Approved {number}. The order is approved.").wait_for()

    erin.goto(f"/orders/{number}")
    assert erin.get_by_role("heading", name=re.compile("Status: Approved")).is_visible()
    timeline = erin.locator(".timeline").inner_text()
    for event in ("Submitted", "Asked for more information", "Answered", "Approved a step", "Approved"):
        assert event in timeline, event
    assert "Marco Diaz" in timeline and "Tara Singh" in timeline

    # A second order, rejected with a reason Erin sees.
    second = order_new_line(erin)
    erin.get_by_role("button", name="Submit order").click()
    erin.wait_for_url(f"**/orders/{second}")
    marco.goto("/approvals")
    marco.get_by_role("link", name=f"Open {second}").click()
    marco.get_by_label("Reason for rejecting").fill("One new line per quarter.")
    marco.get_by_role("button", name="Reject").click()
    marco.get_by_text(f"Rejected {second}.").wait_for()
    erin.goto(f"/orders/{second}")
    assert erin.get_by_role("heading", name=re.compile("Status: Rejected")).is_visible()
    assert erin.get_by_text("One new line per quarter.").first.is_visible()
