"""Who may open and post to what: every route in the app, visited as a signed-out visitor and as each demo role,
answers what the table below says (a new route without a row fails the test); and the object-level checks: an
employee cannot reach another's order, line or device by guessing its URL, an approver acts only on the steps
that are theirs (or delegated to them), and the carrier API answers only a valid signature."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import Approval, ApprovalStatus, CarrierUpdate, Delegation, Line, Order, OrderEvent, User
from app.web.carrier_api import signature
from tests.support.helpers import Client
from tests.support.ordering import place, valid_orders
from tests.support.security import ROLES, build_world, routes, row_counts, url_for_rule

# (method, endpoint): the status for (anonymous, employee, manager, telecom, helpdesk, admin).
# The world (tests/security_support.py): Erin's new-line order waiting for Marco's approval, Erin's draft, Erin's
# line, device and SIM, someone else's stipend, Marco's delegation, an email, an import batch, the logo.
# Posts carry a valid CSRF token and no fields; they run after the gets, in this table's order.
# 302 for "anonymous" is the redirect to sign in; 404 is an object the person may not even know exists.
ADMIN_ONLY = (302, 403, 403, 403, 403, 200)
ADMIN_FORM = (302, 403, 403, 403, 403, 422)
ADMIN_ACTION = (302, 403, 403, 403, 403, 302)
TELECOM = (302, 403, 403, 200, 403, 200)
HELPDESK = (302, 403, 403, 403, 200, 200)
APPROVERS = (302, 403, 200, 200, 403, 200)
SIGNED_IN = (302, 200, 200, 200, 200, 200)
OWN_RECORD = (302, 200, 404, 404, 200, 200)  # Erin's line, device, SIM and person: hers and the helpdesk's
EVERYONE = (200, 200, 200, 200, 200, 200)
TABLE: dict[tuple[str, str], tuple[int, ...]] = {
    ("GET", "static"): EVERYONE,
    ("GET", "health.healthz"): EVERYONE,
    ("GET", "branding.logo"): EVERYONE,
    ("GET", "branding.device_picture"): SIGNED_IN,  # the catalog's device pictures, for people who order
    ("GET", "auth.login"): (200, 302, 302, 302, 302, 302),  # signed in already: on to the home page
    ("GET", "dashboard.home"): SIGNED_IN,
    ("GET", "dashboard.team_count"): SIGNED_IN,
    ("GET", "profile.edit"): SIGNED_IN,
    # ordering
    ("GET", "orders.mine"): SIGNED_IN,
    ("GET", "orders.new"): SIGNED_IN,
    ("GET", "orders.start"): SIGNED_IN,
    ("GET", "orders.people"): SIGNED_IN,  # the "Ordering for" search: whom each may order for
    ("GET", "orders.show"): SIGNED_IN,  # Erin's, her manager's, telecom's, helpdesk's and admins' to see
    ("GET", "orders.conversation_entries"): SIGNED_IN,  # whoever may see the order follows its conversation
    ("GET", "orders.attachment"): SIGNED_IN,  # …and its files
    ("GET", "orders.report_lost"): (302, 200, 200, 404, 200, 200),  # whoever may order for Erin reports her line
    ("GET", "orders.edit"): (302, 200, 302, 302, 302, 302),  # only its author resumes a draft
    ("GET", "orders.review"): (302, 200, 302, 302, 302, 302),
    # approvals
    ("GET", "approvals.queue"): APPROVERS,
    ("GET", "approvals.count"): APPROVERS,
    ("GET", "approvals.away"): APPROVERS,
    ("GET", "approvals.step"): (302, 403, 200, 404, 403, 404),  # Marco's step: no one else's
    ("GET", "approvals.decide_from_email"): (410, 410, 410, 410, 410, 410),  # a token, never a session
    # fulfilment, dashboard, reports
    ("GET", "fulfilment.console"): TELECOM,
    ("GET", "fulfilment.order"): TELECOM,
    ("GET", "fulfilment.owed_back"): TELECOM,
    ("GET", "dashboard.overview"): TELECOM,
    ("GET", "reports.index"): TELECOM,
    ("GET", "reports.orders"): TELECOM,
    ("GET", "reports.orders_csv"): TELECOM,
    ("GET", "reports.approvals"): TELECOM,
    ("GET", "reports.approvals_csv"): TELECOM,
    ("GET", "reports.lines"): TELECOM,
    ("GET", "reports.lines_csv"): TELECOM,
    # inventory
    ("GET", "inventory.mine"): SIGNED_IN,
    ("GET", "inventory.line"): OWN_RECORD,
    ("GET", "inventory.device"): OWN_RECORD,
    ("GET", "inventory.sim"): OWN_RECORD,
    ("GET", "inventory.employee"): OWN_RECORD,
    ("GET", "inventory.stipend"): (302, 404, 404, 404, 200, 200),  # someone else's
    ("GET", "inventory.lines"): HELPDESK,
    ("GET", "inventory.devices"): HELPDESK,
    ("GET", "inventory.sims"): HELPDESK,
    ("GET", "inventory.stipends"): HELPDESK,
    ("GET", "inventory.employees"): HELPDESK,
    ("GET", "inventory.export"): HELPDESK,
    ("GET", "inventory.edit"): HELPDESK,
    ("GET", "inventory.inline_field"): HELPDESK,
    ("GET", "inventory.import_upload"): HELPDESK,
    ("GET", "inventory.import_template"): HELPDESK,
    ("GET", "inventory.import_batch"): HELPDESK,
    ("GET", "inventory.sites"): HELPDESK,
    ("GET", "inventory.site"): HELPDESK,
    ("GET", "inventory.services"): HELPDESK,
    ("GET", "inventory.service"): HELPDESK,
    ("GET", "inventory.service_new"): HELPDESK,
    ("GET", "inventory.service_edit"): HELPDESK,
    # administration
    ("GET", "admin.index"): ADMIN_ONLY,
    ("GET", "admin.audit"): ADMIN_ONLY,
    ("GET", "admin.health"): ADMIN_ONLY,
    ("GET", "admin.catalog_list"): ADMIN_ONLY,
    ("GET", "admin.catalog_item"): (302, 403, 403, 403, 403, 302),  # without HTMX: the list, row opened
    ("GET", "admin.catalog_new"): ADMIN_ONLY,
    ("GET", "admin.carrier_webhook_secret"): ADMIN_ONLY,
    ("GET", "admin.people"): ADMIN_ONLY,
    ("GET", "admin.person"): ADMIN_ONLY,
    ("GET", "admin.people_import"): ADMIN_ONLY,
    ("GET", "admin.sites"): ADMIN_ONLY,
    ("GET", "admin.site_new"): ADMIN_ONLY,
    ("GET", "admin.site_edit"): ADMIN_ONLY,
    ("GET", "admin.settings"): ADMIN_ONLY,
    ("GET", "policies.index"): ADMIN_ONLY,
    ("GET", "policies.create"): ADMIN_ONLY,
    ("GET", "policies.edit"): ADMIN_ONLY,
    ("GET", "notifications.log"): ADMIN_ONLY,
    ("GET", "notifications.show"): ADMIN_ONLY,
    ("GET", "notifications.email_html"): ADMIN_ONLY,
    ("GET", "notifications.milestones"): ADMIN_ONLY,
    # the carrier API: a signature, never a session
    ("GET", "carrier_api.order_status"): (401, 401, 401, 401, 401, 401),
    ("GET", "carrier_api.orders_waiting"): (401, 401, 401, 401, 401, 401),  # a carrier signs; no session opens it
    ("GET", "carrier_api.openapi"): EVERYONE,  # the API's document is public
    ("POST", "carrier_api.carrier_updates"): (401, 401, 401, 401, 401, 401),
    # posts (valid CSRF token, no fields: forms come back with their errors)
    ("POST", "auth.login"): (422, 302, 302, 302, 302, 302),
    ("POST", "profile.edit"): (302, 302, 302, 302, 302, 302),
    ("POST", "orders.start"): (302, 422, 422, 422, 422, 422),
    ("POST", "orders.edit"): (302, 422, 302, 302, 302, 302),
    ("POST", "orders.submit"): (302, 302, 302, 302, 302, 302),  # others are told only the author may submit
    ("POST", "orders.cancel"): (302, 422, 422, 422, 422, 422),  # (the reason is missing before who asks)
    ("POST", "orders.answer"): (302, 422, 422, 422, 422, 422),
    ("POST", "orders.write"): (302, 422, 422, 422, 422, 422),
    ("POST", "orders.report_lost"): (302, 422, 422, 404, 422, 422),  # (the message is missing before who writes)
    ("POST", "orders.copy"): (302, 302, 302, 403, 302, 302),  # only who may order for Erin copies her order
    ("POST", "approvals.approve"): (302, 403, 302, 404, 403, 404),
    ("POST", "approvals.reject"): (302, 403, 422, 404, 403, 404),
    ("POST", "approvals.request_information"): (302, 403, 422, 404, 403, 404),
    ("POST", "approvals.approve_selected"): (302, 403, 302, 302, 403, 302),
    ("POST", "approvals.decide_from_email"): (410, 410, 410, 410, 410, 410),
    ("POST", "approvals.away"): (302, 403, 422, 422, 403, 422),
    ("POST", "approvals.remove_delegation"): (302, 403, 302, 404, 403, 404),  # Marco's delegation
    ("POST", "fulfilment.act"): (302, 403, 403, 422, 403, 422),
    ("POST", "fulfilment.reveal"): (302, 403, 403, 422, 403, 422),  # the password asked again
    ("POST", "fulfilment.record_return"): (302, 403, 403, 422, 403, 422),
    ("POST", "fulfilment.send_again"): (302, 403, 403, 302, 403, 302),  # told it no longer needs sending
    ("POST", "fulfilment.record_lost"): (302, 403, 403, 422, 403, 422),
    ("POST", "inventory.edit"): (302, 403, 403, 403, 422, 422),
    ("POST", "inventory.inline_field"): (302, 403, 403, 403, 302, 302),
    ("POST", "inventory.import_upload"): (302, 403, 403, 403, 422, 422),
    ("POST", "inventory.import_run"): (302, 403, 403, 403, 302, 302),
    ("POST", "inventory.service_new"): (302, 403, 403, 403, 422, 422),
    ("POST", "inventory.service_edit"): (302, 403, 403, 403, 422, 422),
    ("POST", "policies.create"): ADMIN_FORM,
    ("POST", "policies.edit"): ADMIN_FORM,
    ("POST", "policies.add_step"): ADMIN_FORM,
    ("POST", "policies.move_step"): ADMIN_ACTION,
    ("POST", "policies.switch"): ADMIN_ACTION,
    ("POST", "admin.catalog_new"): ADMIN_FORM,
    ("POST", "admin.catalog_item"): ADMIN_FORM,
    ("POST", "admin.catalog_retire"): ADMIN_ACTION,
    ("POST", "admin.catalog_restore"): ADMIN_ACTION,
    ("POST", "admin.carrier_webhook_secret"): (302, 403, 403, 403, 403, 200),  # the new secret, shown once
    ("POST", "admin.carrier_test_order"): (302, 403, 403, 403, 403, 404),  # Contoso is manual: no API to test
    ("POST", "admin.person"): ADMIN_FORM,
    ("POST", "admin.person_reactivate"): ADMIN_ACTION,
    ("POST", "admin.people_import"): ADMIN_FORM,
    ("POST", "admin.people_import_confirm"): ADMIN_FORM,
    ("POST", "admin.site_new"): ADMIN_FORM,
    ("POST", "admin.site_edit"): ADMIN_FORM,
    ("POST", "admin.settings"): ADMIN_FORM,
    ("POST", "admin.settings_remove_logo"): ADMIN_ACTION,
    ("POST", "notifications.resend_email"): ADMIN_ACTION,
    ("POST", "notifications.milestones"): ADMIN_ACTION,
    # last: these end what the others use
    ("POST", "admin.person_deactivate"): ADMIN_ACTION,
    ("POST", "orders.delete"): (302, 302, 302, 302, 302, 302),  # others are told only the author may delete
    ("POST", "auth.logout"): (302, 302, 302, 302, 302, 302),
}


def every_route(app) -> set[tuple[str, str]]:
    return {(method, endpoint) for method in ("GET", "POST") for endpoint, _ in routes(app, method)}


def test_every_route_has_a_row_in_the_table(app):
    """A new route must say who may reach it: a missing row fails here."""
    found = every_route(app)
    assert found - set(TABLE) == set(), "add these routes to TABLE"
    assert set(TABLE) - found == set(), "these rows name routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_table_says(app, login, role):
    ids = build_world(app, login)
    column = ROLES.index(role)
    client = Client(app) if role == "anonymous" else login(role)
    client.get("/login")  # a CSRF token even for the signed-out visitor: what stops them is not the token
    rules = {(method, endpoint): rule for method in ("GET", "POST") for endpoint, rule in routes(app, method)}
    wrong = []
    for method, endpoint in TABLE:  # gets first, then posts, as listed
        if (method, endpoint) not in rules:
            continue
        url = url_for_rule(rules[method, endpoint], ids)
        response = client.get(url) if method == "GET" else client.post(url, {})
        response.get_data()  # a streamed export runs to its end inside its request
        expected = TABLE[method, endpoint][column]
        if response.status_code != expected:
            wrong.append(f"{method} {url} ({endpoint}): {response.status_code}, expected {expected}")
        elif expected == 302 and role == "anonymous" and endpoint != "auth.login":
            assert response.headers["Location"].startswith("/login?next="), url
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------- object-level checks
ERIN, MARCO, TARA = "employee@example.com", "manager@example.com", "telecom@example.com"


def _order_state(app, number: str) -> tuple:
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        events = db.session.scalar(select(func.count()).select_from(OrderEvent).where(OrderEvent.order_id == order.id))
        steps = tuple(
            sorted(
                (a.id, a.status.value, a.decided_by_id)
                for a in db.session.scalars(select(Approval).where(Approval.order_id == order.id))
            )
        )
        return order.status.value, order.version, events, steps


def test_an_employee_cannot_open_or_act_on_another_persons_order_by_its_url(app, login, demo):
    marco = login("manager")
    number = place(marco, "suspend", {"line": demo.line_of(MARCO), "reason": "Parental leave."})
    draft = marco.post(
        "/orders/new/suspend", {"line": demo.line_of(MARCO), "action": "save_draft", "reason": "Sabbatical."}
    )
    assert draft.status_code == 302
    with app.app_context():
        draft_number = db.session.scalar(select(Order.number).where(Order.status == "draft"))
    before, draft_before = _order_state(app, number), _order_state(app, draft_number)
    erin = login("employee")
    for url in (
        f"/orders/{number}",
        f"/orders/{number}/review",
        f"/orders/{draft_number}/edit",
        f"/orders/{draft_number}/review",
        f"/orders/{number}?part=status",
    ):
        assert erin.get(url).status_code == 404, url
    for url, data in (
        (f"/orders/{number}/cancel", {"reason": "Mine now."}),
        (f"/orders/{number}/answer", {"answer": "Yes."}),
        (f"/orders/{draft_number}/submit", {}),
        (f"/orders/{draft_number}/delete", {}),
        (f"/orders/{draft_number}/edit", {"action": "save_draft", "line": demo.line_of(MARCO)}),
    ):
        assert erin.post(url, data).status_code == 404, url
    assert _order_state(app, number) == before and _order_state(app, draft_number) == draft_before
    assert number not in erin.get("/orders").get_data(as_text=True)


def test_an_employee_cannot_order_against_another_persons_line_or_for_someone_who_is_not_theirs(app, login, demo):
    erin = login("employee")
    orders_before = row_counts(app)["orders"]
    marcos_line = demo.line_of(MARCO)
    refused = erin.post(
        "/orders/new/change_plan",
        {"line": marcos_line, "action": "review", "plan": demo.plan("northwind", "Business 10 GB")},
    )
    assert refused.status_code == 422
    assert erin.get(f"/orders/new/change_plan?for={demo.user(MARCO)}").status_code == 403
    assert (
        erin.post(
            f"/orders/new/change_plan?for={demo.user(MARCO)}", {"line": marcos_line, "action": "save_draft"}
        ).status_code
        == 403
    )
    assert row_counts(app)["orders"] == orders_before


@pytest.mark.parametrize("kind", ["lines", "devices", "sims"])
def test_no_one_outside_helpdesk_edits_a_line_device_or_sim_even_their_own(app, login, demo, kind):
    with app.app_context():
        line = db.session.get(Line, demo.line_of(ERIN))
        record_id = {"lines": line.id, "devices": line.device_id, "sims": line.sims[0].id}[kind]
        field = {"lines": "account_number", "devices": "serial", "sims": "kind"}[kind]
    before = row_counts(app)
    for role in ("employee", "manager", "telecom"):
        client = login(role)
        assert client.post(f"/inventory/{kind}/{record_id}/edit", {field: "X1"}).status_code == 403
        assert client.post(f"/inventory/{kind}/{record_id}/fields/{field}", {field: "X1"}).status_code == 403
    assert row_counts(app) == before


def test_an_approver_decides_only_the_steps_that_are_theirs(app, login, demo):
    number = place(login("employee"), "new_line", valid_orders(demo)["new_line"][1])
    with app.app_context():
        step_id = db.session.scalar(
            select(Approval.id).join(Order).where(Order.number == number, Approval.status == ApprovalStatus.PENDING)
        )
    before = _order_state(app, number)
    for role in ("telecom", "admin"):  # approvers, but this step is Marco's
        client = login(role)
        assert client.get(f"/approvals/{step_id}").status_code == 404
        for action, data in (
            ("approve", {}),
            ("reject", {"reason": "No."}),
            ("request-information", {"question": "Why?"}),
        ):
            assert client.post(f"/approvals/{step_id}/{action}", data).status_code == 404, (role, action)
        client.post("/approvals/approve-selected", {"approval": str(step_id)})
    erin = login("employee")  # the requester, even if she guesses the step's URL
    assert erin.post(f"/approvals/{step_id}/approve", {}).status_code == 403
    assert _order_state(app, number) == before
    marco = login("manager")
    assert marco.post(f"/approvals/{step_id}/approve", {}).status_code == 302
    assert _order_state(app, number)[3] != before[3]


def test_a_delegate_decides_the_steps_delegated_to_them_and_the_person_away_does_not(app, login, demo):
    with app.app_context():
        marco = db.session.scalar(select(User).where(User.email == MARCO))
        tara = db.session.scalar(select(User).where(User.email == TARA))
        db.session.add(
            Delegation(
                user_id=marco.id,
                delegate_id=tara.id,
                starts_on=clock.today(),
                ends_on=clock.today() + timedelta(days=3),
            )
        )
        db.session.commit()
    number = place(login("employee"), "new_line", valid_orders(demo)["new_line"][1])
    with app.app_context():
        step = db.session.scalar(
            select(Approval).join(Order).where(Order.number == number, Approval.status == ApprovalStatus.PENDING)
        )
        step_id, assignee, on_behalf_of = step.id, step.assignee.email, step.on_behalf_of.email
    assert (assignee, on_behalf_of) == (TARA, MARCO)
    assert login("manager").post(f"/approvals/{step_id}/approve", {}).status_code == 404
    assert login("telecom").post(f"/approvals/{step_id}/approve", {}).status_code == 302
    with app.app_context():
        decided = db.session.get(Approval, step_id)
        assert decided.status is ApprovalStatus.APPROVED and decided.decided_by.email == TARA


def test_the_carrier_api_answers_only_a_valid_signature(app, login, demo):
    from tests.support.fulfilment import SECRET, approved

    number = approved(app, login, demo, "port_in")  # fulfilled by Contoso
    client = app.test_client()
    body = json.dumps({"update_id": "u-1", "order_number": number, "status": "acknowledged"}).encode()

    def post(headers, payload=body):
        return client.post("/api/v1/carrier-updates", data=payload, content_type="application/json", headers=headers)

    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(CarrierUpdate))
    refused = [
        post({}),
        post({"X-Dialtone-Carrier": "contoso"}),
        post({"X-Dialtone-Carrier": "contoso", "X-Dialtone-Signature": signature("wrong-secret", body)}),
        post({"X-Dialtone-Carrier": "contoso", "X-Dialtone-Signature": signature(SECRET, body + b" ")}),
        post({"X-Dialtone-Carrier": "contoso", "X-Dialtone-Signature": signature(SECRET, body)[7:]}),
        post({"X-Dialtone-Carrier": "nosuch", "X-Dialtone-Signature": signature(SECRET, body)}),
        post(
            {"X-Dialtone-Carrier": "contoso", "X-Dialtone-Signature": signature(SECRET, body)},
            payload=body.replace(b"acknowledged", b"completed"),
        ),  # the body changed after signing
    ]
    assert [r.status_code for r in refused] == [401] * len(refused)
    other = post({"X-Dialtone-Carrier": "fabrikam", "X-Dialtone-Signature": signature(SECRET, body)})
    assert other.status_code == 404  # a real carrier, but not this order's
    assert client.get(f"/api/v1/orders/{number}").status_code == 401
    forged = {"X-Dialtone-Carrier": "contoso", "X-Dialtone-Signature": signature("x", b"")}
    assert client.get(f"/api/v1/orders/{number}", headers=forged).status_code == 401
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CarrierUpdate)) == stored
    signed = post({"X-Dialtone-Carrier": "contoso", "X-Dialtone-Signature": signature(SECRET, body)})
    assert signed.status_code == 202
