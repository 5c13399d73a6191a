"""Administration: the catalog, who may order what, people, settings and the audit log (admins only)."""

from flask import Blueprint, current_app, url_for

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.context_processor
def admin_menu() -> dict:
    # Approval policies are the approvals blueprint's pages; link to them when it offers them.
    policies = url_for("policies.index") if "policies.index" in current_app.view_functions else None
    return {"catalog_kinds": list(KINDS.values()), "approval_policies_url": policies}


@bp.record_once
def _register_branding(state) -> None:
    # The company logo is public (the layout shows it to everyone, mail clients fetch it without a session),
    # and every /admin URL is admins-only: so it is served by a blueprint of its own, outside /admin.
    state.app.register_blueprint(branding.bp)


from app.web.admin import branding, routes, routes_catalog, routes_people, routes_settings, routes_sites  # noqa: E402,F401
from app.web.admin.catalog_kinds import KINDS  # noqa: E402
