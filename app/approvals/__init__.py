"""The approver inbox."""
from flask import Blueprint

bp = Blueprint("approvals", __name__, url_prefix="/approvals")

from app.approvals import routes  # noqa: E402,F401
