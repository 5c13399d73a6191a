"""In Chromium: the pages run under the Content-Security-Policy without a single violation (htmx's own inline
indicator styles switched off, no inline script or style anywhere), and HTMX still works with the CSRF header."""

from __future__ import annotations

from tests.support.helpers import DEMO_USERS

PAGES = {
    "employee": ["/", "/orders", "/orders/new", "/orders/new/new_line", "/inventory/mine", "/profile"],
    "admin": [
        "/approvals",
        "/inventory/lines",
        "/fulfillment",
        "/dashboard",
        "/reports/orders",
        "/admin",
        "/admin/catalog/plans",
        "/admin/approval-policies",
        "/admin/people",
        "/admin/settings",
        "/admin/notifications",
        "/admin/audit",
    ],
}


def test_no_page_breaks_the_content_security_policy(page):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.goto("/login")
    for role, urls in PAGES.items():
        page.context.clear_cookies()
        page.sign_in(DEMO_USERS[role])
        for url in urls:
            response = page.goto(url)
            assert "script-src 'self'" in response.headers["content-security-policy"]
    assert not page.evaluate("() => [...document.querySelectorAll('style')].length"), "an inline <style> was added"
    assert violations == []


def test_htmx_requests_carry_the_csrf_header_under_the_policy(page):
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Refused" in message.text else None)
    page.sign_in(DEMO_USERS["employee"])
    page.goto("/inventory/mine")
    page.goto("/orders/new/new_line")
    with page.expect_response(lambda r: "/orders/new/new_line" in r.url and r.request.method == "POST") as answer:
        page.get_by_label("Carrier").select_option(label="Northwind Wireless")
    assert answer.value.request.headers.get("x-csrftoken")
    assert answer.value.status == 200
    assert violations == []
