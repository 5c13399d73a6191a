"""In Chromium, from the keyboard: focus goes where the person is working — to the first problem of a form sent
back, to the next row of the inbox after a decision, and back to its Edit link when Escape closes an inline
editor."""

import pytest
from playwright.sync_api import expect

from tests.support.helpers import DEMO_USERS
from tests.support.ordering import ERIN, Demo, place, valid_orders


def test_a_form_sent_back_puts_focus_on_its_first_problem(app, new_page):
    line_id = Demo(app).line_of(ERIN)
    erin = new_page()
    erin.sign_in(DEMO_USERS["employee"])
    erin.goto(f"/orders/lost/{line_id}")
    erin.get_by_role("button", name="Report lost or stolen").click()  # nothing chosen
    erin.wait_for_load_state("load")
    expect(erin.get_by_label("It was lost")).to_be_focused()
    erin.check()


def test_after_a_decision_in_the_inbox_focus_moves_to_the_next_row(app, login, new_page):
    demo = Demo(app)
    role, data, _ = valid_orders(demo)["new_line"]
    first = place(login(role), "new_line", data)
    second = place(login(role), "new_line", data)
    marco = new_page()
    marco.sign_in(DEMO_USERS["manager"])
    marco.goto("/approvals")
    opens = marco.get_by_role("link", name="Open WO-")
    names = [" ".join(opens.nth(i).inner_text().split()) for i in range(opens.count())]  # the number is hidden text
    assert {f"Open {first}", f"Open {second}"} <= set(names)
    top = names[0].removeprefix("Open ")
    marco.get_by_role("link", name=f"Open {top}").click()
    marco.locator(f"#detail-{_step_of(marco, top)}").get_by_role("button", name="Approve").click()
    marco.get_by_text(f"Approved {top}.").wait_for()
    expect(marco.get_by_role("link", name=names[1])).to_be_focused()
    marco.check()


def _step_of(page, number: str) -> str:
    return page.get_by_role("link", name=f"Open {number}").get_attribute("aria-controls").removeprefix("detail-")


@pytest.mark.parametrize("settle_ms", [None, 1500], ids=["as usual", "the moment it opens"])
def test_escape_closes_an_inline_editor_and_focus_returns_to_its_edit_link(app, new_page, settle_ms):
    """Also the moment the editor opens: the field has focus as soon as the editor is swapped in, before htmx has
    wired up its buttons (at settle time, stretched here to 1.5 s); an Escape then still closes it (a busy
    machine made that moment long)."""
    line_id = Demo(app).line_of(ERIN)
    hana = new_page()
    hana.sign_in(DEMO_USERS["helpdesk"])
    hana.goto(f"/inventory/lines/{line_id}")
    if settle_ms:
        hana.evaluate(f"htmx.config.defaultSettleDelay = {settle_ms}")
    hana.get_by_role("link", name="Edit account number").click()
    field = hana.get_by_label("Account number")
    expect(field).to_be_focused()
    field.press("Escape")
    expect(hana.get_by_role("button", name="Save account number")).to_have_count(0)
    expect(hana.get_by_role("link", name="Edit account number")).to_be_focused()
    hana.check()
