"""GET /healthz: the database and Redis answer (else 503), and background work runs and keeps up (else
"degraded", still 200, with the reasons): see app.health."""

from flask import Blueprint, current_app, jsonify

from app import health
from app.extensions import db
from app.queue import redis_connection

bp = Blueprint("health", __name__)


def portal_health() -> health.Health:
    """The portal's health as this web process sees it (the admin page shows the same)."""
    return health.check(
        db.session, redis_connection(), current_app.config["RQ_QUEUE"], current_app.config.get("HEALTH_LIMITS")
    )


@bp.route("/healthz")
def healthz():
    """200 with each part's state ("degraded" with the reasons when background work stopped or fell behind), 503
    when the database or Redis is down."""
    found = portal_health()
    response = jsonify(found.as_dict())
    response.headers["Cache-Control"] = "no-store"
    return response, (503 if found.status == "down" else 200)
