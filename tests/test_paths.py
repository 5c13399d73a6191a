"""Every path of the source description leads somewhere: cancellations of orders already with the carrier,
dated orders, devices owed back, warranty and early upgrades, ports that can be carried out."""

from datetime import timedelta

from sqlalchemy import select

from app import clock, commands
from app.extensions import db
from app.models import Notification, Order, OrderStatus
from tests.support.fulfilment import approved, push
from tests.support.ordering import ERIN

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
