"""The inventory workspace: lines, devices, SIMs, stipends, employees."""

from flask import Blueprint

bp = Blueprint("inventory", __name__, url_prefix="/inventory")

from app.web.inventory import routes  # noqa: E402,F401
