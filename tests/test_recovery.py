"""Recovery after faults: a real Redis server restarted empty under a running worker. The worker notices the lost
schedule and puts it back, so the four kinds of background work resume by themselves: the periodic jobs are
scheduled again, the approved order is handed to its carrier, the carrier update is applied and the emails are
sent; /healthz says so, from the worker's heartbeats; and a scheduler process that died is started again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from redis import Redis
from sqlalchemy import select

from app import commands
from app.extensions import db
from app.jobs import PERIODIC
from app.models import Approval, ApprovalStatus, CarrierUpdate, Notification, NotificationStatus, Order
from app.queue import ROLES, queue_name
from tests.support.fulfilment import push
from tests.support.helpers import Client, free_port, start_redis_server
from tests.support.notifications import Mailbox
from tests.support.ordering import Demo, place, valid_orders

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 120  # seconds: a bound on waiting for the worker, never a measure of it


def wait_until(what: str, check, *, process: subprocess.Popen, log: Path) -> None:
    """Poll `check` until true; fail (with the worker's log) if the worker dies or the deadline passes."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if check():
            return
        if process.poll() is not None:
            pytest.fail(f"the worker stopped while waiting for {what}:\n{log.read_text()[-4000:]}")
        time.sleep(0.3)
    pytest.fail(f"never saw {what}:\n{log.read_text()[-4000:]}")


def _children(pid: int) -> list[int]:
    """The processes `pid` started (Linux)."""
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _scheduler_process(pid: int) -> int | None:
    """The worker's scheduler: of its children (the scheduler, and a work horse forked for each job), the one that
    has been running longest and is still running a moment later; None while there is none."""

    def started(child: int) -> int:
        return int(Path(f"/proc/{child}/stat").read_text().split(") ")[1].split()[19])

    try:
        before = {child: started(child) for child in _children(pid) if _alive(child)}
        time.sleep(1)
        lasting = [child for child in _children(pid) if child in before and _alive(child)]
    except FileNotFoundError:  # a work horse ended while we looked
        return None
    return min(lasting, key=before.__getitem__, default=None)


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def _approve_all(app, number: str) -> None:
    with app.app_context():
        while True:
            order = db.session.scalar(select(Order).where(Order.number == number))
            step = db.session.scalar(
                select(Approval).where(Approval.order_id == order.id, Approval.status == ApprovalStatus.PENDING)
            )
            if step is None:
                return
            commands.approve(db.session, step, step.assignee or step.group.members[0])
            db.session.commit()


def test_a_redis_restarted_empty_under_a_running_worker_loses_no_background_work(app, database_url, tmp_path):
    redis_process, redis_url = start_redis_server()
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    box = Mailbox()
    smtp = Controller(box, hostname="127.0.0.1", port=free_port())
    smtp.start()
    from app import create_app

    portal = create_app(
        {
            **{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "SECRET_KEY")},
            "TESTING": True,
            "REDIS_URL": redis_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp.port,
        }
    )
    base = portal.config["RQ_QUEUE"]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RQ_QUEUE": base,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "WORKER_WATCH_SECONDS": "1",
    }
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    redis = Redis.from_url(redis_url)
    scheduled_ids = lambda: [  # noqa: E731
        job_id
        for role in ROLES
        for job_id in (
            *redis.zrange(f"rq:scheduled:{queue_name(role, base)}", 0, -1),
            *redis.lrange(f"rq:queue:{queue_name(role, base)}", 0, -1),
        )
    ]
    try:
        wait_until(
            "the periodic jobs scheduled", lambda: len(scheduled_ids()) >= len(PERIODIC), process=worker, log=log
        )
        # The worker puts the schedule in before it connects as a worker and registers: Redis going away in between
        # would stop it at its start (a busy machine made that window long enough to hit), not the case tested here.
        wait_until("the worker at work", lambda: redis.scard("rq:workers") >= 1, process=worker, log=log)

        # Redis goes away. Meanwhile the portal works: an order is approved (its hand-off job cannot be queued),
        # a carrier update is received (its drain job cannot be queued), and emails are owed (their send jobs
        # cannot be queued). Everything is in the database; nothing is in Redis.
        redis_process.terminate()
        redis_process.wait(timeout=10)
        demo = Demo(portal)
        erin, contoso = Client(portal), demo.carrier("contoso")
        erin.sign_in("employee@example.com")
        data = {
            **valid_orders(demo)["new_line"][1],
            "carrier": contoso,
            "plan": demo.plan("contoso", "Business Unlimited"),
        }
        waiting_hand_off = place(erin, "new_line", data)
        _approve_all(portal, waiting_hand_off)
        handed = place(erin, "port_in", valid_orders(demo)["port_in"][1])
        _approve_all(portal, handed)
        update = {
            "update_id": "after-restart",
            "order_number": handed,
            "status": "acknowledged",
            "carrier_reference": "C-1",
        }
        assert push(portal.test_client(), "contoso", update).status_code == 202
        with portal.app_context():
            owed = db.session.scalar(
                select(db.func.count())
                .select_from(Notification)
                .where(Notification.status == NotificationStatus.PENDING)
            )
            assert owed >= 4

        # Redis is back, empty (a new server without persistence): no schedule, no queued job, no scheduler lock.
        # The worker may put the schedule back before this test looks again: its log says it did (below).
        redis_process, _ = start_redis_server(port=port)

        def order(number: str) -> Order:
            with portal.app_context():
                found = db.session.scalar(select(Order).where(Order.number == number))
                db.session.expunge_all()
                return found

        def applied() -> bool:
            with portal.app_context():
                return (
                    db.session.scalar(
                        select(CarrierUpdate.applied_at).where(CarrierUpdate.update_id == "after-restart")
                    )
                    is not None
                )

        def all_sent() -> bool:
            with portal.app_context():
                return not db.session.scalar(
                    select(db.func.count())
                    .select_from(Notification)
                    .where(Notification.status == NotificationStatus.PENDING)
                )

        wait_until("the periodic jobs scheduled again", lambda: len(scheduled_ids()) >= 1, process=worker, log=log)
        wait_until(
            "the approved order handed off",
            lambda: order(waiting_hand_off).handed_off_at is not None,
            process=worker,
            log=log,
        )
        wait_until("the carrier update applied", applied, process=worker, log=log)
        assert order(handed).carrier_reference == "C-1"
        wait_until("every email sent", all_sent, process=worker, log=log)
        assert len(box.received) >= owed

        def healthy() -> bool:
            found = portal.test_client().get("/healthz").json
            return all(found["workers"][r]["state"] == found["schedulers"][r]["state"] == "ok" for r in ROLES)

        wait_until("the worker and its scheduler healthy again", healthy, process=worker, log=log)
        assert "Periodic jobs were missing from Redis" in log.read_text()

        # The scheduler process (the worker's child) dies, the OOM killer, say: the worker starts another.
        wait_until("the scheduler process found", lambda: _scheduler_process(worker.pid), process=worker, log=log)
        dead = _scheduler_process(worker.pid)
        assert dead is not None
        os.kill(dead, signal.SIGKILL)
        wait_until(
            "a new scheduler process",
            lambda: _scheduler_process(worker.pid) not in (None, dead),
            process=worker,
            log=log,
        )
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        smtp.stop()
        redis_process.terminate()
        redis_process.wait(timeout=10)
        with portal.app_context():
            db.session.remove()
            db.engine.dispose()
