"""In Chromium: Hana (helpdesk) finds Erin's line by part of its number, edits the device's serial in place,
sees the change in the history, and exports the list as filtered; the same works with JavaScript off."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Line, User
from tests.support.helpers import run_queued_jobs


def erin(app) -> tuple[int, str, str]:
    with app.app_context():
        line = db.session.scalar(select(Line).join(Line.employee).where(User.email == "employee@example.com"))
        return line.id, line.number, line.device.serial


def national(e164: str) -> str:
    return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"


def test_helpdesk_finds_erins_line_edits_the_serial_in_place_and_exports_the_list(app, page):
    line_id, number, old_serial = erin(app)
    page.sign_in("helpdesk@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inventory").click()
    expect(page.get_by_role("heading", name="Lines", level=1)).to_be_visible()
    page.check()

    # Typing part of the number narrows the list as she types (no button pressed).
    typed = f"{number[5:8]} {number[8:]}"  # '555 0100': the end of the number, as people say it
    page.get_by_label("Search lines").press_sequentially(typed, delay=30)
    results = page.locator("#results")
    expect(results.get_by_role("link", name=national(number))).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="match")).to_contain_text(
        re.compile(r"\d line matches|lines match")
    )
    # The hint under the focused box sits below its focus ring, not under it.
    box, hint = page.get_by_label("Search lines").bounding_box(), page.locator("#q-hint").bounding_box()
    assert hint["y"] >= box["y"] + box["height"] + 2
    assert page.url.endswith(f"/inventory/lines?q={typed.replace(' ', '+')}")  # pushed: a clean, shareable URL
    shown = results.locator("tbody tr")
    assert all(
        row.endswith(number[8:])
        for row in [r.get_by_role("link").first.inner_text().replace("-", "") for r in shown.all()]
    )
    page.check()

    # Export CSV holds exactly the rows listed.
    with page.expect_download() as download_info:
        results.get_by_role("link", name="Export CSV").click()
    exported = list(csv.DictReader(io.StringIO(download_info.value.path().read_text(encoding="utf-8"))))
    listed = [r.get_by_role("link").first.inner_text() for r in shown.all()]
    assert [national(r["phone_number"]) for r in exported] == listed

    # Her line page: the device's serial, edited in place.
    results.get_by_role("link", name=national(number)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Line {national(number)}")
    page.check()
    page.get_by_role("link", name="Edit serial number").click()
    serial = page.get_by_label("Serial number")
    expect(serial).to_be_focused()
    expect(serial).to_have_value(old_serial)
    page.check()
    serial.fill("AP-NEW-0001")
    page.get_by_role("button", name="Save serial number").click()
    row = page.locator(".field-row", has_text="Serial number")
    expect(row.locator(".field-value")).to_have_text("AP-NEW-0001")
    expect(page.get_by_role("button", name="Save serial number")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit serial number")).to_be_focused()  # the keyboard is not lost

    # …and the history shows it, with who made it, without reloading the page.
    history = page.locator("#history")
    change = history.locator("tr", has_text="Serial number")
    expect(change).to_contain_text(old_serial)
    expect(change).to_contain_text("AP-NEW-0001")
    expect(change).to_contain_text("Hana Kim")
    page.check()

    with app.app_context():
        assert db.session.get(Line, line_id).device.serial == "AP-NEW-0001"


def test_a_bad_imei_typed_in_place_is_refused_next_to_the_field_and_kept(app, page):
    line_id, _, _ = erin(app)
    page.sign_in("helpdesk@example.com")
    page.goto(f"/inventory/lines/{line_id}")
    page.get_by_role("link", name="Edit IMEI").click()
    page.get_by_label("IMEI").fill("35391110104729")
    page.get_by_role("button", name="Save IMEI").click()
    expect(page.locator(".field-error")).to_have_text("An IMEI has 15 digits; this has 14.")
    expect(page.get_by_label("IMEI")).to_have_value("35391110104729")
    page.check()
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("link", name="Edit IMEI")).to_be_visible()


def test_with_javascript_off_search_and_editing_are_plain_forms(app, browser, live_server):
    """axe-core needs JavaScript, so this page is not wrapped: the same pages were checked above."""
    line_id, number, _ = erin(app)
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/login")
        page.get_by_label("Email").fill("helpdesk@example.com")
        page.get_by_label("Password", exact=True).fill("demo")
        page.get_by_role("button", name="Sign in").click()
        page.goto("/inventory/lines")
        page.get_by_label("Search lines").fill(number)
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name=national(number)).click()
        page.get_by_role("link", name="Edit serial number").click()  # without JavaScript: the full form
        expect(page.get_by_role("heading", level=1)).to_contain_text("Edit device")
        page.get_by_label("Serial number").fill("NOJS-42")
        page.get_by_role("button", name="Save device").click()
        expect(page.get_by_role("status").filter(has_text="Device saved.")).to_be_visible()
        expect(page.locator("#history")).to_contain_text("NOJS-42")
    finally:
        context.close()


def test_the_inventory_pages_fit_a_phone_screen(app, page):
    line_id, _, _ = erin(app)
    page.set_viewport_size({"width": 390, "height": 844})
    page.sign_in("helpdesk@example.com")
    for url in (
        "/inventory/lines?q=erin",
        f"/inventory/lines/{line_id}",
        f"/inventory/lines/{line_id}/edit",
        "/inventory/devices",
        "/inventory/import",
    ):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, f"{url} scrolls sideways ({width}px wide)"


def test_an_import_shows_its_progress_until_the_summary_replaces_it(app, page, tmp_path):
    from app.queue import task_queue
    from tests.support.inventory import as_csv, new_row

    upload = tmp_path / "carrier-export.csv"
    upload.write_text(as_csv([new_row(n) for n in range(1, 40)]))
    page.sign_in("helpdesk@example.com")
    page.goto("/inventory/import")
    page.get_by_label("CSV file of lines and devices").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="Preview: every row is ready")).to_be_visible()
    page.check()
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_label("0 of 39 rows imported")).to_be_visible()  # the progress bar, labelled
    page.check()
    with app.app_context():  # the worker takes the job while the page polls
        run_queued_jobs(task_queue())
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="All 39 rows were imported")).to_be_visible()
    page.check()
