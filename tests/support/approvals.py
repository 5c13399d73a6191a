"""Approvals: submit a valid order, look up its steps, approve it through the inbox."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Approval, ApprovalStatus, Order, User
from tests.support.ordering import place, valid_orders


def submit(login, demo, code="new_line", role="employee", for_email=None, **changes) -> str:
    _, data, default_for = valid_orders(demo)[code]
    data = {**data, **changes}
    for_email = for_email or default_for
    return place(login(role), code, data, for_user=demo.user(for_email) if for_email else None)


def order_of(number: str) -> Order:
    return db.session.scalar(select(Order).where(Order.number == number))


def person(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def steps(number: str) -> list[Approval]:
    return sorted(
        order_of(number).id
        and db.session.scalars(select(Approval).where(Approval.order_id == order_of(number).id)).all(),
        key=lambda a: a.position,
    )


def pending_step(number: str) -> Approval:
    return next(a for a in steps(number) if a.status is ApprovalStatus.PENDING)


def approve_in_inbox(app, number: str, clients: dict) -> None:
    """Each pending step approved through the inbox by whoever it is assigned to."""
    while True:
        with app.app_context():
            step = db.session.scalar(
                select(Approval).join(Order).where(Order.number == number, Approval.status == ApprovalStatus.PENDING)
            )
            if step is None:
                return
            email, step_id = (step.assignee or step.group.members[0]).email, step.id
        assert clients[email].post(f"/approvals/{step_id}/approve", {}).status_code == 302
