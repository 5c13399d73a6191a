"""In Chromium: the phone layout. Under 600 px a Menu button holds the navigation (keyboard and screen reader
included); at 1280 px the navigation is one row; no page of any role scrolls sideways at 390 px."""

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.support.helpers import DEMO_USERS

PHONE = {"width": 390, "height": 844}
# The pages each role opens most, at 390 px (each page is checked by axe-core as it loads).
PAGES = {
    "employee": ["/", "/orders/new", "/orders", "/inventory/mine", "/profile", "/orders/new/new_line"],
    "manager": ["/", "/approvals", "/approvals/away"],
    "telecom": ["/fulfillment", "/fulfillment/returns", "/dashboard", "/reports/"],
    "helpdesk": ["/inventory/lines", "/inventory/devices", "/inventory/sims", "/inventory/employees"],
    "admin": ["/admin/", "/admin/people", "/admin/settings", "/notifications/"],
}


def test_a_menu_button_holds_the_navigation_on_a_phone(new_page):
    page = new_page()
    page.set_viewport_size(PHONE)
    page.sign_in(DEMO_USERS["admin"])
    menu = page.get_by_role("button", name="Menu")
    nav_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="My orders")
    assert menu.is_visible() and menu.get_attribute("aria-expanded") == "false" and not nav_link.is_visible()
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 160  # the page starts near the top, not after half a screen of links
    menu.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true" and nav_link.is_visible()
    page.check()
    nav_link.focus()
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false" and not nav_link.is_visible()
    page.screenshot_for_docs("phone-menu")


@pytest.mark.parametrize("role", sorted(PAGES))
def test_at_1280_the_navigation_is_one_row(new_page, role):
    page = new_page()
    page.sign_in(DEMO_USERS[role])
    assert not page.get_by_role("button", name="Menu").is_visible()
    tops = page.locator(".site-header nav > ul > li, .site-menu > ul > li").evaluate_all(
        "items => items.map(i => Math.round(i.getBoundingClientRect().top))"
    )
    assert max(tops) - min(tops) < 24, tops


@pytest.mark.parametrize("role", sorted(PAGES))
def test_no_page_scrolls_sideways_on_a_phone(new_page, role):
    page = new_page()
    page.set_viewport_size(PHONE)
    page.sign_in(DEMO_USERS[role])
    wide = {}
    for url in PAGES[role]:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[url] = width
    assert wide == {}


# Not pages: files, feeds and endpoints of other programs, and an email's own HTML (shown sandboxed in the email
# log's frame, where no script runs: its layout is the email's, checked by the notification tests).
NOT_PAGES = (
    "static",
    "health.",
    "branding.",
    "carrier_api.",
    "orders.attachment",
    "orders.conversation_entries",
    "notifications.email_html",
)


# What sticks out: the innermost elements whose right edge is past the viewport, as tag.class.
WIDEST = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1
               && ![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 1))
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).replace(/ /g, ".") : ""))"""


@pytest.mark.parametrize("role", sorted(PAGES))
def test_every_page_of_every_role_fits_a_phone(app, login, new_page, role):
    """Every GET page the role may open, with real records behind its links (the access matrix's world), at
    390 px: none scrolls sideways, and axe-core checks each."""
    from tests.support.security import build_world, get_urls

    ids = build_world(app, login)
    page = new_page()
    page.set_viewport_size(PHONE)
    page.sign_in(DEMO_USERS[role])
    wide, seen = {}, 0
    for endpoint, url in sorted(get_urls(app, ids).items()):
        if endpoint.startswith(NOT_PAGES) or "export" in endpoint or endpoint == "auth.login":
            continue
        try:
            response = page._page.goto(url)  # a page is checked below; a fragment or a download is not a page
        except PlaywrightError:  # a download
            continue
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        if not response.text().lstrip().lower().startswith("<!doctype html>"):
            continue  # a fragment HTMX asks for
        page.check()
        seen += 1
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[url] = width
    assert seen >= 10, f"only {seen} pages opened for {role}"
    assert wide == {}
