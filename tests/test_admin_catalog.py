"""Admins keep the catalog: every list can add, edit (in place, with or without JavaScript), retire and
restore, refuses bad input with a message beside the field, keeps what was typed and saves nothing half-way."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from app.crypto import decrypt
from app.extensions import db
from app.models import (
    AuditEntry,
    Carrier,
    DeviceModel,
    EligibilityRule,
    Line,
    Plan,
)
from tests.support.catalog import CASES
from tests.support.pages import HTMX, field_error, form_action, form_values, input_value, text_of


def _id(model, **where):
    return db.session.scalar(select(model.id).filter_by(**where))


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _audit(action: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def _existing(case) -> int:
    where = dict(case["existing"])
    if "carrier_id" in where:
        where["carrier_id"] = _id(Carrier, code=where["carrier_id"])
    return _id(case["model"], **where)


@pytest.mark.parametrize("kind", list(CASES))
def test_admin_adds_an_item_to_each_list_and_it_is_audited(login, db_session, kind):
    case = CASES[kind]
    admin = login("admin")
    response = admin.post(f"/admin/catalog/{kind}/new", case["new"]())
    assert response.status_code in (200, 302), field_error(response.get_data(as_text=True), case["bad"][0])
    item = db_session.scalars(select(case["model"]).filter_by(**case["find"])).one()
    assert item.active
    entry = _audit(f"{_action(kind)}.create")[-1]
    assert entry.actor.email == "admin@example.com"
    listing = admin.get(f"/admin/catalog/{kind}").get_data(as_text=True)
    assert f'id="{kind}-{item.id}"' in listing


@pytest.mark.parametrize("kind", list(CASES))
def test_bad_input_gets_its_message_beside_the_field_keeps_what_was_typed_and_saves_nothing(login, db_session, kind):
    case = CASES[kind]
    name, value, message = case["bad"]
    before, audits = _count(case["model"]), _count(AuditEntry)
    data = case["new"]() | {name: value}
    response = login("admin").post(f"/admin/catalog/{kind}/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, name) == message
    assert input_value(page, name) == value
    for other, typed in data.items():  # everything else typed is kept too
        if isinstance(typed, str) and other != name and input_value(page, other) is not None:
            assert input_value(page, other) == typed.strip() or other in ("code",), other
    assert (_count(case["model"]), _count(AuditEntry)) == (before, audits)


@pytest.mark.parametrize("kind", list(CASES))
def test_admin_edits_a_row_in_place_with_htmx(login, db_session, kind):
    case = CASES[kind]
    item_id = _existing(case)
    admin = login("admin")
    fragment = admin.get(f"/admin/catalog/{kind}?edit={item_id}", headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<tr id="{kind}-{item_id}" class="editing-row">')
    assert "<html" not in fragment
    field, new_value = case["edit"]
    data = form_values(fragment) | {field: new_value}
    response = admin.post(form_action(fragment), data, headers=HTMX)
    row = response.get_data(as_text=True)
    assert response.status_code == 200, row
    assert row.lstrip().startswith(f'<tr id="{kind}-{item_id}"') and "editing-row" not in row
    assert "HX-Trigger" in response.headers  # "Saved …" as a toast
    db_session.expire_all()
    assert case["check"](db_session.get(case["model"], item_id))
    assert _audit(f"{_action(kind)}.update")[-1].details["changes"]


@pytest.mark.parametrize("kind", list(CASES))
def test_admin_retires_and_restores_an_item_and_the_list_says_so_in_words(login, db_session, kind):
    case = CASES[kind]
    item_id = _existing(case)
    admin = login("admin")
    row = admin.post(f"/admin/catalog/{kind}/{item_id}/retire", headers=HTMX).get_data(as_text=True)
    assert "Retired</span>" in row and ">Restore<" in row
    db_session.expire_all()
    assert db_session.get(case["model"], item_id).active is False
    listing = admin.get(f"/admin/catalog/{kind}?status=retired").get_data(as_text=True)
    assert f'id="{kind}-{item_id}"' in listing and "Retired</span>" in listing
    response = admin.post(f"/admin/catalog/{kind}/{item_id}/restore")  # without JavaScript: back to the list
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(case["model"], item_id).active is True
    assert [e.action for e in db_session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()[-2:]] == [
        f"{_action(kind)}.retire",
        f"{_action(kind)}.restore",
    ]


def _action(kind: str) -> str:
    return {
        "carriers": "carrier",
        "plans": "plan",
        "features": "feature",
        "device-models": "device_model",
        "accessories": "accessory",
        "stipend-tiers": "stipend_tier",
    }[kind]


def test_editing_works_without_javascript_and_errors_come_back_in_the_row(login, db_session):
    plan_id = _id(Plan, name="Voice only", monthly_cents=1500)
    admin = login("admin")
    page = admin.get(f"/admin/catalog/plans?q=voice&edit={plan_id}").get_data(as_text=True)
    assert "<html" in page and 'class="editing-row"' in page
    data = form_values(page.split('class="editing-row"', 1)[1])
    bad = admin.post(f"/admin/catalog/plans/{plan_id}?q=voice", data | {"monthly_price": "12,50"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "<html" in html
    assert field_error(html, f"plans-{plan_id}-monthly_price") == "Enter a monthly price like 45.00."
    assert input_value(html, f"plans-{plan_id}-monthly_price") == "12,50"
    good = admin.post(f"/admin/catalog/plans/{plan_id}?q=voice", data | {"monthly_price": "12.50"})
    assert good.status_code == 302 and good.headers["Location"] == "/admin/catalog/plans?q=voice"
    db_session.expire_all()
    assert db_session.get(Plan, plan_id).monthly_cents == 1250


def test_htmx_edit_with_an_error_comes_back_as_the_row_with_a_422(login, db_session):
    plan_id = _id(Plan, name="Voice only", monthly_cents=1500)
    admin = login("admin")
    fragment = admin.get(f"/admin/catalog/plans?edit={plan_id}", headers=HTMX).get_data(as_text=True)
    response = admin.post(form_action(fragment), form_values(fragment) | {"name": ""}, headers=HTMX)
    row = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in row
    assert field_error(row, f"plans-{plan_id}-name") == "Enter the plan's name, like Business Unlimited."
    cancel = admin.get(f"/admin/catalog/plans/{plan_id}", headers=HTMX).get_data(as_text=True)
    assert "Voice only" in cancel and "editing-row" not in cancel


def test_a_carrier_code_already_taken_is_refused_by_name(login, db_session):
    response = login("admin").post("/admin/catalog/carriers/new", CASES["carriers"]["new"]() | {"code": "Northwind"})
    assert field_error(response.get_data(as_text=True), "code") == "A carrier with code northwind already exists."


def test_a_new_carriers_webhook_secret_is_shown_once_and_stored_encrypted(login, db_session):
    admin = login("admin")
    response = admin.post("/admin/catalog/carriers/new", CASES["carriers"]["new"]())
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = input_value(page, "webhook-secret")
    assert len(secret) >= 32 and "shown only this once" in text_of(page)
    carrier = db_session.scalars(select(Carrier).where(Carrier.code == "litware")).one()
    assert secret not in carrier.webhook_secret_encrypted and decrypt(carrier.webhook_secret_encrypted) == secret
    assert secret not in admin.get("/admin/catalog/carriers").get_data(as_text=True)
    assert all(secret not in str(e.details) for e in db_session.scalars(select(AuditEntry)))


def test_rotating_a_webhook_secret_asks_first_then_shows_the_new_one_once(login, db_session):
    carrier_id = _id(Carrier, code="contoso")
    admin = login("admin")
    confirm = admin.get(f"/admin/catalog/carriers/{carrier_id}/webhook-secret").get_data(as_text=True)
    assert "stops working at once" in confirm and ">Rotate webhook secret</button>" in confirm
    response = admin.post(f"/admin/catalog/carriers/{carrier_id}/webhook-secret")
    secret = input_value(response.get_data(as_text=True), "webhook-secret")
    db_session.expire_all()
    stored = db_session.get(Carrier, carrier_id).webhook_secret_encrypted
    assert decrypt(stored) == secret != "demo-carrier-secret"
    assert _audit("carrier.rotate_secret")[-1].target == "Contoso Mobile"


def test_a_plan_name_is_unique_per_carrier_only(login, db_session):
    admin = login("admin")
    data = CASES["plans"]["new"]() | {"name": "business unlimited"}
    page = admin.post("/admin/catalog/plans/new", data).get_data(as_text=True)
    assert field_error(page, "name") == "Northwind Wireless already has a plan called business unlimited."
    other_carrier = data | {"carrier_id": str(_id(Carrier, code="fabrikam")), "name": "Field 50 GB"}
    assert admin.post("/admin/catalog/plans/new", other_carrier).status_code == 302


def test_a_feature_code_is_unique_per_carrier(login, db_session):
    data = CASES["features"]["new"]() | {"code": "hotspot"}
    page = login("admin").post("/admin/catalog/features/new", data).get_data(as_text=True)
    assert field_error(page, "code") == "Contoso Mobile already has a feature with code hotspot."


def test_plan_money_is_entered_in_dollars_and_kept_in_cents(login, db_session):
    login("admin").post("/admin/catalog/plans/new", CASES["plans"]["new"]() | {"employee_share": "5"})
    plan = db_session.scalars(select(Plan).where(Plan.name == "Field 50 GB")).one()
    assert (plan.monthly_cents, plan.employee_share_cents, plan.data_gb) == (5550, 500, 50)


def test_an_employee_share_above_the_price_is_refused(login, db_session):
    page = (
        login("admin")
        .post("/admin/catalog/accessories/new", CASES["accessories"]["new"]() | {"employee_share": "25"})
        .get_data(as_text=True)
    )
    assert field_error(page, "employee_share") == "The employee cannot pay more than the price."


def test_adding_a_device_model_in_several_storage_sizes_and_colours_adds_each_variant(login, db_session):
    data = CASES["device-models"]["new"]() | {"storage": "128, 256", "colors": "Frost, Obsidian"}
    response = login("admin").post("/admin/catalog/device-models/new", data)
    assert response.status_code == 302
    variants = db_session.scalars(select(DeviceModel).where(DeviceModel.name == "Pixel 10")).all()
    assert sorted(str(v) for v in variants) == [
        "Google Pixel 10 128 GB Frost",
        "Google Pixel 10 128 GB Obsidian",
        "Google Pixel 10 256 GB Frost",
        "Google Pixel 10 256 GB Obsidian",
    ]
    assert all([c.code for c in v.carriers] == ["northwind"] and v.price_cents == 99900 for v in variants)


def test_a_device_variant_that_exists_already_is_refused_and_none_of_the_others_is_added(login, db_session):
    data = {
        "maker": "apple",
        "name": "iphone 16",
        "kind": "phone",
        "storage": "128, 512",
        "colors": "Black",
        "price": "799",
        "carriers": [str(_id(Carrier, code="northwind"))],
    }
    page = login("admin").post("/admin/catalog/device-models/new", data).get_data(as_text=True)
    assert field_error(page, "name") == "apple iphone 16 128 GB Black already exists."
    assert _count(DeviceModel, DeviceModel.storage_gb == 512) == 0


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("storage", "128 GB", "Enter storage sizes in GB as whole numbers separated by commas, like 128, 256."),
        ("carriers", [], "Choose at least one carrier that supports it."),
        ("maker", "  ", "Enter the maker, like Apple."),
    ],
)
def test_device_model_messages(login, db_session, field, value, message):
    data = CASES["device-models"]["new"]() | {field: value}
    page = login("admin").post("/admin/catalog/device-models/new", data).get_data(as_text=True)
    assert field_error(page, field) == message


def test_a_saved_variant_keeps_one_storage_size(login, db_session):
    model_id = _id(DeviceModel, name="iPhone SE")
    admin = login("admin")
    fragment = admin.get(f"/admin/catalog/device-models?edit={model_id}", headers=HTMX).get_data(as_text=True)
    row = admin.post(form_action(fragment), form_values(fragment) | {"storage": "64, 128"}, headers=HTMX)
    assert field_error(row.get_data(as_text=True), f"device-models-{model_id}-storage") == (
        "A saved variant has one storage size: add other sizes as a new device model."
    )


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("name", "Basic", "A stipend tier called Basic already exists."),
        ("monthly_amount", "0", "Enter a monthly amount greater than 0, like 50.00."),
        ("monthly_amount", "", "Enter a monthly amount like 50.00."),
    ],
)
def test_stipend_tier_messages(login, db_session, field, value, message):
    page = (
        login("admin")
        .post("/admin/catalog/stipend-tiers/new", CASES["stipend-tiers"]["new"]() | {field: value})
        .get_data(as_text=True)
    )
    assert field_error(page, field) == message


def test_who_may_order_is_set_on_the_item_form_and_shown_in_the_list(login, db_session):
    from app.models import Department

    sales = db_session.scalars(select(Department).where(Department.name == "Sales")).one()
    data = CASES["device-models"]["new"]() | {"departments": [str(sales.id)], "roles": ["helpdesk"]}
    admin = login("admin")
    assert admin.post("/admin/catalog/device-models/new", data).status_code == 302
    model = db_session.scalars(select(DeviceModel).where(DeviceModel.name == "Pixel 10")).one()
    rules = db_session.scalars(
        select(EligibilityRule).where(EligibilityRule.item_id == model.id, EligibilityRule.item_kind == "device_model")
    ).all()
    assert {(r.department_id, r.role and r.role.value) for r in rules} == {(sales.id, None), (None, "helpdesk")}
    row = admin.get(f"/admin/catalog/device-models/{model.id}", headers=HTMX).get_data(as_text=True)
    assert "<td>Sales, helpdesk (role)</td>" in row
    assert _audit("eligibility.update")[-1].details["who_may_order"] == ["Everyone", "Sales, helpdesk (role)"]


def test_a_retired_plan_stays_on_the_lines_that_have_it(login, db_session):
    line = db_session.scalars(select(Line).where(Line.plan_id.is_not(None))).first()
    plan_id, line_id = line.plan_id, line.id
    login("admin").post(f"/admin/catalog/plans/{plan_id}/retire")
    db_session.expire_all()
    line = db_session.get(Line, line_id)
    assert line.plan_id == plan_id and line.plan.active is False


def test_search_finds_by_every_word_and_htmx_gets_only_the_results(login):
    admin = login("admin")
    page = admin.get("/admin/catalog/device-models?q=apple+pro").get_data(as_text=True)
    assert "<html" in page and "iPhone 16 Pro" in page and "Galaxy" not in page and "iPhone SE" not in page
    fragment = admin.get("/admin/catalog/device-models?q=galaxy", headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and "Galaxy S25" in fragment and "iPhone" not in text_of(fragment)
    assert "1 plan matching" in text_of(admin.get("/admin/catalog/plans?q=fabrikam+voice").get_data(as_text=True))
    none = admin.get("/admin/catalog/carriers?q=100%25").get_data(as_text=True)  # % is a character, not a wildcard
    assert "0 carriers" in text_of(none)


def _queries_for(app, client, url: str) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.parametrize("kind", list(CASES))
def test_a_list_takes_the_same_number_of_queries_however_many_rows_it_shows(app, login, db_session, kind):
    admin = login("admin")
    few = _queries_for(app, admin, f"/admin/catalog/{kind}?q=zzz-nothing")
    many = _queries_for(app, admin, f"/admin/catalog/{kind}")
    assert many <= few + 3, (few, many)  # the rows' relations and rules: one query each, not one per row
