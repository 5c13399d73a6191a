"""Helpdesk edits lines, devices, SIMs and stipends: specific messages next to the field with everything typed
kept and nothing half-saved, uniqueness that names the holder, refusal of edits made on a stale copy, and a
history entry per changed field with who and when."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.identifiers import make_iccid, make_imei
from app.models import Device, InventoryChange, Line, Sim, Stipend, User

HTMX = {"HX-Request": "true"}


def erin_line(app) -> Line:
    with app.app_context():
        line = db.session.scalar(select(Line).join(Line.employee).where(User.email == "employee@example.com"))
        db.session.expunge_all()
        return line


def form_of(client, url: str) -> dict[str, str]:
    """The values an edit form shows (inputs and selected options), as a browser would post them."""
    html = client.get(url).get_data(as_text=True)
    values = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = [
            re.search(r'value="([^"]*)"', tag).group(1)
            for tag in re.findall(r"<option[^>]*>", body)
            if " selected" in tag
        ]
        values[name] = chosen[0] if chosen else ""
    for name in re.findall(r'<input[^>]*type="checkbox"[^>]*name="([^"]+)"(?![^>]*checked)', html):
        values.pop(name, None)
    return values


def history(app, record_type: str, record_id: int) -> list[InventoryChange]:
    with app.app_context():
        rows = db.session.scalars(
            select(InventoryChange)
            .where(InventoryChange.record_type == record_type, InventoryChange.record_id == record_id)
            .order_by(InventoryChange.id)
        ).all()
        for row in rows:
            _ = row.actor
        db.session.expunge_all()
        return rows


def test_helpdesk_edits_a_device_and_the_history_says_who_changed_what(app, login):
    line = erin_line(app)
    client = login("helpdesk")
    url = f"/inventory/devices/{line.device_id}/edit"
    values = form_of(client, url)
    old_serial = values["serial"]
    values.update(serial="SN-12345", warranty_ends_on="2030-01-31")
    response = client.post(url, values)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Device saved." in page
    changes = history(app, "device", line.device_id)
    assert [(c.field, c.new_value) for c in changes] == [("serial", "SN-12345"), ("warranty_ends_on", "2030-01-31")]
    assert changes[0].old_value == old_serial
    assert changes[0].actor.email == "helpdesk@example.com" and changes[0].at is not None
    assert changes[0].order_id is None
    assert "SN-12345" in page and "Hana Kim" in page and "Edited by hand" in page


def test_saving_an_unchanged_form_writes_no_history(app, login):
    line = erin_line(app)
    client = login("helpdesk")
    url = f"/inventory/lines/{line.id}/edit"
    response = client.post(url, form_of(client, url))
    assert response.status_code == 302
    assert "Nothing changed" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert history(app, "line", line.id) == []


def test_a_line_edit_records_each_changed_field_readably(app, login):
    line = erin_line(app)
    client = login("helpdesk")
    url = f"/inventory/lines/{line.id}/edit"
    values = form_of(client, url)
    values.update(
        account_number="NW-1",
        employee="manager@example.com",
        status="suspended",
        suspended_on="2026-02-03",
        suspend_reason="Leave",
    )
    assert client.post(url, values).status_code == 302
    changes = {c.field: (c.old_value, c.new_value) for c in history(app, "line", line.id)}
    assert changes["account_number"][1] == "NW-1"
    assert changes["employee"] == ("Erin Park (employee@example.com)", "Marco Diaz (manager@example.com)")
    assert changes["status"] == ("Active", "Suspended")
    assert changes["suspended_on"] == (None, "2026-02-03")
    assert set(changes) == {"account_number", "employee", "status", "suspended_on", "suspend_reason"}


def test_a_changed_number_is_kept_in_the_history_in_national_format(app, login):
    line = erin_line(app)
    client = login("helpdesk")
    url = f"/inventory/lines/{line.id}/edit"
    values = form_of(client, url)
    values["number"] = "+1 212 555 0177"
    assert client.post(url, values).status_code == 302
    [change] = history(app, "line", line.id)
    assert (change.field, change.old_value, change.new_value) == ("number", "(212) 555-0100", "(212) 555-0177")
    with app.app_context():
        assert db.session.get(Line, line.id).number == "+12125550177"
        assert db.session.get(Line, line.id).number_digits == "2125550177"


CASES = [
    # (record, field, typed, message)
    ("device", "imei", "35391110104729", "An IMEI has 15 digits; this has 14."),
    ("device", "imei", "353911101047290", "This IMEI's check digit is wrong: check for a mistyped digit."),
    ("device", "imei", "", "Enter the IMEI."),
    ("device", "purchased_on", "03/02/2026", "Enter the date as YYYY-MM-DD, like 2026-03-01."),
    ("device", "employee", "nobody@example.com", "No one has the email nobody@example.com."),
    ("device", "employee", "erin", "Enter the employee's email address, like name@example.com."),
    ("device", "warranty_ends_on", "2000-01-01", "The warranty cannot end before the device was bought."),
    ("line", "number", "(555) 010-1234", "(555) 010-1234 is not a valid phone number."),
    ("line", "number", "call me", "Enter a phone number like (212) 555-0123."),
    ("line", "number", "", "Enter a phone number."),
    ("line", "device", "12345", "An IMEI has 15 digits; this has 5."),
    ("line", "device", make_imei("35391110", 999_001), "No device has the IMEI"),
    ("line", "suspended_on", "", "Enter the date the line was suspended."),
    ("sim", "iccid", "891260000000000001", "An ICCID has 19 or 20 digits; this has 18."),
    ("sim", "iccid", "1901260000000000014", "An ICCID starts with 89."),
    ("sim", "iccid", "8901260000000000015", "This ICCID's check digit is wrong: check for a mistyped digit."),
    ("sim", "line", "(555) 010-1234", "(555) 010-1234 is not a valid phone number."),
    ("sim", "line", "(212) 555-0999", "No active or suspended line has the number (212) 555-0999."),
    ("stipend", "monthly", "fifty", "Enter an amount like 50.00."),
    ("stipend", "monthly", "0", "Enter a monthly amount above $0.00."),
    ("stipend", "ends_on", "2000-01-01", "The stipend cannot end before it starts."),
]


def _record_url(app, record: str) -> str:
    line = erin_line(app)
    with app.app_context():
        ids = {
            "line": line.id,
            "device": line.device_id,
            "sim": db.session.scalar(select(Sim.id).where(Sim.line_id == line.id)),
            "stipend": db.session.scalar(select(func.min(Stipend.id))),
        }
    return f"/inventory/{record}s/{ids[record]}/edit"


@pytest.mark.parametrize("record,field,typed,message", CASES, ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_bad_input_gets_a_specific_message_next_to_its_field_keeps_what_was_typed_and_saves_nothing(
    app, login, record, field, typed, message
):
    client = login("helpdesk")
    url = _record_url(app, record)
    values = form_of(client, url)
    values[field] = typed
    if (record, field) == ("line", "suspended_on"):
        values["status"] = "suspended"
    values["serial"] = "TYPED-AND-KEPT" if record == "device" and field != "serial" else values.get("serial", "")
    before = _changes_count(app)
    response = client.post(url, values)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<small id="{field}-error" class="field-error">([^<]*)</small>', html)
    assert error, f"no error next to {field}"
    assert message.replace("'", "&#39;") in error.group(1) or message in error.group(1)
    assert f'aria-describedby="{field}-error"' in html and 'aria-invalid="true"' in html
    if typed:
        assert f'value="{typed}"' in html  # what was typed is still there
    if record == "device" and field != "serial":
        assert 'value="TYPED-AND-KEPT"' in html
    assert "Nothing was saved." in html
    assert _changes_count(app) == before


def _changes_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(InventoryChange))


def test_a_plan_from_another_carrier_is_refused_with_the_carriers_named(app, login):
    client = login("helpdesk")
    url = _record_url(app, "line")
    values = form_of(client, url)
    other = re.search(
        r'<optgroup label="Contoso Mobile">\s*<option value="(\d+)"', client.get(url).get_data(as_text=True)
    ).group(1)
    values["plan"] = other
    html = client.post(url, values).get_data(as_text=True)
    assert "is a Contoso Mobile plan; choose one of Northwind Wireless&#39;s plans." in html


def _someone_elses(app):
    """Another active line, its device and its SIM (not Erin's)."""
    with app.app_context():
        line = db.session.scalar(
            select(Line)
            .join(Line.employee)
            .where(User.email != "employee@example.com", Line.status == "active")
            .order_by(Line.id)
        )
        info = (line.number, line.device.imei, line.employee.name, line.sims[0].iccid, str(line.device.model))
        db.session.expunge_all()
        return info


def test_an_imei_already_in_use_names_the_device_and_the_line_that_have_it(app, login):
    number, imei, owner, _, model = _someone_elses(app)
    client = login("helpdesk")
    url = _record_url(app, "device")
    values = form_of(client, url)
    values["imei"] = imei
    html = client.post(url, values).get_data(as_text=True)
    national = f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    expected = f"IMEI {imei[:2]}-{imei[2:8]}-{imei[8:14]}-{imei[14]} already belongs to {model}"
    message = re.search(r'id="imei-error" class="field-error">([^<]*)<', html).group(1).replace("&#39;", "'")
    assert message.startswith(expected)
    assert f"on {owner}'s active line {national}" in message


def test_an_active_number_already_in_use_names_the_line_that_has_it(app, login):
    number, _, owner, _, _ = _someone_elses(app)
    client = login("helpdesk")
    url = _record_url(app, "line")
    values = form_of(client, url)
    values["number"] = number
    html = client.post(url, values).get_data(as_text=True).replace("&#39;", "'")
    national = f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    assert f"{national} is already the number of {owner}'s active line {national}." in html


def test_a_device_on_another_line_cannot_be_put_on_this_one(app, login):
    number, imei, owner, _, _ = _someone_elses(app)
    client = login("helpdesk")
    url = _record_url(app, "line")
    values = form_of(client, url)
    values["device"] = imei
    html = client.post(url, values).get_data(as_text=True).replace("&#39;", "'")
    assert f"is on {owner}'s active line" in html


def test_an_iccid_already_in_use_names_the_line_whose_sim_it_is(app, login):
    number, _, owner, iccid, _ = _someone_elses(app)
    client = login("helpdesk")
    url = _record_url(app, "sim")
    values = form_of(client, url)
    values["iccid"] = iccid
    html = client.post(url, values).get_data(as_text=True).replace("&#39;", "'")
    assert f"ICCID {iccid} is already the SIM of {owner}'s active line" in html


def test_someone_elses_save_after_you_opened_the_form_is_not_overwritten(app, login):
    line = erin_line(app)
    hana, ada = login("helpdesk"), login("admin")
    url = f"/inventory/devices/{line.device_id}/edit"
    hanas = form_of(hana, url)  # Hana opens the form…
    adas = form_of(ada, url)
    adas["serial"] = "ADA-SAVED-FIRST"
    assert ada.post(url, adas).status_code == 302  # …Ada saves first…
    hanas["serial"] = "HANA-TOO-LATE"
    response = hana.post(url, hanas)  # …then Hana saves her copy.
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Ada Lopez changed this device at" in html and "after you opened it" in html
    assert "Nothing was saved, so their change is kept." in html
    assert 'value="HANA-TOO-LATE"' in html  # what she typed is kept…
    assert "Now saved: ADA-SAVED-FIRST" in html  # …beside what is saved now
    with app.app_context():
        assert db.session.get(Device, line.device_id).serial == "ADA-SAVED-FIRST"
    assert [c.new_value for c in history(app, "device", line.device_id)] == ["ADA-SAVED-FIRST"]
    # Having seen Ada's change, Hana can save again on purpose: the form now carries the new version.
    retry = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    hanas["version"] = retry["version"]
    assert hana.post(url, hanas).status_code == 302
    with app.app_context():
        assert db.session.get(Device, line.device_id).serial == "HANA-TOO-LATE"


def test_a_save_that_races_past_the_version_check_is_refused_by_the_database(app, db_session):
    """Two sessions load the same version; the second flush finds it changed and nothing is written."""
    from sqlalchemy.orm import Session

    from app.inventory import editing

    line = db_session.scalar(select(Line).join(Line.employee).where(User.email == "employee@example.com"))
    hana = db_session.scalar(select(User).where(User.email == "helpdesk@example.com"))
    device = line.device
    version = device.version
    with Session(db.engine) as other:
        theirs = other.get(Device, device.id)
        theirs.serial = "OTHER-PROCESS"
        other.commit()
    with pytest.raises(editing.StaleEdit):
        editing.edit(db.session, device, {"serial": "MINE"}, actor=hana, expected_version=version)
    db_session.rollback()
    assert db_session.get(Device, device.id).serial == "OTHER-PROCESS"


def test_editing_in_place_saves_one_field_and_reloads_the_history(app, login):
    line = erin_line(app)
    client = login("helpdesk")
    base = f"/inventory/devices/{line.device_id}/fields/serial"
    form = client.get(f"{base}?edit=1&version=1", headers=HTMX).get_data(as_text=True)
    assert '<label for="devices' in form and "Save serial number" in form and "Cancel" in form
    assert "<html" not in form
    token = re.search(r'name="(devices\d+-csrf_token)"[^>]*value="([^"]+)"', form)
    response = client.post(
        base,
        {
            token.group(1): token.group(2),
            f"devices{line.device_id}-version": "1",
            f"devices{line.device_id}-serial": "INLINE-1",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "INLINE-1" in response.get_data(as_text=True)
    assert "inventory-changed" in response.headers["HX-Trigger"]
    assert "Serial number saved." in response.headers["HX-Trigger"]  # and a toast
    history_block = client.get(f"/inventory/lines/{line.id}", headers={**HTMX, "HX-Target": "history"}).get_data(
        as_text=True
    )
    assert "<html" not in history_block and "INLINE-1" in history_block and "Hana Kim" in history_block
    assert [c.field for c in history(app, "device", line.device_id)] == ["serial"]


def test_editing_in_place_refuses_bad_input_with_the_message_and_a_stale_copy_with_a_conflict(app, login):
    line = erin_line(app)
    client = login("helpdesk")
    prefix = f"devices{line.device_id}"
    base = f"/inventory/devices/{line.device_id}/fields/imei"
    client.get(f"{base}?edit=1&version=1", headers=HTMX)
    bad = client.post(base, {f"{prefix}-version": "1", f"{prefix}-imei": "123"}, headers=HTMX)
    assert bad.status_code == 422
    assert "An IMEI has 15 digits; this has 3." in bad.get_data(as_text=True)
    assert 'value="123"' in bad.get_data(as_text=True)
    with app.app_context():
        device = db.session.get(Device, line.device_id)
        device.serial = "CHANGED-ELSEWHERE"
        db.session.commit()  # now at version 2
    stale = client.post(
        base, {f"{prefix}-version": "1", f"{prefix}-imei": make_imei("35391110", 999_002)}, headers=HTMX
    )
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "changed this device" in html and "Nothing was saved" in html
    assert f'name="{prefix}-version" type="hidden" value="2"' in html or 'value="2"' in html


def test_editing_in_place_only_offers_its_fields_and_only_to_helpdesk(app, login):
    line = erin_line(app)
    assert login("helpdesk").get(f"/inventory/devices/{line.device_id}/fields/model?edit=1").status_code == 404
    assert login("employee").get(f"/inventory/devices/{line.device_id}/fields/serial?edit=1").status_code == 403
    assert login("employee").post(f"/inventory/devices/{line.device_id}/fields/serial", {}).status_code == 403


def test_an_edit_without_the_csrf_token_is_refused(app, login):
    line = erin_line(app)
    client = login("helpdesk")
    response = client.http.post(f"/inventory/devices/{line.device_id}/edit", data={"serial": "X"})
    assert response.status_code == 400


def test_the_edit_form_returns_to_the_page_it_was_opened_from(app, login):
    line = erin_line(app)
    client = login("helpdesk")
    url = f"/inventory/devices/{line.device_id}/edit?next=/inventory/lines/{line.id}"
    values = form_of(client, url)
    values["serial"] = "BACK-TO-LINE"
    assert client.post(url, values).headers["Location"] == f"/inventory/lines/{line.id}"
    evil = f"/inventory/devices/{line.device_id}/edit?next=//evil.example/"
    values = form_of(client, evil)
    values["serial"] = "STAYS-HOME"
    assert client.post(evil, values).headers["Location"] == f"/inventory/devices/{line.device_id}"


def test_stipend_amount_is_typed_in_dollars_and_recorded_as_money(app, login):
    client = login("helpdesk")
    url = _record_url(app, "stipend")
    values = form_of(client, url)
    values["monthly"] = "$62.50"
    assert client.post(url, values).status_code == 302
    stipend_id = int(url.split("/")[3])
    [change] = history(app, "stipend", stipend_id)
    assert change.field == "monthly_cents" and change.new_value == "$62.50"


def test_a_sim_moves_to_another_line_by_its_number(app, login):
    number, _, _, _, _ = _someone_elses(app)
    client = login("helpdesk")
    url = _record_url(app, "sim")
    values = form_of(client, url)
    values["line"] = number
    assert client.post(url, values).status_code == 302
    sim_id = int(url.split("/")[3])
    [change] = history(app, "sim", sim_id)
    assert change.field == "line" and change.old_value == "(212) 555-0100"


# ------------------------------------------------------------------ the domain function the orders reuse
def test_apply_changes_writes_one_row_per_field_that_really_changes(db_session):
    from app.inventory.history import apply_changes

    line = db_session.scalar(select(Line).join(Line.employee).where(User.email == "employee@example.com"))
    hana = db_session.scalar(select(User).where(User.email == "helpdesk@example.com"))
    marco = db_session.scalar(select(User).where(User.email == "manager@example.com"))
    changes = apply_changes(
        db.session,
        line,
        {
            "account_number": line.account_number,
            "activated_on": date(2026, 1, 2),
            "employee_id": marco.id,
            "suspend_reason": "",
        },
        actor=hana,
    )
    db_session.commit()
    assert [(c.record_type, c.field) for c in changes] == [("line", "activated_on"), ("line", "employee")]
    assert changes[1].old_value == "Erin Park (employee@example.com)"
    assert changes[1].new_value == "Marco Diaz (manager@example.com)"
    assert line.employee is marco and changes[0].actor is hana


def test_apply_changes_from_an_order_completion_links_the_order(db_session):
    from app.inventory.history import apply_changes
    from app.models import Order, OrderStatus

    line = db_session.scalar(select(Line).join(Line.employee).where(User.email == "employee@example.com"))
    order = Order(
        number="WO-TEST-1",
        type="change_plan",
        status=OrderStatus.COMPLETED,
        requester=line.employee,
        employee=line.employee,
        line=line,
    )
    db_session.add(order)
    db_session.flush()
    other_plan = next(p for p in line.carrier.plans if p.id != line.plan_id)
    [change] = apply_changes(db.session, line, {"plan": other_plan}, actor=None, order=order)
    device_changes = apply_changes(db.session, line.device, {"status": line.device.status}, actor=None, order=order)
    sim = Sim(iccid=make_iccid("01260", 777), line=line)
    db_session.add(sim)
    db_session.flush()
    [sim_change] = apply_changes(db.session, sim, {"active": False}, actor=None, order=order)
    db_session.commit()
    assert change.order_id == order.id and change.new_value == other_plan.name and change.actor_id is None
    assert device_changes == []
    assert (sim_change.record_type, sim_change.old_value, sim_change.new_value) == ("sim", "Yes", "No")


def test_the_line_page_shows_order_completions_in_its_history_with_the_order(app, login):
    from app.inventory.history import apply_changes
    from app.models import Order, OrderStatus

    with app.app_context():
        line = db.session.scalar(select(Line).join(Line.employee).where(User.email == "employee@example.com"))
        order = Order(
            number="WO-000777",
            type="change_plan",
            status=OrderStatus.COMPLETED,
            requester=line.employee,
            employee=line.employee,
            line=line,
        )
        db.session.add(order)
        db.session.flush()
        other_plan = next(p for p in line.carrier.plans if p.id != line.plan_id)
        apply_changes(db.session, line, {"plan": other_plan}, actor=None, order=order)
        db.session.commit()
        line_id, plan_name = line.id, other_plan.name
    html = login("helpdesk").get(f"/inventory/lines/{line_id}").get_data(as_text=True)
    history_part = html.split('id="history"', 1)[1]
    assert "WO-000777" in history_part and "System" in history_part and plan_name in history_part
