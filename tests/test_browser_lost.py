"""In Chromium: Erin's phone is stolen. From My lines she reports it in one short form; the line shows as suspended
at once, and the order page offers the replacement device, whose form opens with her line chosen."""

import re

from tests.support.helpers import DEMO_USERS
from tests.support.ordering import ERIN, Demo


def test_erin_reports_her_phone_stolen_and_orders_the_replacement(app, new_page):
    demo = Demo(app)
    line_id = demo.line_of(ERIN)

    erin = new_page()
    erin.sign_in(DEMO_USERS["employee"])
    erin.goto("/inventory/mine")
    erin.get_by_role("link", name=re.compile("^Report lost or stolen")).click()
    erin.wait_for_load_state("load")
    erin.check()
    erin.get_by_label("It was stolen").check()
    erin.get_by_label("Where and how (optional)").fill("Taken from my bag on the train; police report 2026-1184.")
    erin.get_by_role("button", name="Report lost or stolen").click()
    erin.get_by_text(re.compile("is suspended. Order a replacement device next.")).wait_for()
    erin.check()
    notice = erin.get_by_role("region", name=re.compile("^Stolen phone"))
    assert "The line is suspended" in notice.inner_text()
    erin.screenshot_for_docs("lost-or-stolen")

    erin.goto("/inventory/mine")  # at once, not when the carrier gets to it
    row = erin.get_by_role("row").filter(has=erin.get_by_role("link", name=re.compile("^Order a replacement device")))
    assert "Suspended" in row.inner_text() and "Stolen: Taken from my bag" in row.inner_text()

    row.get_by_role("link", name=re.compile("^Order a replacement device")).click()
    erin.wait_for_load_state("load")
    erin.check()
    assert erin.get_by_label("Line", exact=True).input_value() == str(line_id)
    assert "Stolen" in erin.get_by_role("complementary", name="The line today").inner_text()
