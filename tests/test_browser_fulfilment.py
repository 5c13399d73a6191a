"""In Chromium: Tara completes an approved Contoso order in the fulfilment console; Erin sees her new line."""

from app.formatting import imei as format_imei
from app.formatting import phone
from tests.support.fulfilment import NEW_ICCID, NEW_IMEI, approved
from tests.support.helpers import DEMO_USERS
from tests.support.navigation import go_to
from tests.support.ordering import Demo


def test_tara_completes_a_contoso_order_and_the_line_shows_in_erins_lines(app, login, new_page):
    demo = Demo(app)
    number = approved(
        app, login, demo, "new_line", carrier=demo.carrier("contoso"), plan=demo.plan("contoso", "Business Unlimited")
    )

    tara = new_page()
    tara.sign_in(DEMO_USERS["telecom"])
    go_to(tara, "Fulfillment")
    tara.wait_for_load_state("load")
    tara.check()
    tara.get_by_role("link", name=number).click()
    tara.wait_for_load_state("load")
    tara.check()
    tara.get_by_label("Carrier's order reference").fill("CM-55102")
    tara.get_by_role("button", name="Mark as placed").click()
    tara.get_by_text(f"{number} marked as placed with Contoso Mobile.").wait_for()
    tara.get_by_label("Shipping carrier").select_option("UPS")
    tara.get_by_label("Tracking number").fill("1Z999AA10123456784")
    tara.get_by_role("button", name="Add shipment").click()
    tara.get_by_text(f"Shipment added to {number}.").wait_for()
    tara.get_by_label("IMEI").fill(NEW_IMEI)
    tara.get_by_label("Serial number").fill("AP55102999")
    tara.get_by_label("ICCID").fill(NEW_ICCID)
    tara.get_by_role("button", name="Record device").click()
    tara.get_by_text(f"Device recorded on {number}.").wait_for()
    tara.get_by_label("New phone number").fill("(212) 555-0188")
    tara.get_by_role("button", name="Record number").click()
    tara.get_by_text(f"Phone number recorded on {number}.").wait_for()
    tara.check()
    tara.screenshot_for_docs("fulfilment-order")
    tara.get_by_role("button", name="Complete order").click()
    tara.get_by_text(f"{number} completed; the inventory is updated.").wait_for()

    erin = new_page()
    erin.sign_in(DEMO_USERS["employee"])
    erin.goto("/inventory/mine")
    mine = erin.locator("main").inner_text()
    assert phone("+12125550188") in mine and "Contoso Mobile" in mine
    assert format_imei(NEW_IMEI) in mine or NEW_IMEI in mine
    erin.goto(f"/orders/{number}")
    assert erin.get_by_role("link", name="1Z999AA10123456784").count() == 1


def test_a_carrier_update_that_could_not_be_applied_shows_in_needs_attention_and_is_tried_again(app, login, new_page):
    """In Chromium, with axe-core: the failed update on the console and the order page, tried again by Tara."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Line, LineStatus
    from tests.support.fulfilment import apply_pending, push

    demo = Demo(app)
    number = approved(app, login, demo, "new_line")
    done = {
        "update_id": "done-1",
        "order_number": number,
        "status": "completed",
        "service_number": "+12125550188",
        "devices": [{"imei": NEW_IMEI, "iccid": NEW_ICCID}],
    }
    assert push(app.test_client(), "northwind", done).status_code == 202
    with app.app_context():  # the number becomes someone else's before the update's turn
        other = db.session.scalar(select(Line).where(Line.status == LineStatus.ACTIVE).order_by(Line.id))
        clash = Line(number="+12125550188", carrier_id=other.carrier_id, status=LineStatus.ACTIVE)
        db.session.add(clash)
        db.session.commit()
        clash_id = clash.id
    apply_pending(app)

    tara = new_page()
    tara.sign_in(DEMO_USERS["telecom"])
    tara.goto("/fulfillment")
    attention = tara.get_by_role("region", name="Needs attention (1)")
    attention.get_by_role("link", name=number).click()
    tara.wait_for_load_state("load")
    tara.check()
    failed = tara.get_by_role("region", name="Carrier updates that could not be applied (1)")
    assert "already the number of a live line" in failed.inner_text()
    with app.app_context():
        db.session.get(Line, clash_id).status = LineStatus.DISCONNECTED  # entered by mistake: fixed
        db.session.commit()
    tara.get_by_role("button", name="Try it again").click()
    tara.get_by_text(f"1 carrier update of {number} will be applied again.").wait_for()
    apply_pending(app)
    tara.goto(f"/orders/{number}")
    assert "Completed" in tara.locator("main").inner_text()


def test_an_admin_reads_the_system_health(login, new_page):
    ada = new_page()
    ada.sign_in(DEMO_USERS["admin"])
    ada.goto("/admin/health")
    main = ada.locator("main").inner_text()
    assert "System health" in main and "Oldest work waiting" in main
    assert "no worker for emails (queue emails) is running" in main.lower()
