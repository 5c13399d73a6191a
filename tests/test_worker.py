"""Jobs go through real Redis to a real worker process, which runs them inside an app context; carrier work,
emails and the rest on queues of their own, carrier work first, and a worker serves the queues it is told to."""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from rq import Queue
from rq.job import JobStatus
from sqlalchemy import select

from app.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_a_job_enqueued_through_redis_is_run_by_the_worker(app, database_url, redis_url):
    from app.queue import enqueue

    with app.app_context():
        job = enqueue("app.jobs.ping", "hello")
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "RQ_QUEUE": app.config["RQ_QUEUE"]}
    subprocess.run(
        [sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True
    )
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == {"users": 40, "note": "hello"}


def test_the_queue_is_named_by_configuration(app):
    from app.queue import task_queue

    with app.app_context():
        queue = task_queue()
    assert isinstance(queue, Queue) and queue.name == app.config["RQ_QUEUE"]


def test_periodic_jobs_are_scheduled_once_and_reschedule_themselves(app, redis_url):
    from app.jobs import PERIODIC, run_periodic, schedule_periodic
    from app.queue import task_queue

    assert "app.jobs.approval_sweep" in PERIODIC
    with app.app_context():
        schedule_periodic()
        schedule_periodic()  # a second worker starting changes nothing
        scheduled = task_queue().scheduled_job_registry.get_job_ids()
        assert len([j for j in scheduled if j.startswith("periodic-app_jobs_approval_sweep-")]) == 1
        task_queue().scheduled_job_registry.remove(scheduled[0], delete_job=True)
        assert run_periodic("app.jobs.approval_sweep") == {"reminded": 0, "escalated": 0}
        again = task_queue().scheduled_job_registry.get_job_ids()
        assert len([j for j in again if j.startswith("periodic-app_jobs_approval_sweep-")]) == 1


def test_the_real_worker_runs_a_periodic_job_and_schedules_its_next_run(app, database_url, redis_url):
    from app.queue import task_queue

    with app.app_context():
        job = task_queue().enqueue("app.jobs.run_periodic", "app.jobs.approval_sweep")
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "RQ_QUEUE": app.config["RQ_QUEUE"]}
    subprocess.run(
        [sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True
    )
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED, job.latest_result()
    with app.app_context():
        scheduled = task_queue().scheduled_job_registry.get_job_ids()
    assert any(j.startswith("periodic-app_jobs_approval_sweep-") for j in scheduled)


# ---------------------------------------------------------------- three queues: carrier work, emails, the rest
def _env(app, database_url: str, redis_url: str, **more: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RQ_QUEUE": app.config["RQ_QUEUE"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        **more,
    }


def test_jobs_go_to_the_queue_of_their_kind(app, login):
    from app.jobs import PERIODIC, schedule_periodic
    from app.queue import CARRIER, DEFAULT, EMAILS, task_queue
    from tests.support.fulfilment import approved
    from tests.support.ordering import Demo

    approved(app, login, Demo(app), "port_in")
    with app.app_context():
        carrier, emails, default = task_queue(CARRIER), task_queue(EMAILS), task_queue(DEFAULT)
        assert {job.func_name for job in carrier.get_jobs()} == {"app.jobs.hand_off"}
        assert {job.func_name for job in emails.get_jobs()} == {"app.jobs.send_notification"}
        assert default.get_jobs() == []
        assert (carrier.name, emails.name, default.name) == ("dialtone-carrier", "dialtone-emails", "dialtone")
        schedule_periodic()
    assert PERIODIC["app.jobs.carrier_sweep"].queue == CARRIER
    assert PERIODIC["app.jobs.notification_sweep"].queue == EMAILS
    assert PERIODIC["app.jobs.approval_sweep"].queue == DEFAULT
    with app.app_context():
        assert [j.split("-")[1] for j in task_queue(EMAILS).scheduled_job_registry.get_job_ids()] == [
            "app_jobs_notification_sweep"
        ]


def test_one_worker_serves_carrier_work_before_the_emails_queued_before_it(app, database_url, redis_url):
    from app.queue import CARRIER, EMAILS, task_queue

    with app.app_context():
        email = task_queue(EMAILS).enqueue("app.jobs.ping", "email")
        carrier = task_queue(CARRIER).enqueue("app.jobs.ping", "carrier")
    subprocess.run(
        [sys.executable, "worker.py", "--burst"],
        cwd=ROOT,
        env=_env(app, database_url, redis_url),
        check=True,
        timeout=120,
        capture_output=True,
    )
    email.refresh()
    carrier.refresh()
    assert carrier.started_at < email.started_at


def test_a_worker_told_its_queues_serves_only_those(app, database_url, redis_url):
    from app.queue import CARRIER, EMAILS, task_queue

    with app.app_context():
        email = task_queue(EMAILS).enqueue("app.jobs.ping", "email")
        carrier = task_queue(CARRIER).enqueue("app.jobs.ping", "carrier")
    subprocess.run(
        [sys.executable, "worker.py", "--queues", "carrier", "--burst"],
        cwd=ROOT,
        env=_env(app, database_url, redis_url),
        check=True,
        timeout=120,
        capture_output=True,
    )
    assert carrier.get_status(refresh=True) == JobStatus.FINISHED
    assert email.get_status(refresh=True) == JobStatus.QUEUED
    refused = subprocess.run(
        [sys.executable, "worker.py", "--queues", "carrier,faxes", "--burst"],
        cwd=ROOT,
        env=_env(app, database_url, redis_url),
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2 and "unknown queue faxes: choose from carrier, default, emails" in refused.stderr


class SilentMailServer:
    """Accepts SMTP connections and never says a word (not even its greeting)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.sock.close()
        for connection in self.accepted:
            connection.close()


def test_a_mail_server_that_never_answers_holds_up_no_carrier_update(app, login, database_url, redis_url, tmp_path):
    """One worker serves emails and hangs on the silent server; the carrier worker applies the update meanwhile."""
    from app.models import CarrierUpdate, Notification, NotificationStatus
    from tests.support.fulfilment import approved, push
    from tests.support.ordering import Demo

    number = approved(app, login, Demo(app), "port_in")
    silent = SilentMailServer()
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(silent.port)}
    log = (tmp_path / "emails.log").open("w")
    emails = subprocess.Popen(
        [sys.executable, "worker.py", "--queues", "emails", "--no-scheduler"],
        cwd=ROOT,
        env=_env(app, database_url, redis_url, **mail),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60  # a bound on waiting, not a measure
        while not silent.accepted and time.monotonic() < deadline and emails.poll() is None:
            time.sleep(0.1)
        assert silent.accepted, "the emails worker never reached the mail server"
        body = {"update_id": "u-1", "order_number": number, "status": "acknowledged", "carrier_reference": "C-1"}
        assert push(app.test_client(), "contoso", body).status_code == 202
        subprocess.run(
            [sys.executable, "worker.py", "--queues", "carrier", "--burst"],
            cwd=ROOT,
            env=_env(app, database_url, redis_url, **mail),
            check=True,
            timeout=120,
            capture_output=True,
        )
        with app.app_context():
            assert db.session.scalar(select(CarrierUpdate.outcome).where(CarrierUpdate.update_id == "u-1")) == "applied"
            sending = db.session.scalars(select(Notification.status)).all()
            assert NotificationStatus.SENDING in sending  # the email still hangs on the silent server
    finally:
        emails.kill()
        emails.wait(timeout=30)
        log.close()
        silent.close()
