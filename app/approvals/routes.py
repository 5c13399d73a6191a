"""Approval views."""
from flask import render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.access import require
from app.approvals import bp
from app.extensions import db
from app.models import Approval, ApprovalStatus, Order
from app.orders import types


@bp.route("")
@require("approve")
def inbox():
    """What waits for my decision, oldest first."""
    approvals = db.session.scalars(
        select(Approval)
        .where(Approval.assignee_id == current_user.id, Approval.status == ApprovalStatus.PENDING)
        .options(joinedload(Approval.order).joinedload(Order.requester))
        .order_by(Approval.assigned_at)
        .limit(100)
    ).all()
    return render_template("approvals/inbox.html", approvals=approvals, types=types.REGISTRY)
