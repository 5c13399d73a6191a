"""Carrier updates that clash, come late or fail: nothing stuck, nothing rewritten. A completion whose number,
IMEI or ICCID is already on record is refused when it arrives (409 naming the field); one that still clashes
when it is applied is marked failed, shown on the order's timeline and in the console's "Needs attention", and
does not hold up the later updates of its order unless they need it; the console's "Complete" shows the clash
next to the field. A late update changes nothing. The same update gets the same answer whenever it arrives."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app import formatting
from app.extensions import db
from app.identifiers import make_iccid, make_imei
from app.models import (
    CarrierUpdate,
    CarrierUpdateState,
    Device,
    DeviceModel,
    DeviceStatus,
    Line,
    LineStatus,
    Order,
    OrderStatus,
    Sim,
)
from tests.support.fulfilment import apply_pending, approved, push

NUMBER = "+12125550188"
OTHER_NUMBER = "+12125550199"
IMEI = make_imei("35391110", 777001)
ICCID = make_iccid("01410", 987654)
SHIPMENT = [{"shipping_carrier": "UPS", "tracking_number": "1Z999AA10123456784"}]


@pytest.fixture
def new_line(app, login, demo) -> str:
    """An approved new line with Northwind, acknowledged by the carrier."""
    number = approved(app, login, demo, "new_line")
    assert (
        push(
            app.test_client(), "northwind", _update(number, "ack", "acknowledged", carrier_reference="NW-1")
        ).status_code
        == 202
    )
    apply_pending(app)
    return number


def _update(number: str, update_id: str, status: str, **fields) -> dict:
    return {"update_id": update_id, "order_number": number, "status": status, **fields}


def _someone_elses_line(app, number: str) -> None:
    """A live line with `number` appears (another order completed, or the helpdesk added it)."""
    with app.app_context():
        other = db.session.scalar(select(Line).where(Line.status == LineStatus.ACTIVE).order_by(Line.id))
        db.session.add(
            Line(number=number, carrier_id=other.carrier_id, employee_id=other.employee_id, status=LineStatus.ACTIVE)
        )
        db.session.commit()


def _device_on_record(app, imei: str) -> None:
    with app.app_context():
        model = db.session.scalar(select(DeviceModel).order_by(DeviceModel.id))
        db.session.add(
            Device(
                imei=imei, serial="ON-RECORD", model=model, status=DeviceStatus.IN_STOCK, purchased_on=date(2026, 1, 5)
            )
        )
        db.session.commit()


def _order(app, number: str) -> Order:
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        order.kinds = [e.kind for e in order.events]
        order.comments = [e.comment for e in order.events]
        order.devices = [(d.imei, d.iccid) for d in order.reported_devices]
        order.shipment_count = len(order.shipments)
        db.session.expunge_all()
        return order


def _updates(app, number: str) -> dict[str, tuple[CarrierUpdateState, str]]:
    with app.app_context():
        rows = db.session.scalars(select(CarrierUpdate).join(Order).where(Order.number == number))
        return {row.update_id: (row.state, row.outcome) for row in rows}


# ---------------------------------------------------------------- refused when it arrives
def test_a_completion_whose_number_is_already_a_live_line_is_refused_on_arrival_naming_the_field(app, new_line):
    _someone_elses_line(app, NUMBER)
    answer = push(
        app.test_client(),
        "northwind",
        _update(new_line, "done", "completed", service_number=NUMBER, devices=[{"imei": IMEI, "iccid": ICCID}]),
    )
    assert answer.status_code == 409
    assert answer.get_json()["errors"] == {"service_number": "(212) 555-0188 is already the number of a live line."}
    assert "done" not in _updates(app, new_line)  # nothing stored: nothing to be stuck behind


def test_an_imei_or_iccid_already_on_record_is_refused_on_arrival_naming_the_device_field(app, new_line):
    _device_on_record(app, IMEI)
    with app.app_context():
        taken_iccid = db.session.scalar(select(Sim.iccid).order_by(Sim.id))
    answer = push(
        app.test_client(),
        "northwind",
        _update(
            new_line,
            "dev",
            "shipped",
            shipments=SHIPMENT,
            devices=[{"serial": "S1"}, {"imei": IMEI, "iccid": taken_iccid}],
        ),
    )
    assert answer.status_code == 409
    assert answer.get_json()["errors"] == {
        "devices[1].imei": f"IMEI {formatting.imei(IMEI)} is already on record for another device.",
        "devices[1].iccid": f"ICCID {taken_iccid} is already on record for another SIM.",
    }


def test_a_completion_is_checked_with_the_facts_of_updates_accepted_before_it(app, new_line):
    """The device came in an earlier update that is stored but not applied yet: the same answer as later."""
    api = app.test_client()
    facts = _update(
        new_line,
        "facts",
        "shipped",
        shipments=SHIPMENT,
        service_number=NUMBER,
        devices=[{"imei": IMEI, "iccid": ICCID}],
    )
    assert push(api, "northwind", facts).status_code == 202
    right_after = push(api, "northwind", _update(new_line, "done", "completed"))
    assert right_after.status_code == 202, right_after.get_json()  # was 422 "Record the IMEI…" until applied
    apply_pending(app)
    order = _order(app, new_line)
    assert order.status is OrderStatus.COMPLETED and order.service_number == NUMBER


def test_a_completion_is_refused_on_arrival_when_an_earlier_accepted_update_carried_a_number_now_taken(app, new_line):
    api = app.test_client()
    assert (
        push(
            api, "northwind", _update(new_line, "facts", "shipped", shipments=SHIPMENT, service_number=NUMBER)
        ).status_code
        == 202
    )
    _someone_elses_line(app, NUMBER)
    answer = push(api, "northwind", _update(new_line, "done", "completed", devices=[{"imei": IMEI}]))
    assert answer.status_code == 409 and "service_number" in answer.get_json()["errors"]


# ---------------------------------------------------------------- failed when applied
def test_a_completion_that_clashes_when_applied_is_marked_failed_and_the_later_updates_of_its_order_go_on(
    app, login, new_line
):
    api = app.test_client()
    done = _update(new_line, "done", "completed", service_number=NUMBER, devices=[{"imei": IMEI, "iccid": ICCID}])
    assert push(api, "northwind", done).status_code == 202
    later = _update(new_line, "later", "backordered", message="One accessory comes later.")
    assert push(api, "northwind", later).status_code == 202
    _someone_elses_line(app, NUMBER)  # between its arrival and its turn
    apply_pending(app)
    states = _updates(app, new_line)
    assert states["done"][0] is CarrierUpdateState.FAILED
    assert "(212) 555-0188 is already the number of a live line." in states["done"][1]
    assert states["later"] == (CarrierUpdateState.APPLIED, "applied")  # not held up behind it
    apply_pending(app)  # the sweep does not try it again and again
    assert _updates(app, new_line)["done"][0] is CarrierUpdateState.FAILED
    order = _order(app, new_line)
    assert order.status is OrderStatus.WITH_CARRIER and order.service_number is None and order.devices == []
    assert order.kinds.count("carrier_update_failed") == 1 and order.kinds[-1] == "backordered"
    # The requester sees it on the order's timeline; the team in "Needs attention", with the reason.
    page = login("employee").get(f"/orders/{new_line}").get_data(as_text=True)
    assert "A carrier update could not be applied" in page and "already the number of a live line" in page
    tara = login("telecom")
    console = tara.get("/fulfillment").get_data(as_text=True)
    assert new_line in console.split("Needs attention")[1] and "a carrier update could not be applied" in console
    detail = tara.get(f"/fulfillment/orders/{new_line}").get_data(as_text=True)
    assert "Carrier updates that could not be applied (1)" in detail and "already the number of a live line" in detail
    # The clash resolved (the other line was entered by mistake), the team tries it again: it completes.
    with app.app_context():
        for line in db.session.scalars(select(Line).where(Line.number == NUMBER)):
            line.status = LineStatus.DISCONNECTED
        db.session.commit()
    assert tara.post(f"/fulfillment/orders/{new_line}/retry", {}).status_code == 302
    apply_pending(app)
    assert _updates(app, new_line)["done"] == (CarrierUpdateState.APPLIED, "applied")
    assert _order(app, new_line).status is OrderStatus.COMPLETED
    assert new_line not in tara.get("/fulfillment").get_data(as_text=True).split("Needs attention")[1]


def test_a_later_update_that_needs_what_a_failed_one_carried_fails_too_saying_so(app, login, new_line):
    api = app.test_client()
    facts = _update(new_line, "facts", "shipped", shipments=SHIPMENT, service_number=NUMBER, devices=[{"imei": IMEI}])
    assert push(api, "northwind", facts).status_code == 202
    assert push(api, "northwind", _update(new_line, "done", "completed")).status_code == 202
    _device_on_record(app, IMEI)
    apply_pending(app)
    states = _updates(app, new_line)
    assert states["facts"][0] is CarrierUpdateState.FAILED and "IMEI" in states["facts"][1]
    assert states["done"][0] is CarrierUpdateState.FAILED
    assert "It needs what update facts reported, which could not be applied either." in states["done"][1]
    order = _order(app, new_line)
    assert order.status is OrderStatus.WITH_CARRIER and order.kinds.count("carrier_update_failed") == 2
    tara = login("telecom")  # the team records what happened another way, and sets the updates aside
    assert tara.post(f"/fulfillment/orders/{new_line}/set_aside", {}).status_code == 302
    states = _updates(app, new_line)
    assert states["facts"][0] is states["done"][0] is CarrierUpdateState.SET_ASIDE
    assert new_line not in tara.get("/fulfillment").get_data(as_text=True).split("Needs attention")[1]


def test_only_the_fulfilment_team_tries_failed_updates_again(app, login, new_line):
    for role in ("employee", "manager", "helpdesk"):
        assert login(role).post(f"/fulfillment/orders/{new_line}/retry", {}).status_code == 403


# ---------------------------------------------------------------- the console
def test_the_consoles_complete_with_a_number_in_use_shows_the_clash_next_to_the_number(app, login, new_line):
    tara = login("telecom")
    assert tara.post(f"/fulfillment/orders/{new_line}/device", {"imei": IMEI, "iccid": ICCID}).status_code == 302
    assert tara.post(f"/fulfillment/orders/{new_line}/number", {"service_number": "(212) 555-0188"}).status_code == 302
    _someone_elses_line(app, NUMBER)
    answer = tara.post(f"/fulfillment/orders/{new_line}/complete", {})
    assert answer.status_code == 422  # was 500: the database's unique index said no
    html = answer.get_data(as_text=True)
    number_form = html.split('id="act-number"')[1].split("</form>")[0]
    assert "(212) 555-0188 is already the number of a live line." in number_form
    assert "Not completed" in html.split('id="act-complete"')[1].split("</form>")[0]
    assert _order(app, new_line).status is OrderStatus.WITH_CARRIER
    retyped = tara.post(f"/fulfillment/orders/{new_line}/number", {"service_number": "(212) 555-0188"})
    assert retyped.status_code == 422 and "already the number of a live line" in retyped.get_data(as_text=True)


def test_the_consoles_device_with_an_imei_on_record_is_refused_next_to_the_imei(app, login, new_line):
    _device_on_record(app, IMEI)
    answer = login("telecom").post(f"/fulfillment/orders/{new_line}/device", {"imei": IMEI})
    assert answer.status_code == 422
    device_form = answer.get_data(as_text=True).split('id="act-device"')[1].split("</form>")[0]
    assert f"IMEI {formatting.imei(IMEI)} is already on record for another device." in device_form


# ---------------------------------------------------------------- late updates
def test_a_late_update_is_kept_for_the_record_and_changes_nothing(app, login, demo, new_line):
    api = app.test_client()
    done = _update(new_line, "done", "completed", service_number=NUMBER, devices=[{"imei": IMEI, "iccid": ICCID}])
    assert push(api, "northwind", done).status_code == 202
    apply_pending(app)
    before = _order(app, new_line)
    assert before.status is OrderStatus.COMPLETED
    late = _update(
        new_line,
        "late",
        "completed",
        service_number=OTHER_NUMBER,
        carrier_reference="NW-OTHER",
        devices=[{"imei": make_imei("35391110", 777002), "iccid": make_iccid("01410", 987655)}],
        shipments=SHIPMENT,
    )
    assert push(api, "northwind", late).status_code == 202
    late_shipped = _update(
        new_line,
        "late-ship",
        "shipped",
        shipments=[{"shipping_carrier": "USPS", "tracking_number": "9400111899223197428490"}],
    )
    assert push(api, "northwind", late_shipped).status_code == 202
    apply_pending(app)
    after = _order(app, new_line)
    assert after.service_number == NUMBER and after.carrier_reference == "NW-1"  # not another person's number
    assert after.devices == before.devices and after.shipment_count == before.shipment_count
    assert after.status is OrderStatus.COMPLETED
    assert (
        "Late “completed” update recorded" in after.comments[-2]
        and "nothing it reported was changed" in after.comments[-1]
    )
    with app.app_context():
        payloads = {u.update_id: u.payload for u in db.session.scalars(select(CarrierUpdate))}
    assert payloads["late"]["service_number"] == OTHER_NUMBER  # kept for the record
    assert _updates(app, new_line)["late"] == (CarrierUpdateState.APPLIED, "late: recorded")
