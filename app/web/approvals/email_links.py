"""Deciding from the email, without signing in first: the link's confirmation page and its one button."""

from __future__ import annotations

from flask import render_template
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from app import commands
from app.approvals import links
from app.approvals.steps import StepError
from app.extensions import db
from app.orders import types
from app.web.approvals import bp


class EmailDecisionForm(FlaskForm):
    reason = TextAreaField(
        "Reason for the rejection (the requester sees it)", validators=[Optional(), Length(max=1000)]
    )


@bp.route("/email/<token>", methods=["GET", "POST"])
def decide_from_email(token: str):
    """The confirmation page of an email's Approve or Reject link; its button decides the step."""
    try:
        link = links.read(db.session, token)
    except links.LinkRefused as refused:
        return render_template("approvals/email_link.html", refused=str(refused)), 410
    form = EmailDecisionForm()
    page = {"link": link, "form": form, "order": link.step.order, "order_type": types.get(link.step.order.type)}
    if not form.validate_on_submit():
        return render_template("approvals/email_link.html", **page), 422 if form.errors else 200
    if link.decision == "reject" and not (form.reason.data or "").strip():
        form.reason.errors = ["Give the reason for the rejection: the requester sees it."]
        return render_template("approvals/email_link.html", **page), 422
    try:
        if link.decision == "approve":
            commands.approve(db.session, link.step, link.person, "Approved from the email.")
        else:
            commands.reject(db.session, link.step, link.person, form.reason.data.strip())
        db.session.commit()
    except StepError as refused:
        db.session.rollback()
        return render_template("approvals/email_link.html", refused=str(refused)), 409
    return render_template("approvals/email_link.html", done=link, order=link.step.order)
