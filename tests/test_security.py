"""Sessions and requests: CSRF on every state change, the session cookie's flags, the security headers on every
response (a Content-Security-Policy that no template needs to loosen), the sign-in throttle, sign-out and
deactivation that end a session for good, and sign-on by the company proxy's trusted header."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import select

from app.extensions import db
from app.models import User
from tests.support.helpers import DEMO_PASSWORD, Client
from tests.support.security import build_world, crawl, routes, row_counts, url_for_rule

TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates"
ERIN = "employee@example.com"


# ---------------------------------------------------------------- CSRF
def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(app, login):
    """Forms, HTMX requests and JSON bodies alike: only the signed carrier API needs no token."""
    ids = build_world(app, login)
    before = row_counts(app)
    posts = [(endpoint, url_for_rule(rule, ids)) for endpoint, rule in routes(app, "POST")]
    assert len(posts) >= 40
    for role in ("anonymous", "employee", "admin"):
        client = Client(app) if role == "anonymous" else login(role)
        other = login("manager")  # a token from someone else's session is no token
        for endpoint, url in posts:
            if endpoint.startswith("carrier_api."):
                continue
            attempts = {
                "form": client.http.post(url, data={"name": "x", "reason": "x"}),
                "htmx": client.http.post(url, data={"name": "x"}, headers={"HX-Request": "true"}),
                "json": client.http.post(url, json={"name": "x"}),
                "foreign token": client.http.post(url, data={"csrf_token": other.csrf_token}),
                "foreign header": client.http.post(url, json={}, headers={"X-CSRFToken": other.csrf_token}),
            }
            for kind, response in attempts.items():
                assert response.status_code == 400, (role, endpoint, kind, response.status_code)
    assert "Your form expired" in Client(app).http.post("/login", data={}).get_data(as_text=True)
    after = row_counts(app)
    assert after == before


def test_an_htmx_post_with_the_token_in_its_header_is_accepted(login):
    erin = login("employee")
    response = erin.http.post(
        "/profile", data={"informational_emails": "y"}, headers={"HX-Request": "true", "X-CSRFToken": erin.csrf_token}
    )
    assert response.status_code == 302


# ---------------------------------------------------------------- cookies
def _set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_session_cookies_are_http_only_and_same_site_and_secure_when_configured(app):
    client = Client(app)
    signed_in = client.post("/login", {"email": ERIN, "password": DEMO_PASSWORD, "remember": "y"})
    cookies = _set_cookies(signed_in)
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name], cookies[name]
        assert "Secure" not in cookies[name]  # the demo runs on plain http
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    secure = Client(app)
    cookies = _set_cookies(secure.post("/login", {"email": ERIN, "password": DEMO_PASSWORD, "remember": "y"}))
    for name in ("session", "remember_token"):
        assert "Secure" in cookies[name] and "HttpOnly" in cookies[name], cookies[name]


def test_the_configuration_reads_secure_cookies_from_the_environment(monkeypatch):
    from app.config import Config

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    config = Config()
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE and config.SESSION_COOKIE_HTTPONLY
    assert config.SESSION_COOKIE_SAMESITE == "Lax"


# ---------------------------------------------------------------- headers
def _csp(response) -> dict[str, str]:
    policy = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def _assert_protected(url: str, response) -> None:
    csp = _csp(response)
    assert csp, f"{url}: no Content-Security-Policy"
    script = csp.get("script-src") or csp.get("default-src")
    assert script in ("script-src 'self'", "default-src 'none'"), (url, script)
    assert "unsafe-inline" not in csp.get("script-src", "")
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    framing = csp.get("frame-ancestors") == "frame-ancestors 'none'" or response.headers.get("X-Frame-Options") in (
        "DENY",
        "SAMEORIGIN",
    )
    assert framing, url
    assert response.headers["X-Content-Type-Options"] == "nosniff", url
    assert response.headers["Referrer-Policy"] == "same-origin", url


@pytest.mark.parametrize("role", ["anonymous", "employee", "admin"])
def test_every_response_carries_the_security_headers(app, login, role):
    ids = build_world(app, login)
    client = Client(app) if role == "anonymous" else login(role)
    pages = crawl(client, app, ids, extra=["/no/such/page", "/orders/WO-999999"])
    pages["POST /logout (405 as a GET)"] = client.get("/logout")
    pages["api"] = client.http.post("/api/v1/carrier-updates", data=b"{}")
    for url, response in pages.items():
        _assert_protected(url, response)
        if response.mimetype == "text/html" and "/email.html" not in url:
            assert _csp(response)["style-src"] == "style-src 'self'", url
            assert _csp(response)["frame-ancestors"] == "frame-ancestors 'none'", url
    assert any(r.status_code == 404 for r in pages.values())
    if role != "anonymous":
        assert pages["/orders"].headers["Cache-Control"] == "no-store"  # not kept for Back after signing out


def test_a_server_error_page_carries_the_headers_too(app, login):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/__broken")
    def broken():
        raise RuntimeError("boom")

    response = login("employee").get("/__broken")
    assert response.status_code == 500 and "Something went wrong" in response.get_data(as_text=True)
    _assert_protected("/__broken", response)


def test_the_production_https_setting_adds_strict_transport_security(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_template_has_inline_script_event_handlers_or_inline_styles():
    """So the policy never needs 'unsafe-inline': scripts and styles come from files. (Emails are not pages:
    mail clients need inline styles, and the email preview is served under its own sandboxed policy.)"""
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        name = str(path.relative_to(TEMPLATES))
        for pattern, what in (
            (r"<script(?![^>]*\bsrc=)[^>]*>", "inline <script>"),
            (r"<[^>]+\son[a-z]+\s*=", "on… event handler"),
            (r"javascript:", "javascript: URL"),
            (r"hx-on", "hx-on handler (evaluated code)"),
        ):
            if re.search(pattern, text, re.I):
                problems.append(f"{name}: {what}")
        if not name.startswith("emails/"):
            for pattern, what in ((r"<[^>]+\sstyle\s*=", "style attribute"), (r"<style", "<style> element")):
                if re.search(pattern, text, re.I):
                    problems.append(f"{name}: {what}")
    assert not problems, "\n".join(problems)


def test_htmx_is_told_not_to_inject_its_indicator_styles(login):
    page = login("employee").get("/").get_data(as_text=True)
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page)
    assert meta and json.loads(meta.group(1))["includeIndicatorStyles"] is False


# ---------------------------------------------------------------- the sign-in throttle
def _attempt(app, email: str, password: str, address: str = "127.0.0.1"):
    client = Client(app)
    client.http.environ_base["REMOTE_ADDR"] = address
    return client.post("/login", {"email": email, "password": password})


def test_failed_sign_ins_slow_down_that_account_from_that_address_and_lock_no_one_out(app, redis_url, monkeypatch):
    """Anyone may type Erin's email wrongly ten times: they wait, longer each time; Erin, at her own computer,
    signs in as usual."""
    from types import SimpleNamespace

    from app.web import security
    from app.web.security import wait_after

    # The throttle's clock stands still: a slow machine between two attempts must not shorten the wait asked.
    clock_reading = 1_800_000_000.0
    monkeypatch.setattr(security, "time", SimpleNamespace(time=lambda: clock_reading))

    attacker = "10.66.6.6"
    for _ in range(5):
        assert _attempt(app, ERIN, "wrong", address=attacker).status_code == 422
    slowed = _attempt(app, ERIN, DEMO_PASSWORD, address=attacker)  # even the right password waits now
    page = slowed.get_data(as_text=True)
    assert slowed.status_code == 429 and "Too many sign-in attempts" in page and "wait 2 seconds" in page
    assert slowed.headers["Retry-After"] == "2"
    assert _attempt(app, ERIN, DEMO_PASSWORD).status_code == 302  # Erin, from her own address: not locked out
    assert _attempt(app, "manager@example.com", DEMO_PASSWORD, address=attacker).status_code == 302  # others too
    redis = Redis.from_url(redis_url)
    (key,) = [k for k in redis.keys("dialtone-limits:sign-in:*") if redis.hget(k, "failures") == b"5"]
    for expected in (4, 8, 16):  # the wait has passed: one more try, and a longer wait after it failed
        redis.hset(key, "last", clock_reading - 1000)
        assert _attempt(app, ERIN, "wrong", address=attacker).status_code == 422
        assert _attempt(app, ERIN, "wrong", address=attacker).headers["Retry-After"] == str(expected)
    assert [wait_after(n, 5, 300) for n in (0, 4, 5, 6, 12, 40)] == [0, 0, 2, 4, 256, 300]
    redis.hset(key, "last", clock_reading - 1000)
    assert _attempt(app, ERIN, DEMO_PASSWORD, address=attacker).status_code == 302  # and signed in, forgiven
    assert not redis.exists(key)


def test_failed_sign_ins_are_throttled_per_address(app):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "5 per 15 minutes"
    for n in range(5):
        assert _attempt(app, f"guess{n}@example.com", "x", address="10.9.9.9").status_code == 422
    assert _attempt(app, ERIN, DEMO_PASSWORD, address="10.9.9.9").status_code == 429
    assert _attempt(app, ERIN, DEMO_PASSWORD, address="10.9.9.10").status_code == 302


def test_signing_in_successfully_again_and_again_is_never_throttled(app):
    for _ in range(15):
        client = Client(app)
        client.sign_in(ERIN)
        assert client.post("/logout").status_code == 302


# ---------------------------------------------------------------- sessions end for good
def _stolen(app, cookie_name: str, value: str) -> Client:
    thief = Client(app)
    thief.http.set_cookie(cookie_name, value)
    return thief


def test_a_session_cookie_copied_before_sign_out_does_not_work_after_it(app, login):
    erin = login("employee")
    session_cookie = erin.http.get_cookie("session").value
    assert _stolen(app, "session", session_cookie).get("/orders").status_code == 200
    assert erin.post("/logout").status_code == 302
    replay = _stolen(app, "session", session_cookie).get("/orders")
    assert replay.status_code == 302 and replay.headers["Location"].startswith("/login")


def test_a_remember_me_cookie_copied_before_sign_out_does_not_work_after_it(app):
    erin = Client(app)
    erin.post("/login", {"email": ERIN, "password": DEMO_PASSWORD, "remember": "y"})
    remembered = erin.http.get_cookie("remember_token").value
    assert _stolen(app, "remember_token", remembered).get("/orders").status_code == 200
    erin.post("/logout")
    assert _stolen(app, "remember_token", remembered).get("/orders").status_code == 302


def test_deactivation_ends_the_persons_sessions_and_reactivation_does_not_revive_them(app, login):
    erin = login("employee")
    cookie = erin.http.get_cookie("session").value
    with app.app_context():
        erin_id = db.session.scalar(select(User.id).where(User.email == ERIN))
    admin = login("admin")
    admin.post(f"/admin/people/{erin_id}/deactivate")
    assert erin.get("/orders").status_code == 302
    admin.post(f"/admin/people/{erin_id}/reactivate")
    assert _stolen(app, "session", cookie).get("/orders").status_code == 302
    assert login("employee").get("/orders").status_code == 200  # she signs in again


def test_passwords_are_never_stored_or_compared_in_the_clear(app):
    with app.app_context():
        erin = db.session.scalar(select(User).where(User.email == ERIN))
        assert DEMO_PASSWORD not in erin.password_hash and erin.password_hash.startswith(("scrypt:", "pbkdf2:"))


# ---------------------------------------------------------------- trusted-header sign-on
def test_trusted_header_sign_on_is_off_unless_configured(client):
    response = client.get("/orders", headers={"X-Remote-User": ERIN})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_proxy_header_signs_the_person_on_by_email(app):
    app.config["TRUSTED_USER_HEADER"] = "X-Remote-User"
    client = Client(app)
    page = client.get("/", headers={"X-Remote-User": "Employee@Example.com"})
    assert page.status_code == 200 and "Erin Park" in page.get_data(as_text=True)
    # the header decides who is signed in, even over an older session
    switched = client.get("/", headers={"X-Remote-User": "manager@example.com"}).get_data(as_text=True)
    assert "Marco Diaz" in switched and "Erin Park</span>" not in switched
    # state changes still need the CSRF token
    assert client.http.post("/profile", data={}, headers={"X-Remote-User": ERIN}).status_code == 400


def test_remote_user_from_the_server_signs_the_person_on(app):
    app.config["TRUSTED_USER_HEADER"] = "REMOTE_USER"
    client = app.test_client()
    page = client.get("/orders", environ_base={"REMOTE_USER": "helpdesk@example.com"})
    assert page.status_code == 200 and "Hana Kim" in page.get_data(as_text=True)


@pytest.mark.parametrize("who", ["stranger@example.com", "deactivated"])
def test_an_unknown_or_deactivated_person_at_the_proxy_gets_a_clear_403(app, who):
    app.config["TRUSTED_USER_HEADER"] = "X-Remote-User"
    if who == "deactivated":
        with app.app_context():
            db.session.scalar(select(User).where(User.email == ERIN)).active = False
            db.session.commit()
        who = ERIN
    response = app.test_client().get("/orders", headers={"X-Remote-User": who})
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert f"signed on to the company network as {who}" in page and "Ask the helpdesk" in page
    assert "Sign out" not in page


# ---------------------------------------------------------------- the development SECRET_KEY signs no one in
def test_a_session_cookie_forged_with_the_development_key_signs_no_one_in(app):
    """Signed with the default key (it is in the README), a cookie naming the admin opens nothing: the portal runs
    on its own key. The same cookie signed with that key does: the forgery is well made, only the key differs."""
    from app import create_app
    from app.config import DEFAULT_SECRET_KEY

    forger = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": DEFAULT_SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        }
    )
    with app.app_context():
        ada = db.session.scalar(select(User).where(User.email == "admin@example.com")).get_id()
    claims = {"_user_id": ada, "_fresh": True, "_id": "x" * 128}
    assert app.config["SECRET_KEY"] != DEFAULT_SECRET_KEY
    for key_of, expected in ((forger, 302), (app, 200)):
        client = app.test_client()
        client.set_cookie("session", key_of.session_interface.get_signing_serializer(key_of).dumps(claims))
        assert client.get("/admin").status_code == expected


def test_the_worker_refuses_to_start_with_the_development_key(database_url, redis_url):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from app.config import DEFAULT_SECRET_KEY

    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": DEFAULT_SECRET_KEY}
    env.pop("FLASK_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "worker.py", "--burst"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "SECRET_KEY is the development default" in done.stderr
