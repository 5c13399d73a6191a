"""The requester's commands: submit a draft, cancel (the fulfilment team cancels through the same command).
Answering a question is part of the order's conversation (app.commands.conversing)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.approvals.decisions import route
from app.approvals.steps import skip_open
from app.database import DbSession
from app.fulfilment.carriers import adapter_for, carrier_of
from app.models import EventKind, Order, OrderEvent, OrderStatus, User
from app.orders import lifecycle, service
from app.orders.lifecycle import Party, StaleOrderError
from app.orders.service import OrderError, OrderRefused
from app.orders.types import REGISTRY


def submit(session: DbSession, order: Order, person: User, *, expected_version: int | None = None) -> bool:
    """Submit a draft: every rule of its type is checked again on what it holds, the line it changes is claimed,
    and its approval steps are laid out. True when this call submitted it; False when it was submitted already
    (a double click). Raises OrderRefused with the errors by field, or OrderError."""
    if not enter(session, order, person, expected_version=expected_version):
        return False
    route(session, order)
    return True


def enter(session: DbSession, order: Order, person: User, *, expected_version: int | None = None) -> bool:
    """Submit a draft up to its approval: checked again, its line claimed, submitted (`submit` then routes it to
    its approvers; a line reported lost may be approved by the company's policy instead)."""
    if order.status is not OrderStatus.DRAFT:
        return False
    if order.requester_id != person.id:
        raise OrderError("Only the person who started this order can submit it.")
    lifecycle.check_version(order, expected_version)
    errors = service.check(session, order, person, today=clock.today())
    if errors:
        raise OrderRefused(errors)
    _claim_line(session, order)
    lifecycle.transition(session, order, EventKind.SUBMIT, person, party=Party.REQUESTER)
    return True


def _claim_line(session: DbSession, order: Order) -> None:
    """Hold the order's line while it is open; the database refuses a second open order on it, even one
    submitted at the same moment (the check in the rules cannot see a transaction not yet committed)."""
    if not (REGISTRY[order.type].claims_line and order.line_id):
        return
    try:
        with session.begin_nested():
            order.line_claim = order.line_id
            session.flush()
    except IntegrityError:
        order.line_claim = None
        raise OrderRefused(
            {
                "line": "Another order for this line was submitted a moment ago: wait for it to "
                "finish or cancel it first."
            }
        ) from None


def cancel(
    session: DbSession,
    order: Order,
    person: User,
    reason: str,
    *,
    expected_version: int | None = None,
    party: Party = Party.REQUESTER,
) -> OrderEvent:
    """Cancel an order that has not shipped, with a reason: by the requester's side, or by the fulfilment team
    (`party`). Its open approval steps leave every inbox. An order already placed with the carrier is not
    cancelled yet: the carrier is asked (through its adapter), and the order is cancelled when it confirms, or goes
    on if it says it is too late."""
    may = service.may_change(order, person) if party is Party.REQUESTER else person.is_fulfillment
    if not may:
        raise OrderError("You cannot cancel this order.")
    if order.status not in lifecycle.CANCELLABLE:
        raise OrderError(f"{order.number} is {order.status.label.lower()}: it can no longer be cancelled.")
    if not reason.strip():
        raise OrderError("Say why you are cancelling.")
    if lifecycle.allowed(order, EventKind.REQUEST_CANCEL, party):
        event = lifecycle.transition(
            session,
            order,
            EventKind.REQUEST_CANCEL,
            person,
            party=party,
            comment=reason.strip(),
            expected_version=expected_version,
        )
        adapter_for(carrier_of(order)).cancel(session, order, reason.strip())
        return event
    event = lifecycle.transition(
        session, order, EventKind.CANCEL, person, party=party, comment=reason.strip(), expected_version=expected_version
    )
    skip_open(session, order)
    return event


def commit_or_conflict(session: DbSession, order: Order) -> None:
    """Commit, turning a lost race (someone else changed the order first) into a clear error."""
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise StaleOrderError(
            f"{order.number} was changed by someone else a moment ago: reload it and try again."
        ) from None
