"""The fulfilment console for the telecom team."""

from flask import Blueprint

bp = Blueprint("fulfilment", __name__, url_prefix="/fulfillment")

from app.web.fulfilment import returns, routes  # noqa: E402,F401
