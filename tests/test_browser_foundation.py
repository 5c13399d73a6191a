"""In Chromium: signing in, the navigation each role sees, and error handling; axe-core checks every page."""

import pytest

from tests.support.helpers import DEMO_USERS
from tests.support.navigation import EXPECTED_NAV, NAV, go_to


@pytest.mark.parametrize("role", list(DEMO_USERS))
def test_demo_user_signs_in_and_sees_their_navigation(page, role):
    page.sign_in(DEMO_USERS[role])
    nav = page.get_by_role("navigation", name="Main")
    if nav.locator("details.nav-group").count():  # the telecom pages sit in a group: open it to see them
        nav.get_by_text("Telecom", exact=True).click()
    for label in NAV:
        link = nav.get_by_role("link", name=label, exact=True)
        assert link.count() == (1 if label in EXPECTED_NAV[role] else 0), label
    assert page.get_by_role("heading", level=1).inner_text().startswith("Hello")
    for label in EXPECTED_NAV[role]:  # every page the navigation offers opens and passes axe-core
        go_to(page, label)
        assert page.get_by_role("heading", level=1).count() == 1
        page.check()
    if role == "admin":
        page.goto("/")
        page.screenshot_for_docs("home")


def test_anonymous_visitor_is_sent_to_sign_in_and_returned_after(page):
    page.goto("/orders")
    assert "/login" in page.url
    page.get_by_label("Email").fill("employee@example.com")
    page.get_by_label("Password", exact=True).fill("demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/orders")
    assert page.get_by_role("heading", name="My orders").is_visible()


def test_wrong_password_shows_a_generic_error_and_keeps_the_email(page):
    page.goto("/login")
    page.get_by_label("Email").fill("employee@example.com")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "That email and password do not match an active account."
    assert page.get_by_label("Email").input_value() == "employee@example.com"
    page.check()
    page.screenshot_for_docs("login-error")


def test_sign_out_returns_to_the_sign_in_page(page):
    page.sign_in(DEMO_USERS["employee"])
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    assert page.get_by_text("You are signed out.").is_visible()
    page.goto("/orders")
    assert "/login" in page.url


def test_the_layout_works_on_a_phone_screen(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.sign_in(DEMO_USERS["telecom"])
    page.get_by_role("button", name="Menu").click()  # the navigation waits behind its button on a phone
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="New order").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways ({width}px wide)"
