"""Every path of the source description leads somewhere: cancellations of orders already with the carrier,
dated orders, devices owed back, warranty and early upgrades, ports that can be carried out."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock, commands
from app.extensions import db
from app.formatting import day
from app.models import (
    Accessory,
    Device,
    DeviceStatus,
    Line,
    LineStatus,
    Notification,
    Order,
    OrderStatus,
    Stipend,
    StipendStatus,
    User,
)
from tests.support.factories import approve_all, decider_of
from tests.support.fulfilment import NEW_ICCID, NEW_IMEI, approved, carrier_code, push
from tests.support.ordering import ERIN, age_erins_device, errors_of, fill, place, valid_orders

S = OrderStatus


def order(app, number: str) -> Order:
    with app.app_context():
        found = db.session.scalar(select(Order).where(Order.number == number))
        db.session.expunge(found)
        return found


def placed(app, login, demo, **changes) -> str:
    """A new line with Contoso (fulfilled by the team), approved and placed with the carrier."""
    number = approved(
        app,
        login,
        demo,
        "new_line",
        carrier=demo.carrier("contoso"),
        plan=demo.plan("contoso", "Business Unlimited"),
        **changes,
    )
    login("telecom").post(f"/fulfillment/orders/{number}/placed", {"carrier_reference": "CT-1001"})
    assert order(app, number).status is S.WITH_CARRIER
    return number


def told(app, number: str, milestone: str) -> set[str]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(Notification.email)
                .join(Order, Notification.order_id == Order.id)
                .where(Order.number == number, Notification.milestone == milestone)
            )
        )


# ---------------------------------------------------------------- cancelling what the carrier already has
def test_cancelling_an_order_with_the_carrier_asks_the_carrier_and_waits_for_its_answer(app, login, demo):
    number = placed(app, login, demo)
    erin = login("employee")
    page = erin.get(f"/orders/{number}").get_data(as_text=True)
    assert "Ask the carrier to cancel" in page
    response = erin.post(f"/orders/{number}/cancel", {"reason": "Not needed after all."}, follow_redirects=True)
    assert "the carrier has been asked to cancel it" in response.get_data(as_text=True)
    assert order(app, number).status is S.CANCELLATION_REQUESTED
    assert "telecom@example.com" in told(app, number, "cancellation_requested")
    assert ERIN in told(app, number, "cancellation_asked")
    tara = login("telecom")
    console = tara.get(f"/fulfillment/orders/{number}").get_data(as_text=True)
    assert "Record the cancellation" in console and "Record: too late, it goes on" in console
    tara.post(f"/fulfillment/orders/{number}/cancelled", {"note": "Cancelled on the phone, ticket 5521."})
    assert order(app, number).status is S.CANCELLED
    assert ERIN in told(app, number, "cancelled")


def test_too_late_to_cancel_the_order_goes_on_and_the_requester_is_told(app, login, demo):
    number = placed(app, login, demo)
    login("employee").post(f"/orders/{number}/cancel", {"reason": "Changed my mind."})
    login("telecom").post(f"/fulfillment/orders/{number}/too_late", {"note": "Already shipped from the warehouse."})
    assert order(app, number).status is S.WITH_CARRIER
    assert ERIN in told(app, number, "cancel_refused")


def test_the_carrier_answers_a_cancellation_through_its_api(app, login, demo):
    client = app.test_client()
    number = placed(app, login, demo)
    stray = push(client, "contoso", {"update_id": "c-x1", "order_number": number, "status": "cancelled"})
    assert stray.status_code == 409 and "no cancellation was asked" in stray.get_json()["error"]
    login("employee").post(f"/orders/{number}/cancel", {"reason": "Changed my mind."})
    accepted = push(client, "contoso", {"update_id": "c-x2", "order_number": number, "status": "cancelled"})
    assert accepted.status_code == 202
    with app.app_context():
        commands.apply_carrier_updates(db.session)
    assert order(app, number).status is S.CANCELLED


def test_the_simulated_carrier_confirms_a_cancellation_or_says_it_is_too_late(app, login, demo):
    from app.fulfilment.simulator import too_late_to_cancel

    outcomes = set()
    for _ in range(5):  # order ids run on: at least one the simulator finds too late
        number = approved(app, login, demo, "change_plan")
        with app.app_context():
            commands.carrier_sweep(db.session)  # handed off and acknowledged: with the carrier
        assert order(app, number).status is S.WITH_CARRIER
        login("employee").post(f"/orders/{number}/cancel", {"reason": "Not needed."})
        with app.app_context():
            commands.carrier_sweep(db.session, now=clock.now() + timedelta(minutes=5))
        found = order(app, number)
        assert found.status is (S.WITH_CARRIER if too_late_to_cancel(found) else S.CANCELLED)
        outcomes.add(found.status)
        if len(outcomes) == 2:
            break
        with app.app_context():  # a plan change the carrier went on with completes, freeing the line
            commands.carrier_sweep(db.session, now=clock.now() + timedelta(minutes=10))
    assert outcomes == {S.WITH_CARRIER, S.CANCELLED}


# ---------------------------------------------------------------- dated orders
def stipend_removed(app, login, demo, last_day) -> str:
    """A stipend removal with this last day, approved (an internal order: it completes at its approval)."""
    number = place(
        login("helpdesk"),
        "stipend_remove",
        {"effective_on": last_day.isoformat()},
        for_user=demo.user(demo.stipend_holder()),
    )
    with app.app_context():
        approve_all(db.session, db.session.scalar(select(Order).where(Order.number == number)))
    assert order(app, number).status is S.COMPLETED
    return number


def completed_in_console(login, number: str, *steps: tuple[str, dict]) -> None:
    tara = login("telecom")
    for action, data in (*steps, ("complete", {})):
        response = tara.post(f"/fulfillment/orders/{number}/{action}", data)
        assert response.status_code == 302, (action, response.get_data(as_text=True)[-1500:])


def test_a_disconnect_dated_later_takes_effect_on_its_date_not_at_completion(app, login, demo):
    line_id, device_id = demo.line_of(ERIN), demo.device_of(ERIN)
    on = clock.today() + timedelta(days=10)
    number = approved(app, login, demo, "disconnect", effective_on=on.isoformat())
    completed_in_console(login, number)
    with app.app_context():
        line = db.session.get(Line, line_id)
        assert line.status is LineStatus.ACTIVE and line.disconnects_on == on and line.device_id == device_id
    erin = login("employee")
    assert f"Disconnects on</dt><dd>{day(on)}" in erin.get(f"/inventory/lines/{line_id}").get_data(as_text=True)
    assert f"disconnects on {day(on)}" in erin.get("/inventory/mine").get_data(as_text=True)
    with app.app_context():
        assert commands.carry_out_dated_changes(db.session, on - timedelta(days=1))["took_effect"] == 0
        assert db.session.get(Line, line_id).status is LineStatus.ACTIVE
        assert commands.carry_out_dated_changes(db.session, on)["took_effect"] == 1
        assert commands.carry_out_dated_changes(db.session, on)["took_effect"] == 0  # once
        line = db.session.get(Line, line_id)
        assert line.status is LineStatus.DISCONNECTED and line.disconnected_on == on and line.disconnects_on is None
        assert line.device_id is None  # the device went back to stock: the line lets go of it
        assert db.session.get(Device, device_id).status is DeviceStatus.IN_STOCK
    assert ERIN in told(app, number, "took_effect")
    assert "Took effect on its date" in erin.get(f"/orders/{number}").get_data(as_text=True)


def test_a_dated_change_that_cannot_take_effect_tells_the_team_and_does_not_hold_up_the_others(app, login, demo):
    line_id = demo.line_of(ERIN)
    on = clock.today() + timedelta(days=5)
    number = approved(app, login, demo, "disconnect", effective_on=on.isoformat())
    completed_in_console(login, number)
    holder = demo.stipend_holder()
    removal = stipend_removed(app, login, demo, on - timedelta(days=1))
    with app.app_context():
        db.session.get(Line, line_id).status = LineStatus.DISCONNECTED  # disconnected by hand meanwhile
        db.session.commit()
        counts = commands.carry_out_dated_changes(db.session, on)
        assert counts["failed"] == 1 and counts["took_effect"] == 1
        stipend = db.session.scalar(select(Stipend).join(User).where(User.email == holder))
        assert stipend.status is StipendStatus.ENDED
    assert "telecom@example.com" in told(app, number, "needs_attention")
    assert order(app, removal).status is S.COMPLETED


def test_a_stipend_removal_stays_active_until_its_last_day(app, login, demo):
    holder = demo.stipend_holder()
    last_day = clock.today() + timedelta(days=20)
    stipend_removed(app, login, demo, last_day)
    with app.app_context():
        stipend = db.session.scalar(select(Stipend).join(User).where(User.email == holder))
        assert stipend.status is StipendStatus.ACTIVE and stipend.ends_on == last_day
        commands.carry_out_dated_changes(db.session, last_day)
        assert stipend.status is StipendStatus.ACTIVE
        commands.carry_out_dated_changes(db.session, last_day + timedelta(days=1))
        db.session.refresh(stipend)
        assert stipend.status is StipendStatus.ENDED and stipend.ends_on == last_day


def test_a_suspension_with_a_planned_end_reminds_before_it(app, login, demo):
    line_id = demo.line_of(ERIN)
    end = clock.today() + timedelta(days=20)
    number = approved(app, login, demo, "suspend", planned_end=end.isoformat())
    completed_in_console(login, number)
    with app.app_context():
        line = db.session.get(Line, line_id)
        assert line.status is LineStatus.SUSPENDED and line.suspended_until == end
        assert commands.carry_out_dated_changes(db.session, end - timedelta(days=4))["reminded"] == 0
        assert commands.carry_out_dated_changes(db.session, end - timedelta(days=3))["reminded"] == 1
    assert ERIN in told(app, number, "planned_end")
    assert f"Suspended until</dt><dd>{day(end)}" in login("employee").get(f"/inventory/lines/{line_id}").get_data(
        as_text=True
    )


def test_a_planned_end_in_the_past_is_refused_next_to_the_field(login, demo):
    response = fill(
        login("employee"),
        "suspend",
        {"line": demo.line_of(ERIN), "reason": "Leave.", "planned_end": clock.today().isoformat()},
    )
    assert response.status_code == 422 and "The planned end is not in the future" in errors_of(response)


def test_a_suspension_reason_as_long_as_the_form_allows_completes(app, login, demo):
    number = approved(app, login, demo, "suspend", reason="On leave. " * 50)  # 500 characters
    completed_in_console(login, number)
    with app.app_context():
        assert len(db.session.get(Line, demo.line_of(ERIN, LineStatus.SUSPENDED)).suspend_reason) == 500


def test_a_disconnected_line_lets_go_of_its_device_and_a_restore_asks_for_one(app, login, demo):
    line_id, device_id = demo.line_of(ERIN), demo.device_of(ERIN)
    completed_in_console(login, approved(app, login, demo, "disconnect"))
    with app.app_context():
        assert db.session.get(Line, line_id).device_id is None
        assert db.session.get(Device, device_id).status is DeviceStatus.IN_STOCK
    hana, erin_id = login("helpdesk"), demo.user(ERIN)
    refused = fill(hana, "restore", {"line": line_id}, for_user=erin_id)
    assert "This line has no device now: choose an in-stock device for it." in errors_of(refused)
    stock = demo.in_stock("iPhone 16")
    number = place(hana, "restore", {"line": line_id, "stock_device": stock}, for_user=erin_id)
    with app.app_context():
        found = db.session.scalar(select(Order).where(Order.number == number))
        approve_all(db.session, found)
    completed_in_console(login, number)
    with app.app_context():
        line = db.session.get(Line, line_id)
        assert line.status is LineStatus.ACTIVE and line.device_id == stock
        assert db.session.get(Device, stock).status is DeviceStatus.ASSIGNED


# ---------------------------------------------------------------- devices owed back
def upgraded(app, login, demo) -> tuple[str, int]:
    old = demo.device_of(ERIN)
    number = approved(app, login, demo, "upgrade")
    completed_in_console(login, number, ("device", {"imei": NEW_IMEI, "iccid": NEW_ICCID}))
    return number, old


def test_an_upgraded_device_is_owed_back_until_its_return_is_recorded(app, login, demo):
    number, old = upgraded(app, login, demo)
    due = clock.today() + timedelta(days=30)
    with app.app_context():
        device = db.session.get(Device, old)
        assert device.status is DeviceStatus.PENDING_RETURN and device.return_due_on == due
        model = str(device.model)
    erin = login("employee")
    for page in (erin.get("/inventory/mine"), erin.get(f"/orders/{number}")):
        text = page.get_data(as_text=True)
        assert f"Return your {model}</strong>" in text and f'by <strong class="nowrap">{day(due)}' in text
        assert "hand it to the telecom team" in text  # the company's instructions
    with app.app_context():
        assert commands.carry_out_dated_changes(db.session, due - timedelta(days=8))["returns_reminded"] == 0
        assert commands.carry_out_dated_changes(db.session, due - timedelta(days=7))["returns_reminded"] == 1
        assert commands.carry_out_dated_changes(db.session, due - timedelta(days=6))["returns_reminded"] == 0
    assert ERIN in told(app, number, "return_reminder")
    assert erin.get("/fulfillment/returns").status_code == 403
    tara = login("telecom")
    assert "Devices owed back (" in tara.get("/fulfillment").get_data(as_text=True)
    listed = tara.get("/fulfillment/returns").get_data(as_text=True)
    assert (
        f'href="/inventory/devices/{old}">{model}</a>' in listed
        and "Record return" in listed
        and "Record as lost" in listed
    )
    assert tara.post(f"/fulfillment/returns/{old}/returned", {"to": "in_stock"}).status_code == 302
    with app.app_context():
        device = db.session.get(Device, old)
        assert device.status is DeviceStatus.IN_STOCK and device.employee_id is None
        assert device.returned_on == clock.today()
    assert "Return your" not in erin.get("/inventory/mine").get_data(as_text=True)
    again = tara.post(f"/fulfillment/returns/{old}/returned", {"to": "in_stock"}, follow_redirects=True)
    assert "is not owed back" in again.get_data(as_text=True)


def test_a_device_owed_back_can_be_recorded_lost_with_the_charge(app, login, demo):
    _, old = upgraded(app, login, demo)
    tara = login("telecom")
    bad = tara.post(f"/fulfillment/returns/{old}/lost", {"charge": "lots"})
    assert bad.status_code == 422 and "Enter the charge in dollars" in bad.get_data(as_text=True)
    assert tara.post(f"/fulfillment/returns/{old}/lost", {"charge": "450.00"}).status_code == 302
    with app.app_context():
        device = db.session.get(Device, old)
        assert device.status is DeviceStatus.LOST_STOLEN and device.return_charge_cents == 45000


def test_a_warranty_replacement_keeps_the_original_warranty_and_upgrade_clock(app, login, demo):
    age_erins_device(app, days=100)
    old = demo.device_of(ERIN)
    with app.app_context():
        original = db.session.get(Device, old)
        warranty_ends, activated = original.warranty_ends_on, original.activated_on
    number = approved(app, login, demo, "warranty_replacement")
    completed_in_console(login, number, ("device", {"imei": NEW_IMEI, "iccid": NEW_ICCID}))
    with app.app_context():
        line = db.session.get(Line, demo.line_of(ERIN))
        assert line.device.warranty_ends_on == warranty_ends and line.device.activated_on == activated
        assert db.session.get(Device, old).status is DeviceStatus.PENDING_RETURN


# ---------------------------------------------------------------- ports can be carried out
def test_the_team_reveals_a_port_pin_with_its_password_and_it_is_erased_when_the_order_completes(app, login, demo):
    from app.crypto import decrypt_json
    from app.models import AuditEntry
    from tests.support.ordering import PIN

    number = approved(app, login, demo, "port_in")
    tara = login("telecom")
    console = tara.get(f"/fulfillment/orders/{number}").get_data(as_text=True)
    assert "Reveal the account number and PIN" in console and PIN not in console
    wrong = tara.post(f"/fulfillment/orders/{number}/reveal", {"password": "not-it"})
    assert wrong.status_code == 422 and "That is not your password" in wrong.get_data(as_text=True)
    assert PIN not in wrong.get_data(as_text=True)
    shown = tara.post(f"/fulfillment/orders/{number}/reveal", {"password": "demo"})
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and PIN in page and "PERS-22918" in page
    assert shown.headers["Cache-Control"] == "no-store"
    assert 'data-hide-after="60"' in page and 'http-equiv="refresh" content="60;' in page  # hidden again
    assert PIN not in tara.get(f"/fulfillment/orders/{number}").get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.reveal_secrets"))
        assert entry.actor.email == "telecom@example.com" and entry.target == number
    assert "Tara Singh revealed the account number and PIN." in login("employee").get(f"/orders/{number}").get_data(
        as_text=True
    )
    assert login("employee").post(f"/fulfillment/orders/{number}/reveal", {"password": "demo"}).status_code == 403
    completed_in_console(
        login,
        number,
        ("placed", {"carrier_reference": "CT-1"}),
        ("shipment", {"shipping_carrier": "UPS", "tracking_number": "1Z999AA10123456784"}),
        ("device", {"iccid": NEW_ICCID}),
    )
    with app.app_context():
        found = db.session.scalar(select(Order).where(Order.number == number))
        assert found.status is S.COMPLETED and found.secrets_encrypted is None and decrypt_json(None) == {}
    late = tara.post(f"/fulfillment/orders/{number}/reveal", {"password": "demo"}, follow_redirects=True)
    assert "they are erased once it is over" in late.get_data(as_text=True)


def test_a_cancelled_port_keeps_no_secret(app, login, demo):
    number = approved(app, login, demo, "port_in")
    login("employee").post(f"/orders/{number}/cancel", {"reason": "Staying with my carrier."})
    with app.app_context():
        found = db.session.scalar(select(Order).where(Order.number == number))
        assert found.status is S.CANCELLED and found.secrets_encrypted is None


def test_a_port_with_a_new_device_takes_the_new_carriers_plan_features_and_sim(app, login, demo):
    line_id, old = demo.line_of(ERIN), demo.device_of(ERIN)
    hotspot = demo.feature("contoso", "hotspot")
    number = approved(
        app, login, demo, "port_in", features=[hotspot], device_model=demo.model("iPhone 16"), sim_kind="physical"
    )
    completed_in_console(
        login,
        number,
        ("placed", {"carrier_reference": "CT-2"}),
        ("shipment", {"shipping_carrier": "UPS", "tracking_number": "1Z999AA10123456784"}),
        ("device", {"imei": NEW_IMEI, "iccid": NEW_ICCID}),
    )
    with app.app_context():
        line = db.session.get(Line, line_id)
        assert line.carrier.code == "contoso" and [lf.feature_id for lf in line.features] == [hotspot]
        assert [(s.iccid, s.kind.value) for s in line.sims if s.active] == [(NEW_ICCID, "physical")]
        assert line.device.imei == NEW_IMEI
        assert db.session.get(Device, old).status is DeviceStatus.PENDING_RETURN  # the old phone is owed back


# ---------------------------------------------------------------- warranty ↔ upgrade
def test_a_warranty_claim_shows_the_vendors_terms_and_keeps_the_acknowledgement(app, login, demo):
    erin = login("employee")
    form = erin.get("/orders/new/warranty_replacement").get_data(as_text=True)
    assert "at the vendor&#39;s discretion" in form and "full device cost chargeback" in form
    data = {k: v for k, v in valid_orders(demo)["warranty_replacement"][1].items() if k != "warranty_terms"}
    refused = fill(erin, "warranty_replacement", data)
    assert "Acknowledge the warranty terms, or order an Upgrade instead." in errors_of(refused)
    number = place(erin, "warranty_replacement", {**data, "warranty_terms": "y"})
    assert order(app, number).details["warranty_terms"] is True
    assert "Acknowledged by the requester" in erin.get(f"/orders/{number}").get_data(as_text=True)


def test_a_refused_warranty_claim_reaches_the_requester_with_the_early_upgrade_next(app, login, demo):
    number = approved(app, login, demo, "warranty_replacement")
    client = app.test_client()
    body = {"update_id": "w-1", "order_number": number, "status": "rejected", "message": "Liquid damage found."}
    assert push(client, carrier_code(app, number), body).status_code == 202
    with app.app_context():
        commands.apply_carrier_updates(db.session)
    assert order(app, number).status is S.NEEDS_ATTENTION
    assert ERIN in told(app, number, "carrier_refused")
    assert "telecom@example.com" in told(app, number, "needs_attention")
    with app.app_context():
        email = db.session.scalar(
            select(Notification).join(Order).where(Order.number == number, Notification.milestone == "carrier_refused")
        )
        assert "order an Upgrade" in email.body_text and "early upgrade" in email.body_text
    page = login("employee").get(f"/orders/{number}").get_data(as_text=True)
    assert "Liquid damage found." in page and "Order an upgrade instead" in page
    assert f"/orders/new/upgrade?line={demo.line_of(ERIN)}" in page


def test_a_problem_the_team_reports_is_not_told_to_the_requester_as_a_refusal(app, login, demo):
    number = approved(app, login, demo, "change_plan")
    login("telecom").post(f"/fulfillment/orders/{number}/problem", {"message": "Portal is down, will retry."})
    assert told(app, number, "carrier_refused") == set()
    refused = approved(app, login, demo, "accessory")
    login("telecom").post(
        f"/fulfillment/orders/{refused}/problem", {"message": "Not offered on this plan.", "refused": "y"}
    )
    assert ERIN in told(app, refused, "carrier_refused")


def test_a_device_page_lists_the_orders_and_lines_its_history_names(app, login, demo):
    number, old = upgraded(app, login, demo)
    page = login("helpdesk").get(f"/inventory/devices/{old}").get_data(as_text=True)
    assert number in page and "No orders for this device." not in page
    assert "This device has not been on a line." not in page and "(on it now)" not in page
    line_id = demo.line_of(ERIN)
    assert f'href="/inventory/lines/{line_id}"' in page


# ---------------------------------------------------------------- who is asked
def test_assigning_a_line_into_another_department_asks_its_manager(app, login, demo):
    from app.models import Approval

    with app.app_context():
        erin = db.session.scalar(select(User).where(User.email == ERIN))
        other = db.session.scalar(
            select(User)
            .where(User.department_id != erin.department_id, User.manager_id.is_not(None), User.active)
            .where(User.manager_id != erin.manager_id)
            .order_by(User.id)
        )
        other_id, other_manager = other.id, other.manager_id
    hana, line = login("helpdesk"), demo.line_of(ERIN)
    across = place(hana, "assign_line", {"line": line, "new_employee": other_id}, for_user=demo.user(ERIN))
    within = place(  # Marco is in Erin's department: only her manager is asked
        login("admin"),
        "assign_line",
        {"line": demo.line_of("manager@example.com"), "new_employee": demo.user(ERIN)},
        for_user=demo.user("manager@example.com"),
    )
    with app.app_context():

        def steps(number):
            found = db.session.scalar(select(Order).where(Order.number == number))
            rows = db.session.scalars(select(Approval).where(Approval.order_id == found.id).order_by(Approval.position))
            return [(a.approver_kind.value, a.assignee_id) for a in rows]

        assert [kind for kind, _ in steps(across)] == ["manager", "receiving_manager"]
        assert [kind for kind, _ in steps(within)] == ["manager"]
        first = db.session.scalar(
            select(Approval).join(Order).where(Order.number == across).order_by(Approval.position)
        )
        commands.approve(db.session, first, decider_of(db.session, first))
        db.session.commit()
        assert steps(across)[-1] == ("receiving_manager", other_manager)


# ---------------------------------------------------------------- what fulfilment records, and the paths without a test
def test_a_number_from_the_simulated_carrier_is_in_the_area_code_asked_for(app, login, demo):
    number = approved(app, login, demo, "change_number", preferred_area_code="646")
    with app.app_context():
        moment = clock.now()
        for _ in range(8):
            moment += timedelta(minutes=5)
            commands.carrier_sweep(db.session, now=moment)
    found = order(app, number)
    assert found.status is S.COMPLETED and found.service_number.startswith("+1646")


def test_a_number_outside_the_area_code_asked_for_is_flagged(app, login, demo):
    number = approved(app, login, demo, "change_number", preferred_area_code="212")
    tara = login("telecom")
    console = tara.get(f"/fulfillment/orders/{number}").get_data(as_text=True)
    assert "212" in console  # the area code asked for reaches the team
    tara.post(f"/fulfillment/orders/{number}/number", {"service_number": "(415) 201-7788"})
    flag = "Outside the requested area code 212"
    assert flag in tara.get(f"/fulfillment/orders/{number}").get_data(as_text=True)
    assert flag in login("employee").get(f"/orders/{number}").get_data(as_text=True)


def test_a_hotspot_known_by_its_serial_number_alone_completes(app, login, demo):
    number = approved(
        app,
        login,
        demo,
        "new_line",
        carrier=demo.carrier("contoso"),
        plan=demo.plan("contoso", "Business Unlimited"),
        device_model=demo.model("Nighthawk M6 hotspot"),
    )
    completed_in_console(
        login,
        number,
        ("placed", {"carrier_reference": "CT-3"}),
        ("shipment", {"shipping_carrier": "UPS", "tracking_number": "1Z999AA10123456784"}),
        ("device", {"serial": "NH0012345678", "iccid": NEW_ICCID}),
        ("number", {"service_number": "(212) 201-0188"}),
    )
    with app.app_context():
        found = db.session.scalar(select(Order).where(Order.number == number))
        line = db.session.scalar(select(Line).where(Line.number == "+12122010188"))
        assert found.status is S.COMPLETED and line.device.serial == "NH0012345678" and line.device.imei is None


@pytest.mark.parametrize(
    "disposition,status,holder",
    [
        ("return_to_stock", DeviceStatus.IN_STOCK, None),
        ("keep", DeviceStatus.RETIRED, ERIN),
        ("recycle", DeviceStatus.RETIRED, ERIN),
        ("lost_stolen", DeviceStatus.LOST_STOLEN, ERIN),
    ],
)
def test_every_disconnect_disposition_puts_the_device_where_it_says(app, login, demo, disposition, status, holder):
    line_id, device_id = demo.line_of(ERIN), demo.device_of(ERIN)
    completed_in_console(login, approved(app, login, demo, "disconnect", disposition=disposition))
    with app.app_context():
        line, device = db.session.get(Line, line_id), db.session.get(Device, device_id)
        assert line.status is LineStatus.DISCONNECTED and line.device_id is None
        assert device.status is status and (device.employee.email if device.employee else None) == holder


def test_a_line_transferred_to_a_personal_account_leaves_the_company(app, login, demo):
    line_id, device_id = demo.line_of(ERIN), demo.device_of(ERIN)
    number = approved(
        app,
        login,
        demo,
        "transfer_liability",
        direction="to_personal",
        line=line_id,
        phone_number="",
        carrier="",
        plan="",
    )
    completed_in_console(login, number, ("placed", {"carrier_reference": "T-1"}))
    with app.app_context():
        assert db.session.get(Line, line_id).status is LineStatus.TRANSFERRED_OUT
        assert db.session.get(Device, device_id).status is DeviceStatus.RETIRED


def test_a_carrier_update_for_an_order_no_carrier_fulfils_is_refused_with_409(app, login, demo):
    number = place(login("employee"), "stipend_enroll", valid_orders(demo)["stipend_enroll"][1])
    body = {"update_id": "s-1", "order_number": number, "status": "acknowledged"}
    answer = push(app.test_client(), "northwind", body)
    assert answer.status_code == 409 and "fulfilled internally, not by a carrier" in answer.get_json()["error"]


def test_accessories_have_a_quantity_priced_and_recorded_on_the_device(app, login, demo):
    from app.models import DeviceAccessory

    data = {**valid_orders(demo)["accessory"][1], "quantity": "3"}
    erin = login("employee")
    bad = fill(erin, "accessory", {**data, "quantity": "11"})
    assert "Enter how many of each accessory, from 1 to 10." in errors_of(bad)
    number = place(erin, "accessory", data)
    found = order(app, number)
    with app.app_context():
        charger = db.session.get(Accessory, data["accessories"])
        assert found.one_time_cents == 3 * charger.price_cents
    with app.app_context():
        approve_all(db.session, db.session.scalar(select(Order).where(Order.number == number)))
    completed_in_console(
        login,
        number,
        ("placed", {"carrier_reference": "AC-1"}),
        ("shipment", {"shipping_carrier": "UPS", "tracking_number": "1Z999AA10123456784"}),
    )
    with app.app_context():
        row = db.session.scalar(select(DeviceAccessory).where(DeviceAccessory.order_id == found.id))
        assert row.quantity == 3
    assert "3 × USB-C fast charger 30 W" in login("employee").get(
        f"/inventory/devices/{demo.device_of(ERIN)}"
    ).get_data(as_text=True)
