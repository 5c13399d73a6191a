"""In Chromium: Erin types in New order's search box and sees the matching device with its picture and key specs
(HTMX, no page load), at a desktop's width and on a phone's, where nothing scrolls sideways; the device's New line
link opens the form with it chosen and its picture beside the price."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.helpers import DEMO_USERS


@pytest.mark.parametrize("width", [1280, 390])
def test_typing_in_the_catalog_search_shows_a_device_with_its_picture(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.sign_in(DEMO_USERS["employee"])
    page.goto("/orders/new")
    page.get_by_label("Search order types and devices").press_sequentially("pixel 9", delay=30)
    card = page.locator(".device-card").filter(has_text="Google Pixel 9")
    expect(card).to_have_count(1)
    picture = card.get_by_role("img", name="Google Pixel 9")
    expect(picture).to_be_visible()
    page.wait_for_function("() => [...document.querySelectorAll('img.device-picture')].every(i => i.naturalWidth > 0)")
    expect(card).to_contain_text("6.3-inch screen")
    expect(page.get_by_role("status")).to_contain_text("match “pixel 9”")
    expect(page.get_by_role("link", name="Change phone number")).to_have_count(0)  # the order types are filtered
    assert "q=pix" in page.url  # the address says what was searched: reloading it shows the same
    width_now = page.evaluate("document.documentElement.scrollWidth")
    assert width_now <= width + 1, f"the search results scroll sideways ({width_now}px wide)"
    page.check()
    if width == 390:
        page.screenshot_for_docs("catalog-search")
        return
    page.get_by_label("Search order types and devices").fill("zzzz")
    expect(page.get_by_role("status")).to_contain_text("Nothing matches “zzzz”")
    page.get_by_label("Search order types and devices").fill("pixel")
    card.get_by_role("link", name="New line with this device").click()
    page.wait_for_url("**/orders/new/new_line?device_model=*")
    page.check()
    expect(page.locator("#order-summary").get_by_role("img", name="Google Pixel 9")).to_be_visible()
    assert "Google Pixel 9" in page.get_by_label("Device", exact=True).locator("option:checked").inner_text()
    page.screenshot_for_docs("catalog-device-chosen")
