"""Home and dashboard views."""
from flask import render_template
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.access import require
from app.dashboard import bp
from app.extensions import db
from app.models import OPEN_STATUSES, Approval, ApprovalStatus, Order, OrderStatus
from app.orders import types


@bp.route("/")
@require("order")
def home():
    """My open orders and what waits for me."""
    open_orders = db.session.scalars(
        select(Order)
        .where(or_(Order.requester_id == current_user.id, Order.employee_id == current_user.id))
        .where(Order.status.in_(OPEN_STATUSES))
        .options(joinedload(Order.line))
        .order_by(Order.updated_at.desc())
        .limit(10)
    ).all()
    waiting = db.session.scalar(
        select(func.count()).select_from(Approval).where(
            Approval.assignee_id == current_user.id, Approval.status == ApprovalStatus.PENDING
        )
    )
    return render_template("dashboard/home.html", open_orders=open_orders, waiting=waiting, types=types.REGISTRY)


@bp.route("/dashboard")
@require("dashboard")
def overview():
    """Orders by status, at a glance."""
    rows = db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all()
    counts = {status: 0 for status in OrderStatus}
    counts.update({status: n for status, n in rows})
    return render_template("dashboard/overview.html", counts=counts)

