"""In Chromium, with axe-core: Tara orders business internet for the Boston branch office; it is approved; the
console records the FOC date, schedules the install (the site's contact is emailed the window), reports it
installed and turned up with its circuit ID; the site's page shows the circuit; a later disconnect order ends it
on its date."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from app import clock, commands
from app.extensions import db
from app.models import Notification, Order, ServiceStatus, Site, User, WirelineService
from tests.support.factories import approve_all
from tests.support.helpers import DEMO_USERS
from tests.support.ordering import Demo


def _approve(app, number: str) -> None:
    with app.app_context():
        approve_all(db.session, db.session.scalar(select(Order).where(Order.number == number)))


def _submit(page) -> str:
    page.get_by_role("button", name="Review order").click()
    page.wait_for_url("**/review")
    page.check()
    number = re.search(r"/orders/(WO-\d+)/review", page.url).group(1)
    page.get_by_role("button", name="Submit order").click()
    page.wait_for_url(f"**/orders/{number}")
    return number


def test_tara_orders_business_internet_for_a_branch_and_later_disconnects_it(app, new_page):
    demo = Demo(app)
    with app.app_context():  # the branch's contact, who lets the installer in
        boston = db.session.get(Site, demo.site("Boston branch office"))
        boston.contact = db.session.scalar(select(User).where(User.email == "omar.haddad@example.com"))
        db.session.commit()
    install_on = clock.today() + timedelta(days=21)
    tara = new_page()
    tara.sign_in(DEMO_USERS["telecom"])
    tara.goto("/orders/new")
    tara.check()
    wireline = tara.get_by_role("region", name="Wireline")
    wireline.get_by_role("link", name="New service at a site").click()
    tara.wait_for_load_state("load")
    tara.check()
    tara.get_by_label("Site").select_option(label="Boston branch office · Boston")
    tara.settle()
    expect(tara.get_by_text("100 Summer Street, Suite 1200, Boston, MA 02110-2106")).to_be_visible()
    tara.get_by_label("Kind of service").select_option(label="Business internet")
    tara.settle()
    tara.get_by_label("Bandwidth (Mbps)").fill("500")
    tara.get_by_label("Carrier", exact=True).select_option(label="Contoso Mobile")
    tara.settle()
    tara.get_by_label("Contract term").select_option(label="36 months")
    tara.get_by_label("Monthly cost quoted by the carrier").fill("349.00")
    tara.get_by_label("Requested install date").fill(install_on.isoformat())
    number = _submit(tara)
    tara.check()
    _approve(app, number)

    tara.goto(f"/fulfillment/orders/{number}")
    tara.check()
    tara.get_by_label("FOC date the carrier committed to").fill(install_on.isoformat())
    tara.get_by_role("button", name="Record FOC date").click()
    tara.get_by_text(f"The FOC date recorded on {number}.").wait_for()
    tara.get_by_label("Install on").fill(install_on.isoformat())
    tara.get_by_label("Window, like 08:00–12:00").fill("08:00–12:00")
    tara.get_by_role("button", name="Schedule install").click()
    tara.get_by_text(f"The install date and window recorded on {number}.").wait_for()
    tara.get_by_role("button", name="Record installed").click()
    tara.get_by_text(f"Installed recorded on {number}.").wait_for()
    tara.get_by_label("Circuit ID").fill("CT/BOS/88121")
    tara.get_by_label("IP block, like 203.0.113.8/29").fill("203.0.113.8/29")
    tara.get_by_role("button", name="Record turned up").click()
    tara.get_by_text(f"Turned up recorded on {number}.").wait_for()
    tara.check()
    tara.get_by_role("button", name="Complete order").click()
    tara.get_by_text(f"{number} completed; the inventory is updated.").wait_for()

    with app.app_context():  # the site's contact got the install window, the address and the hours
        order_id = db.session.scalar(select(Order.id).where(Order.number == number))
        install = db.session.scalar(
            select(Notification).where(
                Notification.order_id == order_id,
                Notification.milestone == "install_scheduled",
                Notification.email == "omar.haddad@example.com",
            )
        )
        assert "08:00–12:00" in install.subject and "Mon–Fri 9:00–17:00" in install.body_text
        service_id = db.session.scalar(select(WirelineService.id).where(WirelineService.circuit_id == "CT/BOS/88121"))

    tara.goto(f"/orders/{number}")
    tara.check()
    expect(tara.get_by_role("list", name="Progress")).to_contain_text("Turned up")
    hana = new_page()  # the helpdesk keeps the inventory
    hana.sign_in(DEMO_USERS["helpdesk"])
    hana.goto(f"/inventory/sites/{demo.site('Boston branch office')}")
    hana.check()
    services = hana.get_by_role("table", name="Services at Boston branch office")
    expect(services.get_by_role("cell", name="CT/BOS/88121")).to_be_visible()

    ends_on = clock.today() + timedelta(days=30)
    tara.goto("/orders/new/wireline_disconnect")
    tara.check()
    tara.get_by_label("Service to disconnect").select_option(value=str(service_id))
    tara.settle()
    tara.get_by_label("Disconnect on").fill(ends_on.isoformat())
    disconnect = _submit(tara)
    _approve(app, disconnect)
    tara.goto(f"/fulfillment/orders/{disconnect}")
    tara.get_by_label("FOC date the carrier committed to").fill(ends_on.isoformat())
    tara.get_by_role("button", name="Record FOC date").click()
    tara.get_by_text(f"The FOC date recorded on {disconnect}.").wait_for()
    tara.get_by_role("button", name="Complete order").click()
    tara.get_by_text(f"{disconnect} completed; the inventory is updated.").wait_for()
    with app.app_context():
        assert db.session.get(WirelineService, service_id).status is ServiceStatus.ACTIVE  # until its date
        commands.carry_out_dated_changes(db.session, today=ends_on)
        service = db.session.get(WirelineService, service_id)
        assert (service.status, service.disconnected_on) == (ServiceStatus.DISCONNECTED, ends_on)
    hana.goto(f"/inventory/wireline/{service_id}")
    hana.check()
    expect(hana.locator("main")).to_contain_text("Disconnected")
    tara.set_viewport_size({"width": 390, "height": 844})
    for url in (f"/orders/{number}", f"/fulfillment/orders/{number}", "/orders/new", "/orders/new/wireline_new"):
        tara.goto(url)
        assert tara.evaluate("document.documentElement.scrollWidth") <= 390, url
