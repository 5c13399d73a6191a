"""The domain owns the order: what the forms once checked alone, the commands check again — at submit, at the
final approval and in the inventory effect — and approvals fail closed. Each test here was a way around a rule."""

import threading

import pytest
from sqlalchemy import select

from app import clock, commands
from app.approvals.policies import stand_in
from app.extensions import db
from app.models import (
    Approval,
    ApprovalPolicy,
    ApprovalStatus,
    Delegation,
    Line,
    LineStatus,
    Notification,
    Order,
    OrderStatus,
    User,
)
from app.orders.service import OrderRefused
from tests.support import factories
from tests.support.fulfilment import approved
from tests.support.ordering import ERIN, OFFICE, errors_of, fill, place, valid_orders


def draft(client, code: str, data: dict, *, for_user: int | None = None) -> str:
    """Save a draft without going through the form's review (the way around the form's checks)."""
    response = fill(client, code, data, for_user=for_user, action="save_draft")
    assert response.status_code == 302
    with client.app.app_context():
        return db.session.scalar(
            select(Order.number).where(Order.status == OrderStatus.DRAFT).order_by(Order.id.desc())
        )


def status_of(app, number: str) -> OrderStatus:
    with app.app_context():
        return db.session.scalar(select(Order.status).where(Order.number == number))


def approve_all(app, number: str) -> Order:
    with app.app_context():
        order = factories.approve_all(db.session, db.session.scalar(select(Order).where(Order.number == number)))
        db.session.expunge(order)
        return order


def _an_admin() -> User:
    return db.session.scalar(select(User).where(User.email == "admin@example.com"))


# ---------------------------------------------------------------- at submit
def test_an_upgrade_saved_as_a_draft_is_refused_at_submit_with_the_reason_by_its_field(app, login, demo):
    erin = login("employee")
    # Erin's phone is too new for an upgrade: an early one needs a justification, which the draft lacks
    number = draft(erin, "upgrade", valid_orders(demo)["upgrade"][1])
    submitted = erin.post(f"/orders/{number}/submit", {})
    assert submitted.status_code == 302 and submitted.headers["Location"] == f"/orders/{number}/edit?check=1"
    assert status_of(app, number) is OrderStatus.DRAFT
    page = erin.get(f"/orders/{number}/edit?check=1")
    assert "Early upgrade is out of policy (the line is eligible on" in errors_of(page)


def test_an_empty_warranty_claim_for_physical_damage_is_refused_at_submit(app, login, demo):
    erin = login("employee")
    number = draft(erin, "warranty_replacement", {"problem": "physical", **OFFICE})
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        with pytest.raises(OrderRefused) as refused:
            commands.submit(db.session, order, order.requester)
        assert set(refused.value.errors) >= {"line", "problem_description"}
        db.session.rollback()
    assert status_of(app, number) is OrderStatus.DRAFT


def test_two_drafts_for_one_line_cannot_both_be_submitted(app, login, demo):
    erin = login("employee")
    line = demo.line_of(ERIN)
    suspend = draft(erin, "suspend", {"line": line, "reason": "On leave."})
    disconnect = draft(
        erin, "disconnect", {"line": line, "effective_on": clock.today().isoformat(), "disposition": "keep"}
    )
    assert erin.post(f"/orders/{suspend}/submit", {}).headers["Location"] == f"/orders/{suspend}"
    refused = erin.post(f"/orders/{disconnect}/submit", {})
    assert refused.headers["Location"].endswith("/edit?check=1")
    assert f"{suspend} (Suspend line) is already open for this line" in errors_of(erin.get(refused.headers["Location"]))
    assert status_of(app, disconnect) is OrderStatus.DRAFT


def test_two_orders_for_one_line_submitted_at_the_same_moment_hold_one_line_claim(app, login, demo):
    """The rule's check cannot see the other transaction; the database's unique line claim can."""
    erin = login("employee")
    line = demo.line_of(ERIN)
    numbers = [
        draft(erin, "suspend", {"line": line, "reason": "On leave."}),
        draft(erin, "change_plan", {"line": line, "plan": demo.plan("northwind", "Business 10 GB")}),
    ]
    outcomes: list[str] = []
    ready = threading.Barrier(2)

    def submit(number: str) -> None:
        with app.app_context():
            order = db.session.scalar(select(Order).where(Order.number == number))
            ready.wait()
            try:
                commands.submit(db.session, order, order.requester)
                db.session.commit()
                outcomes.append("submitted")
            except OrderRefused:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused", "submitted"]
    assert sorted(status_of(app, n).value for n in numbers) == ["draft", "pending_approval"]


def test_an_order_made_through_the_domain_alone_is_routed_approved_and_completed(app, demo):
    """The factories: drafted from its type's form, submitted and approved by the commands, no page involved."""
    with app.app_context():
        erin = db.session.scalar(select(User).where(User.email == ERIN))
        order = factories.submitted(db.session, "stipend_enroll", erin, {"tier": demo.tier("Standard")})
        db.session.commit()
        assert order.status is OrderStatus.PENDING_APPROVAL and order.monthly_cents > 0
        factories.approve_all(db.session, order)
        assert order.status is OrderStatus.COMPLETED  # an internal type completes at its last approval
        with pytest.raises(OrderRefused) as refused:
            factories.draft(db.session, "stipend_enroll", erin, {"tier": demo.tier("Standard")})
        assert "already enrolled" in refused.value.errors["tier"]


def test_a_command_leaves_the_commit_to_its_caller(app, login, demo):
    number = draft(login("employee"), "change_plan", valid_orders(demo)["change_plan"][1])
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert commands.submit(db.session, order, order.requester) is True
        db.session.rollback()
    assert status_of(app, number) is OrderStatus.DRAFT


# ---------------------------------------------------------------- at the final approval, and in the effect
def test_a_line_disconnected_before_the_last_approval_holds_the_order_for_attention(app, login, demo):
    number = place(login("employee"), "suspend", valid_orders(demo)["suspend"][1])
    with app.app_context():
        line = db.session.scalar(select(Line).join(Order, Order.line_id == Line.id).where(Order.number == number))
        line.status = LineStatus.DISCONNECTED  # the helpdesk recorded the disconnection meanwhile
        line.disconnected_on = clock.today()
        db.session.commit()
    order = approve_all(app, number)
    assert order.status is OrderStatus.NEEDS_ATTENTION
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert order.events[-1].kind == "hold" and "This line is disconnected" in order.events[-1].comment
        assert order.line_claim is not None  # still open: the line stays held until it ends
        told = set(
            db.session.scalars(
                select(Notification.milestone).where(
                    Notification.event_id == order.events[-1].id, Notification.email == ERIN
                )
            )
        )
        assert told == {"held"}


def test_completing_what_the_line_can_no_longer_take_is_refused_not_a_server_error(app, login, demo):
    number = approved(app, login, demo, "change_plan")
    with app.app_context():
        line = db.session.scalar(select(Line).join(Order, Order.line_id == Line.id).where(Order.number == number))
        line.status = LineStatus.DISCONNECTED
        db.session.commit()
    tara = login("telecom")
    tara.post(f"/fulfillment/orders/{number}/placed", {"carrier_reference": "NW-1"})
    response = tara.post(f"/fulfillment/orders/{number}/complete", {}, follow_redirects=True)
    assert response.status_code == 200
    assert "cannot be completed: the line" in response.get_data(as_text=True)
    assert status_of(app, number) is OrderStatus.WITH_CARRIER


# ---------------------------------------------------------------- approvals fail closed
def test_a_fresh_install_has_the_company_default_and_routes_to_the_manager(app):
    with app.app_context():
        default = db.session.scalar(select(ApprovalPolicy).where(ApprovalPolicy.is_default))
        assert default is not None and [s.approver_kind.value for s in default.steps] == [
            "manager",
            "receiving_manager",
        ]


def test_an_order_nobody_can_approve_waits_for_an_administrator(app, login, demo):
    with app.app_context():
        erin = db.session.scalar(select(User).where(User.email == ERIN))
        erin.manager = None  # no manager on file
        db.session.commit()
    number = place(login("employee"), "change_plan", valid_orders(demo)["change_plan"][1])
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        step = db.session.scalar(select(Approval).where(Approval.order_id == order.id))
        assert step.status is ApprovalStatus.PENDING and step.assignee is None and step.group is None
        assert any(e.kind == "no_approver" and "Erin Park has no manager on file" in e.comment for e in order.events)
        asked = set(
            db.session.scalars(
                select(Notification.email).where(
                    Notification.order_id == order.id, Notification.milestone == "approval_needed"
                )
            )
        )
        assert "admin@example.com" in asked
    assert "No approver" in login("admin").get("/approvals").get_data(as_text=True)
    assert approve_all(app, number).status is OrderStatus.APPROVED


def test_an_escalation_never_hands_the_step_to_the_requester_as_a_delegate(app, login, demo):
    """Escalation and routing resolve the approver the same way: a delegate who is the requester is skipped."""
    number = place(login("employee"), "change_plan", valid_orders(demo)["change_plan"][1])
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        marco = order.employee.manager
        boss = marco.manager
        db.session.add(
            Delegation(user_id=boss.id, delegate_id=order.requester_id, starts_on=clock.today(), ends_on=clock.today())
        )
        db.session.commit()
        approver = stand_in(db.session, boss, order, clock.today())
        assert approver.user.id == boss.id and approver.on_behalf_of is None
