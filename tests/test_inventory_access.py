"""Who sees what: employees see only their own lines and devices (My lines and devices), and get nothing for
anyone else's by URL; only helpdesk and admins list, edit, export and import. The line page shows its orders."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Device, Line, Order, OrderStatus, Sim, Stipend, User


def records_of(app, email: str) -> dict[str, int]:
    """The ids of a person's line, device, SIM (and stipend, if any) and of the person."""
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == email))
        line = db.session.scalar(select(Line).where(Line.employee_id == person.id).order_by(Line.id))
        found = {
            "lines": line.id,
            "devices": line.device_id,
            "sims": db.session.scalar(select(Sim.id).where(Sim.line_id == line.id)),
            "employees": person.id,
        }
        stipend = db.session.scalar(select(Stipend.id).where(Stipend.employee_id == person.id))
        if stipend:
            found["stipends"] = stipend
        return found


def someone_with_a_stipend(app) -> str:
    with app.app_context():
        return db.session.scalar(select(User.email).join(Stipend, Stipend.employee_id == User.id).limit(1))


@pytest.mark.parametrize("kind", ["lines", "devices", "sims", "employees"])
def test_an_employee_cannot_open_another_employees_record_by_url(app, login, kind):
    others = records_of(app, "manager@example.com")
    response = login("employee").get(f"/inventory/{kind}/{others[kind]}")
    assert response.status_code == 404
    assert "Marco" not in response.get_data(as_text=True)


def test_an_employee_cannot_open_another_employees_stipend_by_url(app, login):
    others = records_of(app, someone_with_a_stipend(app))
    assert login("employee").get(f"/inventory/stipends/{others['stipends']}").status_code == 404


@pytest.mark.parametrize("kind", ["lines", "devices", "sims"])
def test_an_employee_opens_her_own_records_read_only(app, login, kind):
    mine = records_of(app, "employee@example.com")
    html = login("employee").get(f"/inventory/{kind}/{mine[kind]}").get_data(as_text=True)
    assert "Erin Park" in html
    assert "/edit" not in html and "Edit<" not in html  # nothing to edit
    assert 'aria-label="Inventory"' not in html  # and no inventory navigation


@pytest.mark.parametrize(
    "url",
    [
        "/inventory/lines",
        "/inventory/devices",
        "/inventory/sims",
        "/inventory/stipends",
        "/inventory/employees",
        "/inventory/lines.csv",
        "/inventory/devices.csv",
        "/inventory/import",
        "/inventory/import/template.csv",
    ],
)
@pytest.mark.parametrize("role", ["employee", "manager", "telecom"])
def test_lists_exports_and_import_are_for_helpdesk_and_admins_only(login, role, url):
    assert login(role).get(url).status_code == 403


@pytest.mark.parametrize("role", ["employee", "manager"])
def test_no_one_but_helpdesk_and_admins_can_edit_even_their_own_line(app, login, role):
    mine = records_of(app, "employee@example.com" if role == "employee" else "manager@example.com")
    client = login(role)
    assert client.get(f"/inventory/lines/{mine['lines']}/edit").status_code == 403
    assert client.post(f"/inventory/lines/{mine['lines']}/edit", {"account_number": "X"}).status_code == 403
    assert client.post(f"/inventory/devices/{mine['devices']}/fields/serial", {}).status_code == 403


@pytest.mark.parametrize("role", ["helpdesk", "admin"])
def test_helpdesk_and_admins_open_anyones_records(app, login, role):
    others = records_of(app, someone_with_a_stipend(app))
    client = login(role)
    for kind, record_id in others.items():
        assert client.get(f"/inventory/{kind}/{record_id}").status_code == 200, kind


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    mine = records_of(app, "employee@example.com")
    for url in (f"/inventory/lines/{mine['lines']}", "/inventory/mine", "/inventory/lines.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_my_lines_and_devices_shows_erins_line_with_plan_features_cost_device_and_sim(app, login):
    mine = records_of(app, "employee@example.com")
    with app.app_context():
        line = db.session.get(Line, mine["lines"])
        expected = [
            line.carrier.name,
            line.plan.name,
            "Visual voicemail",
            line.device.model.name,
            line.device.serial,
            db.session.get(Sim, mine["sims"]).iccid,
        ]
        monthly = line.monthly_cents
    html = login("employee").get("/inventory/mine").get_data(as_text=True)
    for text in expected:
        assert text in html
    assert f"${monthly // 100}.{monthly % 100:02d}" in html
    assert f'href="/orders/new?line={mine["lines"]}"' in html  # Order a change, prefilled with the line
    assert f'href="/inventory/lines/{mine["lines"]}"' in html
    assert '<th scope="col">Number</th>' in html


def test_my_lines_and_devices_shows_nobody_elses(app, login):
    html = login("employee").get("/inventory/mine").get_data(as_text=True)
    with app.app_context():
        others = db.session.scalars(
            select(Line.number).join(Line.employee).where(User.email != "employee@example.com")
        ).all()
    assert not any(f"({n[2:5]}) {n[5:8]}-{n[8:]}" in html for n in others)


def test_a_device_not_on_a_line_is_listed_on_its_own(app, login):
    with app.app_context():
        erin = db.session.scalar(select(User).where(User.email == "employee@example.com"))
        spare = db.session.scalar(select(Device).where(Device.status == "in_stock"))
        spare.employee, spare.serial = erin, "SPARE-TABLET"
        db.session.commit()
    html = login("employee").get("/inventory/mine").get_data(as_text=True)
    assert "Devices not on a line" in html and "SPARE-TABLET" in html


def test_the_line_page_offers_order_a_change_prefilled_with_the_line(app, login):
    mine = records_of(app, "employee@example.com")
    own = login("employee").get(f"/inventory/lines/{mine['lines']}").get_data(as_text=True)
    assert f'<a href="/orders/new?line={mine["lines"]}" class="inv-button">Order a change</a>' in own
    # the helpdesk orders for the line's holder
    theirs = login("helpdesk").get(f"/inventory/lines/{mine['lines']}").get_data(as_text=True)
    assert (
        f'<a href="/orders/new?line={mine["lines"]}&amp;for={mine["employees"]}" class="inv-button">Order a change</a>'
        in theirs
    )


def test_the_line_page_lists_open_orders_and_order_history_apart(app, login):
    mine = records_of(app, "employee@example.com")
    with app.app_context():
        line = db.session.get(Line, mine["lines"])
        for number, kind, status in (
            ("WO-000901", "upgrade", OrderStatus.PENDING_APPROVAL),
            ("WO-000902", "change_plan", OrderStatus.COMPLETED),
            (None, "suspend", OrderStatus.DRAFT),
        ):
            db.session.add(
                Order(
                    number=number, type=kind, status=status, requester=line.employee, employee=line.employee, line=line
                )
            )
        db.session.commit()
    html = login("helpdesk").get(f"/inventory/lines/{mine['lines']}").get_data(as_text=True)
    open_part = html.split('id="open-orders-heading"', 1)[1].split('id="order-history-heading"', 1)[0]
    past_part = html.split('id="order-history-heading"', 1)[1].split('id="history-heading"', 1)[0]
    assert "WO-000901" in open_part and "Upgrade" in open_part and "Pending approval" in open_part
    assert "WO-000902" in past_part and "Change plan" in past_part and "WO-000901" not in past_part
    assert 'href="/orders/WO-000901"' in open_part
    assert "Suspend" not in html.split('id="open-orders-heading"', 1)[1]  # drafts are not orders yet


@pytest.mark.parametrize(
    "url",
    [
        "/inventory/lines/99999999999",
        "/inventory/devices/4294967296/edit",
        "/inventory/import/99999999999",
        "/inventory/lines?page=99999999999999999999",
        "/inventory/lines?carrier=99999999999999999999",
    ],
)
def test_numbers_too_large_for_any_row_are_not_found_rather_than_an_error(login, url):
    assert login("helpdesk").get(url).status_code in (200, 404)
