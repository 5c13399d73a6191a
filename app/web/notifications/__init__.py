"""Notifications: milestone emails, recorded with the event that causes them and sent by the worker.

milestones.py says who gets what; rendering.py draws the emails; outbox.py records them in the event's own
transaction (session listeners) and queues their sending; sending.py sends them through SMTP. The pages: the
admin's milestone switches and email log (/admin/notifications), and each person's profile (/profile).
"""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/admin/notifications")
profile_bp = Blueprint("profile", __name__, url_prefix="/profile")


@bp.record_once
def _set_up(state) -> None:
    # Registering this blueprint is what turns notifications on: the session listeners (for every session of
    # the app, web and worker alike) and the profile page, so create_app needs one line for all of it.
    from app.extensions import db
    from app.notifications.outbox import install

    install(db.session)
    state.app.register_blueprint(profile_bp)


@bp.context_processor
def _admin_menu() -> dict:
    # These pages sit in the administration layout, which lists the catalog kinds in its menu.
    from app.web.admin.catalog_kinds import KINDS

    return {"catalog_kinds": list(KINDS.values())}


from app.web.notifications import routes  # noqa: E402,F401
