"""Placing orders: who may order for whom, drafts, submit (idempotent), cancel. No requests, no HTML."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.crypto import decrypt_json, encrypt_json
from app.models import Order, OrderStatus, User, get_setting
from app.orders import lifecycle
from app.orders.types import REGISTRY
from app.orders.types.base import OrderContext, OrderType

CANCELLABLE = lifecycle.TRANSITIONS["cancel"].sources - {OrderStatus.DRAFT}


class OrderError(Exception):
    """Something a person asked that cannot be done; the message says why."""


def may_order_for(requester: User, employee: User) -> bool:
    """Anyone for themselves; helpdesk and admins for anyone; managers for the people who report to them."""
    if requester.id == employee.id:
        return True
    if requester.is_helpdesk:
        return True
    return requester in employee.management_chain()


def orderable_people(session: Session, requester: User) -> list[User]:
    """Whom this person may order for (themselves first)."""
    if requester.is_helpdesk:
        people = session.scalars(select(User).where(User.active).order_by(User.name)).all()
    else:
        people = _reports_below(session, requester)
    return [requester] + [p for p in people if p.id != requester.id]


def _reports_below(session: Session, manager: User) -> list[User]:
    found, frontier = [], [manager.id]
    while frontier:
        batch = session.scalars(select(User).where(User.manager_id.in_(frontier), User.active)).all()
        batch = [u for u in batch if u not in found and u.id != manager.id]
        found.extend(batch)
        frontier = [u.id for u in batch]
    return sorted(found, key=lambda u: u.name)


def context(session: Session, requester: User, employee: User, today: date | None = None) -> OrderContext:
    if not may_order_for(requester, employee):
        raise OrderError(f"You cannot order for {employee.name}.")
    return OrderContext(session=session, requester=requester, employee=employee, today=today or date.today())


def may_change(order: Order, person: User) -> bool:
    """The requester, the person it is for, and helpdesk/admins act for the requester side."""
    return person.id in (order.requester_id, order.employee_id) or person.is_helpdesk


# ---------------------------------------------------------------- drafts
def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def save_draft(session: Session, order_type: OrderType, ctx: OrderContext, form, *, order: Order | None = None,
               price=None) -> Order:
    """Create or update the draft behind this form (one form token, one draft). The caller commits."""
    if order is None and form.form_token.data:
        order = session.scalar(select(Order).where(Order.submit_token == form.form_token.data))
        if order is not None and order.status is not OrderStatus.DRAFT:
            return order  # the same form posted again after it was submitted: nothing more to do
    if order is None:
        order = Order(type=order_type.code, status=OrderStatus.DRAFT, requester=ctx.requester,
                      employee=ctx.employee, submit_token=form.form_token.data or None)
        session.add(order)
    if order.status is not OrderStatus.DRAFT:
        raise OrderError(f"{order.number} has been submitted already; it can no longer be edited.")
    secrets: dict[str, str] = decrypt_json(order.secrets_encrypted)
    details: dict[str, Any] = {}
    summary: list[list[str]] = []
    for part in order_type.parts:
        for name in part.fields():
            value = form[name].data
            if name in part.secret_fields:
                if value:
                    secrets[name] = value
            elif value not in (None, "", []):
                details[name] = _jsonable(value)
        summary.extend([list(row) for row in part.summary(form)])
    details["_summary"] = summary
    if ctx.out_of_policy:
        details["_out_of_policy"] = [f"{item}: {why}" for item, why in ctx.out_of_policy]
    share = employee_cost_share(ctx)
    if share:
        details["_cost_share_cents"] = share
    order.out_of_policy = bool(ctx.out_of_policy)
    order.details = details
    order.secrets_encrypted = encrypt_json(secrets)
    order.line = ctx.line
    order.device = ctx.stock_device or ctx.device
    order.carrier = ctx.carrier
    order.cost_center = ctx.employee.cost_center
    if price is not None:
        order.one_time_cents, order.monthly_cents = price.one_time_cents, price.monthly_cents
    order.updated_at = lifecycle.utcnow()
    session.flush()
    if order.number is None:
        order.number = f"{get_setting('order_number_prefix')}{order.id:06d}"
    return order


def employee_cost_share(ctx: OrderContext) -> int:
    """What the employee pays toward the devices, accessories and plan chosen (admins set it per item)."""
    from app.catalog.eligibility import cost_share_for

    items = [i for i in (ctx.model, ctx.plan, *ctx.accessories) if i is not None]
    return sum(cost_share_for(ctx.employee, item) for item in items)


def draft_formdata(order: Order):
    """The draft's answers as form data, to fill its form again (secrets included: never rendered back)."""
    from werkzeug.datastructures import MultiDict

    data = MultiDict()
    for name, value in order.details.items():
        if name.startswith("_"):
            continue
        for item in value if isinstance(value, list) else [value]:
            data.add(name, str(item))
    for name, value in decrypt_json(order.secrets_encrypted).items():
        data.add(name, value)
    data.add("form_token", order.submit_token or "")
    return data


def delete_draft(session: Session, order: Order, person: User) -> None:
    if order.status is not OrderStatus.DRAFT:
        raise OrderError(f"{order.number} has been submitted; cancel it instead.")
    if order.requester_id != person.id:
        raise OrderError("Only the person who started a draft can delete it.")
    session.delete(order)


# ---------------------------------------------------------------- submit and cancel
def submit(session: Session, order: Order, person: User, *, expected_version: int | None = None) -> bool:
    """Submit a draft. True when this call submitted it; False when it was submitted already (a double click)."""
    if order.status is not OrderStatus.DRAFT:
        return False
    if order.requester_id != person.id:
        raise OrderError("Only the person who started this order can submit it.")
    lifecycle.transition(session, order, "submit", person, expected_version=expected_version)
    return True


def cancel(session: Session, order: Order, person: User, reason: str, *, expected_version: int | None = None):
    if not may_change(order, person):
        raise OrderError("You cannot cancel this order.")
    if order.status not in CANCELLABLE:
        raise OrderError(f"{order.number} is {order.status.label.lower()}: it can no longer be cancelled.")
    if not reason.strip():
        raise OrderError("Say why you are cancelling.")
    return lifecycle.transition(session, order, "cancel", person, comment=reason.strip(),
                                expected_version=expected_version)


def answer(session: Session, order: Order, person: User, text: str, *, expected_version: int | None = None):
    """The requester answers an approver's question; the order returns to the same step and approver."""
    if not may_change(order, person):
        raise OrderError("Only the requester can answer.")
    if not text.strip():
        raise OrderError("Write your answer.")
    return lifecycle.transition(session, order, "provide_info", person, comment=text.strip(),
                                expected_version=expected_version)


def open_question(order: Order):
    """The latest question an approver asked, while the order waits for the answer."""
    if order.status is not OrderStatus.INFO_REQUESTED:
        return None
    return next((e for e in reversed(order.events) if e.kind == "request_info"), None)


def commit_or_conflict(session: Session, order: Order) -> None:
    """Commit, turning a lost race (someone else changed the order first) into a clear error."""
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise lifecycle.StaleOrderError(
            f"{order.number} was changed by someone else a moment ago: reload it and try again.") from None


def order_type_of(order: Order) -> OrderType:
    return REGISTRY[order.type]


def may_view(order: Order, person: User, session: Session) -> bool:
    """Requester, the person it is for, their managers, anyone with a step on it, and the telecom staff."""
    if may_change(order, person) or person.is_fulfillment or person.is_admin:
        return True
    if person in order.employee.management_chain():
        return True
    from app.models import Approval

    group_ids = [g.id for g in person.groups]
    query = select(Approval.id).where(Approval.order_id == order.id)
    query = query.where((Approval.assignee_id == person.id) | (Approval.decided_by_id == person.id)
                        | (Approval.on_behalf_of_id == person.id)
                        | (Approval.group_id.in_(group_ids) if group_ids else False))
    return session.scalar(query.limit(1)) is not None
