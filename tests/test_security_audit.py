"""Audit: every kind of administrative change — approval policies, the catalog, roles, company settings, the
milestone switches, a webhook secret — is recorded with who and when, and shown to admins at /admin/audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, User
from tests.support.catalog import CASES
from tests.support.pages import form_values, text_of


def _person_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def _policy(app, admin):
    page = admin.get("/admin/approval-policies/new").get_data(as_text=True)
    created = admin.post("/admin/approval-policies/new", {**form_values(page), "name": "Audited policy"})
    assert created.status_code == 302
    return "approval_policy.create", "Approval policy added", "Audited policy"


def _catalog(app, admin):
    with app.app_context():
        data = CASES["plans"]["new"]()
    assert admin.post("/admin/catalog/plans/new", data).status_code == 302
    return "plan.create", "Plan added", "Field 50 GB"


def _roles(app, admin):
    person = _person_id(app, "employee@example.com")
    page = admin.get(f"/admin/people/{person}").get_data(as_text=True)
    values = form_values(page)
    assert admin.post(f"/admin/people/{person}", {**values, "roles": ["helpdesk"]}).status_code == 302
    return "roles.update", "Roles changed", "Erin Park"


def _settings(app, admin):
    page = admin.get("/admin/settings").get_data(as_text=True)
    assert admin.post("/admin/settings", {**form_values(page), "company_name": "Audited Corp"}).status_code == 302
    return "settings.update", "Settings changed", "Company settings"


def _milestones(app, admin):
    page = admin.get("/admin/notifications/milestones").get_data(as_text=True)
    values = form_values(page)
    values.pop(next(k for k in values if k != "csrf_token"))  # switch the first milestone off
    assert admin.post("/admin/notifications/milestones", values).status_code == 302
    return "milestone_emails.update", "Milestone emails changed", "Notification milestones"


def _secret(app, admin):
    from app.models import Carrier

    with app.app_context():
        carrier = db.session.scalar(select(Carrier).where(Carrier.code == "fabrikam"))
    assert admin.post(f"/admin/catalog/carriers/{carrier.id}/webhook-secret", {}).status_code == 200
    return "carrier.rotate_secret", "Carrier webhook secret rotated", carrier.name


@pytest.mark.parametrize("change", [_policy, _catalog, _roles, _settings, _milestones, _secret])
def test_each_kind_of_admin_change_is_recorded_with_who_and_when_and_shown_to_admins(app, login, change):
    admin = login("admin")
    action, label, target = change(app, admin)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc()))
        assert entry is not None, action
        assert entry.actor.email == "admin@example.com" and entry.at is not None and target in entry.target
    shown = text_of(admin.get("/admin/audit").get_data(as_text=True))
    assert label in shown and "Ada Lopez" in shown and target in shown
    assert login("helpdesk").get("/admin/audit").status_code == 403
