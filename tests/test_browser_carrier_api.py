"""In Chromium: Ada puts Contoso Mobile in API mode, pointed at the carrier sandbox, presses "Send a test order" and
reads the carrier's answer; each page passes axe-core."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from app.carrier_sandbox import CarrierSandbox
from app.crypto import decrypt
from app.extensions import db
from app.models import Carrier, FulfilmentMode
from tests.support.helpers import DEMO_USERS

SECRET = "contoso-shared-api-secret"


def test_ada_sets_a_carrier_to_api_mode_and_sends_it_a_test_order(app, page, live_server):
    sandbox = CarrierSandbox(secret=SECRET, portal=live_server, delay=0, now=app.extensions["clock"].now).start()
    try:
        page.sign_in(DEMO_USERS["admin"])
        page.goto("/admin/catalog/carriers")
        page.get_by_role("link", name="Edit Contoso Mobile").click()
        row = page.locator("tr.editing-row")
        row.get_by_label("API: the portal sends orders and cancellations to the carrier's endpoint").check()
        row.get_by_label("Order endpoint URL").fill("localhost:5055/orders")  # no scheme: refused beside the field
        row.get_by_label("API signing secret").fill(SECRET)
        row.get_by_role("button", name="Save carrier").click()
        expect(page.locator("tr.editing-row")).to_contain_text(
            "Enter the endpoint as an http:// or https:// address, like https://api.carrier.example/orders."
        )
        page.check()
        row = page.locator("tr.editing-row")
        row.get_by_label("Order endpoint URL").fill(sandbox.orders_url)
        row.get_by_label("API signing secret").fill(SECRET)
        row.get_by_label("API timeout (seconds)").fill("5")
        row.get_by_role("button", name="Save carrier").click()
        contoso = page.locator("tr", has_text="Contoso Mobile")
        expect(contoso).to_contain_text("API (127.0.0.1)")
        page.check()

        contoso.get_by_role("button", name="Send a test order to Contoso Mobile").click()
        expect(page.get_by_role("heading", name="Test order sent to Contoso Mobile")).to_be_visible()
        expect(page.get_by_role("status")).to_have_text(
            "Contoso Mobile answered 201 Created: Test order received. Its reference: TEST-000001."
        )
        page.check()
        assert [t["test"] for t in sandbox.tests] == [True] and sandbox.orders == {}
        with app.app_context():
            carrier = db.session.scalar(select(Carrier).where(Carrier.code == "contoso"))
            assert carrier.fulfilment_mode is FulfilmentMode.API and carrier.api_url == sandbox.orders_url
            assert carrier.api_timeout_seconds == 5 and decrypt(carrier.api_secret_encrypted) == SECRET
    finally:
        sandbox.stop()


def test_tara_sees_a_refused_send_in_the_console_and_sends_it_again_now(app, login, demo, page, live_server):
    from tests.support.fulfilment import apply_pending, approved

    sandbox = CarrierSandbox(secret="demo-carrier-secret", portal=live_server, delay=0, now=app.extensions["clock"].now)
    sandbox.start()
    try:
        with app.app_context():
            fabrikam = db.session.scalar(select(Carrier).where(Carrier.code == "fabrikam"))
            fabrikam.api_url = sandbox.orders_url
            db.session.commit()
        number = approved(
            app,
            login,
            demo,
            "new_line",
            carrier=demo.carrier("fabrikam"),
            plan=demo.plan("fabrikam", "Business Unlimited"),
            device_model=demo.model("iPhone 16"),
        )
        sandbox.refuse_next(message="The account is on hold.")
        sandbox.lose_next_callbacks(3)
        apply_pending(app)

        page.sign_in(DEMO_USERS["telecom"])
        page.goto("/fulfillment")
        sends = page.locator("#sending")
        expect(sends).to_contain_text("Refused by the carrier")
        expect(sends).to_contain_text("The account is on hold.")
        page.check()
        sends.get_by_role("button", name=f"Send again now the order {number}").click()
        expect(
            page.get_by_role("status").filter(has_text=f"{number} is being sent to Fabrikam Cellular now.")
        ).to_be_visible()
        apply_pending(app)  # the worker
        page.goto(f"/fulfillment/orders/{number}")
        expect(page.locator("section", has_text="Sent to Fabrikam Cellular's API")).to_contain_text(
            "Taken by the carrier"
        )
        page.check()
    finally:
        sandbox.stop()
