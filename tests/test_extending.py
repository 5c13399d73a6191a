"""A new order type is one unit: a registry entry with its effect, in one module. Registered here, a 19th type is
ordered from its form, approved, fulfilled by the carrier simulator and applied to the inventory, with no other
file touched; a type without an inventory effect cannot even be made."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock, commands
from app.extensions import db
from app.inventory.history import record_change
from app.models import Approval, ApprovalStatus, InventoryChange, Order, OrderStatus
from app.orders.types import parts as p
from app.orders.types import register, rules, unregister
from app.orders.types.base import MODIFY, OrderType, Price
from app.orders.types.rules import ACTIVE, NO_ACTIVE_LINE, needs_line
from tests.support.ordering import ERIN, Demo, place


def data_boost_effect(session, order, actor) -> None:
    """The line gets the extra data for the month (written to its history)."""
    record_change(db.session, order.line, "data boost", None, "10 GB for this month", actor=actor, order=order)


DATA_BOOST = OrderType(
    "data_boost",
    "Data boost",
    MODIFY,
    "Ten more gigabytes on a line, for this month.",
    parts=(p.LinePart(), p.NotesPart()),
    rules=(rules.no_conflicting_order,),
    claims_line=True,
    available=needs_line(ACTIVE, NO_ACTIVE_LINE),
    price=lambda ctx: Price(1500, 0),
    effect=data_boost_effect,
)


@pytest.fixture
def data_boost():
    register(DATA_BOOST)
    yield DATA_BOOST
    unregister(DATA_BOOST.code)


def test_a_type_without_an_inventory_effect_cannot_be_made():
    with pytest.raises(TypeError):
        OrderType("nothing", "Nothing", MODIFY, "Does nothing.")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="no inventory effect"):
        OrderType("nothing", "Nothing", MODIFY, "Does nothing.", effect=None)  # type: ignore[arg-type]


def test_a_nineteenth_type_works_end_to_end_through_the_simulator(app, login, data_boost):
    demo = Demo(app)
    erin = login("employee")
    assert "Data boost" in erin.get("/orders/new").get_data(as_text=True)
    number = place(erin, "data_boost", {"line": demo.line_of(ERIN), "notes": "Travelling this week."})
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert order.one_time_cents == 1500 and order.line_claim == order.line_id
        while order.status is OrderStatus.PENDING_APPROVAL:
            step = db.session.scalar(
                select(Approval).where(Approval.order_id == order.id, Approval.status == ApprovalStatus.PENDING)
            )
            commands.approve(db.session, step, step.assignee or step.group.members[0])
            db.session.commit()
        assert order.status is OrderStatus.APPROVED
        moment = clock.now()
        for _ in range(6):  # the simulator's pace apart: acknowledged, then completed (nothing ships)
            moment += timedelta(minutes=5)
            commands.carrier_sweep(db.session, now=moment)
            db.session.expire_all()
            if order.status is OrderStatus.COMPLETED:
                break
        assert order.status is OrderStatus.COMPLETED
        assert [e.kind for e in order.events if e.kind in ("handed_off", "place", "ship", "complete")] == [
            "handed_off",
            "place",
            "complete",
        ]
        change = db.session.scalar(select(InventoryChange).where(InventoryChange.order_id == order.id))
        assert (change.field, change.new_value) == ("data boost", "10 GB for this month")
        assert order.line_claim is None
