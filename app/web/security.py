"""Request-wide security: response headers (a strict Content-Security-Policy and friends), the sign-in throttle
(Flask-Limiter in Redis), optional sign-on by a header the company's reverse proxy sets, and input that no
database can store (NUL characters) refused before any view sees it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from contextlib import suppress
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user
from redis.exceptions import RedisError
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from app.queue import redis_connection

# Scripts and styles come only from this site (htmx's own indicator styles are switched off in base.html, so
# nothing inline is needed); images also from data: URLs (the stylesheet's icons); no one may frame a page.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Endpoints that never act for a person: trusted-header sign-on leaves them alone.
NO_PERSON = {"static", "health.healthz"}

SIGN_IN_THROTTLED = (
    "Too many sign-in attempts",
    "There have been too many unsuccessful attempts to sign in from this computer. Wait a few minutes, then try again.",
)
SIGN_IN_SLOWED = (
    "Too many sign-in attempts",
    "Signing in to this account from this computer failed several times: wait {seconds} seconds, then try again.",
)


def register_security(app: Flask) -> None:
    """Install the headers, the sign-in throttle, trusted-header sign-on and the input check on `app`."""
    app.before_request(_refuse_unstorable_input)
    app.before_request(_trusted_header_sign_on)
    app.after_request(_security_headers)
    _throttle_sign_in(app)


# ---------------------------------------------------------------- headers
def _security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)  # a view may set its own (the email preview frame does)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static" and "Cache-Control" not in response.headers and current_user.is_authenticated:
        # A page for a signed-in person is not kept by the browser or a proxy: Back after signing out shows nothing.
        response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- the sign-in throttle
# Failed sign-ins are counted for an account and an address together: past LOGIN_FREE_ATTEMPTS failures in
# FAILURE_WINDOW, the next attempt of that pair must wait, longer after each failure (2, 4, 8 … seconds, at most
# LOGIN_MAX_WAIT_SECONDS). Someone typing another person's email wrongly slows down only themselves: the person
# signs in from their own computer as usual. And every address has a limit of failures whatever the accounts
# (LOGIN_LIMIT_PER_ADDRESS, Flask-Limiter). Counts live in Redis, shared by every web process; with Redis down
# the per-address limit counts in each process's memory and the slowing down waits for Redis.
FAILURE_WINDOW = 15 * 60  # seconds: failures older than this are forgotten
log = logging.getLogger(__name__)


def wait_after(failures: int, free: int, longest: int) -> int:
    """Seconds the next attempt waits after `failures` failed ones (0 within the free attempts)."""
    if failures < free:
        return 0
    return min(2 ** (failures - free + 1), longest)


def _pair_key() -> str:
    email = (request.form.get("email") or "").strip().lower()[:254]
    digest = hashlib.sha256(f"{email}\n{get_remote_address() or ''}".encode()).hexdigest()
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}:sign-in:{digest}"


def _still_to_wait(key: str) -> int:
    """Seconds this account and address must still wait before trying again (0: go ahead)."""
    failures, last = redis_connection().hmget(key, "failures", "last")
    if failures is None or last is None:
        return 0
    wait = wait_after(
        int(failures), current_app.config["LOGIN_FREE_ATTEMPTS"], current_app.config["LOGIN_MAX_WAIT_SECONDS"]
    )
    return max(math.ceil(float(last) + wait - time.time()), 0)


def _note_failure(key: str) -> None:
    with redis_connection().pipeline() as pipe:
        pipe.hincrby(key, "failures", 1)
        pipe.hset(key, "last", time.time())
        pipe.expire(key, FAILURE_WINDOW)
        pipe.execute()


def _slowed_down(view: Callable[..., Any]) -> Callable[..., Any]:
    """The sign-in view, made to wait after failures for the same account from the same address."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.method != "POST":
            return view(*args, **kwargs)
        key = _pair_key()
        try:
            wait = _still_to_wait(key)
        except RedisError as error:
            log.warning("The sign-in throttle cannot reach Redis: %s", error)
            return view(*args, **kwargs)
        if wait:
            title, text = SIGN_IN_SLOWED
            page = render_template("error.html", code=429, title=title, text=text.format(seconds=wait))
            return page, 429, {"Retry-After": str(wait)}
        response = make_response(view(*args, **kwargs))
        with suppress(RedisError):
            if response.status_code == 422:
                _note_failure(key)
            elif response.status_code == 302:
                redis_connection().delete(key)  # signed in: the failures are forgiven
        return response

    return wrapper


def _address_key() -> str:
    return "sign-in-address:" + (get_remote_address() or "")


def _failed_sign_in(response: Response) -> bool:
    """Only failed attempts count: a person who signs in, out and in again is never throttled."""
    return response.status_code == 422


def _throttle_sign_in(app: Flask) -> None:
    """The slowing down per account and address, and the limit per address (see above)."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 2, "socket_timeout": 5})
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "dialtone-limits")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter = Limiter(get_remote_address, app=app, swallow_errors=True, in_memory_fallback_enabled=True)
    limited: Callable[..., Any] = limiter.limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
        key_func=_address_key,
        methods=["POST"],
        deduct_when=_failed_sign_in,
        error_message=SIGN_IN_THROTTLED[1],
    )(app.view_functions["auth.login"])
    # Outside the limit: an attempt that must wait is answered before it counts, with its own Retry-After.
    app.view_functions["auth.login"] = _slowed_down(limited)


# ---------------------------------------------------------------- trusted-header sign-on
def _trusted_header_sign_on():
    """Behind the company's reverse proxy, the person it authenticated (by email) is the one signed in."""
    header = current_app.config.get("TRUSTED_USER_HEADER")
    if not header or request.endpoint in NO_PERSON or request.blueprint == "carrier_api":
        return None
    # REMOTE_USER is set by the server in the WSGI environment; a proxy's header (X-Remote-User) is an HTTP header.
    value = (request.environ.get(header) or request.headers.get(header) or "").strip()
    if not value:
        return None
    email = value.lower()
    if current_user.is_authenticated and current_user.email.lower() == email:
        return None
    person = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if person is None or not person.active:
        text = (
            f"You are signed on to the company network as {value}, but no active account here has that "
            "email address. Ask the helpdesk to add you, or to reactivate your account."
        )
        return render_template("error.html", code=403, title="No account for you here", text=text), 403
    login_user(person)
    return None


# ---------------------------------------------------------------- input no database can store
def _refuse_unstorable_input():
    """A NUL character cannot be stored in PostgreSQL text, and no person types one: refuse the request before
    any of it reaches the database, wherever it is (the address itself, the query string, a form field)."""
    if "\x00" in request.path:
        if request.blueprint == "carrier_api":
            return jsonify(error="the address holds a NUL character"), 400
        return _unstorable("The address contains a character that cannot be used (a NUL). Check the link.")
    if request.blueprint == "carrier_api":  # reads its raw body itself, and checks it
        return None
    values = [value for listed in request.args.listvalues() for value in listed]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [value for listed in request.form.listvalues() for value in listed]
        names = [upload.filename or "" for listed in request.files.listvalues() for upload in listed]
        if any("\x00" in name for name in names):
            return _unstorable(
                "The name of the file you chose contains a character that cannot be stored (a NUL). Rename the "
                "file and upload it again."
            )
    if any("\x00" in value for value in values):
        return _unstorable("The form contained characters that cannot be stored. Remove them and try again.")
    return None


def _unstorable(text: str):
    return render_template("error.html", code=400, title="Bad request", text=text), 400
