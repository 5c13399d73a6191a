"""The one state machine for orders: the statuses, the transitions between them, who may take each, the
progress order, and which statuses are open, cancellable or in fulfilment. Nothing else in the code lists them.

`transition` checks the order is in one of the transition's source states, that the party taking it may, and
(when given) that the order is at the version the person saw; it moves the order, stamps the milestone time, and
adds the timeline event in the same transaction (the caller commits). Two people acting on the same order at once
cannot both win: the version check here, and the ORM's version counter at flush, refuse the second.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from app import clock
from app.database import DbSession
from app.models import EventKind, Order, OrderEvent, OrderStatus, User

S = OrderStatus
E = EventKind


class Party(enum.Enum):
    """Who takes a transition, as the order sees them."""

    REQUESTER = "requester"  # the requester, the person it is for, or the helpdesk acting for them
    APPROVER = "approver"  # whoever may decide the order's current approval step
    FULFILMENT = "fulfilment"  # the telecom team, in the fulfilment console
    CARRIER = "carrier"  # the carrier's own reports (its API, the simulator)
    SYSTEM = "system"  # the portal itself (completion of internal types, a rule that no longer holds)


class TransitionError(Exception):
    """A status change that is not allowed from where the order stands; the message says why."""


class StaleOrderError(TransitionError):
    """Someone else changed the order after this person loaded it."""


class NotAllowed(TransitionError):
    """The party asking may not take this transition."""


@dataclass(frozen=True)
class Transition:
    action: EventKind
    sources: frozenset[OrderStatus]
    target: OrderStatus
    verb: str  # for messages: "cancelled", "approved"…
    parties: frozenset[Party]
    stamp: str | None = None  # the milestone time it sets on the order


def _t(
    action: EventKind,
    sources: set[OrderStatus],
    target: OrderStatus,
    verb: str,
    parties: set[Party],
    stamp: str | None = None,
) -> Transition:
    return Transition(action, frozenset(sources), target, verb, frozenset(parties), stamp)


P = Party
TEAM_OR_CARRIER = {P.FULFILMENT, P.CARRIER}
# An order not yet with the carrier is cancelled at once; one with the carrier is cancelled when the carrier says so.
NOT_WITH_CARRIER = {S.PENDING_APPROVAL, S.INFO_REQUESTED, S.APPROVED, S.NEEDS_ATTENTION}
ASKED = S.CANCELLATION_REQUESTED

TRANSITIONS: dict[EventKind, Transition] = {
    t.action: t
    for t in (
        _t(E.SUBMIT, {S.DRAFT}, S.PENDING_APPROVAL, "submitted", {P.REQUESTER}, "submitted_at"),
        _t(E.REQUEST_INFO, {S.PENDING_APPROVAL}, S.INFO_REQUESTED, "sent back with a question", {P.APPROVER}),
        _t(E.PROVIDE_INFO, {S.INFO_REQUESTED}, S.PENDING_APPROVAL, "answered", {P.REQUESTER}),
        _t(E.APPROVE_STEP, {S.PENDING_APPROVAL}, S.PENDING_APPROVAL, "approved at this step", {P.APPROVER}),
        # the system approves by the company's policy alone (a line reported lost or stolen, when so set)
        _t(E.APPROVE, {S.PENDING_APPROVAL}, S.APPROVED, "approved", {P.APPROVER, P.SYSTEM}, "approved_at"),
        _t(E.REJECT, {S.PENDING_APPROVAL, S.INFO_REQUESTED}, S.REJECTED, "rejected", {P.APPROVER}),
        _t(E.HOLD, {S.PENDING_APPROVAL, S.APPROVED}, S.NEEDS_ATTENTION, "held for attention", {P.SYSTEM}),
        _t(E.CANCEL, NOT_WITH_CARRIER, S.CANCELLED, "cancelled", {P.REQUESTER, P.FULFILMENT}),
        _t(E.REQUEST_CANCEL, {S.WITH_CARRIER}, ASKED, "asked to be cancelled", {P.REQUESTER, P.FULFILMENT}),
        _t(E.CONFIRM_CANCEL, {ASKED}, S.CANCELLED, "cancelled by the carrier", TEAM_OR_CARRIER),
        _t(E.REFUSE_CANCEL, {ASKED}, S.WITH_CARRIER, "kept by the carrier", TEAM_OR_CARRIER),
        _t(E.PLACE, {S.APPROVED, S.NEEDS_ATTENTION}, S.WITH_CARRIER, "placed with the carrier", TEAM_OR_CARRIER),
        _t(E.SHIP, {S.APPROVED, S.WITH_CARRIER, S.NEEDS_ATTENTION, ASKED}, S.SHIPPED, "shipped", TEAM_OR_CARRIER),
        _t(
            E.COMPLETE,
            {S.APPROVED, S.WITH_CARRIER, S.SHIPPED, S.NEEDS_ATTENTION, ASKED},
            S.COMPLETED,
            "completed",
            {P.FULFILMENT, P.CARRIER, P.SYSTEM},
            "completed_at",
        ),
        _t(
            E.REPORT_PROBLEM,
            {S.APPROVED, S.WITH_CARRIER, S.SHIPPED},
            S.NEEDS_ATTENTION,
            "flagged for attention",
            {P.FULFILMENT, P.CARRIER, P.SYSTEM},
        ),
    )
}

# Where each status stands on the way to completion: the progress stepper and "never move backwards" both read it.
RANK: dict[OrderStatus, int] = {
    S.CANCELLATION_REQUESTED: 3,
    S.DRAFT: 0,
    S.PENDING_APPROVAL: 1,
    S.INFO_REQUESTED: 1,
    S.APPROVED: 2,
    S.WITH_CARRIER: 3,
    S.NEEDS_ATTENTION: 3,
    S.SHIPPED: 4,
    S.COMPLETED: 5,
    S.REJECTED: 5,
    S.CANCELLED: 5,
}
FINAL = frozenset({S.COMPLETED, S.REJECTED, S.CANCELLED})
OPEN: tuple[OrderStatus, ...] = tuple(s for s in S if s not in FINAL and s is not S.DRAFT)  # submitted, not ended
AWAITING_APPROVAL = frozenset({S.PENDING_APPROVAL, S.INFO_REQUESTED})
IN_FULFILMENT = frozenset({S.APPROVED, S.WITH_CARRIER, S.SHIPPED, S.NEEDS_ATTENTION, S.CANCELLATION_REQUESTED})
# What the requester's side may cancel, with a reason: at once, or by asking the carrier.
CANCELLABLE = TRANSITIONS[E.CANCEL].sources | TRANSITIONS[E.REQUEST_CANCEL].sources
# Statuses where an order stopped short of the next milestone (the stepper shows them as such).
STOPPED = frozenset({S.REJECTED, S.CANCELLED, S.NEEDS_ATTENTION, S.INFO_REQUESTED, S.CANCELLATION_REQUESTED})


def allowed(order: Order, action: EventKind, party: Party | None = None) -> bool:
    rule = TRANSITIONS[action]
    return order.status in rule.sources and (party is None or party in rule.parties)


def reachable() -> frozenset[OrderStatus]:
    """Every status some sequence of transitions reaches from a draft."""
    found, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        here = frontier.pop()
        for rule in TRANSITIONS.values():
            if here in rule.sources and rule.target not in found:
                found.add(rule.target)
                frontier.append(rule.target)
    return frozenset(found)


def transition(
    session: DbSession,
    order: Order,
    action: EventKind,
    actor: User | None,
    *,
    party: Party,
    comment: str = "",
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> OrderEvent:
    """Move `order` by `action`, or raise TransitionError saying why not. Adds the event; the caller commits."""
    rule = TRANSITIONS[EventKind(action)]
    check_version(order, expected_version)
    if order.status not in rule.sources:
        raise TransitionError(f"{order.number} is {order.status.label.lower()}, so it cannot be {rule.verb}.")
    if party not in rule.parties:
        raise NotAllowed(f"{order.number} cannot be {rule.verb} by the {party.value}.")
    previous = order.status
    order.status = rule.target
    now = clock.now()
    if rule.stamp:
        setattr(order, rule.stamp, now)
    if rule.target in FINAL:
        order.line_claim = None  # the line is free for the next order
        order.secrets_encrypted = None  # a port's account number and PIN: erased, not only masked, once it is over
    order.updated_at = now
    event = OrderEvent(
        order=order,
        actor=actor,
        kind=action.value,
        from_status=previous.value,
        to_status=rule.target.value,
        comment=comment,
        data=data or {},
        at=now,
    )
    session.add(event)
    return event


def check_version(order: Order, expected_version: int | None) -> None:
    """Refuse when the person acted on an older version of the order than the one stored."""
    if expected_version is not None and order.version != expected_version:
        raise StaleOrderError(f"{order.number} was changed by someone else a moment ago: reload it and try again.")


def record(
    session: DbSession,
    order: Order,
    kind: EventKind,
    actor: User | None,
    *,
    comment: str = "",
    data: dict[str, Any] | None = None,
    touch: bool = True,
) -> OrderEvent:
    """A timeline entry that does not change the status (a note, a carrier reference, a late update). With
    `touch=False` the order's row is left as it is (its version too): a message in its conversation."""
    kind = EventKind(kind)
    if kind in TRANSITIONS:
        raise ValueError(f"{kind.value} is a transition: use transition()")
    now = clock.now()
    if touch:
        order.updated_at = now
    event = OrderEvent(
        order=order,
        actor=actor,
        kind=kind.value,
        from_status=order.status.value,
        to_status=order.status.value,
        comment=comment,
        data=data or {},
        at=now,
    )
    session.add(event)
    return event


def hand_off(session: DbSession, order: Order, comment: str) -> OrderEvent | None:
    """Mark an approved order as given to its carrier's adapter (once); None when it was already."""
    if order.handed_off_at is not None:
        return None
    order.handed_off_at = clock.now()
    return record(session, order, E.HANDED_OFF, None, comment=comment)
