"""In Chromium: Ada reads the email log, opens one email and resends it, and switches a milestone off; Erin turns
off informational emails in her profile. Every page passes axe-core."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import MilestoneSetting, User
from tests.support.approvals import submit
from tests.support.helpers import DEMO_USERS
from tests.support.ordering import Demo


def test_ada_resends_an_email_and_switches_a_milestone_off(app, login, page):
    number = submit(login, Demo(app))
    page.sign_in(DEMO_USERS["admin"])
    page.goto("/admin/notifications")
    log = page.get_by_role("table")
    expect(log).to_contain_text(f"Order {number} submitted")
    expect(log).to_contain_text("Pending")

    page.get_by_label("Status").select_option("Sent")  # HTMX redraws the log and pushes the URL
    expect(page.get_by_role("status").filter(has_text="emails sent")).to_contain_text("0 emails sent")
    assert "status=sent" in page.url
    page.check()
    page.get_by_label("Status").select_option("Pending")
    expect(page.get_by_role("table")).to_contain_text(f"Approval needed: order {number}")
    page.screenshot_for_docs("notifications-log")

    page.get_by_role("link", name=f"Approval needed: order {number}").click()
    page.check()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Approval needed: order {number}")
    frame = page.frame_locator("iframe[title^='The HTML email']")
    expect(frame.get_by_role("link", name="Open it in your approvals")).to_be_visible()
    page.locator("iframe").scroll_into_view_if_needed()
    page.screenshot_for_docs("notification-email")
    page.get_by_role("button", name="Resend").click()
    expect(page.get_by_role("status").filter(has_text="again")).to_contain_text("to manager@example.com again")
    page.check()

    page.get_by_role("navigation", name="Notifications").get_by_role("link", name="Milestones").click()
    page.check()
    page.get_by_label("Shipped (with tracking links)").uncheck()
    page.get_by_role("button", name="Save notification settings").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_contain_text("Saved the notification settings.")
    expect(page.get_by_label("Shipped (with tracking links)")).not_to_be_checked()
    page.check()
    with app.app_context():
        assert db.session.get(MilestoneSetting, "shipped").enabled is False


def test_erin_turns_off_informational_emails_from_her_profile(app, page):
    page.sign_in(DEMO_USERS["employee"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile").click()
    page.check()
    checkbox = page.get_by_label("Email me about the progress of my orders")
    expect(checkbox).to_be_checked()
    checkbox.uncheck()
    page.get_by_role("button", name="Save email preferences").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_contain_text("Saved your email preferences.")
    expect(page.get_by_label("Email me about the progress of my orders")).not_to_be_checked()
    page.check()
    with app.app_context():
        erin = db.session.scalar(select(User).where(User.email == DEMO_USERS["employee"]))
        assert erin.informational_emails is False
