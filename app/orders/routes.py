"""Order views."""
from flask import render_template, request
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.access import require
from app.extensions import db
from app.models import Order, OrderStatus
from app.orders import bp, types

PAGE_SIZE = 25


@bp.route("/new")
@require("order")
def new():
    """The order types, grouped as New, Modify and Delete requests."""
    return render_template("orders/new.html", groups=types.by_group())


@bp.route("")
@require("order")
def mine():
    """My orders and those I placed for others, newest first, paginated."""
    query = (
        select(Order)
        .where(or_(Order.requester_id == current_user.id, Order.employee_id == current_user.id))
        .where(Order.status != OrderStatus.DRAFT)
        .options(joinedload(Order.employee), joinedload(Order.line))
        .order_by(Order.updated_at.desc(), Order.id.desc())
    )
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE, error_out=False)
    return render_template("orders/mine.html", page=page, types=types.REGISTRY)
