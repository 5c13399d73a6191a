"""In Chromium: Ada keeps the catalog. She adds a device model for Northwind that only Sales may order,
retires a plan, edits a row in place, and each page passes axe-core."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from app.catalog.eligibility import eligibility_for
from app.extensions import db
from app.models import DeviceModel, Plan, User
from tests.support.helpers import DEMO_USERS
from tests.support.navigation import go_to


def test_ada_adds_a_device_model_for_northwind_that_only_sales_may_order_then_retires_a_plan(app, page, new_page):
    page.sign_in(DEMO_USERS["admin"])
    go_to(page, "Admin")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Device models").click()
    page.get_by_role("button", name="Add device model").click()
    page.check()

    page.get_by_label("Maker").fill("Google")
    page.get_by_label("Model").fill("Pixel 10 Pro")
    page.get_by_label("Storage (GB)").fill("256")
    page.get_by_label("Colours").fill("Obsidian")
    page.get_by_label("Price", exact=True).fill("999.00")
    page.get_by_role("group", name="Carriers that support it").get_by_label("Northwind Wireless").check()
    page.get_by_role("group", name="Departments").get_by_label("Sales").check()
    page.get_by_role("button", name="Add device model").click()

    expect(
        page.get_by_role("status").filter(has_text="Added device model Google Pixel 10 Pro 256 GB Obsidian.")
    ).to_be_visible()
    row = page.locator("tr", has_text="Google Pixel 10 Pro 256 GB Obsidian")
    expect(row).to_contain_text("Northwind Wireless")
    expect(row).to_contain_text("Sales")
    expect(row).to_contain_text("Active")
    page.check()
    with app.app_context():
        model = db.session.scalars(select(DeviceModel).where(DeviceModel.name == "Pixel 10 Pro")).one()
        erin = db.session.scalars(select(User).where(User.email == DEMO_USERS["employee"])).one()
        finance = db.session.scalars(select(User).where(User.email == "laura.chen@example.com")).one()
        assert [c.code for c in model.carriers] == ["northwind"]
        assert eligibility_for(db.session, erin, model).eligible
        assert eligibility_for(db.session, finance, model).reason == "Only for the Sales department."

    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Plans").click()
    page.get_by_label("Search plans").fill("voice only")  # HTMX searches as she types
    expect(page.get_by_role("status").filter(has_text="matching")).to_contain_text("3 plans matching")
    assert "q=voice+only" in page.url or "q=voice%20only" in page.url
    voice = page.locator("tr", has_text="Voice only").filter(has_text="Northwind Wireless")
    voice.get_by_role("button", name="Retire Voice only (Northwind Wireless)").click()
    expect(voice).to_contain_text("Retired")
    expect(voice.get_by_role("button", name="Restore Voice only (Northwind Wireless)")).to_be_visible()
    page.check()
    with app.app_context():
        plan = db.session.scalars(select(Plan).where(Plan.name == "Voice only", Plan.monthly_cents == 1500)).one()
        assert plan.active is False

    page.reload()  # the pushed search URL is a whole page of its own
    page.check()
    expect(page.get_by_label("Search plans")).to_have_value("voice only")
    expect(voice).to_contain_text("Retired")
    page.screenshot_for_docs("admin-catalog")

    # Erin (Sales) sees the new model when she orders a new line on Northwind; the retired plan is gone.
    erin = new_page()
    erin.sign_in(DEMO_USERS["employee"])
    erin.goto("/orders/new/new_line")
    erin.get_by_label("Carrier").select_option(label="Northwind Wireless")
    device = erin.get_by_label("Device", exact=True)
    expect(device.locator("option", has_text="Google Pixel 10 Pro 256 GB Obsidian · $999.00")).to_have_count(1)
    expect(device.locator("option", has_text="out of policy").filter(has_text="Pixel 10 Pro")).to_have_count(0)
    expect(erin.get_by_label("Plan").locator("option", has_text="Voice only")).to_have_count(0)
    erin.check()


def test_ada_edits_a_plan_in_place_and_a_bad_price_is_shown_beside_the_field(page):
    page.sign_in(DEMO_USERS["admin"])
    page.goto("/admin/catalog/plans?q=voice")
    row = page.locator("tr", has_text="Voice only").filter(has_text="Fabrikam Cellular")
    row.get_by_role("link", name="Edit Voice only (Fabrikam Cellular)").click()
    editing = page.locator("tr.editing-row")
    price = editing.get_by_label("Monthly price")
    expect(price).to_have_value("13.50")
    price.fill("thirteen")
    editing.get_by_role("button", name="Save plan").click()
    expect(page.locator("tr.editing-row .field-error")).to_have_text("Enter a monthly price like 45.00.")
    expect(page.locator("tr.editing-row").get_by_label("Monthly price")).to_have_value("thirteen")
    page.check()
    page.locator("tr.editing-row").get_by_label("Monthly price").fill("14")
    page.locator("tr.editing-row").get_by_role("button", name="Save plan").click()
    expect(page.locator("tr.editing-row")).to_have_count(0)
    expect(page.locator("tr", has_text="Fabrikam Cellular").filter(has_text="Voice only")).to_contain_text("$14.00")
    expect(page.get_by_role("status").filter(has_text="Saved plan Voice only (Fabrikam Cellular).")).to_be_visible()


def test_the_catalog_works_with_javascript_off(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/login")
        page.get_by_label("Email").fill(DEMO_USERS["admin"])
        page.get_by_label("Password", exact=True).fill("demo")
        page.get_by_role("button", name="Sign in").click()
        page.goto("/admin/catalog/stipend-tiers")
        page.get_by_label("Search stipend tiers").fill("power")
        page.get_by_role("button", name="Search").click()
        assert "q=power" in page.url
        page.get_by_role("link", name="Edit Power user").click()
        page.get_by_label("Monthly amount").fill("80")
        page.get_by_role("button", name="Save stipend tier").click()
        expect(page.locator("tr", has_text="Power user")).to_contain_text("$80.00")
        page.get_by_role("button", name="Retire Power user").click()
        expect(page.locator("tr", has_text="Power user")).to_contain_text("Retired")
    finally:
        context.close()


def test_the_admin_pages_fit_a_phone_screen(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.sign_in(DEMO_USERS["admin"])
    for url in ("/admin", "/admin/catalog/device-models", "/admin/people", "/admin/settings"):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, f"{url} scrolls sideways ({width}px wide)"
