"""Factories for domain objects, beside the HTTP `place()`: an order drafted, submitted and approved through the
domain itself (the form of its type bound to answers, the commands), for tests of the domain that need orders
without driving the pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app import commands
from app.database import DbSession
from app.models import Approval, ApprovalStatus, Order, OrderStatus, Role, User, UserRole
from app.orders import service
from app.orders.types import REGISTRY
from app.orders.types.forms import bind


def formdata(answers: dict[str, Any]) -> MultiDict:
    """Form answers as a browser would post them (a list posts each of its values)."""
    data: MultiDict = MultiDict()
    for name, value in answers.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(name, str(item))
    return data


def draft(
    session: DbSession, code: str, requester: User, answers: dict[str, Any], *, employee: User | None = None
) -> Order:
    """A draft of `code` with `answers`, as the form would save it (its rules checked: a refusal raises)."""
    order_type = REGISTRY[code]
    ctx = service.context(session, requester, employee or requester)
    form, valid = bind(order_type, ctx, formdata(answers), validate=True)
    if not valid:
        raise service.OrderRefused({n: str(f.errors[0]) for n, f in form._fields.items() if f.errors})
    order = service.save_draft(session, order_type, ctx, form, price=order_type.price(ctx))
    session.flush()
    return order


def submitted(
    session: DbSession, code: str, requester: User, answers: dict[str, Any], *, employee: User | None = None
) -> Order:
    """An order of `code` submitted through the command (waiting for its first approver)."""
    order = draft(session, code, requester, answers, employee=employee)
    commands.submit(session, order, requester)
    session.flush()
    return order


def decider_of(session: DbSession, step: Approval) -> User:
    """Someone who may decide the step: its assignee, a member of its group, or an administrator."""
    if step.assignee is not None:
        return step.assignee
    own = {step.order.requester_id, step.order.employee_id}
    if step.group is not None:
        return next(m for m in step.group.members if m.id not in own)
    admins = session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == Role.ADMIN)
    )
    return next(a for a in admins if a.id not in own)


def approve_all(session: DbSession, order: Order) -> Order:
    """Approve every step of a submitted order through the command, committing each decision."""
    while order.status is OrderStatus.PENDING_APPROVAL:
        step = session.scalar(
            select(Approval).where(Approval.order_id == order.id, Approval.status == ApprovalStatus.PENDING)
        )
        commands.approve(session, step, decider_of(session, step))
        session.commit()
    return order
