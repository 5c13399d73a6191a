"""The company logo, served to everyone from the database (the layout header and emails show it)."""

from flask import Blueprint, Response, abort

from app.catalog.settings import LOGO_PATH, company_logo_url
from app.extensions import db
from app.models import StoredFile, get_setting
from app.web.lazy import Lazy

bp = Blueprint("branding", __name__)


@bp.route(LOGO_PATH.replace("{file_id}", "<int:file_id>"))
def logo(file_id: int) -> Response:
    """The current logo; its address changes with every upload, so it can be cached for good."""
    if get_setting("company_logo_file_id") != file_id:
        abort(404)
    stored = db.session.get(StoredFile, file_id)
    if stored is None:
        abort(404)
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.set_etag(stored.sha256)
    return response


@bp.app_context_processor
def logo_for_layout() -> dict:
    return {"company_logo_url": Lazy(_logo_url)}  # asked only by pages that show it (not by fragments)


def _logo_url() -> str | None:
    try:
        return company_logo_url()
    except Exception:  # the settings table may not exist yet (before the first migration)
        db.session.rollback()
        return None
