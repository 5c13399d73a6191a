"""In Chromium: Ada reads the approval policies, tries one out, and Marco names a delegate."""

from datetime import timedelta

from playwright.sync_api import expect

from app import clock
from tests.support.browser import sign_in_without_javascript
from tests.support.helpers import DEMO_USERS


def test_ada_tries_which_approvers_an_order_would_get(page):
    page.sign_in(DEMO_USERS["admin"])
    page.goto("/admin")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Approval policies").click()
    page.wait_for_load_state("load")
    page.check()
    page.get_by_label("Or describe one: order type").select_option(label="Accessories")
    page.get_by_label("Find the person").fill("erin")  # a company has too many people to list: she searches
    page.get_by_label("Ordered for").select_option(label="Erin Park · employee@example.com")
    page.get_by_label("One-time cost").fill("200")
    page.get_by_role("button", name="Show approvers").click()
    result = page.locator(".try-result")
    expect(result).to_contain_text("Accessories $150 and over")
    expect(result).to_contain_text("Marco Diaz")
    page.check()
    page.screenshot_for_docs("approval-policies")


def test_marco_names_a_delegate_while_away(page):
    page.sign_in(DEMO_USERS["manager"])
    page.goto("/approvals")
    page.get_by_role("link", name="Away? Name a delegate").click()
    page.wait_for_load_state("load")
    page.check()
    page.get_by_label("Find your delegate").fill("sofia")
    page.get_by_label("Delegate (someone who may approve)").select_option(
        label="Sofia Alvarez · sofia.alvarez@example.com"
    )
    page.check()
    page.get_by_label("Away from").fill(clock.today().isoformat())
    page.get_by_label("Back on (last day away)").fill((clock.today() + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Save delegation").click()
    expect(page.get_by_text("Sofia Alvarez decides for you.")).to_be_visible()
    expect(page.get_by_role("button", name="Remove delegation to Sofia Alvarez")).to_be_visible()
    page.check()


def test_ada_names_a_manager_and_a_step_approver_by_searching_on_a_phone_and_without_javascript(
    app, page, browser, live_server
):
    """The person pickers of the admin pages: searching narrows the select as she types, at 390 px as at 1280, and
    the "Find people" button does it without JavaScript."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import ApprovalPolicy, User

    with app.app_context():
        erin = db.session.scalar(select(User.id).where(User.email == DEMO_USERS["employee"]))
        policy = db.session.scalar(select(ApprovalPolicy.id).order_by(ApprovalPolicy.id))
    page.sign_in(DEMO_USERS["admin"])
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/admin/people/{erin}")
        page.get_by_label("Find the manager").fill("sofia")
        page.get_by_label("Manager", exact=True).select_option(label="Sofia Alvarez · sofia.alvarez@example.com")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.check()
        page.goto(f"/admin/approval-policies/{policy}")
        page.get_by_label("Find the person").fill("tara")
        page.get_by_label("Named person").select_option(label="Tara Singh · telecom@example.com")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.check()
    page.get_by_label("Approver", exact=True).select_option(label="A named person")
    page.get_by_role("button", name="Add step").click()
    expect(page.get_by_text("added: Tara Singh", exact=False)).to_be_visible()

    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(10_000)
    plain = context.new_page()  # axe-core needs JavaScript: the same pages were checked above
    try:
        sign_in_without_javascript(plain, DEMO_USERS["admin"])
        plain.goto(f"/admin/people/{erin}")
        plain.get_by_label("Find the manager").fill("sofia")
        plain.get_by_role("button", name="Find people").click()
        plain.get_by_label("Manager", exact=True).select_option(label="Sofia Alvarez · sofia.alvarez@example.com")
        plain.get_by_role("button", name="Save person").click()
        expect(plain.get_by_text("Saved Erin Park.")).to_be_visible()
    finally:
        context.close()
    with app.app_context():
        assert db.session.get(User, erin).manager.email == "sofia.alvarez@example.com"
