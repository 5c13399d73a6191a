"""In Chromium: a damaged phone 14 months old is neither under warranty nor due for an upgrade: Erin orders an early
upgrade (the date, why and the charge shown; a justification asked), it is approved and completed, her old phone is
owed back on her page, and Tara records its return."""

import re
from datetime import timedelta

from sqlalchemy import select

from app import clock, commands
from app.extensions import db
from app.models import Device, DeviceStatus, Order, OrderStatus
from tests.support.factories import approve_all
from tests.support.helpers import DEMO_USERS
from tests.support.ordering import ERIN, Demo, age_erins_device


def test_a_damaged_14_month_old_phone_goes_through_an_early_upgrade_and_is_returned(app, new_page):
    age_erins_device(app, days=425)
    demo = Demo(app)
    old = demo.device_of(ERIN)
    erin = new_page()
    erin.sign_in(DEMO_USERS["employee"])

    erin.goto("/orders/new/warranty_replacement")
    erin.get_by_label("Line").select_option(index=1)
    erin.get_by_label("What is wrong?").select_option("physical")
    erin.get_by_label("Describe the problem").fill("Dropped it: the screen is shattered.")
    erin.get_by_role("button", name="Review order").click()
    erin.locator(".field-error").first.wait_for()
    assert "Order an Upgrade instead (an early upgrade" in erin.locator("#order-form").inner_text()
    erin.check()

    erin.goto("/orders/new/upgrade")
    erin.get_by_label("Line").select_option(index=1)
    erin.get_by_label("New device").select_option(label="Apple iPhone 16 Pro 256 GB Natural titanium · $1,099.00")
    erin.get_by_role("button", name="Review order").click()
    error = erin.locator(".field-error").first
    error.wait_for()
    assert re.search(r"Early upgrade is out of policy \(the line is eligible on \w{3} \d{2}, \d{4}", error.inner_text())
    assert "charges $150.00 for an early upgrade" in error.inner_text()
    erin.check()
    erin.get_by_label(re.compile("^Justification")).fill("Dropped it: the screen is shattered and cuts fingers.")
    erin.get_by_role("button", name="Review order").click()
    erin.get_by_role("button", name="Submit order").wait_for()
    review = erin.locator("main").inner_text()
    assert "Early upgrade" in review and "$1,249.00" in review  # the device and the early-upgrade charge
    erin.check()
    erin.get_by_role("button", name="Submit order").click()
    erin.wait_for_url(re.compile(r".*/orders/WO-\d+$"))
    number = erin.url.rsplit("/", 1)[1]

    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert order.out_of_policy
        approve_all(db.session, order)
        moment = clock.now()
        for _ in range(12):  # the simulated carrier acknowledges, ships, delivers, completes
            moment += timedelta(minutes=5)
            commands.carrier_sweep(db.session, now=moment)
            db.session.refresh(order)
            if order.status is OrderStatus.COMPLETED:
                break
        assert order.status is OrderStatus.COMPLETED
        device = db.session.get(Device, old)
        assert device.status is DeviceStatus.PENDING_RETURN
        model = str(device.model)

    erin.goto("/inventory/mine")
    owed = erin.get_by_role("region", name="Devices to return")
    assert f"Return your {model}" in owed.inner_text() and "by" in owed.inner_text()
    erin.screenshot_for_docs("devices-to-return")
    erin.set_viewport_size({"width": 390, "height": 844})
    erin.goto(f"/orders/{number}")
    assert f"Return your {model}" in erin.get_by_role("region", name="Devices to return").inner_text()
    assert erin.evaluate("document.documentElement.scrollWidth") <= 390

    tara = new_page()
    tara.sign_in(DEMO_USERS["telecom"])
    tara.goto("/fulfillment")
    tara.get_by_role("link", name=re.compile(r"^Devices owed back")).click()
    tara.wait_for_load_state("load")
    tara.check()
    row = tara.get_by_role("row").filter(has_text="Erin Park").filter(has_text=model)
    row.get_by_label("Where it goes").select_option("in_stock")
    row.get_by_role("button", name=re.compile("^Record return")).click()
    tara.get_by_text(f"Recorded: the {model}").wait_for()
    tara.check()
    tara.screenshot_for_docs("devices-owed-back")
    with app.app_context():
        assert db.session.get(Device, old).status is DeviceStatus.IN_STOCK
    erin.set_viewport_size({"width": 1280, "height": 900})
    erin.goto("/inventory/mine")
    assert erin.get_by_role("region", name="Devices to return").count() == 0
