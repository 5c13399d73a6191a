"""Milestone emails through a real SMTP server (aiosmtpd on a free port): who gets what along an order's life,
retries when the server refuses, Redis down when the event happens, the switches people and admins have, and
secrets that never leave the portal."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

from redis import Redis
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.identifiers import make_iccid, make_imei
from app.models import (
    Approval,
    EventKind,
    MilestoneSetting,
    Notification,
    NotificationStatus,
    Order,
    ReportedDevice,
    Shipment,
)
from app.orders import lifecycle
from tests.support.approvals import order_of, pending_step, person, submit
from tests.support.helpers import ADA, ERIN, MARCO, TARA, free_port
from tests.support.notifications import run_send_jobs
from tests.support.ordering import Demo

ROOT = Path(__file__).resolve().parent.parent
SOFIA = "sofia.alvarez@example.com"  # Marco's manager
S = NotificationStatus


# ---------------------------------------------------------------- running the send jobs
def run_worker(app, database_url: str, redis_url: str) -> None:
    """The real worker process (`python worker.py --burst`), sending through the test's SMTP server."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RQ_QUEUE": app.config["RQ_QUEUE"],
        "MAIL_SERVER": app.config["MAIL_SERVER"] or "",
        "MAIL_PORT": str(app.config["MAIL_PORT"]),
        "SECRET_KEY": app.config["SECRET_KEY"],
        "BASE_URL": app.config["BASE_URL"],
    }
    done = subprocess.run(
        [sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, timeout=180, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]


def notifications(app, number: str | None = None) -> list[Notification]:
    with app.app_context():
        query = select(Notification).order_by(Notification.id)
        if number:
            query = query.join(Order, Notification.order_id == Order.id).where(Order.number == number)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def step_id(app, number: str) -> int:
    with app.app_context():
        return pending_step(number).id


def on_contoso(demo: Demo) -> dict:
    """A new line with a carrier the fulfilment team places by hand (the simulator would move it by itself)."""
    return {"carrier": demo.carrier("contoso"), "plan": demo.plan("contoso", "Business Unlimited")}


# ---------------------------------------------------------------- a whole order life
def test_a_whole_order_life_emails_the_right_people_the_right_things(app, login, demo, smtp, database_url, redis_url):
    """Submit, a question and its answer, two approvals, placed, shipped, completed: exactly these emails."""
    erin, marco, tara = login("employee"), login("manager"), login("telecom")
    number = submit(login, demo, **on_contoso(demo))
    first_step = step_id(app, number)
    assert (
        marco.post(
            f"/approvals/{first_step}/request-information", {"question": "Which colour would you like?"}
        ).status_code
        == 302
    )
    assert erin.post(f"/orders/{number}/answer", {"answer": "Black, please."}).status_code == 302
    assert marco.post(f"/approvals/{first_step}/approve", {}).status_code == 302
    second_step = step_id(app, number)
    assert tara.post(f"/approvals/{second_step}/approve", {}).status_code == 302

    imei, iccid = make_imei("35209900", 176148), make_iccid("01", 5)
    with app.app_context():  # the carrier's part, as the fulfilment console or the carrier API records it
        order = order_of(number)
        order.carrier_reference = "CT-55821"
        lifecycle.transition(
            db.session,
            order,
            EventKind.PLACE,
            None,
            party=lifecycle.Party.CARRIER,
            data={"carrier_reference": "CT-55821"},
        )
        db.session.commit()
        db.session.add(Shipment(order=order, shipping_carrier="UPS", tracking_number="1Z999AA10123456784"))
        lifecycle.transition(db.session, order, EventKind.SHIP, None, party=lifecycle.Party.CARRIER)
        db.session.commit()
        order.service_number = "+12125550123"
        db.session.add(ReportedDevice(order=order, imei=imei, serial="F2LXK0QJ", iccid=iccid))
        lifecycle.transition(db.session, order, EventKind.COMPLETE, None, party=lifecycle.Party.CARRIER)
        db.session.commit()

    run_worker(app, database_url, redis_url)

    assert smtp.pairs() == sorted(
        [
            (ERIN, "submitted"),
            (MARCO, "approval_needed"),
            (ERIN, "info_requested"),
            (MARCO, "info_provided"),
            (TARA, "approval_needed"),
            (ADA, "approval_needed"),
            (ERIN, "approved"),
            (ERIN, "placed"),
            (ERIN, "shipped"),
            (ERIN, "completed"),
        ]
    )
    assert all(r.subject.startswith(("Order", "Approval", "Question", "Answer")) for r in smtp.received)
    base = app.config["BASE_URL"]
    received = {(r.to[0], r.milestone): r for r in smtp.received}

    receipt = received[ERIN, "submitted"]
    assert number in receipt.subject and "New line" in receipt.subject
    for body in (receipt.text, receipt.html):
        assert f"{base}/orders/{number}" in body and "Contoso" in body and "What to do next" in body

    action = received[MARCO, "approval_needed"]
    assert f"{base}/approvals/{first_step}" in action.text and f'href="{base}/approvals/{first_step}"' in action.html
    assert f"{base}/approvals/{second_step}" in received[TARA, "approval_needed"].text
    assert "Which colour would you like?" in received[ERIN, "info_requested"].text
    assert "Black, please." in received[MARCO, "info_provided"].html
    assert "CT-55821" in received[ERIN, "placed"].text

    shipped = received[ERIN, "shipped"]
    tracking = "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert tracking in shipped.text and f'href="{tracking}"' in shipped.html

    completed = received[ERIN, "completed"]
    assert "(212) 555-0123" in completed.subject
    for body in (completed.text, completed.html):
        assert "(212) 555-0123" in body and f"{imei[:2]}-{imei[2:8]}-{imei[8:14]}-{imei[14]}" in body
        assert iccid in body

    rows = notifications(app, number)
    assert len(rows) == 10 and {(r.status, r.attempts, r.last_error) for r in rows} == {(S.SENT, 1, "")}


def test_an_order_for_someone_else_sends_the_receipt_to_both(app, login, demo, smtp):
    """Marco orders for Erin: both get the receipt; the step moves up to Marco's manager, who gets the ask."""
    number = submit(login, demo, role="manager", for_email=ERIN)
    run_send_jobs(app)
    assert smtp.pairs() == sorted([(ERIN, "submitted"), (MARCO, "submitted"), (SOFIA, "approval_needed")])
    assert "ordered by Marco Diaz" in smtp.to(ERIN)[0].text and number in smtp.to(SOFIA)[0].subject


# ---------------------------------------------------------------- retries
def test_an_smtp_server_that_refuses_at_first_gets_the_email_after_a_retry(
    app, login, demo, smtp, database_url, redis_url
):
    """The first delivery is refused (451): the worker records it, the retry job sends it, once."""
    from app.queue import EMAILS, task_queue

    smtp.refusals = 1
    number = submit(login, demo)
    run_worker(app, database_url, redis_url)
    refused = next(r for r in notifications(app, number) if r.status is not S.SENT)
    assert (refused.email, refused.status, refused.attempts) == (ERIN, S.PENDING, 1)
    assert refused.last_error == "451 4.3.0 Mailbox busy, try again later"
    assert smtp.pairs() == [(MARCO, "approval_needed")]

    with app.app_context():  # the retry waits in RQ's schedule; bring it forward rather than wait 30 s
        queue = task_queue(EMAILS)
        scheduled = [queue.fetch_job(job_id) for job_id in queue.scheduled_job_registry.get_job_ids()]
        retries = [job for job in scheduled if job.func_name == "app.jobs.send_notification"]
        assert [job.args for job in retries] == [(refused.id,)]
        queue.scheduled_job_registry.remove(retries[0])
        queue.enqueue_job(retries[0])
    run_worker(app, database_url, redis_url)

    assert smtp.pairs() == sorted([(MARCO, "approval_needed"), (ERIN, "submitted")])
    retried = next(r for r in notifications(app, number) if r.id == refused.id)
    assert (retried.status, retried.attempts, retried.last_error) == (S.SENT, 2, "")


def test_an_email_that_keeps_failing_is_retried_with_backoff_then_marked_failed(app, login, demo, smtp):
    from app.notifications.sending import RETRY_DELAYS, deliver

    smtp.refusals = 100
    submit(login, demo)
    with app.app_context():
        receipt = db.session.scalar(select(Notification).where(Notification.milestone == "submitted"))
        now = clock.now()
        for attempt, delay in enumerate(RETRY_DELAYS, start=1):
            assert deliver(db.session, receipt.id, now).startswith(f"attempt {attempt} failed, retrying in {delay} s")
            db.session.refresh(receipt)
            assert receipt.status is S.PENDING and receipt.next_attempt_at == now + timedelta(seconds=delay)
            now = receipt.next_attempt_at
        assert deliver(db.session, receipt.id, now).startswith("failed after 5 attempts")
        db.session.refresh(receipt)
        assert (receipt.status, receipt.attempts) == (S.FAILED, 5)
        assert receipt.last_error == "451 4.3.0 Mailbox busy, try again later"
        assert deliver(db.session, receipt.id, now) == "already handled"
    assert smtp.to(ERIN) == []


def test_a_send_whose_worker_died_is_sent_by_the_sweep_after_its_lease(app, login, demo, smtp):
    from app.notifications.sending import LEASE, deliver, sweep

    submit(login, demo)
    with app.app_context():
        receipt = db.session.scalar(select(Notification).where(Notification.milestone == "submitted"))
        now = clock.now()
        receipt.status, receipt.attempts, receipt.next_attempt_at = S.SENDING, 1, now + LEASE  # claimed, then gone
        db.session.commit()
        assert deliver(db.session, receipt.id, now) == "already handled"  # its own job cannot take it back
        assert sweep(db.session, now)["recovered"] == 0  # the lease still runs
        result = sweep(db.session, now + LEASE)
        assert result["recovered"] == 1 and result["sent"] >= 1
        db.session.refresh(receipt)
        assert (receipt.status, receipt.attempts) == (S.SENT, 2)
    assert len(smtp.to(ERIN)) == 1


def test_two_workers_sending_the_same_email_at_once_send_it_once(app, login, demo, smtp):
    """The claim is a conditional update: whoever is second finds it taken, however the two interleave."""
    from app.notifications.sending import deliver

    submit(login, demo)
    with app.app_context():
        note_id = db.session.scalar(select(Notification.id).where(Notification.email == ERIN))
    start, outcomes = threading.Barrier(2), []

    def a_worker() -> None:
        with app.app_context():
            try:
                start.wait(timeout=30)
                outcomes.append(deliver(db.session, note_id))
            except Exception as error:  # reported below rather than lost in the thread
                outcomes.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=a_worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["already handled", "sent"]
    assert len(smtp.to(ERIN)) == 1


# ---------------------------------------------------------------- never lost: Redis down
def test_redis_down_at_submit_the_email_is_sent_once_redis_is_back(app, login, demo, smtp, database_url, redis_url):
    """The order is submitted while Redis is unreachable: nothing fails, the emails wait as pending, and the
    periodic sweep sends each exactly once when Redis is back (a stray second job changes nothing)."""
    from app.queue import EMAILS, enqueue, task_queue

    erin = login("employee")
    working = app.extensions["redis"]
    app.extensions["redis"] = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    try:
        number = submit(lambda role: erin, demo)
    finally:
        app.extensions["redis"] = working

    rows = notifications(app, number)
    assert [(r.email, r.status) for r in rows] == [(ERIN, S.PENDING), (MARCO, S.PENDING)]
    with app.app_context():
        assert task_queue(EMAILS).count == 0  # nothing reached the queue
        later = (clock.now() + timedelta(minutes=1)).isoformat()
        enqueue("app.jobs.notification_sweep", now=later)
    run_worker(app, database_url, redis_url)
    assert smtp.pairs() == sorted([(ERIN, "submitted"), (MARCO, "approval_needed")])

    with app.app_context():  # the next sweep, and a duplicate job for each, send nothing more
        enqueue("app.jobs.notification_sweep", now=later)
        for row in rows:
            enqueue("app.jobs.send_notification", row.id)
    run_worker(app, database_url, redis_url)
    assert len(smtp.received) == 2
    assert {(r.status, r.attempts) for r in notifications(app, number)} == {(S.SENT, 1)}


def test_the_running_workers_periodic_sweep_sends_what_redis_missed(
    app, login, demo, smtp, database_url, redis_url, tmp_path
):
    """A worker started as in production (with its scheduler) sweeps on its own: the emails of an order
    submitted while Redis was down a while ago arrive without anyone queuing anything."""
    erin = login("employee")
    working = app.extensions["redis"]
    app.extensions["redis"] = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    try:
        number = submit(lambda role: erin, demo)
    finally:
        app.extensions["redis"] = working
    with app.app_context():  # "a while ago": older than the sweep's grace period
        for row in db.session.scalars(select(Notification)):
            row.next_attempt_at = clock.now() - timedelta(minutes=5)
        db.session.commit()

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RQ_QUEUE": app.config["RQ_QUEUE"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(app.config["MAIL_PORT"]),
        "SECRET_KEY": app.config["SECRET_KEY"],
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        smtp.wait_for(2, seconds=90)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        log.close()
    assert smtp.pairs() == sorted([(ERIN, "submitted"), (MARCO, "approval_needed")])
    assert {r.status for r in notifications(app, number)} == {S.SENT}


def test_the_sweep_leaves_brand_new_emails_to_their_own_jobs(app, login, demo, smtp):
    from app.notifications.sending import sweep

    submit(login, demo)
    with app.app_context():
        assert sweep(db.session)["due"] == 0
    assert run_send_jobs(app) == ["sent", "sent"]
    assert run_send_jobs(app) == []


# ---------------------------------------------------------------- what the emails say
def test_a_rejected_orders_email_carries_the_reason(app, login, demo, smtp):
    number = submit(login, demo)
    reason = "Over the team's budget this quarter: ask again in July."
    assert login("manager").post(f"/approvals/{step_id(app, number)}/reject", {"reason": reason}).status_code == 302
    run_send_jobs(app)
    rejected = [r for r in smtp.to(ERIN) if r.milestone == "rejected"]
    assert len(rejected) == 1 and "rejected" in rejected[0].subject
    assert reason in rejected[0].text
    assert "Over the team&#39;s budget this quarter: ask again in July." in rejected[0].html


def test_cancelling_tells_the_requester(app, login, demo, smtp):
    number = submit(login, demo)
    assert login("employee").post(f"/orders/{number}/cancel", {"reason": "I found a spare phone."}).status_code == 302
    run_send_jobs(app)
    cancelled = [r for r in smtp.received if r.milestone == "cancelled"]
    assert [r.to for r in cancelled] == [[ERIN]] and "I found a spare phone." in cancelled[0].text


def test_reminders_and_escalations_email_the_approver_and_the_new_approver(app, login, demo, smtp):
    from app.approvals import reminders

    number = submit(login, demo)
    run_send_jobs(app)
    smtp.received.clear()
    with app.app_context():
        step = pending_step(number)
        later = step.assigned_at + timedelta(hours=25)
        reminders.send_reminders(db.session, later)
        db.session.commit()
        reminders.escalate(db.session, later + timedelta(hours=72))
        db.session.commit()
        step_id_ = step.id
    run_send_jobs(app)
    assert smtp.pairs() == sorted(
        [(MARCO, "approval_reminder"), (SOFIA, "approval_escalated"), (MARCO, "approval_moved")]
    )
    base = app.config["BASE_URL"]
    assert f"{base}/approvals/{step_id_}" in next(r for r in smtp.to(MARCO) if r.milestone == "approval_reminder").text
    escalated = smtp.to(SOFIA)[0]
    assert f"{base}/approvals/{step_id_}" in escalated.text and "Marco Diaz" in escalated.text
    assert "Sofia Alvarez" in next(r for r in smtp.to(MARCO) if r.milestone == "approval_moved").text


def test_needs_attention_goes_to_the_fulfilment_team(app, login, demo, smtp):
    number = submit(login, demo, **on_contoso(demo))
    with app.app_context():
        order = order_of(number)
        order.status = lifecycle.S.APPROVED  # as if approved: this test is about the carrier's problem
        db.session.commit()
        lifecycle.transition(
            db.session,
            order,
            EventKind.REPORT_PROBLEM,
            None,
            party=lifecycle.Party.CARRIER,
            comment="The carrier cannot port this number: the account PIN does not match.",
        )
        db.session.commit()
    run_send_jobs(app)
    attention = [r for r in smtp.received if r.milestone == "needs_attention"]
    assert [r.to for r in attention] == [[TARA]]
    assert "the account PIN does not match" in attention[0].text


# ---------------------------------------------------------------- switches: admins and people
def test_a_milestone_switched_off_sends_no_email_but_the_log_says_why(app, login, demo, smtp):
    from app.notifications.milestones import MILESTONES

    admin = login("admin")
    assert admin.get("/admin/notifications/milestones").status_code == 200
    wanted = {key: "y" for key in MILESTONES if key != "submitted"}
    assert admin.post("/admin/notifications/milestones", wanted).status_code == 302
    number = submit(login, demo)
    run_send_jobs(app)
    assert smtp.pairs() == [(MARCO, "approval_needed")]
    receipt = next(r for r in notifications(app, number) if r.milestone == "submitted")
    assert receipt.status is S.NOT_SENT and "switched off" in receipt.last_error
    with app.app_context():
        assert db.session.get(MilestoneSetting, "submitted").enabled is False


def test_people_who_turn_off_informational_emails_still_get_those_asking_them_to_act(app, login, demo, smtp):
    erin, marco = login("employee"), login("manager")
    for client in (erin, marco):
        assert client.get("/profile").status_code == 200
        assert client.post("/profile", {}).status_code == 302  # the checkbox unticked
    with app.app_context():
        assert person(ERIN).informational_emails is False and person(MARCO).informational_emails is False
    number = submit(lambda role: erin, demo)
    marco.post(f"/approvals/{step_id(app, number)}/request-information", {"question": "Is this for the new hire?"})
    run_send_jobs(app)
    assert smtp.pairs() == sorted([(MARCO, "approval_needed"), (ERIN, "info_requested")])
    receipt = next(r for r in notifications(app, number) if r.milestone == "submitted")
    assert receipt.status is S.NOT_SENT and receipt.last_error == "Erin Park turned off informational emails."

    assert erin.post("/profile", {"informational_emails": "y"}).status_code == 302
    with app.app_context():
        assert person(ERIN).informational_emails is True


def test_a_port_in_pin_never_appears_in_any_email(app, login, demo, smtp):
    from tests.support.ordering import PIN

    number = submit(login, demo, code="port_in")
    marco, tara = login("manager"), login("telecom")
    marco.post(f"/approvals/{step_id(app, number)}/request-information", {"question": "Which PIN did you use?"})
    login("employee").post(f"/orders/{number}/answer", {"answer": "The one on the form."})
    marco.post(f"/approvals/{step_id(app, number)}/approve", {})
    tara.post(f"/approvals/{step_id(app, number)}/approve", {})
    run_send_jobs(app)
    assert len(smtp.received) >= 6 and {"submitted", "approved"} <= {r.milestone for r in smtp.received}
    assert all(PIN not in raw.decode("utf-8", "replace") for raw in smtp.raw)
    assert any("Transfer PIN" in r.text or "PIN" in r.text for r in smtp.received)  # shown, masked
    for row in notifications(app, number):
        assert PIN not in row.body_text and PIN not in row.body_html and PIN not in row.subject


def test_without_a_mail_server_emails_are_recorded_as_not_sent(app, login, demo):
    number = submit(login, demo)
    assert run_send_jobs(app) == ["not sent: no mail server configured"] * 2
    rows = notifications(app, number)
    assert {(r.status, r.last_error, r.attempts) for r in rows} == {(S.NOT_SENT, "no mail server configured", 1)}
    log = login("admin").get("/admin/notifications?status=not_sent").get_data(as_text=True)
    assert "no mail server configured" in log and "Not sent" in log


def test_an_event_rolled_back_leaves_no_notification(app, login, demo):
    number = submit(login, demo)
    with app.app_context():
        before = db.session.query(Notification).count()
        order = order_of(number)
        lifecycle.transition(
            db.session,
            order,
            EventKind.CANCEL,
            person(ERIN),
            party=lifecycle.Party.REQUESTER,
            comment="Changed my mind.",
        )
        db.session.flush()
        db.session.rollback()
        db.session.commit()
        assert db.session.query(Notification).count() == before


def test_notifications_are_written_with_their_event_in_one_commit(app, login, demo):
    """No caller creates notifications: the commit that writes an event writes its emails too."""
    number = submit(login, demo)
    with app.app_context():
        order = order_of(number)
        event = lifecycle.transition(
            db.session,
            order,
            EventKind.CANCEL,
            person(ERIN),
            party=lifecycle.Party.REQUESTER,
            comment="Changed my mind.",
        )
        db.session.commit()
        rows = db.session.scalars(select(Notification).where(Notification.event_id == event.id)).all()
        assert [(r.milestone, r.email, r.status) for r in rows] == [("cancelled", ERIN, S.PENDING)]
        assert all(r.next_attempt_at is not None for r in rows)


def test_each_milestone_renders_html_and_text_with_the_order_link(app, login, demo):
    from app.notifications.milestones import MILESTONES, Recipient
    from app.notifications.rendering import render_email

    number = submit(login, demo)
    with app.app_context():
        order = order_of(number)
        event = order.events[-1]
        step = db.session.scalar(select(Approval).where(Approval.order_id == order.id, Approval.position == 1))
        for milestone in MILESTONES.values():
            rendered = render_email(db.session, event, milestone, Recipient(person(MARCO), step))
            assert number in rendered.subject and "\n" not in rendered.subject
            assert f"/approvals/{step.id}" in rendered.text and f"/approvals/{step.id}" in rendered.html
            assert f"/orders/{number}" in rendered.text and '<html lang="en">' in rendered.html
            assert "What to do next" in rendered.text


def test_an_email_with_a_line_longer_than_smtp_allows_is_sent_whole(app, login, demo, smtp):
    """SMTP refuses lines over 998 characters (RFC 5321): a long one-line reason must not make the email fail
    every retry. The bodies go out quoted-printable, and arrive exactly as written."""
    number = submit(login, demo)
    reason = " ".join(f"word{n:03d}" for n in range(125))[:1000]  # 1,000 characters, one line
    assert login("manager").post(f"/approvals/{step_id(app, number)}/reject", {"reason": reason}).status_code == 302
    assert "sent" in run_send_jobs(app)
    rejected = [r for r in smtp.to(ERIN) if r.milestone == "rejected"]
    assert len(rejected) == 1 and reason in rejected[0].text and reason in rejected[0].html
    raw = next(raw for raw, r in zip(smtp.raw, smtp.received, strict=True) if r is rejected[0])
    assert max(len(line) for line in raw.splitlines()) <= 78
    assert all(n.status is S.SENT for n in notifications(app, number))
