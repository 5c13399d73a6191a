"""A phone lost or stolen: one short report suspends the line at once (the company's policy approves it), marks the
phone lost, leaves the line free for its replacement, and the carrier's completion changes nothing more; set to the
approval policies, it waits for the approvers. The replacement (an upgrade) makes the line active again."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock, commands
from app.catalog.settings import set_setting
from app.commands.lost import FAST_TRACKED, LossReport
from app.extensions import db
from app.models import (
    Device,
    DeviceStatus,
    InventoryChange,
    Line,
    LineStatus,
    Order,
    OrderStatus,
    User,
)
from app.orders.service import OrderError, OrderRefused, may_order_for
from tests.support.factories import approve_all, submitted
from tests.support.fulfilment import NEW_IMEI
from tests.support.helpers import DEMO_USERS, Client
from tests.support.ordering import ERIN, OFFICE

HANA, TARA = DEMO_USERS["helpdesk"], DEMO_USERS["telecom"]


def person(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def erins_line() -> Line:
    erin = person(ERIN)
    return db.session.scalar(
        select(Line).where(Line.employee_id == erin.id, Line.status == LineStatus.ACTIVE).order_by(Line.id)
    )


def someone_who_may_not_order_for(holder: User) -> User:
    return next(
        u for u in db.session.scalars(select(User).where(User.active).order_by(User.id)) if not may_order_for(u, holder)
    )


def changes_of(order: Order) -> int:
    return db.session.scalar(select(func.count(InventoryChange.id)).where(InventoryChange.order_id == order.id))


def test_a_lost_phones_line_is_suspended_at_once_and_the_carrier_only_confirms_it(db_session):
    line = erins_line()
    device = line.device
    order = commands.report_lost(db.session, line, person(ERIN), LossReport("lost", clock.today(), "Left in a taxi"))
    db.session.commit()
    assert order.type == "suspend" and order.status is OrderStatus.APPROVED
    assert [e.comment for e in order.events if e.kind == "approve"] == [FAST_TRACKED]
    assert line.status is LineStatus.SUSPENDED and line.suspended_on == clock.today()
    assert line.suspend_reason == "Lost: Left in a taxi"
    assert device.status is DeviceStatus.LOST_STOLEN and line.device is device
    assert order.line_claim is None  # free for the replacement's order
    made = changes_of(order)
    assert made >= 2  # the line's status and the device's, linked to the order

    tara = person(TARA)
    commands.record_placed(db.session, order, tara, "CM-LOST-1")
    commands.complete(db.session, order, tara)
    db.session.commit()
    assert order.status is OrderStatus.COMPLETED
    assert changes_of(order) == made  # the carrier confirmed it: nothing more changed
    assert line.status is LineStatus.SUSPENDED


def test_the_replacement_device_makes_the_line_active_and_the_lost_phone_is_not_owed_back(db_session):
    line = erins_line()
    lost = line.device
    commands.report_lost(db.session, line, person(ERIN), LossReport("stolen", clock.today()))
    db.session.commit()
    erin = person(ERIN)
    model_id = lost.model_id
    replacement = submitted(
        db.session,
        "upgrade",
        erin,
        {"line": line.id, "device_model": model_id, "justification": "Stolen on the train.", **OFFICE},
    )
    db.session.commit()
    approve_all(db.session, replacement)
    tara = person(TARA)
    commands.record_placed(db.session, replacement, tara, "CM-NEW-1")
    commands.record_device(db.session, replacement, tara, imei=NEW_IMEI)
    commands.complete(db.session, replacement, tara)
    db.session.commit()
    assert line.status is LineStatus.ACTIVE and line.suspend_reason == "" and line.suspended_on is None
    assert line.device is not lost and line.device.imei == NEW_IMEI
    assert lost.status is DeviceStatus.LOST_STOLEN  # nothing to give back


def test_set_to_the_approval_policies_the_suspension_waits_for_its_approvers(db_session):
    set_setting(db.session, "lost_stolen_approval", "policies")
    db.session.commit()
    line = erins_line()
    order = commands.report_lost(db.session, line, person(ERIN), LossReport("lost", clock.today()))
    db.session.commit()
    assert order.status is OrderStatus.PENDING_APPROVAL
    assert line.status is LineStatus.ACTIVE and line.device.status is DeviceStatus.ASSIGNED
    assert order.line_claim == line.id


def test_a_report_says_what_is_wrong_with_it(db_session):
    line = erins_line()
    erin = person(ERIN)
    with pytest.raises(OrderRefused) as refused:
        commands.report_lost(db.session, line, erin, LossReport("misplaced", clock.today() + timedelta(days=1)))
    assert refused.value.errors["kind"] == "Say whether the phone was lost or stolen."
    assert refused.value.errors["lost_on"].startswith("The day cannot be after today")
    stranger = someone_who_may_not_order_for(line.employee)
    with pytest.raises(OrderError, match="You cannot order for Erin"):
        commands.report_lost(db.session, line, stranger, LossReport("lost", clock.today()))


def test_a_suspended_line_gets_a_new_device_only_when_its_phone_was_lost(db_session):
    line = erins_line()
    line.status = LineStatus.SUSPENDED
    db.session.commit()
    with pytest.raises(OrderRefused) as refused:
        submitted(
            db.session, "upgrade", person(ERIN), {"line": line.id, "device_model": line.device.model_id, **OFFICE}
        )
    assert refused.value.errors["line"].startswith("This line is suspended: order Restore service first")


# ---------------------------------------------------------------- the form
def test_the_form_keeps_what_was_typed_and_puts_each_error_beside_its_field(app, login):
    with app.app_context():
        line_id = erins_line().id
        before = suspends()
    erin = login("employee")
    page = erin.get(f"/orders/lost/{line_id}").get_data(as_text=True)
    assert "Report a lost or stolen phone" in page and 'value="' + clock.today().isoformat() in page
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = erin.post(f"/orders/lost/{line_id}", {"lost_on": tomorrow, "what_happened": "Left on the bus"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Say whether the phone was lost or stolen." in page
    assert "Left on the bus</textarea>" in page
    response = erin.post(f"/orders/lost/{line_id}", {"kind": "lost", "lost_on": tomorrow})
    assert response.status_code == 422 and "The day cannot be after today" in response.get_data(as_text=True)
    with app.app_context():
        assert suspends() == before  # nothing was saved
        assert erins_line().status is LineStatus.ACTIVE


def suspends() -> int:
    return db.session.scalar(select(func.count(Order.id)).where(Order.type == "suspend")) or 0


def test_the_helpdesk_reports_for_erin_and_the_order_page_offers_the_replacement(app, login):
    with app.app_context():
        line = erins_line()
        line_id, erin_id = line.id, line.employee_id
    hana = login("helpdesk")
    response = hana.post(f"/orders/lost/{line_id}", {"kind": "stolen", "lost_on": clock.today().isoformat()})
    assert response.status_code == 302
    page = hana.get(response.headers["Location"]).get_data(as_text=True)
    assert "is suspended. Order a replacement device next." in page
    assert f"/orders/new/upgrade?line={line_id}&amp;for={erin_id}" in page
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.type == "suspend").order_by(Order.id.desc()))
        assert order.employee_id == erin_id and order.requester.email == HANA
        assert db.session.get(Device, db.session.get(Line, line_id).device_id).status is DeviceStatus.LOST_STOLEN


def test_nobody_reports_a_line_they_may_not_order_for(app, login):
    with app.app_context():
        line = erins_line()
        line_id, stranger = line.id, someone_who_may_not_order_for(line.employee).email
    outsider = Client(app)
    outsider.sign_in(stranger)
    assert outsider.get(f"/orders/lost/{line_id}").status_code == 404
    assert outsider.post(f"/orders/lost/{line_id}", {"kind": "lost", "lost_on": "2026-01-01"}).status_code == 404
