"""Inventory views."""
from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.access import require
from app.extensions import db
from app.inventory import bp
from app.models import Device, Line

PAGE_SIZE = 50


@bp.route("/lines")
@require("inventory")
def lines():
    """Every line, paginated."""
    query = (
        select(Line)
        .options(joinedload(Line.employee), joinedload(Line.carrier), joinedload(Line.plan))
        .order_by(Line.id)
    )
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PAGE_SIZE, error_out=False)
    return render_template("inventory/lines.html", page=page)


@bp.route("/mine")
@require("order")
def mine():
    """My lines and devices."""
    my_lines = db.session.scalars(
        select(Line).where(Line.employee_id == current_user.id)
        .options(joinedload(Line.carrier), joinedload(Line.plan), joinedload(Line.device).joinedload(Device.model))
        .order_by(Line.number)
    ).all()
    my_devices = db.session.scalars(
        select(Device).where(Device.employee_id == current_user.id).options(joinedload(Device.model))
    ).all()
    return render_template("inventory/mine.html", lines=my_lines, devices=my_devices)
