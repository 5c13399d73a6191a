"""In Chromium: Hana (helpdesk) finds a circuit by part of its ID in the wireline inventory, as she types, and opens
its site, which lists the circuit; on a phone (390 px) neither page scrolls sideways."""

from __future__ import annotations

from playwright.sync_api import expect


def test_helpdesk_finds_a_circuit_by_its_id_and_opens_its_site(page):
    page.sign_in("helpdesk@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inventory").click()
    page.get_by_role("navigation", name="Inventory").get_by_role("link", name="Wireline").click()
    expect(page.get_by_role("heading", name="Wireline services", level=1)).to_be_visible()
    page.check()

    page.get_by_label("Search wireline services").press_sequentially("dia/10118", delay=30)
    results = page.locator("#results")
    expect(page.get_by_role("status").filter(has_text="match")).to_have_text("1 service matches")
    expect(results.get_by_role("link", name="DIA/10118/FB-447201")).to_be_visible()
    assert page.url.endswith("/inventory/wireline?q=dia/10118")  # pushed: a shareable URL
    page.check()

    results.get_by_role("link", name="New York HQ").click()
    expect(page.get_by_role("heading", name="New York HQ", level=1)).to_be_visible()
    page.check()
    services = page.get_by_role("table", name="Services at New York HQ")
    expect(services.get_by_role("cell", name="DIA/10118/FB-447201")).to_be_visible()
    expect(page.get_by_text("350 Fifth Avenue, Floor 21, New York, NY 10118")).to_be_visible()
    page.screenshot_for_docs("wireline-site")

    site_url = page.url
    services.get_by_role("link", name="Dedicated internet access").click()
    expect(page.get_by_role("heading", name="Dedicated internet access DIA/10118/FB-447201")).to_be_visible()
    page.check()
    page.set_viewport_size({"width": 390, "height": 844})
    for url in (page.url, site_url, "/inventory/wireline", "/inventory/wireline/new"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
