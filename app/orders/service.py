"""Placing orders: who may order for whom and see what, drafts, and checking a draft against its type's rules
again (at submit and at the final approval). No requests, no HTML; what happens to an order is app.commands'."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from app import clock
from app.catalog.eligibility import cost_share_for
from app.crypto import decrypt_json, encrypt_json
from app.database import DbSession
from app.inventory.search import first_found_by_name
from app.models import Approval, Order, OrderStatus, User, get_setting, org_chart
from app.orders.types import REGISTRY
from app.orders.types.base import OrderContext, OrderType
from app.orders.types.forms import bind, errors_of


class OrderError(Exception):
    """Something a person asked that cannot be done; the message says why."""


class OrderRefused(OrderError):
    """The order type's rules refuse the order as it stands: {field name: message} ("" for the whole form)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values()), "The order cannot go ahead."))
        self.errors = errors


def may_order_for(requester: User, employee: User) -> bool:
    """Anyone for themselves; helpdesk and admins for anyone; managers for the people who report to them."""
    if requester.id == employee.id:
        return True
    if requester.is_helpdesk:
        return True
    return requester in employee.management_chain()


def orderable_people(session: DbSession, requester: User, search: str = "", limit: int | None = None) -> list[User]:
    """Whom this person may order for, by name: with `search`, those found by any word of their name or email, or
    their employee number (the people index); without, this person first, then the others. At most `limit` of the
    others, cut in the database: the helpdesk may order for everyone in the company, a senior manager for tens of
    thousands below them."""
    may = [User.active] + ([] if requester.is_helpdesk else [User.id.in_(org_chart.below(requester))])
    people = select(User).options(joinedload(User.department)).order_by(User.name, User.id)  # the search lists it
    if search.strip():
        return list(session.scalars(people.where(User.id.in_(first_found_by_name(search, may, limit)))))
    return [requester, *session.scalars(people.where(*may, User.id != requester.id).limit(limit))]


def context(
    session: DbSession, requester: User, employee: User, today: date | None = None, order: Order | None = None
) -> OrderContext:
    if not may_order_for(requester, employee):
        raise OrderError(f"You cannot order for {employee.name}.")
    return OrderContext(
        session=session,
        requester=requester,
        employee=employee,
        today=today or clock.today(),
        order_id=order.id if order is not None else None,
    )


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


def save_draft(
    session: DbSession, order_type: OrderType, ctx: OrderContext, form, *, order: Order | None = None, price=None
) -> Order:
    """Create or update the draft behind this form (one form token, one draft). The caller commits."""
    if order is None and form.form_token.data:
        order = session.scalar(select(Order).where(Order.submit_token == form.form_token.data))
        if order is not None and order.status is not OrderStatus.DRAFT:
            return order  # the same form posted again after it was submitted: nothing more to do
    if order is None:
        order = Order(
            type=order_type.code,
            status=OrderStatus.DRAFT,
            requester=ctx.requester,
            employee=ctx.employee,
            submit_token=form.form_token.data or None,
        )
        session.add(order)
    if order.status is not OrderStatus.DRAFT:
        raise OrderError(f"{order.number} has been submitted already; it can no longer be edited.")
    secrets: dict[str, str] = decrypt_json(order.secrets_encrypted)
    details: dict[str, Any] = {}
    summary: list[list[str]] = []
    for part in order_type.parts:
        for name in part.answers():
            value = form[name].data
            if name in part.secret_fields:
                if value:
                    secrets[name] = value
            elif isinstance(value, list):  # kept even when empty: "none chosen" is an answer
                details[name] = _jsonable([v for v in value if v is not None])
            elif value not in (None, ""):
                details[name] = _jsonable(value)
        summary.extend([list(row) for row in part.summary(form)])
    details["_summary"] = summary
    if ctx.service is not None:  # a wireline service's kind says what the carrier reports (a circuit ID, numbers)
        details["_service_kind"] = ctx.service.kind.value
    if ctx.out_of_policy:
        details["_out_of_policy"] = [f"{item}: {why}" for item, why in ctx.out_of_policy]
    share = employee_cost_share(ctx)
    if share:
        details["_cost_share_cents"] = share
    order.out_of_policy = bool(ctx.out_of_policy)
    if order.details and order.details.get("_copied_from"):
        details["_copied_from"] = order.details["_copied_from"]  # a copy stays linked to its original
    order.details = details
    order.secrets_encrypted = encrypt_json(secrets)
    order.line = ctx.line
    order.device = ctx.stock_device or ctx.device
    order.carrier = ctx.carrier
    order.site = ctx.site
    order.service = ctx.service
    order.cost_center = ctx.employee.cost_center
    if price is not None:
        order.one_time_cents, order.monthly_cents = price.one_time_cents, price.monthly_cents
    order.updated_at = clock.now()
    session.flush()
    if order.number is None:
        order.number = f"{get_setting('order_number_prefix')}{order.id:06d}"
    return order


def employee_cost_share(ctx: OrderContext) -> int:
    """What the employee pays toward the devices, accessories and plan chosen (admins set it per item)."""
    items = [i for i in (ctx.model, ctx.plan, *ctx.accessories) if i is not None]
    return sum(cost_share_for(ctx.employee, item) for item in items)


def copy_as_draft(session: DbSession, original: Order, requester: User) -> Order:
    """A new draft with the answers of `original` (a rejected order to change and submit again, or any past order
    to order again): for the same person, priced and summarised from today's catalog, linked to the original.
    Secrets (a port's PIN) are not copied: they were erased when the original ended. The caller commits."""
    order_type = REGISTRY.get(original.type)
    if order_type is None:
        raise OrderError(f"{original.number} is of a type that can no longer be ordered.")
    ctx = context(session, requester, original.employee)
    data = draft_formdata(original)
    data.poplist("form_token")
    for name in ("transfer_pin", "account_number"):
        data.poplist(name)
    form, _ = bind(order_type, ctx, data, validate=False)
    form.form_token.data = None
    try:
        price = order_type.price(ctx)
    except (AttributeError, TypeError):  # not enough answers still hold to price it
        price = None
    draft = save_draft(session, order_type, ctx, form, price=price)
    draft.details = {**draft.details, "_copied_from": original.number}
    return draft


def draft_formdata(order: Order) -> MultiDict:
    """The draft's answers as form data, to fill its form again (secrets included: never rendered back)."""
    data: MultiDict = MultiDict()
    for name, value in order.details.items():
        if name.startswith("_"):
            continue
        if value == []:
            data.add(name, "")  # chosen: none (a list left empty on purpose, not a field never filled)
        for item in value if isinstance(value, list) else [value]:
            data.add(name, str(item))
    for name, value in decrypt_json(order.secrets_encrypted).items():
        data.add(name, value)
    data.add("form_token", order.submit_token or "")
    return data


def delete_draft(session: DbSession, order: Order, person: User) -> None:
    if order.status is not OrderStatus.DRAFT:
        raise OrderError(f"{order.number} has been submitted; cancel it instead.")
    if order.requester_id != person.id:
        raise OrderError("Only the person who started a draft can delete it.")
    session.delete(order)


# ---------------------------------------------------------------- the rules, again
def check(session: DbSession, order: Order, requester: User, *, today: date) -> dict[str, str]:
    """Every rule of the order's type, run again on what the order holds, as its form would run them:
    required parts, the catalog items still offered, the line still the employee's and in a state the type
    applies to, eligibility, warranty, restore window, conflicts, compatibility. {} when all still holds."""
    if not may_order_for(requester, order.employee):
        return {"": f"{requester.name} can no longer order for {order.employee.name}."}
    order_type = REGISTRY[order.type]
    ctx = context(session, requester, order.employee, today, order=order)
    form, valid = bind(order_type, ctx, draft_formdata(order), validate=True)
    return {} if valid else errors_of(form)


def order_type_of(order: Order) -> OrderType:
    return REGISTRY[order.type]


def may_view(order: Order, person: User, session: DbSession) -> bool:
    """Requester, the person it is for, their managers, anyone with a step on it, and the telecom staff."""
    if may_change(order, person) or person.is_fulfillment or person.is_admin:
        return True
    if person in order.employee.management_chain():
        return True
    group_ids = [g.id for g in person.groups]
    query = select(Approval.id).where(Approval.order_id == order.id)
    query = query.where(
        (Approval.assignee_id == person.id)
        | (Approval.decided_by_id == person.id)
        | (Approval.on_behalf_of_id == person.id)
        | (Approval.group_id.in_(group_ids) if group_ids else False)
    )
    return session.scalar(query.limit(1)) is not None
