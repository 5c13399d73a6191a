"""Ordering: each of the 18 types, from the form to a submitted order, and each type's own refusal."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Device, Line, LineStatus, Order, OrderStatus, User
from app.orders.types import MOBILE, REGISTRY
from tests.support.ordering import ERIN, PIN, TELECOM, age_erins_device, errors_of, fill, place, valid_orders

SEED_TYPES = [
    "new_line",
    "upgrade",
    "warranty_replacement",
    "accessory",
    "port_in",
    "transfer_liability",
    "stipend_enroll",
    "activate_in_stock",
    "change_features",
    "change_plan",
    "change_number",
    "swap_to_stock_device",
    "sim_request",
    "restore",
    "assign_line",
    "suspend",
    "disconnect",
    "stipend_remove",
]
ALL_TYPES = list(REGISTRY)  # every registered type, whatever the module


def test_the_registry_has_the_eighteen_types_of_the_source_description():
    assert sorted(t.code for t in REGISTRY.values() if t.module == MOBILE) == sorted(SEED_TYPES)


@pytest.mark.parametrize("code", ALL_TYPES)
def test_a_valid_order_of_each_type_is_submitted_and_waits_for_approval(app, login, demo, code):
    if code == "upgrade":
        age_erins_device(app, days=800)
    role, data, for_email = valid_orders(demo)[code]
    client = login(role)
    for_user = demo.user(for_email) if for_email else None
    number = place(client, code, data, for_user=for_user)
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert order.type == code and order.status is OrderStatus.PENDING_APPROVAL
        assert order.submitted_at is not None
        emails = {"employee": ERIN, "helpdesk": "helpdesk@example.com", "telecom": TELECOM}
        assert order.employee.email == (for_email or emails[role])
        assert order.requester.email == emails[role]
        assert order.cost_center_id == order.employee.cost_center_id
        assert [e.kind for e in order.events] == ["submit"]
        for name, value in data.items():
            if name in ("transfer_pin", "account_number", "ship_to"):  # secrets are kept apart, encrypted
                continue
            stored = order.details[name]
            expected = value if isinstance(value, list) else value
            if value == "y":  # a ticked box is kept as True
                expected = True
            assert (stored == expected) or (stored == [expected]) or str(stored) == str(value), name
        if "line" in data:
            assert order.line_id == data["line"]
    page = client.get(f"/orders/{number}").get_data(as_text=True)
    assert "Pending approval" in page and number in page


def test_prices_come_from_the_catalog(app, login, demo):
    number = place(login("employee"), "new_line", valid_orders(demo)["new_line"][1])
    order = demo.order(number)
    assert order.one_time_cents == 79900  # iPhone 16
    assert order.monthly_cents == 4500  # Business Unlimited on Northwind, no features


# ------------------------------------------------------------------ each type's refusals
def _refusal(login, demo, code, changes, for_email=None, role="employee"):
    base_role, data, base_for = valid_orders(demo)[code]
    data = {**data, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    for_email = for_email or base_for
    response = fill(
        login(role if role != "employee" else base_role),
        code,
        data,
        for_user=demo.user(for_email) if for_email else None,
    )
    assert response.status_code == 422, "the form was accepted"
    return errors_of(response), response.get_data(as_text=True)


@pytest.mark.parametrize(
    "code,changes,message",
    [
        ("new_line", {"plan": None}, "Choose a plan."),
        ("new_line", {"ship_to": "other"}, "Enter the street address."),
        ("accessory", {"accessories": None}, "Choose at least one accessory."),
        ("port_in", {"transfer_pin": None}, "Enter the transfer PIN from the current carrier."),
        ("port_in", {"transfer_pin": "12ab"}, "A transfer PIN is 4 to 10 digits."),
        ("port_in", {"billing_zip": "ABC"}, "Enter a ZIP code like 10118 or 10118-0001."),
        (
            "transfer_liability",
            {"phone_number": None},
            "Enter the personal number that moves to the corporate account.",
        ),
        ("transfer_liability", {"phone_number": "(555) 010-1234"}, "(555) 010-1234 is not a valid phone number."),
        ("change_features", {"features": None}, "hotspot"),  # placeholder replaced below
        ("change_plan", {"plan": "SAME"}, "This line is already on Business Unlimited: choose another plan."),
        ("change_number", {"preferred_area_code": "123"}, "An area code is 3 digits and does not start with 0 or 1."),
        ("swap_to_stock_device", {"stock_device": None}, "Choose an in-stock device."),
        ("sim_request", {"reason": None}, "Say why a new SIM is needed."),
        ("suspend", {"reason": None}, "Give the reason for the suspension."),
        (
            "disconnect",
            {"effective_on": (clock.today() - timedelta(days=1)).isoformat()},
            "The date is in the past: choose today or later.",
        ),
        ("activate_in_stock", {"stock_device": None}, "Choose an in-stock device."),
    ],
)
def test_each_type_refuses_bad_answers_with_a_specific_message(login, demo, code, changes, message):
    if code == "change_features":
        changes, message = (
            {"features": [demo.feature("northwind", "visual_vm")]},
            "These are the line's features already: add or remove at least one.",
        )
    if changes.get("plan") == "SAME":
        changes = {"plan": demo.plan("northwind", "Business Unlimited")}
    errors, html = _refusal(login, demo, code, changes)
    assert message in errors


def test_a_refused_form_keeps_everything_typed(login, demo):
    errors, html = _refusal(login, demo, "port_in", {"billing_zip": "ABC"})
    assert 'value="Erin Park"' in html and 'value="ABC"' in html
    assert PIN not in html and "PERS-22918" not in html  # secrets are never sent back to the browser


def test_an_early_upgrade_without_a_justification_is_refused_with_the_date_it_becomes_eligible(app, login, demo):
    errors, _ = _refusal(login, demo, "upgrade", {})
    with app.app_context():
        device = db.session.get(Device, demo.device_of(ERIN))
        from app.formatting import day
        from app.orders.types.rules import add_months

        eligible_on = day(add_months(device.activated_on, 24))
    assert f"Early upgrade is out of policy (the line is eligible on {eligible_on}" in errors
    assert "every 24 months; Northwind Wireless charges $150.00 for an early upgrade): say why you need it." in errors


def test_upgrade_eligibility_follows_the_company_setting(app, login, demo):
    from app.models import Setting

    with app.app_context():
        db.session.merge(Setting(key="upgrade_eligibility_months", value=3))
        db.session.commit()
    place(login("employee"), "upgrade", valid_orders(demo)["upgrade"][1])


def test_warranty_refuses_a_device_over_a_year_old_and_points_to_upgrade(app, login, demo):
    age_erins_device(app, days=400)
    errors, _ = _refusal(login, demo, "warranty_replacement", {})
    assert "more than a year ago, so the carrier's warranty has ended. Order an Upgrade instead (an early" in errors


@pytest.mark.parametrize(
    "problem,words", [("physical", "physical damage"), ("liquid", "liquid damage"), ("battery", "battery problems")]
)
def test_warranty_refuses_damage_it_does_not_cover(login, demo, problem, words):
    errors, _ = _refusal(login, demo, "warranty_replacement", {"problem": problem})
    assert f"The carrier's warranty does not cover {words}. Order an Upgrade instead (an early upgrade" in errors


def test_restore_refuses_a_line_disconnected_longer_ago_than_the_carrier_window(login, demo):
    owner = demo.owner_of_line(LineStatus.DISCONNECTED, days_disconnected=45)
    line = demo.line_of(owner, LineStatus.DISCONNECTED)
    errors, _ = _refusal(login, demo, "restore", {"line": line}, for_email=owner, role="helpdesk")
    assert "45 days ago; Fabrikam Cellular restores lines only within 30 days of disconnection." in errors


def test_restore_accepts_a_line_disconnected_within_the_window(login, demo):
    owner = demo.owner_of_line(LineStatus.DISCONNECTED, days_disconnected=10)
    place(
        login("helpdesk"), "restore", {"line": demo.line_of(owner, LineStatus.DISCONNECTED)}, for_user=demo.user(owner)
    )


def test_restore_refuses_an_active_line(login, demo):
    errors, _ = _refusal(login, demo, "restore", {"line": demo.line_of(ERIN)}, for_email=ERIN, role="helpdesk")
    assert "This line is active: Restore service applies only to disconnected or suspended lines." in errors


def test_no_plan_change_on_a_disconnected_line(app, login, demo):
    with app.app_context():
        line = db.session.get(Line, demo.line_of(ERIN))
        line.status, line.disconnected_on = LineStatus.DISCONNECTED, clock.today()
        db.session.commit()
    errors, _ = _refusal(login, demo, "change_plan", {"line": demo.line_of(ERIN, LineStatus.DISCONNECTED)})
    assert "This line is disconnected: Change plan applies only to active lines." in errors


def test_port_requires_a_new_device_when_the_current_one_does_not_work_on_the_new_carrier(app, login, demo):
    age_erins_device(app, days=100, model_name="Pixel 9")  # Pixel 9 works on Northwind and Contoso only
    errors, _ = _refusal(
        login,
        demo,
        "port_in",
        {"carrier": demo.carrier("fabrikam"), "plan": demo.plan("fabrikam", "Business Unlimited")},
    )
    assert "The Google Pixel 9 128 GB Obsidian does not work on Fabrikam Cellular: choose a new device." in errors
    data = {
        **valid_orders(demo)["port_in"][1],
        "carrier": demo.carrier("fabrikam"),
        "plan": demo.plan("fabrikam", "Business Unlimited"),
        "device_model": demo.model("iPhone 16"),
    }
    place(login("employee"), "port_in", data)


def test_activating_a_stock_device_on_a_carrier_it_does_not_support_is_refused(login, demo):
    errors, _ = _refusal(
        login,
        demo,
        "activate_in_stock",
        {
            "stock_device": demo.in_stock("Pixel 9"),
            "carrier": demo.carrier("fabrikam"),
            "plan": demo.plan("fabrikam", "Business 10 GB"),
        },
    )
    assert "The Google Pixel 9 128 GB Obsidian does not work on Fabrikam Cellular." in errors


def test_stipend_enrolment_is_refused_for_someone_enrolled_and_removal_for_someone_not(login, demo):
    holder = demo.stipend_holder()
    errors, _ = _refusal(login, demo, "stipend_enroll", {}, for_email=holder, role="helpdesk")
    assert "is already enrolled in the stipend program." in errors
    errors, _ = _refusal(login, demo, "stipend_remove", {}, for_email=ERIN, role="helpdesk")
    assert "Erin Park is not enrolled in the stipend program." in errors


def test_assigning_a_line_to_its_current_holder_is_refused(login, demo):
    errors, _ = _refusal(login, demo, "assign_line", {"new_employee": demo.user(ERIN)})
    assert "The line is already assigned to Erin Park." in errors


def test_esim_is_refused_for_a_device_that_does_not_take_one(app, login, demo):
    from app.models import DeviceModel

    with app.app_context():
        model = db.session.scalar(select(DeviceModel).where(DeviceModel.name == "iPhone 16"))
        model.esim = False
        db.session.commit()
    errors, _ = _refusal(login, demo, "sim_request", {})
    assert "does not take an eSIM: choose a physical SIM card." in errors


def test_a_line_with_an_open_order_cannot_get_a_conflicting_one(app, login, demo):
    age_erins_device(app, days=800)
    client = login("employee")
    upgrade = place(client, "upgrade", valid_orders(demo)["upgrade"][1])
    response = fill(client, "disconnect", valid_orders(demo)["disconnect"][1])
    assert f"{upgrade} (Upgrade) is already open for this line: wait for it to finish or cancel it first." in errors_of(
        response
    )


# ------------------------------------------------------------------ availability on the New order page
def test_new_order_page_groups_types_and_disables_what_cannot_apply_with_the_reason(login):
    html = login("employee").get("/orders/new").get_data(as_text=True)
    assert html.index("New requests") < html.index("Modify requests") < html.index("Delete requests")
    assert "Not available: You have no suspended or disconnected line." in html
    assert "Not available: You are not enrolled in the stipend program." in html
    assert 'href="/orders/new/new_line"' in html
    assert 'href="/orders/new/restore"' not in html


# ------------------------------------------------------------------ on behalf
def test_a_manager_orders_for_a_report_and_the_order_records_both(login, demo):
    client = login("manager")
    number = place(client, "new_line", valid_orders(demo)["new_line"][1], for_user=demo.user(ERIN))
    order = demo.order(number)
    assert order.requester_id == demo.user("manager@example.com") and order.employee_id == demo.user(ERIN)


def test_an_employee_cannot_order_for_someone_else(login, demo):
    client = login("employee")
    assert client.get(f"/orders/new/new_line?for={demo.user('manager@example.com')}").status_code == 403
    assert client.get(f"/orders/new?for={demo.user('manager@example.com')}").status_code == 403


def test_helpdesk_picks_whom_to_order_for(login, demo):
    html = login("helpdesk").get(f"/orders/new?for={demo.user(ERIN)}").get_data(as_text=True)
    assert "Ordering for <strong>Erin Park</strong>" in html
    assert f"/orders/new/new_line?for={demo.user(ERIN)}" in html


# ------------------------------------------------------------------ drafts and idempotency
def test_save_draft_keeps_an_unfinished_order_to_resume_or_delete(login, demo):
    client = login("employee")
    response = fill(
        client,
        "port_in",
        {"line": demo.line_of(ERIN), "account_number": "PERS-1", "transfer_pin": PIN},
        action="save_draft",
    )
    assert response.status_code == 302
    mine = client.get("/orders").get_data(as_text=True)
    assert "Drafts" in mine and "Port to another carrier" in mine
    number = mine.split("Resume ")[1].split("<")[0]
    form = client.get(f"/orders/{number}/edit").get_data(as_text=True)
    assert "PERS-1" not in form and PIN not in form  # secrets are kept, never sent back
    assert client.post(f"/orders/{number}/delete").status_code == 302
    assert "Drafts" not in client.get("/orders").get_data(as_text=True)


def test_posting_the_same_form_twice_makes_one_draft_and_submitting_twice_one_order(app, login, demo):
    client = login("employee")
    url = "/orders/new/new_line"
    client.get(url)
    data = {**valid_orders(demo)["new_line"][1], "form_token": "token-123", "action": "review"}
    first = client.post(url, data).headers["Location"]
    second = client.post(url, data).headers["Location"]
    assert first == second
    number = first.split("/")[2]
    assert client.post(f"/orders/{number}/submit", {}).status_code == 302
    again = client.post(f"/orders/{number}/submit", {})
    assert again.headers["Location"] == f"/orders/{number}"
    with app.app_context():
        orders = db.session.scalars(select(Order).where(Order.requester_id == demo.user(ERIN))).all()
        assert len(orders) == 1 and orders[0].status is OrderStatus.PENDING_APPROVAL
        assert len(orders[0].events) == 1


def test_orders_get_readable_numbers(login, demo):
    number = place(login("employee"), "stipend_enroll", valid_orders(demo)["stipend_enroll"][1])
    assert number.startswith("WO-") and len(number) == 9


# ------------------------------------------------------------------ secrets
def test_transfer_pin_and_account_number_are_encrypted_at_rest_and_never_shown_in_clear(app, login, demo):
    client = login("employee")
    number = place(client, "port_in", valid_orders(demo)["port_in"][1])
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert PIN not in (order.secrets_encrypted or "") and PIN not in str(order.details)
        assert "PERS-22918" not in str(order.details)
        from app.crypto import decrypt_json

        assert decrypt_json(order.secrets_encrypted) == {"transfer_pin": PIN, "account_number": "PERS-22918"}
    for url in (f"/orders/{number}", "/orders", f"/orders/{number}?part=status", "/"):
        page = client.get(url).get_data(as_text=True)
        assert PIN not in page and "PERS-22918" not in page, url
    assert "••••20" in client.get(f"/orders/{number}").get_data(as_text=True)
    assert PIN not in login("manager").get(f"/orders/{number}").get_data(as_text=True)


# ------------------------------------------------------------------ My orders, order page, cancel
def test_my_orders_filters_by_status_and_searches_by_number_or_phone(app, login, demo):
    client = login("employee")
    a = place(client, "change_plan", valid_orders(demo)["change_plan"][1])
    b = place(client, "stipend_enroll", valid_orders(demo)["stipend_enroll"][1])
    client.post(f"/orders/{b}/cancel", {"reason": "Changed my mind."})
    html = client.get("/orders?status=cancelled").get_data(as_text=True)
    assert b in html and a not in html
    with app.app_context():
        number = db.session.get(Line, demo.line_of(ERIN)).number  # +1212555…
    typed = f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    html = client.get("/orders", query_string={"q": typed}).get_data(as_text=True)
    assert a in html and b not in html
    html = client.get("/orders", query_string={"q": b}).get_data(as_text=True)
    assert b in html and a not in html
    fragment = client.get("/orders?status=cancelled", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and b in fragment


def test_an_office_without_a_street_is_shown_without_stray_commas(app, login, demo):
    with app.app_context():
        office = db.session.get(User, demo.user(ERIN)).location
        office.street = ""
        db.session.commit()
    client = login("employee")
    number = place(client, "new_line", valid_orders(demo)["new_line"][1])
    page = client.get(f"/orders/{number}").get_data(as_text=True)
    assert "Office: New York HQ, New York, NY 10118" in page
    assert ", ," not in page and ",," not in page


def test_another_address_is_shown_on_one_line_with_its_state_and_zip(login, demo):
    answers = {
        **valid_orders(demo)["new_line"][1],
        "ship_to": "other",
        "ship_street": "  12 Elm Street ",
        "ship_city": "Boulder",
        "ship_state": "CO",
        "ship_postal_code": "80302",
    }
    client = login("employee")
    number = place(client, "new_line", answers)
    assert "12 Elm Street, Boulder, CO 80302" in client.get(f"/orders/{number}").get_data(as_text=True)


def test_order_page_shows_progress_timeline_and_details(login, demo):
    client = login("employee")
    number = place(client, "new_line", valid_orders(demo)["new_line"][1])
    html = client.get(f"/orders/{number}").get_data(as_text=True)
    assert 'aria-label="Progress"' in html
    assert "Submitted" in html and "(done)" in html and "(in progress)" in html
    assert "Business Unlimited" in html and "Office: New York HQ" in html
    assert 'data-hx-trigger="every 5s"' in html  # in flight: the status refreshes itself
    status = client.get(f"/orders/{number}?part=status", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert status.lstrip().startswith('<section id="order-status"')


def test_cancel_needs_a_reason_and_then_stops_the_order_and_its_polling(login, demo):
    client = login("employee")
    number = place(client, "new_line", valid_orders(demo)["new_line"][1])
    refused = client.post(f"/orders/{number}/cancel", {"reason": ""})
    assert refused.status_code == 422 and "Say why you are cancelling." in refused.get_data(as_text=True)
    client.post(f"/orders/{number}/cancel", {"reason": "Ordered the wrong phone."})
    html = client.get(f"/orders/{number}").get_data(as_text=True)
    assert "Cancelled" in html and "Ordered the wrong phone." in html
    assert 'data-hx-trigger="every 5s"' not in html and "Cancel order" not in html


def test_another_employees_order_is_not_found_by_url(login, demo):
    number = place(login("employee"), "stipend_enroll", valid_orders(demo)["stipend_enroll"][1])
    other = login("helpdesk")  # helpdesk may see it
    assert other.get(f"/orders/{number}").status_code == 200
    from tests.support.helpers import Client

    stranger = Client(login("employee").app)
    stranger.sign_in("liam.nguyen@example.com")
    assert stranger.get(f"/orders/{number}").status_code == 404
    assert stranger.post(f"/orders/{number}/cancel", {"reason": "x"}).status_code == 404


def test_choosing_a_carrier_refreshes_the_plans_devices_and_price_without_errors(login, demo):
    client = login("employee")
    client.get("/orders/new/new_line")
    fragment = client.post(
        "/orders/new/new_line?refresh=1", {"carrier": demo.carrier("fabrikam")}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="order-form-body">')
    assert "Business Unlimited · $42.00/month" in fragment  # Fabrikam's price
    assert "Pixel 9" not in fragment  # not supported on Fabrikam
    assert "field-error" not in fragment
    priced = client.post(
        "/orders/new/new_line?refresh=1",
        {
            "carrier": demo.carrier("northwind"),
            "plan": demo.plan("northwind", "Business 10 GB"),
            "device_model": demo.model("iPhone SE"),
        },
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "$429.00" in priced and "$30.00" in priced


def test_choosing_a_line_shows_its_plan_features_and_device(login, demo):
    client = login("employee")
    client.get("/orders/new/change_plan")
    fragment = client.post(
        "/orders/new/change_plan?refresh=1", {"line": demo.line_of(ERIN)}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "Today:" in fragment and "Business Unlimited" in fragment and "Visual voicemail" in fragment
    assert "iPhone 16" in fragment


def test_a_link_naming_the_type_opens_its_form_prefilled(login, demo):
    client = login("helpdesk")
    line = demo.line_of(ERIN)
    response = client.get(f"/orders/new?type=disconnect&line={line}&for={demo.user(ERIN)}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/orders/new/disconnect?")
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<option selected value="{line}"' in form or f'value="{line}" selected' in form


# ------------------------------------------------------------------ ordering for someone else
def test_a_form_refresh_keeps_the_person_ordered_for(app, login, demo):
    iris = demo.user("iris.sato@example.com")
    hana = login("helpdesk")
    hana.get(f"/orders/new/change_plan?for={iris}")
    fragment = hana.post(
        f"/orders/new/change_plan?for={iris}&refresh=1",
        {"line": demo.line_of("iris.sato@example.com")},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert f'data-hx-post="/orders/new/change_plan?for={iris}&amp;refresh=1"' in fragment
    assert f'value="{demo.line_of("iris.sato@example.com")}"' in fragment


def test_order_a_change_on_someone_elses_line_opens_for_its_holder_with_the_line(app, login, demo):
    priya_id = demo.user("priya.raman@example.com")
    with app.app_context():
        line = db.session.scalar(select(Line).where(Line.employee_id == priya_id).order_by(Line.id))
        line_id = line.id
    hana = login("helpdesk")
    page = hana.get(f"/inventory/lines/{line_id}").get_data(as_text=True)
    link = re.search(r'href="(/orders/new\?[^"]*)" class="inv-button">Order a change', page).group(1)
    assert f"for={priya_id}" in link and f"line={line_id}" in link
    chooser = hana.get(html.unescape(link)).get_data(as_text=True)
    assert "Ordering for <strong>Priya Raman</strong>" in chooser
    start = re.search(r'href="(/orders/new/change_plan[^"]*)"', chooser).group(1)
    form = hana.get(html.unescape(start)).get_data(as_text=True)
    assert re.search(rf'<option selected value="{line_id}"|<option value="{line_id}" selected', form)


def test_the_ordering_for_search_finds_people_by_any_word_and_only_whom_one_may_order_for(app, login, demo):
    hana = login("helpdesk")
    found = hana.get("/orders/people?person=sato").get_data(as_text=True)
    assert "Order for Iris Sato" in found
    assert "Order for Iris Sato" in hana.get("/orders/people?person=iris.sato@").get_data(as_text=True)
    assert "No one you may order for matches" in hana.get("/orders/people?person=zzzz").get_data(as_text=True)
    marco = login("manager")  # a manager finds only the people below him
    assert "Order for Iris Sato" not in marco.get("/orders/people?person=sato").get_data(as_text=True)
    assert "Order for Erin Park" in marco.get("/orders/people?person=erin").get_data(as_text=True)
    no_js = hana.get("/orders/new?person=sato").get_data(as_text=True)  # Enter in the box: the list below narrows
    assert re.search(r'<option value="\d+"\s*>Iris Sato</option>', no_js) and ">Erin Park</option>" not in no_js


def _statements_of(app, request) -> int:
    """The SQL statements one request runs."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    seen = [0]

    def count(*_args) -> None:
        seen[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        request()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen[0]


def test_ordering_an_accessory_costs_the_same_statements_however_many_accessories_the_catalog_has(app, login, demo):
    """The form's choices load each accessory's models and each device's model with them (not one query each):
    the load run orders accessories, and the catalog grows."""
    from app.models import Accessory, DeviceModel

    _, data, _ = valid_orders(demo)["accessory"]
    erin = login("employee")

    def to_review() -> int:
        erin.get("/orders/new/accessory")
        return _statements_of(app, lambda: erin.post("/orders/new/accessory", {**data, "action": "review"}))

    before = to_review()
    with app.app_context():
        models = db.session.scalars(select(DeviceModel)).all()
        for n in range(6):
            db.session.add(Accessory(name=f"Case {n}", kind="case", price_cents=1500, fits=models[: 1 + n % 3]))
        db.session.commit()
    assert to_review() == before
