"""Notification pages: the email log, one email and Resend, the milestone switches (admins); the profile."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.admin.audit import record_audit
from app.extensions import db, htmx
from app.models import Notification, NotificationStatus
from app.notifications.milestones import MILESTONES, set_switches, switches
from app.notifications.sending import NotificationError, resend
from app.web.access import require
from app.web.notifications import bp, profile_bp
from app.web.notifications.forms import LogFilter, MilestoneSwitchesForm, ProfileForm, ResendForm
from app.web.paging import list_page

PAGE_SIZE = 50

# The rendered email is shown in a sandboxed frame: no scripts, no forms, nothing fetched but inline styles.
EMAIL_FRAME_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src https: data:"


@bp.route("")
@require("admin")
def log():
    """The email log, newest first: filter by status, one page at a time."""
    filters = LogFilter(request.args)
    status = _status(filters.status.data)
    query = (
        select(Notification)
        .options(joinedload(Notification.order), joinedload(Notification.recipient))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    if status is not None:
        query = query.where(Notification.status == status)
    page = list_page(query, PAGE_SIZE)
    counts = dict(db.session.execute(select(Notification.status, func.count()).group_by(Notification.status)).all())
    context = dict(
        page=page,
        filters=filters,
        status=status,
        counts=counts,
        statuses=list(NotificationStatus),
        resend_form=ResendForm(),
    )
    if htmx and not htmx.history_restore_request:
        return render_block("notifications/log.html", "entries", **context)
    return render_template("notifications/log.html", **context)


def _status(value: str | None) -> NotificationStatus | None:
    try:
        return NotificationStatus(value) if value else None
    except ValueError:
        return None


@bp.route("/<int:notification_id>")
@require("admin")
def show(notification_id: int):
    """One email as it was sent: who, what, the outcome, the text and the HTML."""
    note = _notification_or_404(notification_id)
    return render_template(
        "notifications/show.html", note=note, milestone=MILESTONES.get(note.milestone), resend_form=ResendForm()
    )


@bp.route("/<int:notification_id>/email.html")
@require("admin")
def email_html(notification_id: int):
    """The HTML email alone, for the frame on the email's page."""
    response = Response(_notification_or_404(notification_id).body_html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EMAIL_FRAME_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/<int:notification_id>/resend", methods=["POST"])
@require("admin")
def resend_email(notification_id: int):
    """Send an email again."""
    note = _notification_or_404(notification_id)
    if ResendForm().validate():
        try:
            resend(db.session, note)
            record_audit(db.session, current_user, "notification.resend", f"{note.subject} → {note.email}")
            db.session.commit()  # queues it
            flash(f"Sending “{note.subject}” to {note.email} again.", "success")
        except NotificationError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(_back(url_for("notifications.show", notification_id=note.id)))


def _back(default: str) -> str:
    target = request.form.get("next", "")
    return target if target.startswith("/admin/notifications") else default


def _notification_or_404(notification_id: int) -> Notification:
    note = db.session.scalar(
        select(Notification)
        .where(Notification.id == notification_id)
        .options(joinedload(Notification.order), joinedload(Notification.recipient))
    )
    if note is None:
        abort(404)
    return note


@bp.route("/milestones", methods=["GET", "POST"])
@require("admin")
def milestones():
    """Switch each milestone's email on or off."""
    form = MilestoneSwitchesForm()
    if request.method == "GET":
        for key, on in switches(db.session).items():
            form[key].data = on
    elif form.validate():
        changed = set_switches(db.session, form.wanted())
        if changed:
            record_audit(
                db.session,
                current_user,
                "milestone_emails.update",
                "Notification milestones",
                changes={
                    MILESTONES[key].label: ["on" if not on else "off", "on" if on else "off"]
                    for key, on in changed.items()
                },
            )
        db.session.commit()
        flash("Saved the notification settings." if changed else "Nothing changed.", "success")
        return redirect(url_for("notifications.milestones"))
    status = 422 if request.method == "POST" else 200
    return render_template("notifications/milestones.html", form=form, milestones=MILESTONES.values()), status


# ---------------------------------------------------------------- the profile
@profile_bp.route("", methods=["GET", "POST"])
@login_required
def edit():
    """Your profile: which emails you get."""
    person = current_user._get_current_object()
    form = ProfileForm(informational_emails=person.informational_emails)
    if form.validate_on_submit():
        person.informational_emails = bool(form.informational_emails.data)
        db.session.commit()
        flash("Saved your email preferences.", "success")
        return redirect(url_for("profile.edit"))
    return render_template("profile.html", form=form, person=person), 422 if form.errors else 200
