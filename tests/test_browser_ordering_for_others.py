"""In Chromium, JavaScript on: Hana (helpdesk) orders each type that works on a line for Iris Sato. Every HTMX
refresh of the form keeps the person ordered for, so the form lists Iris's line and the order is Iris's."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Device, Order
from tests.support.browser import sign_in_without_javascript
from tests.support.helpers import DEMO_USERS
from tests.support.ordering import ERIN, Demo, valid_orders

IRIS = "iris.sato@example.com"
FOR_IRIS = [
    "upgrade",
    "warranty_replacement",
    "accessory",
    "port_in",
    "transfer_liability",
    "change_features",
    "change_plan",
    "change_number",
    "swap_to_stock_device",
    "sim_request",
    "assign_line",
    "suspend",
    "disconnect",
]


def answers_for_iris(demo: Demo, code: str) -> dict:
    """The answers that make a valid order of `code` for Erin, turned to Iris's line and device."""
    answers = dict(valid_orders(demo)[code][1])
    if "line" in answers:
        answers["line"] = demo.line_of(IRIS)
    if "device" in answers:
        answers["device"] = demo.device_of(IRIS)
    if code == "upgrade":  # Iris's phone is not due yet: an early upgrade, with its justification
        answers["justification"] = "The screen is cracked and the battery lasts an hour."
    if code == "change_plan":  # Iris is on Business 10 GB already
        answers["plan"] = demo.plan("northwind", "Business Unlimited")
    if code == "assign_line":  # "Assign to" offers the people a search found: she finds Erin first
        answers.pop("new_employee")
        answers["new_employee_search"] = "erin park"
        answers["new_employee"] = demo.user(ERIN)
    return answers


def settle(page) -> None:
    """Wait until HTMX has no request in flight (a refresh of the form or its price)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def fill(page, answers: dict) -> None:
    """Answer the form field by field, as a person would, letting each HTMX refresh land before the next."""
    form = page.locator("#order-form")
    for name, value in answers.items():
        for item in value if isinstance(value, list) else [value]:
            field = form.locator(f"[name='{name}']").first
            kind = field.evaluate("e => e.tagName.toLowerCase() === 'select' ? 'select' : (e.type || 'text')")
            if kind == "select":
                field.select_option(str(item))
            elif kind in ("radio", "checkbox"):
                form.locator(f"[name='{name}'][value='{item}']").check()
            else:
                field.fill(str(item))
                field.dispatch_event("change")
            settle(page)


@pytest.mark.parametrize("code", FOR_IRIS)
def test_hana_orders_for_iris_with_javascript_on_and_the_order_is_irises(app, new_page, code):
    demo = Demo(app)
    if code == "warranty_replacement":  # a phone still under warranty
        with app.app_context():
            device = db.session.get(Device, demo.device_of(IRIS))
            device.purchased_on = device.activated_on = clock.today() - timedelta(days=100)
            db.session.commit()
    iris_id, iris_line = demo.user(IRIS), demo.line_of(IRIS)
    hana = new_page()
    hana.sign_in(DEMO_USERS["helpdesk"])
    hana.goto(f"/orders/new/{code}?for={iris_id}")
    assert "For Iris Sato." in hana.locator(".step-note").inner_text()
    fill(hana, answers_for_iris(demo, code))
    line_choice = hana.locator("#order-form [name='line']")
    if line_choice.count():  # the lines listed after every refresh are Iris's
        listed = line_choice.first.locator("option").evaluate_all("options => options.map(o => o.value)")
        assert str(iris_line) in listed and str(demo.line_of("helpdesk@example.com") or "") not in listed[1:]
    hana.get_by_role("button", name="Review order").click()
    hana.wait_for_load_state("load")
    errors = hana.locator(".field-error, .form-error").all_inner_texts()
    assert "/review" in hana.url, errors
    hana.check()
    hana.get_by_role("button", name="Submit order").click()
    hana.wait_for_url(re.compile(r".*/orders/WO-\d+$"))
    number = hana.url.rsplit("/", 1)[1]
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert order.employee.email == IRIS and order.requester.email == "helpdesk@example.com"
        if order.line_id is not None and code != "transfer_liability":
            assert order.line_id == iris_line


def test_hana_finds_iris_by_typing_and_orders_a_change_from_priyas_line(app, new_page):
    demo = Demo(app)
    hana = new_page()
    hana.sign_in(DEMO_USERS["helpdesk"])
    hana.set_viewport_size({"width": 390, "height": 844})
    hana.goto("/orders/new")
    hana.get_by_label("Find the person you order for").fill("sato")
    hana.get_by_role("link", name="Order for Iris Sato").click()
    hana.wait_for_load_state("load")
    hana.check()
    assert "Ordering for Iris Sato" in hana.locator("main").inner_text()
    assert hana.evaluate("document.documentElement.scrollWidth") <= 390
    hana.screenshot_for_docs("ordering-for-search")
    hana.set_viewport_size({"width": 1280, "height": 900})
    priya = demo.user("priya.raman@example.com")
    with app.app_context():
        from app.models import Line

        line_id = db.session.scalar(select(Line.id).where(Line.employee_id == priya).order_by(Line.id))
    hana.goto(f"/inventory/lines/{line_id}")
    hana.get_by_role("link", name="Order a change").click()
    hana.wait_for_load_state("load")
    assert "Ordering for Priya Raman" in hana.locator("main").inner_text()
    hana.get_by_role("link", name="Change plan").click()
    hana.wait_for_load_state("load")
    hana.check()
    assert hana.get_by_label("Line", exact=True).input_value() == str(line_id)


def test_hana_finds_whom_a_line_goes_to_by_typing_then_without_javascript(app, browser, live_server, new_page):
    """The "Assign to" list names nobody until she searches (a company has too many people to list): as she types, its
    choices follow; without JavaScript, "Find people" does the same."""
    demo = Demo(app)
    iris_id, iris_line = demo.user(IRIS), demo.line_of(IRIS)
    hana = new_page()
    hana.sign_in(DEMO_USERS["helpdesk"])
    hana.set_viewport_size({"width": 390, "height": 844})
    hana.goto(f"/orders/new/assign_line?for={iris_id}")
    hana.get_by_label("Line").select_option(str(iris_line))
    settle(hana)
    hana.get_by_label("Find the person").fill("zzzz")
    expect(hana.locator("#new_employee_search-found")).to_have_text("No one matches “zzzz”.")
    hana.get_by_label("Find the person").fill("raman")
    expect(hana.locator("#new_employee_search-found")).to_have_text("")
    settle(hana)
    hana.get_by_label("Assign to").select_option(label="Priya Raman · priya.raman@example.com")
    assert hana.get_by_label("Find the person").input_value() == "raman"  # what she typed stays as it was
    assert hana.evaluate("document.documentElement.scrollWidth") <= 390
    hana.check()
    hana.screenshot_for_docs("assign-line-find-person")
    hana.get_by_role("button", name="Review order").click()
    hana.wait_for_url(re.compile(r".*/review$"))
    assert "Priya Raman" in hana.locator("main").inner_text()

    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()  # axe-core needs JavaScript: the same page was checked above
    try:
        sign_in_without_javascript(page, DEMO_USERS["helpdesk"])
        page.goto(f"/orders/new/assign_line?for={iris_id}")
        page.get_by_label("Line").select_option(str(iris_line))
        page.get_by_label("Find the person").fill("raman")
        page.get_by_role("button", name="Find people").click()
        page.get_by_label("Assign to").select_option(label="Priya Raman · priya.raman@example.com")
        assert page.locator(".field-error").count() == 0
        page.get_by_role("button", name="Review order").click()
        page.wait_for_url(re.compile(r".*/review$"))
        assert "Priya Raman" in page.locator("main").inner_text()
    finally:
        context.close()
