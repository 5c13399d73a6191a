"""Ordering: new orders, My orders, the order page."""
from flask import Blueprint

bp = Blueprint("orders", __name__, url_prefix="/orders")

from app.orders import routes  # noqa: E402,F401
