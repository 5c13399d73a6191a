"""What happens around a status change that crosses areas (ordering → approvals → fulfilment).

Views call these after the lifecycle has moved an order, so that orders never import the areas built on them.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Order


def after_submit(session: Session, order: Order) -> None:
    """A submitted order gets its approval steps, and the first approver is assigned."""
    from app.approvals.decisions import route

    route(session, order)


def after_cancel(session: Session, order: Order) -> None:
    """A cancelled order leaves nothing waiting in an approver's inbox."""
    from app.approvals.decisions import skip_open_steps

    skip_open_steps(session, order)


def after_commit(order: Order) -> None:
    """Once a decision is committed: an approved carrier order goes to its carrier (through the worker).

    If Redis is down the job is not queued, and the periodic carrier sweep hands the order off later.
    """
    from app.models import OrderStatus
    from app.orders.types import REGISTRY

    order_type = REGISTRY.get(order.type)
    if order.status is not OrderStatus.APPROVED or order_type is None or not order_type.carrier_fulfilled:
        return
    from redis.exceptions import RedisError

    from app.queue import enqueue

    try:
        enqueue("app.jobs.hand_off", order.id)
    except RedisError:
        pass  # the carrier sweep picks it up when Redis is back
