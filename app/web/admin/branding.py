"""Images kept in the database: the company logo, served to everyone (the layout header and emails show it), and
the device models' pictures, served to people signed in (the catalog search and the order forms show them)."""

from flask import Blueprint, Response, abort

from app.catalog.pictures import PICTURE_PATH, shown_picture
from app.catalog.settings import LOGO_PATH, company_logo_url
from app.extensions import db
from app.models import StoredFile, get_setting
from app.web.access import require
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
    return _image(stored, "public")


@bp.route(PICTURE_PATH.replace("{file_id}", "<int:picture_id>"))
@require("order")
def device_picture(picture_id: int) -> Response:
    """A device model's picture; a new upload gets a new address, so it can be cached for good."""
    stored = shown_picture(db.session, picture_id)
    if stored is None:
        abort(404)
    return _image(stored, "private")


def _image(stored: StoredFile, audience: str) -> Response:
    """The stored image as it is, told by its stored type only (nosniff), never run as a document (the CSP: an
    SVG opened on its own runs no script)."""
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers["Cache-Control"] = f"{audience}, max-age=31536000, immutable"
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
