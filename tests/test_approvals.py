"""Approvals: routing by policy, each approver kind, self-approval, groups, delegation, thresholds, priority,
the information round trip, reject, cancel, internal types completing at approval, reminders and escalation,
and two people deciding the same step at once."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock, commands
from app.approvals import reminders
from app.approvals.decisions import AlreadyDecided, ApprovalError
from app.extensions import db
from app.models import (
    Approval,
    ApprovalPolicy,
    ApprovalPolicyStep,
    ApprovalStatus,
    ApproverKind,
    Delegation,
    Line,
    OrderStatus,
    Stipend,
    StipendStatus,
)
from tests.support.approvals import order_of, pending_step, person, steps, submit
from tests.support.ordering import ERIN


# ------------------------------------------------------------------ routing
def test_a_new_line_goes_to_the_manager_then_to_telecom_admins(app, login, demo):
    number = submit(login, demo)
    with app.app_context():
        first, second = steps(number)
        assert first.status is ApprovalStatus.PENDING and first.assignee.email == "manager@example.com"
        assert second.status is ApprovalStatus.WAITING
        commands.approve(db.session, first, person("manager@example.com"))
        db.session.commit()
        second = steps(number)[1]
        assert second.status is ApprovalStatus.PENDING and second.group.name == "Telecom admins"
        assert order_of(number).status is OrderStatus.PENDING_APPROVAL


def test_any_group_member_decides_and_the_first_decision_wins(app, login, demo):
    number = submit(login, demo)
    with app.app_context():
        commands.approve(db.session, pending_step(number), person("manager@example.com"))
        db.session.commit()
        group_step = pending_step(number)
        commands.approve(db.session, group_step, person("telecom@example.com"))
        db.session.commit()
        assert order_of(number).status is OrderStatus.APPROVED
        with pytest.raises(AlreadyDecided, match="Tara Singh already decided"):
            commands.approve(db.session, group_step, person("admin@example.com"))


def test_someone_outside_the_step_cannot_decide_it(app, login, demo):
    number = submit(login, demo)
    with app.app_context(), pytest.raises(ApprovalError, match="not yours to decide"):
        commands.approve(db.session, pending_step(number), person("telecom@example.com"))


def test_no_one_approves_their_own_order_the_step_moves_up_the_chain(app, login, demo):
    number = submit(login, demo, role="manager", for_email=ERIN)  # Marco orders for Erin: he is her manager
    with app.app_context():
        first = steps(number)[0]
        assert first.assignee.email == "sofia.alvarez@example.com"
        assert "moved up the management chain" in order_of(number).events[-1].comment


@pytest.mark.parametrize(
    "kind,expected",
    [
        (ApproverKind.MANAGER, "manager@example.com"),
        (ApproverKind.MANAGERS_MANAGER, "sofia.alvarez@example.com"),
        (ApproverKind.COST_CENTER_OWNER, "sofia.alvarez@example.com"),  # Sales cost center owner
        (ApproverKind.USER, "laura.chen@example.com"),
    ],
)
def test_each_approver_kind_resolves_to_the_right_person(app, login, demo, kind, expected):
    with app.app_context():
        named = person("laura.chen@example.com")
        db.session.add(
            ApprovalPolicy(
                name=f"Test {kind.value}",
                priority=1,
                order_types=["change_number"],
                steps=[
                    ApprovalPolicyStep(
                        position=1, approver_kind=kind, user=named if kind is ApproverKind.USER else None
                    )
                ],
            )
        )
        db.session.commit()
    number = submit(login, demo, code="change_number")
    with app.app_context():
        assert steps(number)[0].assignee.email == expected


def test_an_approver_away_hands_new_steps_to_their_delegate(app, login, demo):
    with app.app_context():
        db.session.add(
            Delegation(
                user=person("manager@example.com"),
                delegate=person("sofia.alvarez@example.com"),
                starts_on=clock.today() - timedelta(days=1),
                ends_on=clock.today() + timedelta(days=7),
            )
        )
        db.session.commit()
    number = submit(login, demo)
    with app.app_context():
        step = steps(number)[0]
        assert step.assignee.email == "sofia.alvarez@example.com"
        assert step.on_behalf_of.email == "manager@example.com"
    inbox = login("manager").get("/approvals").get_data(as_text=True)
    assert number not in inbox


def test_accessory_thresholds_pick_the_policy(app, login, demo):
    cheap = submit(login, demo, code="accessory", accessories=demo.accessory("USB-C fast charger 30 W"))
    dear = submit(
        login,
        demo,
        code="accessory",
        accessories=[demo.accessory("Wireless headset"), demo.accessory("Portable battery pack 10,000 mAh")],
    )
    with app.app_context():
        assert [a.approver_kind for a in steps(cheap)] == [ApproverKind.MANAGER]
        assert [a.approver_kind for a in steps(dear)] == [ApproverKind.MANAGER, ApproverKind.GROUP]


def test_the_policy_with_the_lowest_priority_number_wins_and_the_default_catches_the_rest(app, login, demo):
    with app.app_context():
        db.session.add(
            ApprovalPolicy(
                name="Northwind new lines",
                priority=5,
                order_types=["new_line"],
                carrier_ids=[demo.carrier("northwind")],
                steps=[
                    ApprovalPolicyStep(
                        position=1, approver_kind=ApproverKind.USER, user=person("laura.chen@example.com")
                    )
                ],
            )
        )
        db.session.commit()
    northwind = submit(login, demo)
    change_number = submit(login, demo, code="change_number")
    with app.app_context():
        assert [a.assignee.email for a in steps(northwind)] == ["laura.chen@example.com"]
        assert [a.approver_kind for a in steps(change_number)] == [ApproverKind.MANAGER]  # company default


# ------------------------------------------------------------------ avenues
def test_information_round_trip_returns_to_the_same_step_and_approver(app, login, demo):
    number = submit(login, demo)
    marco = login("manager")
    with app.app_context():
        step_id = pending_step(number).id
    response = marco.post(f"/approvals/{step_id}/request-information", {"question": "Why not an iPhone SE?"})
    assert response.status_code == 302
    erin = login("employee")
    page = erin.get(f"/orders/{number}").get_data(as_text=True)
    assert "Why not an iPhone SE?" in page and "Send answer" in page
    assert erin.post(f"/orders/{number}/answer", {"answer": "I need the bigger screen."}).status_code == 302
    with app.app_context():
        order = order_of(number)
        assert order.status is OrderStatus.PENDING_APPROVAL
        step = pending_step(number)
        assert step.id == step_id and step.assignee.email == "manager@example.com"
        assert [e.kind for e in order.events] == ["submit", "request_info", "provide_info"]


def test_reject_needs_a_reason_which_the_requester_sees(app, login, demo):
    number = submit(login, demo)
    marco = login("manager")
    with app.app_context():
        step_id = pending_step(number).id
    refused = marco.post(f"/approvals/{step_id}/reject", {"reason": ""})
    assert refused.status_code == 422 and "Give the reason for rejecting" in refused.get_data(as_text=True)
    marco.post(f"/approvals/{step_id}/reject", {"reason": "Use your current phone until next year."})
    page = login("employee").get(f"/orders/{number}").get_data(as_text=True)
    assert "Rejected" in page and "Use your current phone until next year." in page
    with app.app_context():
        assert [a.status for a in steps(number)] == [ApprovalStatus.REJECTED, ApprovalStatus.SKIPPED]


def test_a_cancelled_order_leaves_nothing_in_the_inbox(app, login, demo):
    number = submit(login, demo)
    login("employee").post(f"/orders/{number}/cancel", {"reason": "No longer needed."})
    with app.app_context():
        assert {a.status for a in steps(number)} == {ApprovalStatus.SKIPPED}
    assert number not in login("manager").get("/approvals").get_data(as_text=True)


def test_an_approved_order_can_still_be_cancelled_before_it_ships(app, login, demo):
    number = submit(login, demo, code="change_number")
    with app.app_context():
        commands.approve(db.session, pending_step(number), person("manager@example.com"))
        db.session.commit()
    login("employee").post(f"/orders/{number}/cancel", {"reason": "Resolved the spam calls."})
    with app.app_context():
        assert order_of(number).status is OrderStatus.CANCELLED


# ------------------------------------------------------------------ internal types complete at approval
def _approve_all(number: str) -> None:
    while True:
        order = order_of(number)
        if order.status is not OrderStatus.PENDING_APPROVAL:
            return
        step = pending_step(number)
        decider = step.assignee or step.group.members[0]
        commands.approve(db.session, step, decider)
        db.session.commit()


def test_assign_line_completes_at_approval_and_moves_the_line(app, login, demo):
    number = submit(login, demo, code="assign_line")
    with app.app_context():
        _approve_all(number)
        order = order_of(number)
        assert order.status is OrderStatus.COMPLETED and order.completed_at is not None
        line = db.session.get(Line, order.line_id)
        assert line.employee.email == "manager@example.com" and line.device.employee.email == "manager@example.com"
        from app.models import InventoryChange

        changes = db.session.scalars(select(InventoryChange).where(InventoryChange.order_id == order.id)).all()
        assert {c.field for c in changes} >= {"employee"}


def test_stipend_enrolment_and_removal_complete_at_approval(app, login, demo):
    enrol = submit(login, demo, code="stipend_enroll")
    holder = demo.stipend_holder()
    remove = submit(login, demo, code="stipend_remove", role="helpdesk", for_email=holder)
    with app.app_context():
        _approve_all(enrol)
        _approve_all(remove)
        erin = person(ERIN)
        assert db.session.scalar(select(Stipend).where(Stipend.employee_id == erin.id)).status is StipendStatus.ACTIVE
        ending = db.session.scalar(select(Stipend).where(Stipend.employee_id == person(holder).id))
        # Today is the last day in the program: the stipend stays active through it and ends the day after.
        assert ending.status is StipendStatus.ACTIVE and ending.ends_on == clock.today()
        assert order_of(enrol).status is OrderStatus.COMPLETED and order_of(remove).status is OrderStatus.COMPLETED
        commands.carry_out_dated_changes(db.session, clock.today() + timedelta(days=1))
        db.session.refresh(ending)
        assert ending.status is StipendStatus.ENDED and ending.ends_on == clock.today()


def test_a_carrier_type_stops_at_approved_for_the_carrier(app, login, demo):
    number = submit(login, demo)
    with app.app_context():
        _approve_all(number)
        assert order_of(number).status is OrderStatus.APPROVED


# ------------------------------------------------------------------ reminders and escalation (controlled clock)
def test_a_waiting_step_gets_a_reminder_then_escalates_to_the_approvers_manager(app, login, demo):
    number = submit(login, demo, code="change_number")
    with app.app_context():
        assigned = pending_step(number).assigned_at
        assert reminders.send_reminders(db.session, assigned + timedelta(hours=23)) == []
        reminded = reminders.send_reminders(db.session, assigned + timedelta(hours=25))
        db.session.commit()
        assert len(reminded) == 1 and reminders.send_reminders(db.session, assigned + timedelta(hours=26)) == []
        assert reminders.escalate(db.session, assigned + timedelta(hours=71)) == []
        escalated = reminders.escalate(db.session, assigned + timedelta(hours=73))
        db.session.commit()
        assert len(escalated) == 1
        step = pending_step(number)
        assert step.assignee.email == "sofia.alvarez@example.com"
        kinds = [e.kind for e in order_of(number).events]
        assert kinds[-2:] == ["approval_reminder", "approval_escalated"]


def test_reminder_and_escalation_times_are_admin_settings(app, login, demo):
    from app.models import Setting

    number = submit(login, demo, code="change_number")
    with app.app_context():
        db.session.merge(Setting(key="approval_reminder_hours", value=2))
        db.session.commit()
        assigned = pending_step(number).assigned_at
        assert len(reminders.send_reminders(db.session, assigned + timedelta(hours=3))) == 1


def test_the_sweep_job_runs_reminders_and_escalations(app, login, demo):
    from app.jobs import approval_sweep

    number = submit(login, demo, code="change_number")
    with app.app_context():
        assigned = pending_step(number).assigned_at
        result = approval_sweep(now=(assigned + timedelta(hours=80)).isoformat())
        assert result == {"reminded": 1, "escalated": 1}


# ------------------------------------------------------------------ concurrency
def test_two_people_deciding_the_same_step_at_once_one_wins_and_the_other_is_told(app, login, demo):
    number = submit(login, demo)
    with app.app_context():
        commands.approve(db.session, pending_step(number), person("manager@example.com"))
        db.session.commit()
        group_step_id = pending_step(number).id
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(email: str, verb: str) -> None:
        with app.app_context():
            step = db.session.get(Approval, group_step_id)
            actor = person(email)
            _ = step.order.status, [g.id for g in actor.groups]
            barrier.wait()
            try:
                if verb == "approve":
                    commands.approve(db.session, step, actor)
                else:
                    commands.reject(db.session, step, actor, "Not in budget.")
                db.session.commit()
                outcomes[email] = "won"
            except AlreadyDecided as error:
                outcomes[email] = str(error)
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=decide, args=("telecom@example.com", "approve")),
        threading.Thread(target=decide, args=("admin@example.com", "reject")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(v == "won" for v in outcomes.values()) == [False, True], outcomes
    loser = next(v for v in outcomes.values() if v != "won")
    assert "already decided this step" in loser
    with app.app_context():
        order = order_of(number)
        decided = [a for a in steps(number) if a.decided_by_id]
        assert len(decided) == 2  # the manager's step and exactly one group decision
        assert order.status in (OrderStatus.APPROVED, OrderStatus.REJECTED)
        assert [e.kind for e in order.events].count("approve") + [e.kind for e in order.events].count("reject") == 1
