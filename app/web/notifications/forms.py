"""Forms of the notification pages: milestone switches, the email log's filter, Resend, the profile."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from app.choices import options
from app.models import NotificationStatus
from app.notifications.milestones import MILESTONES


class MilestoneSwitchesForm(FlaskForm):
    """One checkbox per milestone (fields named after the milestone keys)."""

    def wanted(self) -> dict[str, bool]:
        return {key: bool(self[key].data) for key in MILESTONES}


for _milestone in MILESTONES.values():
    setattr(MilestoneSwitchesForm, _milestone.key, BooleanField(_milestone.label))


class LogFilter(FlaskForm):
    class Meta:
        csrf = False  # a GET search

    status = SelectField(
        "Status", choices=options([("", "Any status")] + [(s.value, s.label) for s in NotificationStatus])
    )


class ResendForm(FlaskForm):
    """Only the CSRF token: the notification is in the URL."""


class ProfileForm(FlaskForm):
    informational_emails = BooleanField(
        "Email me about the progress of my orders",
        description="Receipts, approvals, shipping and completion. Emails that ask you to act (an approval "
        "waiting for you, a question about your order) are always sent.",
    )
