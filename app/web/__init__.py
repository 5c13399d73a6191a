"""Request-wide behaviour: login handling, HTMX-aware redirects and toasts, error pages, template globals."""

from __future__ import annotations

import json
from typing import Any, cast
from urllib.parse import urlsplit

from flask import Flask, Response, flash, get_flashed_messages, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_htmx import make_response as htmx_response
from markupsafe import Markup
from wtforms.fields import HiddenField, SelectField
from wtforms.widgets import HiddenInput, Select

from app.extensions import db, htmx, login_manager
from app.models import User, get_setting
from app.web.access import can
from app.web.lazy import Lazy
from app.web.security import SIGN_IN_THROTTLED


class HiddenInputWithoutId(HiddenInput):
    """A hidden input has no label to point at it, so it needs no id; without one, a page of several forms (each
    with its CSRF token and the order's version) keeps its ids unique, as HTML requires."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", False)
        return super().__call__(field, **kwargs)


class SelectRequiredAsHtmlAllows(Select):
    """HTML lets a `required` single select start only with an empty placeholder option; a select whose options are
    all real choices (one of them is always chosen) is left unmarked in the page. The server requires it still."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        if not self.multiple and not field.has_groups():
            first = next(iter(field.iter_choices()), None)
            if first is not None and first[0] not in ("", None):
                kwargs.setdefault("required", False)
        return super().__call__(field, **kwargs)


# Every hidden field (CSRF tokens included: Flask-WTF's is a HiddenField) renders without its id unless given one,
# and every select the way HTML allows.
HiddenField.widget = HiddenInputWithoutId()
SelectField.widget = SelectRequiredAsHtmlAllows()


def register_web(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        """The person a session names, while that session is still theirs (see `User.get_id`)."""
        return User.from_session_id(session_id)

    @login_manager.unauthorized_handler
    def unauthorized() -> ResponseReturnValue:
        target = url_for("auth.login", next=_relative_url())
        if htmx:
            # A 302 would be swapped into the fragment; tell HTMX to load the login page instead.
            return htmx_response("", redirect=target)
        flash(login_manager.login_message, "info")
        return redirect(target)

    @app.context_processor
    def globals_for_templates() -> dict:
        return {"can": can, "company_name": Lazy(_company_name)}

    @app.after_request
    def htmx_headers(response: Response) -> Response:
        response.vary.add("HX-Request")
        if htmx and not htmx.boosted and response.status_code < 300:
            # Flash messages reach HTMX fragments as toasts (the layout shows them from this event).
            messages = cast(list[tuple[str, str]], get_flashed_messages(with_categories=True))
            if messages:
                trigger: dict[str, Any] = {"toast": [{"category": c, "message": m} for c, m in messages]}
                existing = response.headers.get("HX-Trigger")
                if existing:
                    try:
                        trigger.update(json.loads(existing))
                    except ValueError:
                        trigger[existing] = True
                response.headers["HX-Trigger"] = json.dumps(trigger)
        return response

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page)


def _company_name() -> str:
    try:
        return get_setting("company_name")
    except Exception:  # the settings table may not exist yet (before the first migration)
        db.session.rollback()
        return "Dialtone"


def _relative_url() -> str:
    """The page being asked for, as a path (HTMX requests name the page they came from)."""
    if htmx and htmx.current_url:
        parts = urlsplit(htmx.current_url)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.full_path.rstrip("?")


ERROR_TEXT = {
    400: ("Bad request", "The request could not be understood. Reload the page and try again."),
    403: ("Not allowed", "Your role does not give you access to this page."),
    404: ("Not found", "There is nothing at this address. Check the link, or start from the home page."),
    405: ("Not allowed", "That action is not available here."),
    413: ("Too large", "What you sent is larger than the portal takes. Send a smaller file, or split it in parts."),
    429: ("Too many attempts", "Too many requests in a short time. Wait a few minutes, then try again."),
    500: ("Something went wrong", "The error has been logged. Try again in a moment."),
}


def _error_page(error) -> tuple[str, int]:
    code = getattr(error, "code", 500) or 500
    if code == 500:
        db.session.rollback()
    title, text = ERROR_TEXT.get(code, ERROR_TEXT[500])
    description = getattr(error, "description", None)
    if code == 400 and description and "CSRF" in str(description):
        text = "Your form expired. Reload the page and submit it again."
    if code == 429 and description == SIGN_IN_THROTTLED[1]:
        title, text = SIGN_IN_THROTTLED
    return render_template("error.html", code=code, title=title, text=text), code
