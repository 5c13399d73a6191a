"""A stateful property test of the order domain: hypothesis drives random sequences of commands — drafts,
submits, decisions, questions, answers, cancellations, carrier reports in any order, completions, people moving
and inventory edits — and after every step checks what must always hold:

- a device is on at most one line;
- a line is held by at most one open order that changes it;
- every order's status is one the lifecycle can reach;
- every completed order changed the inventory once (its changes do not grow after completion);
- nothing raises but the domain's own refusals.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select

from app import clock, commands
from app.admin import people
from app.approvals.steps import StepError
from app.extensions import db
from app.fulfilment.records import FulfilmentError, InvalidReport
from app.fulfilment.updates import UnknownOrder
from app.inventory import editing
from app.models import Approval, ApprovalStatus, Carrier, InventoryChange, Line, LineStatus, Order, OrderStatus, User
from app.orders import lifecycle, service
from app.orders.lifecycle import Party, TransitionError
from app.orders.service import OrderError
from app.orders.types import REGISTRY
from app.orders.types.forms import bind
from tests.support import factories
from tests.support.ordering import Demo, valid_orders

REFUSALS = (
    OrderError,
    TransitionError,
    StepError,
    FulfilmentError,
    InvalidReport,
    UnknownOrder,
    editing.EditRefused,
    people.PeopleError,
)
EXAMPLES = int(os.environ.get("ORDER_MACHINE_EXAMPLES", "8"))
ROLES = {
    "employee": "employee@example.com",
    "helpdesk": "helpdesk@example.com",
    "telecom": "telecom@example.com",
    "admin": "admin@example.com",
}


def machine_for(app):
    demo = Demo(app)
    # The answers each type's form takes, read once from the demo company as it starts: the examples commit, so a
    # later one may find it changed (the one suspended line restored), and the commands must meet that anyway.
    valid = valid_orders(demo)

    class OrderMachine(RuleBasedStateMachine):
        """One company, one sequence of commands; the database is the demo company's copy for this test."""

        @initialize()
        def start(self):
            self.context = app.app_context()
            self.context.push()
            self.orders: list[int] = []
            self.completed_changes: dict[int, int] = {}
            self.valid = valid

        def teardown(self):
            db.session.rollback()
            self.context.pop()

        # ---------------------------------------------------------------- helpers
        def person(self, role: str) -> User:
            return db.session.scalar(select(User).where(User.email == ROLES[role]))

        def order(self, index: int) -> Order:
            return db.session.get(Order, self.orders[index % len(self.orders)])

        def attempt(self, action) -> None:
            """Run one command in its own transaction: committed, or refused and rolled back."""
            try:
                action()
                db.session.commit()
            except REFUSALS:
                db.session.rollback()

        # ---------------------------------------------------------------- rules
        @rule(code=st.sampled_from(sorted(REGISTRY)))
        def draft(self, code):
            if code not in self.valid:
                return
            role, data, for_email = self.valid[code]
            requester = self.person(role)
            employee = db.session.scalar(select(User).where(User.email == for_email)) if for_email else requester
            order_type = REGISTRY[code]

            def make():  # saved even when the form would refuse it: the way around the form's checks
                ctx = service.context(db.session, requester, employee)
                form, _ = bind(order_type, ctx, factories.formdata(data), validate=True)
                order = service.save_draft(db.session, order_type, ctx, form)
                db.session.flush()
                self.orders.append(order.id)

            self.attempt(make)

        @precondition(lambda self: self.orders)
        @rule(index=st.integers(0, 50))
        def submit(self, index):
            order = self.order(index)
            self.attempt(lambda: commands.submit(db.session, order, order.requester))

        @precondition(lambda self: self.orders)
        @rule(index=st.integers(0, 50), decision=st.sampled_from(["approve", "reject", "ask"]))
        def decide(self, index, decision):
            order = self.order(index)
            step = db.session.scalar(
                select(Approval).where(Approval.order_id == order.id, Approval.status == ApprovalStatus.PENDING)
            )
            if step is None:
                return
            decider = step.assignee or (step.group.members[0] if step.group else self.person("admin"))
            act = {
                "approve": lambda: commands.approve(db.session, step, decider),
                "reject": lambda: commands.reject(db.session, step, decider, "Not this quarter."),
                "ask": lambda: commands.ask(db.session, step, decider, "Which office?"),
            }[decision]
            self.attempt(act)

        @precondition(lambda self: self.orders)
        @rule(index=st.integers(0, 50))
        def answer(self, index):
            order = self.order(index)
            self.attempt(lambda: commands.answer(db.session, order, order.requester, "The New York office."))

        @precondition(lambda self: self.orders)
        @rule(index=st.integers(0, 50), by_team=st.booleans())
        def cancel(self, index, by_team):
            order = self.order(index)
            who, party = (self.person("telecom"), Party.FULFILMENT) if by_team else (order.requester, Party.REQUESTER)
            self.attempt(lambda: commands.cancel(db.session, order, who, "No longer needed.", party=party))

        @precondition(lambda self: self.orders)
        @rule(
            index=st.integers(0, 50),
            status=st.sampled_from(["acknowledged", "backordered", "shipped", "delivered", "completed", "rejected"]),
            serial=st.integers(0, 10**6),
        )
        def carrier_reports(self, index, status, serial):
            from app.identifiers import make_iccid, make_imei

            order = self.order(index)
            if order.carrier is None or order.number is None:
                return
            payload: dict = {
                "update_id": f"m-{order.id}-{status}-{serial}",
                "order_number": order.number,
                "status": status,
            }
            if status == "shipped":
                payload["shipments"] = [{"shipping_carrier": "UPS", "tracking_number": "1Z999AA10123456784"}]
            if status == "completed":
                payload["service_number"] = f"+1212{555 if serial % 2 else 201}{serial % 10000:04d}"
                payload["devices"] = [
                    {
                        "imei": make_imei("35391190", serial),
                        "serial": f"S{serial}",
                        "iccid": make_iccid("01410", serial),
                    }
                ]
            carrier = db.session.get(Carrier, order.carrier_id)
            self.attempt(lambda: commands.receive_carrier_update(db.session, carrier, payload))
            commands.apply_carrier_updates(db.session)

        @precondition(lambda self: self.orders)
        @rule(index=st.integers(0, 50))
        def complete_in_console(self, index):
            order = self.order(index)
            self.attempt(lambda: commands.complete(db.session, order, self.person("telecom")))

        @precondition(lambda self: self.orders)
        @rule(index=st.integers(0, 50))
        def hand_off(self, index):
            order = self.order(index)
            self.attempt(lambda: commands.hand_off(db.session, order))

        @rule(status=st.sampled_from([LineStatus.SUSPENDED, LineStatus.DISCONNECTED, LineStatus.ACTIVE]))
        def helpdesk_edits_a_line(self, status):
            line = db.session.scalar(
                select(Line)
                .join(User, Line.employee_id == User.id)
                .where(User.email == ROLES["employee"])
                .order_by(Line.id)
            )
            raw = {"status": status.value}
            if status is LineStatus.DISCONNECTED:
                raw["disconnected_on"] = clock.today()
            self.attempt(
                lambda: editing.edit(db.session, line, raw, actor=self.person("helpdesk"), expected_version=None)
            )

        @rule()
        def erin_loses_her_manager(self):
            erin = self.person("employee")
            admin = self.person("admin")
            self.attempt(
                lambda: people.update_person(
                    db.session,
                    erin,
                    admin,
                    name=erin.name,
                    email=erin.email,
                    department=erin.department,
                    cost_center=erin.cost_center,
                    manager=None,
                    roles=set(erin.roles),
                    groups=list(erin.groups),
                )
            )

        # ---------------------------------------------------------------- what must always hold
        @invariant()
        def a_device_is_on_at_most_one_line(self):
            shared = db.session.execute(
                select(Line.device_id)
                .where(Line.device_id.is_not(None))
                .group_by(Line.device_id)
                .having(func.count() > 1)
            ).all()
            assert shared == []

        @invariant()
        def a_line_is_held_by_at_most_one_open_order(self):
            claiming = [code for code, t in REGISTRY.items() if t.claims_line]
            held = db.session.execute(
                select(Order.line_id)
                .where(Order.status.in_(lifecycle.OPEN), Order.type.in_(claiming), Order.line_id.is_not(None))
                .group_by(Order.line_id)
                .having(func.count() > 1)
            ).all()
            assert held == []

        @invariant()
        def every_status_is_reachable(self):
            seen = set(db.session.scalars(select(Order.status).distinct()))
            assert seen <= lifecycle.reachable()

        @invariant()
        def a_completed_order_changed_the_inventory_once(self):
            if not self.orders:
                return
            counts = dict(
                db.session.execute(
                    select(Order.id, func.count(InventoryChange.id))
                    .outerjoin(InventoryChange, InventoryChange.order_id == Order.id)
                    .where(Order.id.in_(self.orders), Order.status == OrderStatus.COMPLETED)
                    .group_by(Order.id)
                ).all()
            )
            for order_id, count in counts.items():
                assert count >= 1, f"order {order_id} completed without changing the inventory"
                assert self.completed_changes.setdefault(order_id, count) == count

    return OrderMachine


def test_random_sequences_of_commands_keep_the_rules(app):
    machine = machine_for(app)
    machine.TestCase.settings = settings(
        max_examples=EXAMPLES, stateful_step_count=30, deadline=None, suppress_health_check=list(HealthCheck)
    )
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(machine, settings=machine.TestCase.settings)
