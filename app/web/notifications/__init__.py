"""Notifications' pages: the admin's milestone switches and email log (/admin/notifications), and each person's
profile (/profile). The emails themselves are app.notifications'."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/admin/notifications")
profile_bp = Blueprint("profile", __name__, url_prefix="/profile")


@bp.record_once
def _set_up(state) -> None:
    state.app.register_blueprint(profile_bp)  # one line in create_app registers both


@bp.context_processor
def _admin_menu() -> dict:
    # These pages sit in the administration layout, which lists the catalog kinds in its menu.
    return {"catalog_kinds": list(KINDS.values())}


from app.web.admin.catalog_kinds import KINDS  # noqa: E402
from app.web.notifications import routes  # noqa: E402,F401
