"""In Chromium: Ada reads the approval policies, tries one out, and Marco names a delegate."""

from datetime import timedelta

from playwright.sync_api import expect

from app import clock
from tests.support.helpers import DEMO_USERS


def test_ada_tries_which_approvers_an_order_would_get(page):
    page.sign_in(DEMO_USERS["admin"])
    page.goto("/admin")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Approval policies").click()
    page.wait_for_load_state("load")
    page.check()
    page.get_by_label("Or describe one: order type").select_option(label="Accessories")
    page.get_by_label("Ordered for").select_option(label="Erin Park")
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
    page.get_by_label("Delegate").select_option(label="Sofia Alvarez · sofia.alvarez@example.com")
    page.get_by_label("Away from").fill(clock.today().isoformat())
    page.get_by_label("Back on (last day away)").fill((clock.today() + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Save delegation").click()
    expect(page.get_by_text("Sofia Alvarez decides for you.")).to_be_visible()
    expect(page.get_by_role("button", name="Remove delegation to Sofia Alvarez")).to_be_visible()
    page.check()
