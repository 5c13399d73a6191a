"""Fulfilment views."""
from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.access import require
from app.extensions import db
from app.fulfilment import bp
from app.models import Order, OrderStatus
from app.orders import types

QUEUES = {
    "To place with the carrier": (OrderStatus.APPROVED,),
    "With the carrier": (OrderStatus.WITH_CARRIER, OrderStatus.SHIPPED),
    "Needs attention": (OrderStatus.NEEDS_ATTENTION,),
}


@bp.route("")
@require("fulfillment")
def console():
    """Orders to place, with the carrier, and needing attention."""
    orders = db.session.scalars(
        select(Order).where(Order.status.in_([s for group in QUEUES.values() for s in group]))
        .options(joinedload(Order.carrier), joinedload(Order.employee))
        .order_by(Order.approved_at).limit(300)
    ).all()
    queues = {name: [o for o in orders if o.status in statuses] for name, statuses in QUEUES.items()}
    return render_template("fulfilment/console.html", queues=queues, types=types.REGISTRY)
