"""Wireline fulfilment: the carrier reports its milestones (FOC date, site survey, install scheduled, installed,
turned up, jeopardy) through the signed API, the fulfilment console or the simulator; each is validated like the
mobile ones, kept on the order and shown on its timeline, and completion turns the service up at its site."""

from datetime import timedelta

from jsonschema import Draft202012Validator
from sqlalchemy import select

from app import clock, commands
from app.extensions import db
from app.models import Notification, Order, OrderStatus, ServiceStatus, Site, User
from tests.support.factories import approve_all
from tests.support.fulfilment import apply_pending, poll, push
from tests.support.ordering import place, wireline_orders


def _approved_new_service(app, login, demo, carrier: str = "contoso") -> str:
    role, data, _ = wireline_orders(demo)["wireline_new"]
    number = place(login(role), "wireline_new", {**data, "carrier": demo.carrier(carrier)})
    with app.app_context():
        approve_all(db.session, db.session.scalar(select(Order).where(Order.number == number)))
    return number


def _order(app, number: str) -> Order:
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        _ = (order.events, order.service and order.service.site)  # loaded before the session ends
        db.session.expunge_all()
        return order


def test_the_carrier_api_takes_each_wireline_milestone_and_completion_turns_the_service_up(app, login, demo):
    number = _approved_new_service(app, login, demo)
    api = app.test_client()
    install = (clock.today() + timedelta(days=21)).isoformat()
    later = (clock.today() + timedelta(days=28)).isoformat()
    steps = [
        {"status": "foc", "foc_date": install, "carrier_reference": "CT-77120"},
        {"status": "site_survey", "survey_date": (clock.today() + timedelta(days=7)).isoformat()},
        {"status": "install_scheduled", "install_date": install, "install_window": "08:00–12:00"},
        {"status": "jeopardy", "new_date": later, "reason": "The building's riser needs a permit."},
        {"status": "installed"},
        {"status": "turned_up", "circuit_id": "CT/BOS/55001", "ip_block": "198.51.100.16/29"},
        {"status": "completed"},
    ]
    for i, body in enumerate(steps):
        response = push(api, "contoso", {"update_id": f"w-{i}", "order_number": number, **body})
        assert response.status_code == 202, response.get_json()
        apply_pending(app)
    order = _order(app, number)
    assert order.status is OrderStatus.COMPLETED
    facts = order.details["_wireline"]
    assert (facts["foc_on"], facts["install_on"], facts["install_window"]) == (install, later, "08:00–12:00")
    assert facts["jeopardy"]["reason"] == "The building's riser needs a permit."
    assert (order.service.circuit_id, order.service.ip_block, order.service.status) == (
        "CT/BOS/55001",
        "198.51.100.16/29",
        ServiceStatus.ACTIVE,
    )
    kinds = [e.kind for e in order.events]
    for kind in ("foc", "site_survey", "install_scheduled", "jeopardy", "installed", "turned_up", "complete"):
        assert kind in kinds


def test_the_api_refuses_a_milestone_without_its_fields_and_a_completion_without_the_circuit_id(app, login, demo):
    number = _approved_new_service(app, login, demo)
    api = app.test_client()
    bad = push(api, "contoso", {"update_id": "w-1", "order_number": number, "status": "install_scheduled",
                                "install_date": "next week"})  # fmt: skip
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == {
        "install_date": "Must be a date like 2026-03-14.",
        "install_window": "Give the install window, like 08:00–12:00.",
    }
    bad = push(api, "contoso", {"update_id": "w-2", "order_number": number, "status": "turned_up",
                                "ip_block": "300.1.1.0/29"})  # fmt: skip
    assert bad.status_code == 422 and "is not an IP block" in bad.get_json()["errors"]["ip_block"]
    early = push(api, "contoso", {"update_id": "w-3", "order_number": number, "status": "completed"})
    assert early.status_code == 422
    assert early.get_json()["errors"] == {"circuit_id": "Record the circuit ID the carrier gave before completing."}


def test_the_console_records_milestones_with_errors_next_to_the_field(app, login, demo):
    number = _approved_new_service(app, login, demo)
    tara = login("telecom")
    page = tara.get(f"/fulfillment/orders/{number}").get_data(as_text=True)
    assert "Record FOC date" in page and "Add shipment" not in page
    refused = tara.post(f"/fulfillment/orders/{number}/install_scheduled", {"install_date": "2030-01-05"})
    assert refused.status_code == 422
    assert "Give the install window, like 08:00–12:00." in refused.get_data(as_text=True)
    assert 'value="2030-01-05"' in refused.get_data(as_text=True)
    assert tara.post(f"/fulfillment/orders/{number}/foc", {"foc_date": "2030-01-05"}).status_code == 302
    assert tara.post(f"/fulfillment/orders/{number}/turned_up", {"circuit_id": "CT/9"}).status_code == 302
    assert tara.post(f"/fulfillment/orders/{number}/complete", {}).status_code == 302
    order = _order(app, number)
    assert order.status is OrderStatus.COMPLETED and order.service.circuit_id == "CT/9"


def test_the_simulator_walks_a_wireline_order_through_its_milestones(app, login, demo):
    number = _approved_new_service(app, login, demo, carrier="northwind")
    with app.app_context():
        moment = clock.now()
        for _ in range(12):
            moment += timedelta(minutes=5)
            commands.carrier_sweep(db.session, now=moment)
            db.session.expire_all()
            if db.session.scalar(select(Order.status).where(Order.number == number)) is OrderStatus.COMPLETED:
                break
    order = _order(app, number)
    assert order.status is OrderStatus.COMPLETED
    assert [e.kind for e in order.events if e.kind in ("foc", "install_scheduled", "installed", "turned_up")] == [
        "foc",
        "install_scheduled",
        "installed",
        "turned_up",
    ]
    assert order.service.circuit_id.startswith("NW/") and order.service.site.name == "Boston branch office"


def test_the_site_contact_gets_the_install_window_with_the_sites_hours_and_address(app, login, demo):
    """FOC date, install scheduled and a jeopardy are emailed to the site's contact and the requester; the install
    email says what the installer needs; completion tells the requester."""
    with app.app_context():
        boston = db.session.get(Site, demo.site("Boston branch office"))
        boston.contact = db.session.scalar(select(User).where(User.email == "omar.haddad@example.com"))
        db.session.commit()
    number = _approved_new_service(app, login, demo)
    tara = login("telecom")
    for action, form in (
        ("foc", {"foc_date": "2030-01-05"}),
        ("install_scheduled", {"install_date": "2030-01-05", "install_window": "08:00–12:00"}),
        ("jeopardy", {"new_date": "2030-01-12", "reason": "The riser needs a permit."}),
        ("turned_up", {"circuit_id": "CT/BOS/1"}),
        ("complete", {}),
    ):
        assert tara.post(f"/fulfillment/orders/{number}/{action}", form).status_code == 302, action
    with app.app_context():
        order_id = db.session.scalar(select(Order.id).where(Order.number == number))
        sent = db.session.scalars(select(Notification).where(Notification.order_id == order_id)).all()
        by = {(n.milestone, n.email): n for n in sent}
        omar, tara_email = "omar.haddad@example.com", "telecom@example.com"
        for milestone in ("foc_set", "install_scheduled", "jeopardy"):
            assert (milestone, omar) in by and (milestone, tara_email) in by, milestone
        install = by[("install_scheduled", omar)]
        assert install.subject == f"Install on Jan 05, 2030, 08:00–12:00 at Boston branch office: order {number}"
        assert "100 Summer Street, Suite 1200, Boston, MA 02110-2106" in install.body_text
        assert "Mon–Fri 9:00–17:00" in install.body_text
        assert "The reason: The riser needs a permit." in by[("jeopardy", omar)].body_text
        assert ("completed", tara_email) in by
    page = tara.get(f"/orders/{number}").get_data(as_text=True)
    assert "Install delayed to:</strong>" in page and "Jan 12, 2030 08:00–12:00" in page
    stepper = page[page.index('class="stepper"') : page.index("</ol>", page.index('class="stepper"'))]
    for label in ("Acknowledged", "FOC date Jan 05, 2030", "Install scheduled Jan 12, 2030", "Turned up", "Completed"):
        assert label in stepper, label
    assert "Shipped" not in stepper


def test_the_carrier_reads_back_the_wireline_milestones_and_facts_as_the_document_says(app, login, demo):
    """GET /api/v1/orders/<number> gives a wireline order's site, its milestones in order and what they carried,
    by the names a carrier reports them with; the answer is valid against the OpenAPI document's OrderStatus."""
    number = _approved_new_service(app, login, demo)
    api = app.test_client()
    install = (clock.today() + timedelta(days=21)).isoformat()
    later = (clock.today() + timedelta(days=28)).isoformat()
    for i, body in enumerate(
        [
            {"status": "foc", "foc_date": install},
            {"status": "install_scheduled", "install_date": install, "install_window": "08:00–12:00"},
            {"status": "jeopardy", "new_date": later, "reason": "The building's riser needs a permit."},
            {"status": "turned_up", "circuit_id": "CT/BOS/55001", "ip_block": "198.51.100.16/29"},
        ]
    ):
        assert push(api, "contoso", {"update_id": f"r-{i}", "order_number": number, **body}).status_code == 202
        apply_pending(app)
    answer = poll(app, api, "contoso", number)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["site"] == "Boston branch office" and body["status"] == "with_carrier"
    assert body["wireline"] == {
        "milestones": ["foc", "install_scheduled", "jeopardy", "turned_up"],
        "foc_date": install,
        "install_date": later,  # the jeopardy's new date
        "install_window": "08:00–12:00",
        "circuit_id": "CT/BOS/55001",
        "ip_block": "198.51.100.16/29",
        "jeopardy": {"new_date": later, "reason": "The building's riser needs a permit."},
    }
    document = api.get("/api/v1/openapi.json").get_json()
    schema = {"$ref": "#/components/schemas/OrderStatus", "components": document["components"]}
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(body)
    assert "wireline" in document["components"]["schemas"]["OrderStatus"]["properties"]
