"""Fabrikam in API mode, the whole way over real HTTP: the worker sends the approved order to the carrier sandbox (a
real server on loopback), which answers with its reference and pushes acknowledged, shipped and completed to the
portal's signed webhook (the live server); failures are retried with the same idempotency key, refusals need
attention, and a cancellation is sent and confirmed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.carrier_sandbox import CarrierSandbox
from app.extensions import db
from app.models import (
    Carrier,
    CarrierRequest,
    CarrierRequestState,
    Device,
    EventKind,
    Line,
    Notification,
    Order,
    OrderStatus,
    Sim,
)
from tests.support.fulfilment import SECRET, apply_pending, approved, signed_headers
from tests.support.pages import text_of

PIN = "483920"


@pytest.fixture
def sandbox(app, live_server):
    """The sandbox playing Fabrikam, its updates pushed to the live portal at once, on the app's clock."""
    box = CarrierSandbox(secret=SECRET, portal=live_server, delay=0, now=app.extensions["clock"].now).start()
    with app.app_context():
        fabrikam = db.session.scalar(select(Carrier).where(Carrier.code == "fabrikam"))
        fabrikam.api_url = box.orders_url
        fabrikam.api_timeout_seconds = 2
        db.session.commit()
    yield box
    box.stop()


def fabrikam_new_line(app, login, demo) -> str:
    return approved(
        app,
        login,
        demo,
        "new_line",
        carrier=demo.carrier("fabrikam"),
        plan=demo.plan("fabrikam", "Business Unlimited"),
        device_model=demo.model("iPhone 16"),
    )


def order_of(number: str) -> Order:
    db.session.expire_all()
    return db.session.scalar(select(Order).where(Order.number == number))


def kinds(order: Order) -> list[str]:
    return [e.kind for e in order.events]


def sweep_until_quiet(app, sandbox) -> None:
    """The worker's sweep (hand-off, sends), the sandbox's pushes, and the sweep again to apply them."""
    apply_pending(app)
    assert sandbox.wait_idle()
    apply_pending(app)


def test_an_approved_fabrikam_order_is_sent_acknowledged_shipped_and_completed_by_the_sandbox(
    app, login, demo, sandbox
):
    number = fabrikam_new_line(app, login, demo)
    sweep_until_quiet(app, sandbox)
    with app.app_context():
        order = order_of(number)
        assert order.status is OrderStatus.COMPLETED, [(e.kind, e.comment) for e in order.events]
        [held] = sandbox.orders.values()
        assert held.number == number and order.carrier_reference == held.reference
        assert held.document["items"]["device_model"]["name"].startswith("Apple iPhone 16")
        assert held.document["items"]["plan"]["name"] == "Business Unlimited"
        assert held.document["shipping_address"]["street"] and held.document["employee"]["email"]
        assert held.pushed == [f"{held.reference}-{s}" for s in ("acknowledged", "shipped", "completed")]
        line = db.session.scalar(select(Line).where(Line.number == order.service_number))
        assert line is not None and line.employee_id == order.employee_id
        device = db.session.scalar(select(Device).where(Device.imei == order.reported_devices[0].imei))
        assert device is not None and device.employee_id == order.employee_id
        assert db.session.scalar(select(Sim).where(Sim.iccid == order.reported_devices[0].iccid)) is not None
        assert len(order.shipments) == 1 and order.shipments[0].tracking_number.startswith("1Z")
        milestones = set(db.session.scalars(select(Notification.milestone).where(Notification.order_id == order.id)))
        assert {"placed", "shipped", "completed"} <= milestones
        request = db.session.scalar(select(CarrierRequest).where(CarrierRequest.order_id == order.id))
        assert (request.state, request.attempts) == (CarrierRequestState.SENT, 1)


def test_two_503s_are_retried_later_with_the_same_key_and_the_carrier_makes_one_order(app, login, demo, sandbox):
    number = fabrikam_new_line(app, login, demo)
    sandbox.fail_next(2)
    clock = app.extensions["clock"]
    apply_pending(app)  # try 1: 503
    with app.app_context():
        order = order_of(number)
        assert order.status is OrderStatus.APPROVED
        tries = [e.comment for e in order.events if e.kind == EventKind.CARRIER_TRY.value]
        assert tries == [
            "Try 1 of 6 to send the order to Fabrikam Cellular failed (503 Service Unavailable: Try again later.); "
            "trying again in 1 minute."
        ]
    apply_pending(app)  # not due yet: nothing is sent
    assert len(sandbox.calls) == 1
    clock.advance(minutes=2)
    apply_pending(app)  # try 2: 503 again, next in 5 minutes
    clock.advance(minutes=6)
    sweep_until_quiet(app, sandbox)  # try 3: taken
    with app.app_context():
        order = order_of(number)
        assert order.status is OrderStatus.COMPLETED
        assert len([k for k in kinds(order) if k == EventKind.CARRIER_TRY.value]) == 2
        request = db.session.scalar(select(CarrierRequest).where(CarrierRequest.order_id == order.id))
        assert (request.state, request.attempts) == (CarrierRequestState.SENT, 3)
    assert [status for _path, status in sandbox.calls] == [503, 503, 201]
    assert len(sandbox.orders) == 1


def test_an_answer_lost_after_the_carrier_took_the_order_is_asked_again_and_makes_no_second_order(
    app, login, demo, sandbox
):
    """The worker died between the POST and storing the answer: the next try, same key, gets the same order."""
    number = fabrikam_new_line(app, login, demo)
    sandbox.lose_next_callbacks(3)  # the carrier's pushes do not tell the portal either
    clock = app.extensions["clock"]
    apply_pending(app)
    with app.app_context():
        order = order_of(number)
        request = db.session.scalar(select(CarrierRequest).where(CarrierRequest.order_id == order.id))
        # as if the worker had been killed before it stored the answer: the request still waits for its lease to end
        request.state, request.next_try_at = CarrierRequestState.WAITING, clock.now() + timedelta(minutes=3)
        order.status, order.carrier_reference = OrderStatus.APPROVED, None
        db.session.commit()
    clock.advance(minutes=4)
    apply_pending(app)
    assert sandbox.wait_idle()
    with app.app_context():
        order = order_of(number)
        [held] = sandbox.orders.values()
        assert order.status is OrderStatus.WITH_CARRIER and order.carrier_reference == held.reference
    assert [status for _path, status in sandbox.calls] == [201, 200]
    assert len(sandbox.orders) == 1


def test_a_422_needs_attention_with_the_carriers_message_and_the_team_is_told(app, login, demo, sandbox):
    number = fabrikam_new_line(app, login, demo)
    sandbox.refuse_next(message="Plan FAB-UNL is not sold in ZIP 10118.")
    apply_pending(app)
    with app.app_context():
        order = order_of(number)
        assert order.status is OrderStatus.NEEDS_ATTENTION
        problem = [e for e in order.events if e.kind == EventKind.REPORT_PROBLEM.value][-1]
        assert problem.comment == "Fabrikam Cellular refused the order: Plan FAB-UNL is not sold in ZIP 10118."
        told = db.session.scalars(
            select(Notification.milestone).where(Notification.order_id == order.id, Notification.event_id == problem.id)
        ).all()
        assert "needs_attention" in told
        request = db.session.scalar(select(CarrierRequest).where(CarrierRequest.order_id == order.id))
        assert request.state is CarrierRequestState.REFUSED
    assert sandbox.orders == {}


def test_after_the_last_try_the_order_needs_attention(app, login, demo, sandbox):
    number = fabrikam_new_line(app, login, demo)
    sandbox.fail_next(6)
    clock = app.extensions["clock"]
    apply_pending(app)
    for minutes in (1, 5, 30, 120, 360):
        clock.advance(minutes=minutes + 1)
        apply_pending(app)
    with app.app_context():
        order = order_of(number)
        assert order.status is OrderStatus.NEEDS_ATTENTION
        assert len([k for k in kinds(order) if k == EventKind.CARRIER_TRY.value]) == 5
        assert order.events[-1].comment == (
            "The order could not be sent to Fabrikam Cellular: all 6 tries failed, the last with "
            "503 Service Unavailable: Try again later.."
        )
    assert len(sandbox.calls) == 6 and sandbox.orders == {}


def test_a_slow_carrier_is_a_failed_try_retried_later(app, login, demo, sandbox):
    number = fabrikam_new_line(app, login, demo)
    sandbox.answer_slowly(3)  # the carrier's timeout is 2 seconds
    apply_pending(app)
    sandbox.answer_slowly(0)
    with app.app_context():
        order = order_of(number)
        assert order.status is OrderStatus.APPROVED
        assert "failed (no answer within 2 seconds)" in order.events[-1].comment


def test_a_cancellation_reaches_the_sandbox_and_it_confirms(app, login, demo, sandbox):
    from app import commands

    number = fabrikam_new_line(app, login, demo)
    sandbox.lose_next_callbacks(3)  # the carrier is slow to act: the order stays with it
    apply_pending(app)
    assert sandbox.wait_idle()
    [held] = sandbox.orders.values()
    held.status = "accepted"  # it has not shipped yet
    with app.app_context():
        order = order_of(number)
        assert order.status is OrderStatus.WITH_CARRIER
        commands.cancel(db.session, order, order.requester, "Erin is leaving the company.")
        db.session.commit()
        assert order.status is OrderStatus.CANCELLATION_REQUESTED
    apply_pending(app)
    with app.app_context():
        order = order_of(number)
        assert order.status is OrderStatus.CANCELLED
        assert order.events[-1].comment == "Cancelled by the carrier."
        sent = db.session.scalar(
            select(func.count()).where(CarrierRequest.order_id == order.id, CarrierRequest.kind == "cancel")
        )
        assert sent == 1
    assert held.status == "cancelled"
    assert sandbox.cancellations == [
        {
            "idempotency_key": f"{number}-cancel-1",
            "order_number": number,
            "carrier_reference": held.reference,
            "reason": "Erin is leaving the company.",
        }
    ]


def test_a_request_not_signed_with_the_shared_secret_is_refused_by_the_sandbox(sandbox):
    import httpx

    answer = httpx.post(
        sandbox.orders_url,
        json={"order_number": "X"},
        headers={"X-Dialtone-Timestamp": "1", "X-Dialtone-Signature": "sha256=" + "0" * 64, "Idempotency-Key": "k"},
    )
    assert answer.status_code == 401 and sandbox.orders == {}


def test_the_console_shows_what_is_being_retried_and_why_and_the_team_sends_it_again_now(app, login, demo, sandbox):
    number = fabrikam_new_line(app, login, demo)
    sandbox.fail_next(1)
    apply_pending(app)
    team = login("telecom")
    console = text_of(team.get("/fulfillment").get_data(as_text=True))
    assert "Not yet taken by a carrier's API (1)" in console
    assert f"{number} The order Being retried 1" in console
    assert "503 Service Unavailable: Try again later." in console
    with app.app_context():
        request_id = db.session.scalar(select(CarrierRequest.id).where(CarrierRequest.order_id == order_of(number).id))
    assert login("employee").post(f"/fulfillment/carrier-requests/{request_id}/send-again").status_code == 403
    sent = team.post(f"/fulfillment/carrier-requests/{request_id}/send-again")
    assert sent.status_code == 302 and sent.headers["Location"] == "/fulfillment#sending"
    apply_pending(app)  # the worker's job, or the sweep: due now, not in a minute
    assert sandbox.wait_idle()
    with app.app_context():
        order = order_of(number)
        assert order.status is OrderStatus.WITH_CARRIER and order.carrier_reference
        assert "Tara" in [e.comment for e in order.events if e.kind == EventKind.NOTE.value][-1]
    assert "Nothing waiting" in text_of(team.get("/fulfillment").get_data(as_text=True))


def test_a_refused_order_is_sent_again_once_the_team_fixed_it_and_is_placed(app, login, demo, sandbox):
    number = fabrikam_new_line(app, login, demo)
    sandbox.refuse_next(message="The account is on hold.")
    sandbox.lose_next_callbacks(3)
    apply_pending(app)
    team = login("telecom")
    console = text_of(team.get("/fulfillment").get_data(as_text=True))
    assert f"{number} The order Refused by the carrier 1 — The account is on hold." in console
    with app.app_context():
        request_id = db.session.scalar(select(CarrierRequest.id).where(CarrierRequest.order_id == order_of(number).id))
    team.post(f"/fulfillment/carrier-requests/{request_id}/send-again")
    apply_pending(app)
    assert sandbox.wait_idle()
    with app.app_context():
        order = order_of(number)
        assert order.status is OrderStatus.WITH_CARRIER
        request = db.session.get(CarrierRequest, request_id)
        assert (request.state, request.attempts) == (CarrierRequestState.SENT, 1)
    assert len(sandbox.orders) == 1


def test_a_test_order_signed_with_the_wrong_secret_shows_the_carriers_refusal(app, login, sandbox):
    from app.catalog.carriers import set_api_secret

    with app.app_context():
        fabrikam = db.session.scalar(select(Carrier).where(Carrier.code == "fabrikam"))
        set_api_secret(fabrikam, "not-the-shared-secret")
        db.session.commit()
        fabrikam_id, contoso_id = fabrikam.id, db.session.scalar(select(Carrier.id).where(Carrier.code == "contoso"))
    admin = login("admin")
    page = admin.post(f"/admin/catalog/carriers/{fabrikam_id}/test-order")
    assert "Fabrikam Cellular refused it with 401: bad signature" in text_of(page.get_data(as_text=True))
    assert sandbox.tests == [] and sandbox.orders == {}
    assert admin.post(f"/admin/catalog/carriers/{contoso_id}/test-order").status_code == 404  # a manual carrier
    assert login("telecom").post(f"/admin/catalog/carriers/{fabrikam_id}/test-order").status_code == 403


def test_a_carrier_that_does_not_answer_is_tried_once_a_round_and_the_rest_wait_for_the_next(app, login, demo, sandbox):
    first, second = fabrikam_new_line(app, login, demo), fabrikam_new_line(app, login, demo)
    sandbox.fail_next(1)
    apply_pending(app)
    assert [status for _path, status in sandbox.calls] == [503]
    with app.app_context():
        waiting = {
            order_of(n).number: db.session.scalar(
                select(CarrierRequest.attempts).where(CarrierRequest.order_id == order_of(n).id)
            )
            for n in (first, second)
        }
    assert waiting == {first: 1, second: 0}
    apply_pending(app)  # the next round: the second is sent, the first waits for its minute
    assert [status for _path, status in sandbox.calls] == [503, 201]


# ---------------------------------------------------------------- carriers that poll
def _waiting(app, client, carrier: str, query: str = "?status=approved"):
    path = "/api/v1/orders"
    return client.get(path + query, headers=signed_headers(app, carrier, "GET", path))


def test_a_carrier_that_polls_lists_its_approved_orders_as_the_hand_off_carries_them(app, client, login, demo):
    from sqlalchemy import event

    first = fabrikam_new_line(app, login, demo)
    listed = _waiting(app, client, "fabrikam")
    assert listed.status_code == 200
    body = listed.get_json()
    assert (body["total"], body["page"], body["next_page"]) == (1, 1, None)
    [order] = body["orders"]
    assert order["order_number"] == first and order["idempotency_key"] == f"{first}-hand-off"
    assert order["items"]["plan"]["name"] == "Business Unlimited" and order["shipping_address"]["city"]
    assert _waiting(app, client, "contoso").get_json()["orders"] == []  # only the carrier's own
    assert _waiting(app, client, "fabrikam", "?status=shipped").status_code == 400
    assert client.get("/api/v1/orders?status=approved").status_code == 401

    statements = [0]

    def count(*_args) -> None:
        statements[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        _waiting(app, client, "fabrikam")
        one = statements[0]
        fabrikam_new_line(app, login, demo), fabrikam_new_line(app, login, demo)
        statements[0] = 0
        three = _waiting(app, client, "fabrikam").get_json()
        assert statements[0] == one  # no query per order
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert three["total"] == 3 and [o["order_number"] for o in three["orders"]][0] == first


def test_a_cancellation_the_carrier_refuses_is_left_to_the_team_who_is_told(app, login, demo, sandbox):
    from app import commands

    number = fabrikam_new_line(app, login, demo)
    sandbox.lose_next_callbacks(3)
    apply_pending(app)
    assert sandbox.wait_idle()
    sandbox.orders.clear()  # the carrier lost track of it: it answers 404 to the cancellation
    with app.app_context():
        order = order_of(number)
        commands.cancel(db.session, order, order.requester, "No longer needed.")
        db.session.commit()
    apply_pending(app)
    with app.app_context():
        order = order_of(number)
        assert order.status is OrderStatus.CANCELLATION_REQUESTED
        failed = order.events[-1]
        assert failed.kind == EventKind.CARRIER_SEND_FAILED.value
        assert failed.comment == (
            f"Fabrikam Cellular refused the cancellation: No order {number} here. "
            "Ask the carrier and record its answer in the fulfillment console."
        )
        told = db.session.scalars(select(Notification.milestone).where(Notification.event_id == failed.id)).all()
        assert "needs_attention" in told
    console = text_of(login("telecom").get("/fulfillment").get_data(as_text=True))
    assert f"{number} Its cancellation Refused by the carrier 1" in console


def test_an_order_cancelled_before_it_was_sent_is_never_sent(app, login, demo, sandbox):
    from app import commands

    number = fabrikam_new_line(app, login, demo)
    sandbox.fail_next(1)
    apply_pending(app)  # the first try fails: the next is due in a minute
    with app.app_context():
        order = order_of(number)
        commands.cancel(db.session, order, order.requester, "Changed my mind.")
        db.session.commit()
    app.extensions["clock"].advance(minutes=2)
    apply_pending(app)
    assert len(sandbox.calls) == 1 and sandbox.orders == {}
    with app.app_context():
        order = order_of(number)
        request = db.session.scalar(select(CarrierRequest).where(CarrierRequest.order_id == order.id))
        assert order.status is OrderStatus.CANCELLED and request.state is CarrierRequestState.DROPPED


def test_an_order_the_carrier_took_after_it_was_cancelled_here_is_flagged_for_the_team(app, login, demo, sandbox):
    from app import commands
    from app.fulfilment.outbound import Answer, take_answer

    number = fabrikam_new_line(app, login, demo)
    sandbox.fail_next(1)
    apply_pending(app)
    with app.app_context():
        order = order_of(number)
        commands.cancel(db.session, order, order.requester, "Changed my mind.")
        request = db.session.scalar(select(CarrierRequest).where(CarrierRequest.order_id == order.id))
        # the answer of a try under way when the order was cancelled
        take_answer(db.session, request, Answer("taken", "201 Created", 201, {"carrier_reference": "FAB-000777"}))
        db.session.commit()
        order = order_of(number)
        assert order.status is OrderStatus.CANCELLED and order.carrier_reference == "FAB-000777"
        assert order.events[-1].comment == (
            "Fabrikam Cellular took the order (its reference FAB-000777) after it was cancelled here: "
            "ask the carrier to cancel it."
        )
        told = db.session.scalars(select(Notification.milestone).where(Notification.event_id == order.events[-1].id))
        assert "needs_attention" in list(told)


def test_the_orders_page_in_the_console_shows_its_sends_and_what_the_carrier_said(app, login, demo, sandbox):
    number = fabrikam_new_line(app, login, demo)
    sandbox.refuse_next(message="The account is on hold.")
    apply_pending(app)
    team = login("telecom")
    page = text_of(team.get(f"/fulfillment/orders/{number}").get_data(as_text=True))
    assert "Sent to Fabrikam Cellular's API" in page
    assert "The order Refused by the carrier 1 — The account is on hold. Send again now the order" in page


def test_a_port_carries_its_account_number_and_pin_to_the_carrier_and_nowhere_else(app, login, demo, sandbox):
    number = approved(
        app,
        login,
        demo,
        "port_in",
        carrier=demo.carrier("fabrikam"),
        plan=demo.plan("fabrikam", "Business Unlimited"),
        device_model=demo.model("iPhone 16"),
    )
    sandbox.lose_next_callbacks(3)
    apply_pending(app)
    assert sandbox.wait_idle()
    [held] = sandbox.orders.values()
    assert held.document["port_in"] == {"account_number": "PERS-22918", "transfer_pin": PIN}
    assert held.document["line"]["number"] and "transfer_pin" not in held.document["details"]
    with app.app_context():
        order = order_of(number)
        assert order.status is OrderStatus.WITH_CARRIER
        assert all(PIN not in (e.comment or "") and PIN not in str(e.data) for e in order.events)
        request = db.session.scalar(select(CarrierRequest).where(CarrierRequest.order_id == order.id))
        assert PIN not in request.last_error
