"""Settings views: company name and logo, upgrade eligibility (company-wide and per group), approval
reminder and escalation times, order number prefix."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.admin.audit import record_audit
from app.catalog.settings import (
    LOGO_MAX_BYTES,
    LogoRefused,
    logo_type,
    remove_company_logo,
    set_company_logo,
    set_setting,
)
from app.extensions import db
from app.models import Group, get_setting
from app.web.access import require
from app.web.admin import bp
from app.web.admin.forms import CatalogForm, settings_form_class

# The settings the form edits, in the order the audit log lists them.
KEYS = (
    "company_name",
    "order_number_prefix",
    "upgrade_eligibility_months",
    "approval_reminder_hours",
    "approval_escalation_hours",
    "lost_stolen_approval",
    "wireline_orderers",
)


@bp.route("/settings", methods=["GET", "POST"])
@require("admin")
def settings():
    """Change the company settings; they take effect at once."""
    groups = list(db.session.scalars(select(Group).order_by(Group.name)))
    form = settings_form_class(groups)()
    if request.method == "GET":
        for key in KEYS:
            form[key].data = get_setting(key)
        for group in groups:
            form[f"group_{group.id}"].data = group.upgrade_eligibility_months
    elif form.validate():
        logo = _uploaded_logo(form)
        if not form.logo.errors:
            _save(form, groups, logo)
            db.session.commit()
            flash("Saved the settings.", "success")
            return redirect(url_for("admin.settings"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/settings.html",
        form=form,
        groups=groups,
        has_logo=bool(get_setting("company_logo_file_id")),
        remove_form=CatalogForm(),
    ), status


def _uploaded_logo(form) -> tuple[bytes, str] | None:
    upload = form.logo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    data = upload.read(LOGO_MAX_BYTES + 1)
    try:
        logo_type(data)
    except LogoRefused as refused:
        form.logo.errors = [str(refused)]
        return None
    return data, upload.filename


def _save(form, groups: list[Group], logo: tuple[bytes, str] | None) -> None:
    changed = {}
    for key in KEYS:
        before = get_setting(key)
        if set_setting(db.session, key, form[key].data):
            changed[key] = [before, form[key].data]
    for group in groups:
        months = form[f"group_{group.id}"].data
        if group.upgrade_eligibility_months != months:
            changed[f"upgrade months for {group.name}"] = [group.upgrade_eligibility_months, months]
            group.upgrade_eligibility_months = months
    if changed:
        record_audit(db.session, current_user, "settings.update", "Company settings", changes=changed)
    if logo is not None:
        stored = set_company_logo(db.session, *logo, uploaded_by=current_user._get_current_object())
        record_audit(
            db.session,
            current_user,
            "logo.update",
            "Company logo",
            file=stored.filename,
            size=f"{len(stored.data) // 1024 or 1} KB",
        )


@bp.route("/settings/logo/remove", methods=["POST"])
@require("admin")
def settings_remove_logo():
    """Take the logo away: the layout and emails show the company name alone."""
    form = CatalogForm()
    if form.validate() and remove_company_logo(db.session):
        record_audit(db.session, current_user, "logo.remove", "Company logo")
        db.session.commit()
        flash("Removed the logo.", "success")
    return redirect(url_for("admin.settings"))
