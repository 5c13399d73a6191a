"""Admin views."""
from flask import render_template
from sqlalchemy import func, select

from app.access import require
from app.admin import bp
from app.extensions import db
from app.models import Accessory, ApprovalPolicy, Carrier, DeviceModel, Feature, Plan, StipendTier, User

SECTIONS = (("Carriers", Carrier), ("Plans", Plan), ("Features", Feature), ("Device models", DeviceModel),
            ("Accessories", Accessory), ("Stipend tiers", StipendTier), ("Approval policies", ApprovalPolicy),
            ("People", User))


@bp.route("")
@require("admin")
def index():
    """What the company has configured, counted."""
    counts = {name: db.session.scalar(select(func.count()).select_from(model)) for name, model in SECTIONS}
    carriers = db.session.scalars(select(Carrier).order_by(Carrier.name)).all()
    return render_template("admin/index.html", counts=counts, carriers=carriers)
