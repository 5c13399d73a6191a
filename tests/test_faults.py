"""Faults: Redis down (pages work, orders submit and are approved, and the carrier hand-off and the emails run once
Redis is back); the worker killed mid-job (the job runs again with no duplicate effect or email); the SMTP
server down (the email is retried and sent once it is back); SQLite in WAL mode with a busy timeout, so the web
app and the worker write at the same time without tripping."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.identifiers import make_iccid, make_imei
from app.models import CarrierUpdate, Notification, NotificationStatus, Order, OrderEvent, OrderStatus, Shipment
from app.web.carrier_api import signature
from tests.support.approvals import approve_in_inbox
from tests.support.databases import USE_POSTGRES
from tests.support.helpers import Client, free_port
from tests.support.notifications import Mailbox
from tests.support.ordering import place, valid_orders

ROOT = Path(__file__).resolve().parent.parent
S = NotificationStatus


@pytest.fixture
def mailbox(app):
    """A real SMTP server on a free port; the app sends through it."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield box
    controller.stop()


def _later(minutes: int = 1) -> str:
    return (clock.now() + timedelta(minutes=minutes)).isoformat()


def _order(app, number: str) -> Order:
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        kinds = [e.kind for e in order.events]
        db.session.expunge_all()
        order.kinds = kinds
        return order


# ---------------------------------------------------------------- Redis down
def test_with_redis_down_pages_work_orders_go_through_and_the_work_runs_once_redis_is_back(
    app, demo, mailbox, database_url
):
    from app import create_app

    down = create_app(
        {
            **{
                k: app.config[k]
                for k in ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "SECRET_KEY", "TESTING")
            },
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        }
    )  # nothing listens there
    clients = {}
    for email in ("employee@example.com", "manager@example.com", "telecom@example.com"):
        clients[email] = Client(down)
        clients[email].sign_in(email)  # the sign-in throttle counts in memory meanwhile
    erin = clients["employee@example.com"]
    for url in ("/", "/orders", "/orders/new", "/inventory/mine", "/profile"):
        assert erin.get(url).status_code == 200, url
    assert clients["manager@example.com"].get("/approvals").status_code == 200
    assert erin.get("/healthz").status_code == 503  # the load balancer hears of it
    data = {
        **valid_orders(demo)["new_line"][1],
        "carrier": demo.carrier("contoso"),
        "plan": demo.plan("contoso", "Business Unlimited"),
    }
    number = place(erin, "new_line", data)
    approve_in_inbox(app, number, clients)
    order = _order(app, number)
    assert order.status is OrderStatus.APPROVED and "handed_off" not in order.kinds
    with app.app_context():
        waiting = db.session.scalars(select(Notification).where(Notification.status == S.PENDING)).all()
        assert len(waiting) >= 4 and not mailbox.received
    with down.app_context():
        db.session.remove()
        db.engine.dispose()

    # Redis is back: the periodic sweeps (run here as the worker runs them) do what waited, once.
    from app.jobs import carrier_sweep, notification_sweep

    with app.app_context():
        assert carrier_sweep()["handed_off"] == 1
        assert carrier_sweep()["handed_off"] == 0
        sent = notification_sweep(now=_later())
        assert sent["sent"] == len(waiting)
        assert notification_sweep(now=_later(2))["sent"] == 0
    order = _order(app, number)
    assert order.kinds.count("handed_off") == 1  # Contoso's: now in the fulfilment team's queue
    assert len(mailbox.received) == len(waiting) + len(_new_notifications(app, waiting))


def _new_notifications(app, earlier) -> list:
    """Emails made after `earlier` (the hand-off's own milestone), sent by their own jobs or not at all here."""
    with app.app_context():
        return [
            n
            for n in db.session.scalars(select(Notification)).all()
            if n.id not in {e.id for e in earlier} and n.status is S.SENT
        ]


# ---------------------------------------------------------------- the worker killed mid-job
HARNESS = """
import os, signal, sys
from sqlalchemy import event
from app import create_app
from app.extensions import db
import app.jobs as jobs

phase, nth, job, arg = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
application = create_app()
seen = []

def die(session, *_):
    if session.in_nested_transaction():
        return  # a savepoint released, not the transaction committed
    seen.append(1)
    if len(seen) == nth:
        os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer or a pulled plug would

with application.app_context():
    event.listen(db.session, phase, die)
    print(getattr(jobs, job)(arg))
"""


def _run_killed(app, database_url: str, job: str, arg: int, phase: str, nth: int = 1) -> subprocess.CompletedProcess:
    """Run `job(arg)` in a worker process that is killed at its `nth` commit (before or after it)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": app.config["REDIS_URL"],
        "RQ_QUEUE": app.config["RQ_QUEUE"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "MAIL_SERVER": app.config["MAIL_SERVER"] or "",
        "MAIL_PORT": str(app.config["MAIL_PORT"]),
    }
    done = subprocess.run(
        [sys.executable, "-c", HARNESS, phase, str(nth), job, str(arg)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done


def _shipped_update(app, login, demo) -> tuple[str, int]:
    """An approved Contoso order and a stored 'shipped' update for it (through the signed API)."""
    from tests.support.fulfilment import SECRET, approved

    number = approved(app, login, demo, "port_in")
    body = json.dumps(
        {
            "update_id": "kill-1",
            "order_number": number,
            "status": "shipped",
            "shipments": [{"shipping_carrier": "UPS", "tracking_number": "1Z999AA10123456784"}],
            "devices": [{"imei": make_imei("35391110", 4242), "iccid": make_iccid("01410", 4242)}],
        }
    ).encode()
    response = app.test_client().post(
        "/api/v1/carrier-updates",
        data=body,
        content_type="application/json",
        headers={"X-Dialtone-Carrier": "contoso", "X-Dialtone-Signature": signature(SECRET, body)},
    )
    assert response.status_code == 202
    with app.app_context():
        return number, db.session.scalar(select(CarrierUpdate.id).where(CarrierUpdate.update_id == "kill-1"))


def _effects(app, number: str) -> tuple:
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        shipped = db.session.scalar(
            select(func.count())
            .select_from(OrderEvent)
            .where(OrderEvent.order_id == order.id, OrderEvent.kind == "ship")
        )
        shipments = db.session.scalar(select(func.count()).select_from(Shipment).where(Shipment.order_id == order.id))
        emails = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.order_id == order.id, Notification.milestone == "shipped")
        )
        return order.status.value, shipped, shipments, emails


@pytest.mark.parametrize("phase", ["before_commit", "after_commit"])
def test_a_worker_killed_while_applying_a_carrier_update_leaves_it_to_be_applied_exactly_once(
    app, login, demo, database_url, phase
):
    number, update_id = _shipped_update(app, login, demo)
    before = _effects(app, number)
    killed = _run_killed(app, database_url, "apply_carrier_update", update_id, phase)
    assert killed.returncode == -9, killed.stderr[-2000:]
    expected_once = ("shipped", before[1] + 1, before[2] + 1, before[3] + 1)
    assert _effects(app, number) == (before if phase == "before_commit" else expected_once)
    from app.jobs import apply_carrier_update, carrier_sweep

    with app.app_context():
        carrier_sweep()  # the sweep applies what was left unapplied
        assert apply_carrier_update(update_id) == "already applied"  # and the job, run again, changes nothing
        assert apply_carrier_update(update_id) == "already applied"
    assert _effects(app, number) == expected_once


@pytest.mark.parametrize("nth,phase", [(1, "after_commit"), (2, "after_commit"), (2, "before_commit")])
def test_a_worker_killed_while_sending_an_email_sends_it_once_in_the_end(
    app, login, demo, mailbox, database_url, nth, phase
):
    """Killed after claiming the email (1st commit), after sending it (2nd commit), or just before recording it
    was sent: the job run again, and the sweep, never send a second copy of a recorded email."""
    from app.jobs import notification_sweep, send_notification
    from app.queue import EMAILS, task_queue

    number = place(login("employee"), "new_line", valid_orders(demo)["new_line"][1])
    with app.app_context():
        note_id = db.session.scalar(
            select(Notification.id).join(Order).where(Order.number == number).order_by(Notification.id)
        )
        task_queue(EMAILS).empty()
    killed = _run_killed(app, database_url, "send_notification", note_id, phase, nth)
    assert killed.returncode == -9, killed.stderr[-2000:]
    sent_before_death = len(mailbox.received)
    with app.app_context():
        assert send_notification(note_id) == "already handled"  # the job rerun: the row is claimed or sent
        notification_sweep(now=_later(10))  # after the lease: a send that died is retried
        notification_sweep(now=_later(20))
        assert send_notification(note_id) == "already handled"
        note = db.session.get(Notification, note_id)
        assert note.status is S.SENT
    mine = [r for r in mailbox.received if r.message["X-Dialtone-Notification"] == str(note_id)]
    if (nth, phase) == (1, "after_commit"):
        assert sent_before_death == 0 and len(mine) == 1  # claimed, never sent: the sweep sent it, once
    elif (nth, phase) == (2, "after_commit"):
        assert len(mine) == 1  # sent and recorded before the kill: never again
    else:
        # Sent, then killed before "sent" was recorded: SMTP cannot take an email back, so the sweep sends it
        # again after the lease (at least once, never lost), as app/notifications/sending.py says.
        assert 1 <= len(mine) <= 2


# ---------------------------------------------------------------- SMTP down
def test_with_the_smtp_server_down_emails_are_retried_and_sent_once_it_is_back(app, login, demo):
    from app.jobs import notification_sweep, send_notification
    from app.queue import EMAILS, task_queue

    port = free_port()  # nothing listens here yet
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    place(login("employee"), "new_line", valid_orders(demo)["new_line"][1])
    with app.app_context():
        queue = task_queue(EMAILS)
        ids = [job.args[0] for job in queue.get_jobs() if job.func_name == "app.jobs.send_notification"]
        assert ids
        queue.empty()
        outcomes = [send_notification(i) for i in ids]
        assert all(o.startswith("attempt 1 failed, retrying in 30 s") for o in outcomes), outcomes
        assert len(queue.scheduled_job_registry.get_job_ids()) == len(ids)  # each retry is scheduled
        for note in db.session.scalars(select(Notification).where(Notification.id.in_(ids))):
            assert note.status is S.PENDING and note.attempts == 1 and "Connection refused" in note.last_error
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)  # the server is back
    controller.start()
    try:
        with app.app_context():
            assert notification_sweep(now=_later())["sent"] == len(ids)
            assert notification_sweep(now=_later(5))["sent"] == 0
            for i in ids:
                assert send_notification(i) == "already handled"  # the scheduled retries find them sent
        assert len(box.received) == len(ids)
    finally:
        controller.stop()


# ---------------------------------------------------------------- SQLite: WAL and a busy timeout
sqlite_only = pytest.mark.skipif(USE_POSTGRES, reason="SQLite's journal mode and busy timeout")


@sqlite_only
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(app):
    with app.app_context(), db.engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("busy_timeout") == 15000
        assert pragma("foreign_keys") == 1


@sqlite_only
def test_a_writer_waits_for_another_writer_instead_of_failing_and_readers_are_not_blocked(app):
    with app.app_context():
        engine = db.engine
        holding, done, errors = threading.Event(), threading.Event(), []

        def long_writer():
            with engine.connect() as connection:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                connection.exec_driver_sql("UPDATE settings SET value = value")
                holding.set()
                done.wait(timeout=60)  # hold the write lock until the other writer is waiting on it
                connection.exec_driver_sql("COMMIT")

        def second_writer():
            holding.wait(timeout=60)
            try:
                with engine.begin() as connection:
                    threading.Timer(0.5, done.set).start()  # let the first writer go while this one waits
                    connection.exec_driver_sql("UPDATE users SET informational_emails = informational_emails")
            except sa.exc.OperationalError as error:  # "database is locked" without the busy timeout
                errors.append(error)

        threads = [threading.Thread(target=long_writer), threading.Thread(target=second_writer)]
        for thread in threads:
            thread.start()
        holding.wait(timeout=60)
        with engine.connect() as reader:  # WAL: a reader reads while a writer holds the lock
            assert reader.exec_driver_sql("SELECT count(*) FROM users").scalar() > 0
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []


WRITER = """
import sys
from app import create_app
from app.admin.audit import record_audit
from app.extensions import db

application = create_app()
with application.app_context():
    for n in range(int(sys.argv[2])):
        record_audit(db.session, None, "test.write", f"{sys.argv[1]} {n}")
        db.session.commit()
print("ok")
"""


def test_two_processes_writing_at_once_both_succeed(app, database_url):
    """The web app and the worker are separate processes writing to one database: none of their writes fails."""
    from app.models import AuditEntry

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": app.config["REDIS_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
    }
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, name, "60"],
            cwd=ROOT,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for name in ("web", "worker")
    ]
    results = [w.communicate(timeout=180) for w in writers]
    assert [w.returncode for w in writers] == [0, 0], [err[-2000:] for _, err in results]
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.write"))
            == 120
        )
