"""Fulfilment: every carrier-fulfilled type from approval to completion through the simulator, the console and
the carrier API, with the inventory changed as DESIGN.md says; the API's answers; late updates; the worker."""
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.approvals import decisions
from app.carrier_api import signature
from app.extensions import db
from app.identifiers import make_iccid, make_imei
from app.models import (
    Carrier,
    CarrierUpdate,
    Device,
    DeviceStatus,
    FulfilmentMode,
    InventoryChange,
    Line,
    LineStatus,
    Order,
    OrderStatus,
    Sim,
    User,
)
from tests.ordering import Demo, place
from tests.test_ordering import ERIN, _age_erins_device, valid_orders

ROOT = Path(__file__).resolve().parent.parent
SECRET = "demo-carrier-secret"
CARRIER_TYPES = ["new_line", "upgrade", "warranty_replacement", "accessory", "port_in", "transfer_liability",
                 "activate_in_stock", "change_features", "change_plan", "change_number", "swap_to_stock_device",
                 "sim_request", "restore", "suspend", "disconnect"]
NEW_NUMBER = "+12125550188"
NEW_IMEI = make_imei("35391110", 777001)
NEW_ICCID = make_iccid("01410", 987654)


@pytest.fixture
def demo(app) -> Demo:
    return Demo(app)


def approved(app, login, demo, code: str, **changes) -> str:
    """Place a valid order of `code` (with `changes` to its answers) and approve every step."""
    if code == "upgrade":
        _age_erins_device(app, days=800)
    role, data, for_email = valid_orders(demo)[code]
    data = {**data, **changes}
    number = place(login(role), code, data, for_user=demo.user(for_email) if for_email else None)
    with app.app_context():
        while True:
            order = db.session.scalar(select(Order).where(Order.number == number))
            if order.status is not OrderStatus.PENDING_APPROVAL:
                break
            from app.models import Approval, ApprovalStatus

            step = db.session.scalar(select(Approval).where(Approval.order_id == order.id,
                                                            Approval.status == ApprovalStatus.PENDING))
            decisions.approve(db.session, step, step.assignee or step.group.members[0])
            db.session.commit()
        assert order.status is OrderStatus.APPROVED
    return number


def snapshot(app, number: str) -> dict:
    """What the inventory says about the order's line and devices before completion."""
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        line = order.line
        return {"line_id": line.id if line else None, "device_id": line.device_id if line else None,
                "number": line.number if line else None, "stock_device_id": order.device_id}


def check_inventory(app, code: str, number: str, before: dict) -> None:
    """DESIGN.md's table: what completing each type does to the inventory."""
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert order.status is OrderStatus.COMPLETED, order.status
        line = db.session.get(Line, order.line_id) if order.line_id else None
        erin = db.session.scalar(select(User).where(User.email == ERIN))
        if code == "new_line":
            assert line.number == NEW_NUMBER and line.status is LineStatus.ACTIVE and line.employee == erin
            assert line.device.imei == NEW_IMEI and line.device.status is DeviceStatus.ASSIGNED
            assert line.plan.name == "Business Unlimited" and line.sims[-1].iccid == NEW_ICCID
        elif code in ("upgrade", "warranty_replacement"):
            assert line.device.imei == NEW_IMEI and line.device_id != before["device_id"]
            old = db.session.get(Device, before["device_id"])
            assert old.status is (DeviceStatus.PENDING_RETURN if code == "upgrade" else DeviceStatus.RETURNED_TO_VENDOR)
        elif code == "accessory":
            device = db.session.get(Device, order.device_id)
            assert [a.accessory.name for a in device.accessories] == ["USB-C fast charger 30 W"]
        elif code == "port_in":
            assert line.carrier.code == "contoso" and line.number == before["number"]
            assert line.plan.carrier.code == "contoso"
        elif code == "transfer_liability":
            assert line.number == "+14155550100" and line.status is LineStatus.ACTIVE and line.employee == erin
        elif code == "activate_in_stock":
            device = db.session.get(Device, before["stock_device_id"])
            assert device.status is DeviceStatus.ASSIGNED and device.employee == erin
            assert line.device == device and line.number == NEW_NUMBER and line.carrier.code == "contoso"
        elif code == "change_features":
            assert sorted(lf.feature.code for lf in line.features) == ["hotspot", "visual_vm"]
        elif code == "change_plan":
            assert line.plan.name == "Business 10 GB"
        elif code == "change_number":
            assert line.number == NEW_NUMBER
            change = db.session.scalar(select(InventoryChange).where(InventoryChange.order_id == order.id,
                                                                     InventoryChange.field == "number"))
            assert change.old_value.replace(" ", "") != change.new_value.replace(" ", "")
        elif code == "swap_to_stock_device":
            assert line.device_id == before["stock_device_id"]
            assert db.session.get(Device, before["device_id"]).status is DeviceStatus.IN_STOCK
        elif code == "sim_request":
            assert [s.iccid for s in line.sims if s.active] == [NEW_ICCID]
        elif code == "restore":
            assert line.status is LineStatus.ACTIVE and line.suspended_on is None
        elif code == "suspend":
            assert line.status is LineStatus.SUSPENDED and line.suspend_reason == "On leave for two months."
        elif code == "disconnect":
            assert line.status is LineStatus.DISCONNECTED and line.disconnected_on == date.today()
            assert db.session.get(Device, before["device_id"]).status is DeviceStatus.IN_STOCK
        changes = db.session.scalars(select(InventoryChange).where(InventoryChange.order_id == order.id)).all()
        assert changes, "every inventory change names the order it came from"


# ------------------------------------------------------------------ through the simulator
@pytest.mark.parametrize("code", CARRIER_TYPES)
def test_each_carrier_type_completes_through_the_simulator(app, login, demo, code):
    app.config["SIMULATOR_PACE_SECONDS"] = 0
    with app.app_context():
        for carrier in db.session.scalars(select(Carrier)):
            carrier.fulfilment_mode = FulfilmentMode.SIMULATED
        db.session.commit()
    number = approved(app, login, demo, code)
    before = snapshot(app, number)
    from app.jobs import carrier_sweep

    with app.app_context():
        for _ in range(6):
            carrier_sweep()
            order = db.session.scalar(select(Order).where(Order.number == number))
            db.session.refresh(order)
            if order.status is OrderStatus.COMPLETED:
                break
        kinds = [e.kind for e in order.events]
        assert order.status is OrderStatus.COMPLETED, kinds
        assert "place" in kinds and "complete" in kinds and order.carrier_reference.startswith("NW-")
        if code in ("new_line", "upgrade", "warranty_replacement", "accessory", "port_in", "sim_request"):
            assert "ship" in kinds and order.shipments
        from stdnum import imei, luhn

        for device in order.reported_devices:
            assert device.imei is None or imei.is_valid(device.imei)
            assert device.iccid is None or (device.iccid.startswith("89") and luhn.is_valid(device.iccid))


# ------------------------------------------------------------------ through the console
def console_steps(code: str) -> list[tuple[str, dict]]:
    steps = [("placed", {"carrier_reference": "CM-7781"})]
    if code in ("new_line", "upgrade", "warranty_replacement", "accessory", "sim_request", "port_in"):
        steps.append(("shipment", {"shipping_carrier": "UPS", "tracking_number": "1Z999AA10123456784"}))
    if code in ("new_line", "upgrade", "warranty_replacement"):
        steps.append(("device", {"imei": NEW_IMEI, "serial": "AP12345678", "iccid": NEW_ICCID}))
    if code == "sim_request":
        steps.append(("device", {"iccid": NEW_ICCID}))
    if code in ("new_line", "activate_in_stock", "change_number"):
        steps.append(("number", {"service_number": "(212) 555-0188"}))
    steps.append(("complete", {}))
    return steps


@pytest.mark.parametrize("code", CARRIER_TYPES)
def test_each_carrier_type_completes_through_the_console(app, login, demo, code):
    number = approved(app, login, demo, code)
    before = snapshot(app, number)
    tara = login("telecom")
    assert number in tara.get("/fulfillment").get_data(as_text=True)
    for action, data in console_steps(code):
        response = tara.post(f"/fulfillment/orders/{number}/{action}", data)
        assert response.status_code == 302, (action, response.get_data(as_text=True)[-2000:])
    check_inventory(app, code, number, before)


def test_console_actions_validate_like_the_api(app, login, demo):
    number = approved(app, login, demo, "new_line")
    tara = login("telecom")
    cases = [
        ("placed", {"carrier_reference": ""}, "Enter the carrier&#39;s order reference."),
        ("shipment", {"shipping_carrier": "UPS", "tracking_number": "12345"}, "That is not a UPS tracking number"),
        ("device", {"imei": "353911101047297"}, "This IMEI&#39;s check digit is wrong"),
        ("device", {"iccid": "123"}, "An ICCID has 19 or 20 digits"),
        ("number", {"service_number": "(555) 010-1234"}, "is not a valid phone number"),
        ("complete", {}, "Record the new phone number before completing."),
        ("problem", {"message": ""}, "Describe the problem."),
    ]
    for action, data, message in cases:
        response = tara.post(f"/fulfillment/orders/{number}/{action}", data)
        assert response.status_code == 422, action
        assert message in response.get_data(as_text=True), action


def test_report_problem_puts_the_order_in_needs_attention_with_the_message(app, login, demo):
    number = approved(app, login, demo, "new_line")
    tara = login("telecom")
    tara.post(f"/fulfillment/orders/{number}/placed", {"carrier_reference": "CM-1"})
    tara.post(f"/fulfillment/orders/{number}/problem", {"message": "Model out of stock for 6 weeks.",
                                                         "question": "Would a Galaxy S25 do?"})
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert order.status is OrderStatus.NEEDS_ATTENTION
        assert order.events[-1].comment == "Model out of stock for 6 weeks."
    assert number in tara.get("/fulfillment").get_data(as_text=True).split("Needs attention")[1]
    assert "Model out of stock for 6 weeks." in login("employee").get(f"/orders/{number}").get_data(as_text=True)


def test_only_the_fulfilment_team_reaches_the_console(app, login, demo):
    number = approved(app, login, demo, "new_line")
    for role in ("employee", "manager", "helpdesk"):
        assert login(role).get("/fulfillment").status_code == 403
        assert login(role).post(f"/fulfillment/orders/{number}/complete", {}).status_code == 403


# ------------------------------------------------------------------ through the carrier API
def push(client, carrier: str, body: dict | bytes, secret: str = SECRET, sign: bool = True):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "X-Dialtone-Carrier": carrier}
    if sign:
        headers["X-Dialtone-Signature"] = signature(secret, raw)
    return client.post("/api/v1/carrier-updates", data=raw, headers=headers)


def api_updates(code: str, number: str) -> list[dict]:
    updates = [{"status": "acknowledged", "carrier_reference": "API-1"}]
    if code in ("new_line", "upgrade", "warranty_replacement", "accessory", "sim_request", "port_in"):
        updates.append({"status": "shipped", "shipments": [{"shipping_carrier": "FedEx",
                                                            "tracking_number": "123456789012"}]})
    final = {"status": "completed"}
    if code in ("new_line", "activate_in_stock", "change_number"):
        final["service_number"] = NEW_NUMBER
    if code in ("new_line", "upgrade", "warranty_replacement"):
        final["devices"] = [{"imei": NEW_IMEI, "serial": "AP12345678", "iccid": NEW_ICCID}]
    if code == "sim_request":
        final["devices"] = [{"iccid": NEW_ICCID}]
    updates.append(final)
    return [{**u, "update_id": f"{number}-{i}", "order_number": number} for i, u in enumerate(updates)]


def apply_pending(app) -> None:
    from app.jobs import carrier_sweep

    with app.app_context():
        carrier_sweep()


def carrier_code(app, number: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Order).where(Order.number == number)).carrier.code


@pytest.mark.parametrize("code", CARRIER_TYPES)
def test_each_carrier_type_completes_through_the_api(app, login, demo, code):
    number = approved(app, login, demo, code)
    before = snapshot(app, number)
    api = app.test_client()
    carrier = carrier_code(app, number)
    for body in api_updates(code, number):
        response = push(api, carrier, body)
        assert response.status_code == 202, response.get_json()
        assert response.get_json() == {"status": "accepted", "update_id": body["update_id"]}
        apply_pending(app)
    check_inventory(app, code, number, before)


def test_api_answers_for_bad_signatures_unknown_orders_bad_fields_and_bad_states(app, login, demo):
    number = approved(app, login, demo, "new_line")
    api = app.test_client()
    body = {"update_id": "u-1", "order_number": number, "status": "acknowledged", "carrier_reference": "R-1"}
    assert push(api, "northwind", body, sign=False).status_code == 401
    assert push(api, "northwind", body, secret="wrong").status_code == 401
    assert push(api, "no-such-carrier", body).status_code == 401
    assert push(api, "northwind", b"{not json").status_code == 400
    assert push(api, "northwind", {**body, "order_number": "WO-999999"}).status_code == 404
    assert push(api, "contoso", body).status_code == 404  # another carrier's order
    bad = push(api, "northwind", {**body, "status": "completed", "service_number": "12",
                                  "devices": [{"imei": "353911101047297"}],
                                  "shipments": [{"shipping_carrier": "UPS", "tracking_number": "x"}]})
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert set(errors) >= {"service_number", "devices[0].imei", "shipments[0].tracking_number"}
    missing = push(api, "northwind", {**body, "status": "completed"})
    assert missing.status_code == 422 and "service_number" in missing.get_json()["errors"]
    pending = place(login("employee"), "new_line", valid_orders(demo)["new_line"][1])
    early = push(api, "northwind", {**body, "order_number": pending, "update_id": "u-2"})
    assert early.status_code == 409 and "has not been approved yet" in early.get_json()["error"]
    for weird in (b"[]", b"null", b'"x"', b"1" * 5000, b"[" * 5000, '{"é": "\udcff"}'.encode("utf-8", "surrogatepass")):
        assert push(api, "northwind", weird).status_code in (400, 422)


def test_the_same_update_id_twice_changes_nothing(app, login, demo):
    number = approved(app, login, demo, "new_line")
    api = app.test_client()
    body = {"update_id": "dup-1", "order_number": number, "status": "acknowledged", "carrier_reference": "R-1"}
    assert push(api, "northwind", body).status_code == 202
    apply_pending(app)
    again = push(api, "northwind", {**body, "carrier_reference": "R-2"})
    assert again.status_code == 200 and again.get_json()["status"] == "duplicate"
    apply_pending(app)
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert order.carrier_reference == "R-1" and [e.kind for e in order.events].count("place") == 1
        assert db.session.scalar(select(CarrierUpdate).where(CarrierUpdate.update_id == "dup-1")).applied_at


def test_a_late_update_is_recorded_but_never_moves_the_status_backwards(app, login, demo):
    number = approved(app, login, demo, "change_plan")
    api = app.test_client()
    for body in api_updates("change_plan", number):
        push(api, "northwind", body)
        apply_pending(app)
    late = push(api, "northwind", {"update_id": "late-1", "order_number": number, "status": "shipped",
                                   "shipments": [{"shipping_carrier": "USPS",
                                                  "tracking_number": "9400111899223197428490"}]})
    assert late.status_code == 202
    apply_pending(app)
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert order.status is OrderStatus.COMPLETED
        assert "Late “shipped” update recorded" in order.events[-1].comment


def test_rejected_by_the_carrier_needs_attention(app, login, demo):
    number = approved(app, login, demo, "change_plan")
    api = app.test_client()
    push(api, "northwind", {"update_id": "r-1", "order_number": number, "status": "rejected",
                            "message": "Plan not available in this market."})
    apply_pending(app)
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert order.status is OrderStatus.NEEDS_ATTENTION and order.events[-1].comment.startswith("Plan not")


def test_carriers_that_poll_read_the_order_with_the_same_signature(app, login, demo):
    number = approved(app, login, demo, "new_line")
    api = app.test_client()
    headers = {"X-Dialtone-Carrier": "northwind", "X-Dialtone-Signature": signature(SECRET, b"")}
    response = api.get(f"/api/v1/orders/{number}", headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "approved"
    assert api.get(f"/api/v1/orders/{number}", headers={**headers, "X-Dialtone-Signature": "sha256=00"}).status_code == 401
    wrong = {"X-Dialtone-Carrier": "contoso", "X-Dialtone-Signature": signature(SECRET, b"")}
    assert api.get(f"/api/v1/orders/{number}", headers=wrong).status_code == 404


def test_the_real_worker_applies_carrier_updates_from_approval_to_completion(app, login, demo, database_url,
                                                                              redis_url):
    number = approved(app, login, demo, "new_line")
    api = app.test_client()
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "RQ_QUEUE": app.config["RQ_QUEUE"],
           "SECRET_KEY": app.config["SECRET_KEY"]}
    for body in api_updates("new_line", number):
        assert push(api, "northwind", body).status_code == 202
        subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, check=True, timeout=120,
                       capture_output=True)
    check_inventory(app, "new_line", number, {})
