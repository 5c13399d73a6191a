"""Wireline order types: each type's rules refuse what cannot be done with a specific message, and completing an
order changes the site's services (new, changed, moved, ended on its date) with the history linked to the order."""

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock, commands
from app.approvals.policies import OrderFacts, matching_policy
from app.catalog.settings import set_setting
from app.extensions import db
from app.fulfilment.records import InvalidReport
from app.models import (
    ApprovalPolicy,
    ApprovalPolicyStep,
    ApproverKind,
    InventoryChange,
    Order,
    OrderStatus,
    ServiceKind,
    ServiceStatus,
    Site,
    User,
    WirelineService,
)
from app.orders.types import REGISTRY, WIRELINE
from tests.support.factories import approve_all
from tests.support.ordering import TELECOM, errors_of, fill, place, wireline_orders

WIRELINE_TYPES = sorted(code for code, t in REGISTRY.items() if t.module == WIRELINE)


def _tara(session) -> User:
    return session.scalar(select(User).where(User.email == TELECOM))


def _order(session, number: str) -> Order:
    return session.scalar(select(Order).where(Order.number == number))


def _placed_and_approved(app, login, demo, code: str, **changes) -> str:
    role, data, _ = wireline_orders(demo)[code]
    number = place(login(role), code, {**data, **changes})
    with app.app_context():
        approve_all(db.session, _order(db.session, number))
        assert _order(db.session, number).status is OrderStatus.APPROVED
    return number


def _complete(session, number: str, milestones: dict[str, dict] | None = None) -> Order:
    """The team records what the carrier reported, then completes the order."""
    order = _order(session, number)
    tara = _tara(session)
    for milestone, payload in (milestones or {}).items():
        commands.record_wireline_milestone(session, order, tara, milestone, payload)
    commands.complete(session, order, tara)
    session.commit()
    return order


def _history(session, order: Order) -> list[tuple[str, str | None]]:
    rows = session.scalars(select(InventoryChange).where(InventoryChange.order_id == order.id))
    return [(c.field, c.new_value) for c in rows]


def test_the_wireline_module_has_its_six_types_in_the_registry():
    assert WIRELINE_TYPES == [
        "wireline_capacity",
        "wireline_disconnect",
        "wireline_features",
        "wireline_move",
        "wireline_new",
        "wireline_numbers",
    ]


def test_new_order_page_shows_mobile_and_wireline_each_grouped(login):
    page = login("telecom").get("/orders/new").get_data(as_text=True)
    mobile, wireline = page.index(">Mobile</h2>"), page.index(">Wireline</h2>")
    assert mobile < page.index("New requests", mobile) < wireline < page.index("New requests", wireline)
    assert page.index("Delete requests", wireline) > page.index("Modify requests", wireline)
    assert "New service at a site" in page[wireline:]
    found = login("telecom").get("/orders/new?q=bandwidth").get_data(as_text=True)
    assert "Change bandwidth or channels" in found and "Upgrade" not in found


# ------------------------------------------------------------------ rules
@pytest.mark.parametrize(
    "code,changes,message",
    [
        ("wireline_new", {"bandwidth_mbps": None}, "Enter the bandwidth of the business internet in Mbps, like 500."),
        ("wireline_new", {"kind": "pots"}, "A analog (pots) line has no bandwidth: leave it blank."),
        ("wireline_new", {"kind": "sip_trunk", "bandwidth_mbps": None}, "Enter how many channels"),
        ("wireline_new", {"install_on": "TODAY"}, "Choose a day after today: the carrier needs time to install."),
        ("wireline_new", {"monthly_quote": "lots"}, "Enter an amount like 450.00."),
        ("wireline_new", {"term_months": "7"}, "Choose one of the terms listed."),
        ("wireline_capacity", {"bandwidth_mbps": "1000"}, "The circuit is 1000 Mbps already: enter another bandwidth."),
        ("wireline_numbers", {"numbers_to_add": None}, "Enter how many numbers to add, or the numbers to remove."),
        (
            "wireline_numbers",
            {"numbers_to_remove": "(212) 555-9999"},
            "(212) 555-9999 is not a number of this service.",
        ),
        ("wireline_move", {"to_site": "SAME"}, "The service is at Denver field office already"),
        ("wireline_move", {"old_disconnect_on": "TODAY"}, "Keep the old site's service until the new one is installed"),
        ("wireline_features", {"hunt_group": "", "caller_id_name": ""}, "These are the service's features already"),
        ("wireline_features", {"caller_id_name": "Dialtone <HQ>"}, "Use letters, digits, spaces and . , & ' - only."),
        ("wireline_disconnect", {"disconnect_on": "YESTERDAY"}, "The date is in the past: choose today or later."),
    ],
)
def test_each_wireline_type_refuses_what_cannot_be_done_with_a_specific_message(login, demo, code, changes, message):
    role, data, _ = wireline_orders(demo)[code]
    days = {"TODAY": clock.today().isoformat(), "YESTERDAY": (clock.today() - timedelta(days=1)).isoformat()}
    changes = {k: days.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}
    if changes.get("to_site") == "SAME":
        changes["to_site"] = demo.site("Denver field office")
    answers = {k: v for k, v in {**data, **changes}.items() if v is not None}
    response = fill(login(role), code, answers)
    assert response.status_code == 422
    assert message in errors_of(response)


def test_only_an_active_service_can_be_changed(app, login, demo):
    with app.app_context():
        pending = db.session.scalar(select(WirelineService.id).where(WirelineService.status == ServiceStatus.PENDING))
    response = fill(login("telecom"), "wireline_disconnect", {**wireline_orders(demo)["wireline_disconnect"][1],
                                                              "service": pending})  # fmt: skip
    assert response.status_code == 422
    assert "This service is pending: only an active service can be changed." in errors_of(response)


def test_one_open_order_at_a_time_changes_a_service(login, demo):
    client = login("telecom")
    place(client, "wireline_features", wireline_orders(demo)["wireline_features"][1])
    response = fill(client, "wireline_numbers", wireline_orders(demo)["wireline_numbers"][1])
    assert response.status_code == 422 and "is already changing this service" in errors_of(response)


def test_who_may_order_wireline_is_the_company_setting(app, login, demo):
    """By default the telecom team and site contacts; an employee sees why not, and is refused if they try."""
    erin = login("employee")
    page = html.unescape(erin.get("/orders/new").get_data(as_text=True))
    assert "wireline services are ordered by the telecom team and the sites' contacts." in page
    response = fill(erin, "wireline_new", wireline_orders(demo)["wireline_new"][1])
    assert response.status_code == 422 and "You cannot order this" in html.unescape(response.get_data(as_text=True))
    with app.app_context():  # Omar is the contact of New York HQ
        omar = db.session.scalar(select(User).where(User.email == "omar.haddad@example.com"))
        from app.orders.types.rules import wireline_refusal

        assert wireline_refusal(db.session, omar) is None
        set_setting(db.session, "wireline_orderers", "telecom")
        db.session.commit()
        assert wireline_refusal(db.session, omar) == "wireline services are ordered by the telecom team."
        set_setting(db.session, "wireline_orderers", "everyone")
        db.session.commit()
    assert fill(erin, "wireline_new", wireline_orders(demo)["wireline_new"][1]).status_code == 302


def test_a_policy_matches_the_module_and_the_contract_term(app, login, demo):
    """A 36-month circuit goes to finance; a 12-month one, or a mobile order, does not."""
    number = place(login("telecom"), "wireline_new", wireline_orders(demo)["wireline_new"][1])
    with app.app_context():
        laura = db.session.scalar(select(User).where(User.email == "laura.chen@example.com"))
        policy = ApprovalPolicy(name="Long wireline contracts", priority=1, modules=[WIRELINE], min_term_months=36)
        policy.steps = [ApprovalPolicyStep(position=1, approver_kind=ApproverKind.USER, user=laura)]
        db.session.add(policy)
        db.session.flush()
        order = _order(db.session, number)
        facts = OrderFacts.of(order)
        assert (facts.module, facts.term_months) == (WIRELINE, 36)
        assert matching_policy(db.session, facts) is policy
        assert matching_policy(db.session, OrderFacts(**{**facts.__dict__, "term_months": 12})) is not policy
        assert matching_policy(db.session, OrderFacts(**{**facts.__dict__, "module": "Mobile"})) is not policy
        db.session.rollback()


# ------------------------------------------------------------------ effects
def test_a_new_service_appears_at_its_site_with_the_circuit_id_the_carrier_reported(app, login, demo):
    number = _placed_and_approved(app, login, demo, "wireline_new")
    with app.app_context():
        order = _order(db.session, number)
        with pytest.raises(InvalidReport, match="Record the circuit ID"):
            commands.complete(db.session, order, _tara(db.session))
        db.session.rollback()
        order = _complete(
            db.session, number, {"turned_up": {"circuit_id": "CT/BOS/88121", "ip_block": "203.0.113.9/29"}}
        )
        service = order.service
        assert (service.site.name, service.kind, service.status) == (
            "Boston branch office",
            ServiceKind.INTERNET,
            ServiceStatus.ACTIVE,
        )
        assert (service.circuit_id, service.ip_block, service.bandwidth_mbps) == ("CT/BOS/88121", "203.0.113.8/29", 500)
        assert (service.monthly_cents, service.term_months, service.installed_on) == (34900, 36, clock.today())
        assert service.contract_ends_on.year == clock.today().year + 3
        assert _history(db.session, order)[0][0] == "record"


def test_a_capacity_change_updates_the_circuit_and_its_cost(app, login, demo):
    number = _placed_and_approved(app, login, demo, "wireline_capacity")
    with app.app_context():
        order = _complete(db.session, number)
        assert (order.service.bandwidth_mbps, order.service.monthly_cents) == (2000, 240000)
        assert ("bandwidth_mbps", "2000") in _history(db.session, order)


def test_numbers_added_are_those_the_carrier_assigned_and_removed_ones_leave(app, login, demo):
    number = _placed_and_approved(
        app, login, demo, "wireline_numbers", numbers_to_add="2", numbers_to_remove="(212) 555-1348 - 1349"
    )
    with app.app_context():
        order = _complete(db.session, number, {"turned_up": {"numbers": ["(212) 555-1500", "(212) 555-1501"]}})
        numbers = [n.number for n in order.service.numbers]
        assert "+12125551500" in numbers and "+12125551349" not in numbers and len(numbers) == 50
        assert any(field == "numbers" for field, _ in _history(db.session, order))


def test_features_change_the_hunt_group_and_caller_id_name(app, login, demo):
    number = _placed_and_approved(app, login, demo, "wireline_features")
    with app.app_context():
        order = _complete(db.session, number)
        assert (order.service.hunt_group, order.service.caller_id_name) == ("circular", "DIALTONE HQ")


def test_a_move_starts_the_service_at_the_new_site_and_ends_the_old_one_on_its_date(app, login, demo):
    number = _placed_and_approved(app, login, demo, "wireline_move")
    with app.app_context():
        order = _complete(db.session, number, {"turned_up": {"circuit_id": "NW-BI-02110-1"}})
        old = order.service
        new = db.session.get(WirelineService, order.details["_wireline"]["new_service_id"])
        assert (new.site.name, new.circuit_id, new.bandwidth_mbps, new.status) == (
            "Boston branch office",
            "NW-BI-02110-1",
            500,
            ServiceStatus.ACTIVE,
        )
        on = clock.today() + timedelta(days=45)
        assert (old.status, old.disconnects_on) == (ServiceStatus.ACTIVE, on)
        commands.carry_out_dated_changes(db.session, today=on)
        db.session.expire_all()
        assert (old.status, old.disconnected_on, old.disconnects_on) == (ServiceStatus.DISCONNECTED, on, None)
        assert ("status", "Disconnected") in _history(db.session, order)


def test_a_disconnect_ends_the_service_on_its_date(app, login, demo):
    later = clock.today() + timedelta(days=10)
    number = _placed_and_approved(app, login, demo, "wireline_disconnect", disconnect_on=later.isoformat())
    with app.app_context():
        order = _complete(db.session, number)
        service = order.service
        assert (service.status, service.disconnects_on) == (ServiceStatus.ACTIVE, later)
        commands.carry_out_dated_changes(db.session, today=later - timedelta(days=1))
        assert service.status is ServiceStatus.ACTIVE
        commands.carry_out_dated_changes(db.session, today=later)
        db.session.expire_all()
        assert (service.status, service.disconnected_on) == (ServiceStatus.DISCONNECTED, later)


def test_a_disconnect_dated_today_ends_the_service_at_completion(app, login, demo):
    number = _placed_and_approved(app, login, demo, "wireline_disconnect")
    with app.app_context():
        order = _complete(db.session, number)
        assert (order.service.status, order.service.disconnected_on) == (ServiceStatus.DISCONNECTED, clock.today())
        assert db.session.scalar(select(Site).where(Site.id == order.site_id)).name == "New York HQ"


def test_the_demo_sends_a_36_month_circuit_to_finance_and_a_12_month_one_not(app, login, demo):
    from app.models import Approval

    client = login("telecom")
    long_term = place(client, "wireline_new", wireline_orders(demo)["wireline_new"][1])
    short = place(client, "wireline_new", {**wireline_orders(demo)["wireline_new"][1], "term_months": "12",
                                           "site": demo.site("Denver field office")})  # fmt: skip
    with app.app_context():

        def approvers(number: str) -> list[str]:
            steps = db.session.scalars(
                select(Approval).where(Approval.order_id == _order(db.session, number).id).order_by(Approval.position)
            )
            return [s.assignee.name if s.assignee else s.group.name for s in steps]

        assert approvers(long_term)[-1] == "Laura Chen"
        assert "Laura Chen" not in approvers(short)
