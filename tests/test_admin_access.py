"""Administration is for admins: everyone else gets 403 on every admin page and action, and signed-out
visitors are sent to sign in. The audit log records each change, newest first."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.admin.audit import action_label, record_audit
from app.extensions import db
from app.models import AuditEntry, User
from tests.support.helpers import next_page
from tests.support.pages import text_of

SAMPLE_ARGS = {"kind": "plans"}  # every other variable is an id: 1
VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<options>[^)]*)\))?:)?(?P<name>\w+)>")


def _sample(match: re.Match) -> str:
    if match["converter"] == "any":
        return match["options"].split(",")[0].strip()
    return SAMPLE_ARGS.get(match["name"], "1")


def admin_urls(app) -> list[tuple[str, str]]:
    """(method, url) for every route under /admin (whichever blueprint serves it), with sample values."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule == "/admin" or rule.rule.startswith("/admin/"):
            url = VARIABLE.sub(_sample, rule.rule)
            found += [(method, url) for method in sorted(rule.methods & {"GET", "POST"})]
    return found


@pytest.mark.parametrize("role", ["employee", "manager", "telecom", "helpdesk"])
def test_nobody_but_an_admin_may_open_or_post_to_any_admin_url(app, login, role):
    client = login(role)
    urls = admin_urls(app)
    assert len(urls) >= 15
    with app.app_context():
        audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    for method, url in urls:
        response = client.get(url) if method == "GET" else client.post(url, {"name": "x", "code": "x"})
        assert response.status_code == 403, (method, url, response.status_code)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_signed_out_visitors_are_sent_to_sign_in_from_any_admin_url(app, client):
    for method, url in admin_urls(app):
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 302 and response.headers["Location"].startswith("/login?next="), url


def test_every_state_change_needs_the_csrf_token(app, login):
    admin = login("admin")
    for method, url in admin_urls(app):
        if method == "POST":
            assert admin.http.post(url, data={}).status_code == 400, url


def test_the_audit_log_lists_changes_newest_first_across_pages(app, login):
    with app.app_context():
        ada = db.session.scalar(select(User).where(User.email == "admin@example.com"))
        for n in range(55):
            record_audit(db.session, ada, "plan.update", f"Plan {n:02d}", changes={"monthly_cents": [n, n + 1]})
        db.session.commit()
    admin = login("admin")
    first = text_of(admin.get("/admin/audit").get_data(as_text=True))
    assert "1–50 of" in first and first.index("Plan 54") < first.index("Plan 10")
    assert "Plan changed" in first and "Ada Lopez" in first and "Monthly cents: 53 → 54" in first
    raw_first = admin.get("/admin/audit").get_data(as_text=True)
    second = text_of(admin.get(next_page(raw_first)).get_data(as_text=True))
    assert "51–" in second
    assert "Plan 00" in second and "Plan 54" not in second


def test_audit_actions_read_as_words():
    assert action_label("device_model.create") == "Device model added"
    assert action_label("carrier.rotate_secret") == "Carrier webhook secret rotated"
    assert action_label("person.deactivate") == "Person deactivated"
