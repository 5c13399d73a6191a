"""The state machines: every order transition from every status by every party, and every approval step action
from every step status — each either moves as the table says or is refused, saying why."""

import itertools

import pytest

from app.approvals.steps import STEP_TRANSITIONS, StepAction, StepError, move
from app.models import Approval, ApprovalStatus, EventKind, Order, OrderEvent, OrderStatus
from app.orders import lifecycle
from app.orders.lifecycle import TRANSITIONS, NotAllowed, Party, StaleOrderError, TransitionError
from app.orders.presenting import EVENT_WORDS, STOPPED_WORDS


class FakeSession:
    """Collects what a transition adds (the lifecycle needs nothing else of a session)."""

    def __init__(self):
        self.added = []

    def add(self, obj):
        self.added.append(obj)


def _order(status: OrderStatus) -> Order:
    return Order(number="WO-000001", type="change_plan", status=status, version=3, details={})


@pytest.mark.parametrize("action,status,party", list(itertools.product(TRANSITIONS, OrderStatus, Party)))
def test_every_transition_from_every_status_by_every_party(action, status, party):
    """Allowed exactly when the table lists the status as a source and the party as one who may take it."""
    rule = TRANSITIONS[action]
    order, session = _order(status), FakeSession()
    allowed = status in rule.sources and party in rule.parties
    assert lifecycle.allowed(order, action, party) is allowed
    if allowed:
        event = lifecycle.transition(session, order, action, None, party=party, comment="why")
        assert order.status is rule.target
        assert session.added == [event] and isinstance(event, OrderEvent)
        assert (event.kind, event.from_status, event.to_status) == (action.value, status.value, rule.target.value)
        if rule.stamp:
            assert getattr(order, rule.stamp) is not None
    else:
        expected = NotAllowed if status in rule.sources else TransitionError
        with pytest.raises(expected) as refused:
            lifecycle.transition(session, order, action, None, party=party)
        assert order.number in str(refused.value) and rule.verb in str(refused.value)
        assert order.status is status and session.added == []


def test_a_stale_version_is_refused_before_anything_moves():
    order = _order(OrderStatus.PENDING_APPROVAL)
    with pytest.raises(StaleOrderError):
        lifecycle.transition(FakeSession(), order, EventKind.CANCEL, None, party=Party.REQUESTER, expected_version=2)
    assert order.status is OrderStatus.PENDING_APPROVAL


def test_an_order_that_ends_frees_its_line():
    for target in lifecycle.FINAL:
        action = next(a for a, t in TRANSITIONS.items() if t.target is target)
        rule = TRANSITIONS[action]
        order = _order(next(iter(rule.sources)))
        order.line_claim = 7
        lifecycle.transition(FakeSession(), order, action, None, party=next(iter(rule.parties)))
        assert order.line_claim is None


def test_every_status_is_reachable_ranked_and_named():
    assert lifecycle.reachable() == set(OrderStatus)
    assert set(lifecycle.RANK) == set(OrderStatus)
    assert set(STOPPED_WORDS) == lifecycle.STOPPED
    assert set(lifecycle.OPEN) == set(OrderStatus) - lifecycle.FINAL - {OrderStatus.DRAFT}
    assert set(lifecycle.OPEN) >= lifecycle.CANCELLABLE


def test_every_event_kind_has_words_and_notes_are_not_transitions():
    assert set(EVENT_WORDS) == set(EventKind)
    with pytest.raises(ValueError):
        lifecycle.record(FakeSession(), _order(OrderStatus.APPROVED), EventKind.COMPLETE, None)
    order = _order(OrderStatus.APPROVED)
    note = lifecycle.record(FakeSession(), order, EventKind.NOTE, None, comment="A note.")
    assert order.status is OrderStatus.APPROVED and note.from_status == note.to_status == "approved"


def test_hand_off_is_recorded_once():
    order, session = _order(OrderStatus.APPROVED), FakeSession()
    assert lifecycle.hand_off(session, order, "Sent.") is not None
    assert order.handed_off_at is not None
    assert lifecycle.hand_off(session, order, "Sent again.") is None
    assert [e.kind for e in session.added] == ["handed_off"]


@pytest.mark.parametrize("action,status", list(itertools.product(StepAction, ApprovalStatus)))
def test_every_step_action_from_every_step_status(action, status):
    step = Approval(position=1, status=status)
    rule = STEP_TRANSITIONS[action]
    if status in rule.sources:
        move(step, action)
        assert step.status is rule.target
    else:
        with pytest.raises(StepError):
            move(step, action)
        assert step.status is status
