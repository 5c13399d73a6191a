"""GET /healthz: is the database reachable, is Redis reachable."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.extensions import db
from app.queue import redis_connection

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    """200 with each dependency's state, or 503 when any is down."""
    checks = {
        "database": _check(lambda: db.session.execute(text("SELECT 1"))),
        "redis": _check(lambda: redis_connection().ping()),
    }
    healthy = all(state == "ok" for state in checks.values())
    return jsonify(status="ok" if healthy else "degraded", **checks), (200 if healthy else 503)


def _check(probe) -> str:
    try:
        probe()
        return "ok"
    except Exception as exc:  # any failure means "down"; its class says why without leaking details
        db.session.rollback()
        return f"down ({type(exc).__name__})"
