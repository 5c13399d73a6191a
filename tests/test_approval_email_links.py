"""Deciding from the email: signed links for the step's decider, a confirmation page with one button, single use,
expiring, and refused plainly when used twice, expired, not theirs or already decided."""

import re
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.approvals import links
from app.extensions import db
from app.models import Approval, ApprovalStatus, Notification, Order, OrderStatus, User
from tests.support.helpers import Client
from tests.support.ordering import place, valid_orders

MARCO = "manager@example.com"


def approval_email(app, number: str) -> Notification:
    with app.app_context():
        return db.session.scalar(
            select(Notification)
            .join(Order)
            .where(Order.number == number, Notification.milestone == "approval_needed", Notification.email == MARCO)
        )


def link_of(body: str, decision: str) -> str:
    return re.search(rf"{decision.capitalize()} WO-\d+: (http\S+)", body).group(1).split("127.0.0.1:5000")[-1]


def test_marco_approves_from_the_email_without_signing_in(app, login, demo):
    number = place(login("employee"), "change_plan", valid_orders(demo)["change_plan"][1])
    email = approval_email(app, number)
    assert f"Approve {number}" in email.body_html and f"Reject {number}" in email.body_html
    approve = link_of(email.body_text, "approve")
    stranger = Client(app)  # nobody signed in: the link stands for Marco and this one step
    page = stranger.get(approve)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and f"Approve {number}?" in text and "You decide as Marco Diaz" in text
    with app.app_context():  # opening the link changed nothing
        assert db.session.scalar(select(Order).where(Order.number == number)).status is OrderStatus.PENDING_APPROVAL
    assert stranger.http.post(approve, data={}).status_code == 400  # the button's POST needs its CSRF token
    done = stranger.post(approve, {})
    assert done.status_code == 200 and f"Approved: {number}" in done.get_data(as_text=True)
    with app.app_context():
        step = db.session.scalar(select(Approval).join(Order).where(Order.number == number).order_by(Approval.position))
        assert step.status is ApprovalStatus.APPROVED and step.decided_by.email == MARCO
    again = stranger.get(approve)
    assert again.status_code == 410 and "already decided by Marco Diaz" in again.get_data(as_text=True)
    assert "already decided" in stranger.get(link_of(email.body_text, "reject")).get_data(as_text=True)


def test_a_rejection_from_the_email_asks_for_the_reason(app, login, demo):
    number = place(login("employee"), "change_plan", valid_orders(demo)["change_plan"][1])
    reject = link_of(approval_email(app, number).body_text, "reject")
    client = Client(app)
    client.get(reject)
    missing = client.post(reject, {"reason": ""})
    assert missing.status_code == 422 and "Give the reason for the rejection" in missing.get_data(as_text=True)
    client.post(reject, {"reason": "Keep the current plan until the renewal."})
    with app.app_context():
        assert db.session.scalar(select(Order).where(Order.number == number)).status is OrderStatus.REJECTED


def test_an_expired_forged_or_no_longer_theirs_link_is_refused_plainly(app, login, demo):
    number = place(login("employee"), "change_plan", valid_orders(demo)["change_plan"][1])
    approve = link_of(approval_email(app, number).body_text, "approve")
    client = Client(app)
    forged = client.get(approve[:-3] + "xyz")
    assert forged.status_code == 410 and "not valid" in forged.get_data(as_text=True)
    the_clock = app.extensions["clock"]
    with the_clock.frozen_at(clock.now() + timedelta(days=8)):
        expired = client.get(approve)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    with app.app_context():
        step = db.session.scalar(select(Approval).join(Order).where(Order.number == number))
        erin = db.session.scalar(select(User).where(User.email == "employee@example.com"))
        token = links.make(step, erin, "approve")  # the requester may never decide her own order
    assert "no longer yours" in client.get(f"/approvals/email/{token}").get_data(as_text=True)
