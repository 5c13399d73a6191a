"""The notification pages: the email log (admins only, filtered, paginated, no query per row), one email as it
was sent, Resend, the milestone switches, and each person's profile."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from app import clock
from app.extensions import db
from app.models import AuditEntry, EventKind, Notification, NotificationStatus
from tests.support.approvals import order_of, person, submit
from tests.support.helpers import ERIN, MARCO, next_page
from tests.support.notifications import run_send_jobs

S = NotificationStatus


@pytest.mark.parametrize("url", ["/admin/notifications", "/admin/notifications/milestones"])
@pytest.mark.parametrize("role", ["employee", "manager", "telecom", "helpdesk"])
def test_only_admins_see_the_notification_pages(login, url, role):
    assert login(role).get(url).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client):
    assert client.get("/admin/notifications").status_code == 302
    response = client.get("/profile")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_log_shows_each_email_with_its_status_as_text_and_filters_by_status(app, login, demo):
    number = submit(login, demo)
    run_send_jobs(app)  # no mail server: recorded as not sent
    with app.app_context():
        order = order_of(number)
        from app.orders import lifecycle

        lifecycle.transition(
            db.session,
            order,
            EventKind.CANCEL,
            person(ERIN),
            party=lifecycle.Party.REQUESTER,
            comment="Not needed after all.",
        )
        db.session.commit()  # its email stays pending (no worker here)
    admin = login("admin")
    page = admin.get("/admin/notifications").get_data(as_text=True)
    assert '<th scope="col">Recipient</th>' in page and '<th scope="col">Attempts</th>' in page
    assert page.count("Not sent</span>") == 2 and page.count("Pending</span>") == 1
    assert "no mail server configured" in page and f"Order {number} cancelled" in page

    pending = admin.get("/admin/notifications?status=pending").get_data(as_text=True)
    assert f"Order {number} cancelled" in pending and f"Order {number} submitted" not in pending
    assert "1 email pending" in pending
    fragment = admin.get("/admin/notifications?status=sent", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "No emails sent yet." in fragment


def test_the_log_is_paginated_and_makes_no_query_per_row(app, login, demo):
    submit(login, demo)
    with app.app_context():
        first = db.session.scalar(select(Notification).order_by(Notification.id))
        for i in range(60):
            db.session.add(
                Notification(
                    event_id=first.event_id,
                    order_id=first.order_id,
                    milestone=f"copy{i}",
                    recipient_id=first.recipient_id,
                    email=first.email,
                    subject=f"Copy {i}",
                    status=S.PENDING,
                    attempts=0,
                    last_error="",
                    next_attempt_at=clock.now(),
                )
            )
        db.session.commit()
        engine = db.engine
    admin = login("admin")
    admin.get("/admin/notifications")

    def statements_for(url: str) -> tuple[int, str]:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            html = admin.get(url).get_data(as_text=True)
            return len(seen), html
        finally:
            event.remove(engine, "before_cursor_execute", listener)

    full_page, page_one = statements_for("/admin/notifications")  # 50 rows
    short_page, page_two = statements_for(next_page(page_one))  # 12 rows
    assert "1–50 of 62" in page_one and "Next page" in page_one and "51–62 of 62" in page_two
    assert page_one.count("<tr>") == 51 and page_two.count("<tr>") == 13
    assert full_page == short_page > 0  # the same queries however many rows


def test_an_admin_sees_the_email_as_sent_and_its_html_in_a_sandbox(app, login, demo):
    number = submit(login, demo)
    with app.app_context():
        note = db.session.scalar(select(Notification).where(Notification.email == MARCO))
        note_id = note.id
    admin = login("admin")
    page = admin.get(f"/admin/notifications/{note_id}").get_data(as_text=True)
    assert f"Approval needed: order {number}" in page and "Approval needed</td>" in page
    assert f'src="/admin/notifications/{note_id}/email.html"' in page and "sandbox" in page
    assert "What to do next" in page  # the plain text
    html = admin.get(f"/admin/notifications/{note_id}/email.html")
    assert html.mimetype == "text/html" and "/approvals/" in html.get_data(as_text=True)
    assert html.headers["Content-Security-Policy"].startswith("sandbox")
    assert login("manager").get(f"/admin/notifications/{note_id}/email.html").status_code == 403
    assert admin.get("/admin/notifications/99999").status_code == 404


def test_resend_sends_an_email_again_and_is_audited(app, login, demo, smtp):
    app.config["MAIL_SERVER"] = None
    submit(login, demo)
    run_send_jobs(app)  # recorded, not sent: no mail server then
    with app.app_context():
        note_id = db.session.scalar(select(Notification.id).where(Notification.email == ERIN))
    app.config["MAIL_SERVER"] = "127.0.0.1"  # now there is one
    admin = login("admin")
    admin.get(f"/admin/notifications/{note_id}")
    assert admin.http.post(f"/admin/notifications/{note_id}/resend").status_code == 400  # no CSRF token
    response = admin.post(f"/admin/notifications/{note_id}/resend", {})
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/notifications/{note_id}"
    assert run_send_jobs(app) == ["sent"]
    assert [r.to for r in smtp.received] == [[ERIN]]
    with app.app_context():
        note = db.session.get(Notification, note_id)
        assert (note.status, note.attempts, note.last_error) == (S.SENT, 1, "")
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "notification.resend"))
        assert audit.actor.email == "admin@example.com" and ERIN in audit.target
    assert login("manager").post(f"/admin/notifications/{note_id}/resend", {}).status_code == 403


def test_resend_from_the_log_returns_to_the_same_page(app, login, demo):
    submit(login, demo)
    with app.app_context():
        note_id = db.session.scalar(select(Notification.id).where(Notification.email == ERIN))
    admin = login("admin")
    admin.get("/admin/notifications?status=pending")
    response = admin.post(f"/admin/notifications/{note_id}/resend", {"next": "/admin/notifications?status=pending"})
    assert response.headers["Location"] == "/admin/notifications?status=pending"
    elsewhere = admin.post(f"/admin/notifications/{note_id}/resend", {"next": "https://example.org/"})
    assert elsewhere.headers["Location"] == f"/admin/notifications/{note_id}"


def test_the_milestone_switches_are_saved_and_audited(app, login):
    from app.notifications.milestones import MILESTONES

    admin = login("admin")
    page = admin.get("/admin/notifications/milestones").get_data(as_text=True)
    assert page.count('type="checkbox"') == len(MILESTONES) and "checked" in page
    assert "Save notification settings" in page and '<th scope="col">Who gets it</th>' in page
    off = {"shipped", "placed"}
    response = admin.post("/admin/notifications/milestones", {key: "y" for key in MILESTONES if key not in off})
    assert response.status_code == 302
    with app.app_context():
        from app.notifications.milestones import switches

        assert {key for key, on in switches(db.session).items() if not on} == off
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "milestone_emails.update"))
        assert set(audit.details["changes"]) == {MILESTONES[k].label for k in off}
    assert admin.http.post("/admin/notifications/milestones", data={}).status_code == 400  # no CSRF token


def test_the_profile_page_has_a_labelled_checkbox_and_a_link_in_the_header(login):
    erin = login("employee")
    page = erin.get("/profile").get_data(as_text=True)
    assert '<a href="/profile" aria-current="page"><span class="visually-hidden">Profile: </span>Erin Park</a>' in page
    assert '<label for="informational_emails"' in page and "Save email preferences" in page
    assert 'href="/profile"' in erin.get("/orders").get_data(as_text=True)
    assert erin.http.post("/profile", data={}).status_code == 400  # no CSRF token
