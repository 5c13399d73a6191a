"""The one state machine for orders: every status change is checked, versioned and written to the timeline.

A transition names the states it leaves from and the state it goes to. `transition` checks the order is in one
of those states and at the version the person saw, moves it, stamps the milestone time, and adds the
OrderEvent in the same transaction (the caller commits). Two people acting on the same order at once cannot
both win: the version check here, and the ORM's version counter at flush, refuse the second.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

from app.models import Order, OrderEvent, OrderStatus, User

S = OrderStatus


class TransitionError(Exception):
    """A status change that is not allowed from where the order stands; the message says why."""


class StaleOrderError(TransitionError):
    """Someone else changed the order after this person loaded it."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[OrderStatus]
    target: OrderStatus
    verb: str  # for messages: "cancelled", "approved"…


def _t(action: str, sources: set[OrderStatus], target: OrderStatus, verb: str) -> Transition:
    return Transition(action, frozenset(sources), target, verb)


BEFORE_SHIPPING = {S.DRAFT, S.PENDING_APPROVAL, S.INFO_REQUESTED, S.APPROVED, S.WITH_CARRIER, S.NEEDS_ATTENTION}

TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    _t("submit", {S.DRAFT}, S.PENDING_APPROVAL, "submitted"),
    _t("request_info", {S.PENDING_APPROVAL}, S.INFO_REQUESTED, "sent back with a question"),
    _t("provide_info", {S.INFO_REQUESTED}, S.PENDING_APPROVAL, "answered"),
    _t("approve_step", {S.PENDING_APPROVAL}, S.PENDING_APPROVAL, "approved at this step"),
    _t("approve", {S.PENDING_APPROVAL}, S.APPROVED, "approved"),
    _t("reject", {S.PENDING_APPROVAL, S.INFO_REQUESTED}, S.REJECTED, "rejected"),
    _t("cancel", BEFORE_SHIPPING, S.CANCELLED, "cancelled"),
    _t("place", {S.APPROVED, S.NEEDS_ATTENTION}, S.WITH_CARRIER, "placed with the carrier"),
    _t("ship", {S.APPROVED, S.WITH_CARRIER, S.NEEDS_ATTENTION}, S.SHIPPED, "shipped"),
    _t("complete", {S.APPROVED, S.WITH_CARRIER, S.SHIPPED, S.NEEDS_ATTENTION}, S.COMPLETED, "completed"),
    _t("report_problem", {S.APPROVED, S.WITH_CARRIER, S.SHIPPED}, S.NEEDS_ATTENTION, "flagged for attention"),
)}

# Where a status stands on the way to completion, for "never move backwards" checks.
PROGRESS = {S.DRAFT: 0, S.PENDING_APPROVAL: 1, S.INFO_REQUESTED: 1, S.APPROVED: 2, S.WITH_CARRIER: 3,
            S.NEEDS_ATTENTION: 3, S.SHIPPED: 4, S.COMPLETED: 5, S.REJECTED: 5, S.CANCELLED: 5}


def allowed(order: Order, action: str) -> bool:
    return order.status in TRANSITIONS[action].sources


def transition(
    session: Session,
    order: Order,
    action: str,
    actor: User | None,
    *,
    comment: str = "",
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    kind: str | None = None,
) -> OrderEvent:
    """Move `order` by `action`, or raise TransitionError saying why not. Adds the event; the caller commits."""
    rule = TRANSITIONS[action]
    if expected_version is not None and order.version != expected_version:
        raise StaleOrderError(f"{order.number} was changed by someone else a moment ago: reload it and try again.")
    if order.status not in rule.sources:
        raise TransitionError(f"{order.number} is {order.status.label.lower()}, so it cannot be {rule.verb}.")
    previous = order.status
    order.status = rule.target
    now = utcnow()
    if action == "submit":
        order.submitted_at = now
    elif action == "approve":
        order.approved_at = now
    elif action == "complete":
        order.completed_at = now
    order.updated_at = now
    event = OrderEvent(order=order, actor=actor, kind=kind or action, from_status=previous.value,
                       to_status=rule.target.value, comment=comment, data=data or {}, at=now)
    session.add(event)
    return event


def record(session: Session, order: Order, kind: str, actor: User | None, *, comment: str = "",
           data: dict[str, Any] | None = None) -> OrderEvent:
    """A timeline entry that does not change the status (a note, a carrier reference, a late update)."""
    now = utcnow()
    order.updated_at = now
    event = OrderEvent(order=order, actor=actor, kind=kind, from_status=order.status.value,
                       to_status=order.status.value, comment=comment, data=data or {}, at=now)
    session.add(event)
    return event


def utcnow() -> datetime:
    """Times are stored as naive UTC."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
