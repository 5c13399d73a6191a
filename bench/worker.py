"""The worker: carrier updates applied per second (stored, then each "received" as the API does: `queue_drain`,
which queues `app.jobs.drain_carrier_updates` unless one is waiting) and emails sent per second
(`app.jobs.send_notification`, to a local aiosmtpd server), by one `worker.py` process and by two, on a scratch
copy of each benchmark database.

The rate is the jobs' own clock: from the first job's start to the last job's end (RQ's started_at/ended_at), so
the workers' start-up is not counted; every job of the run must have finished (the run waits for all of them, as
another worker may still be in a batch), or the run says so. What is counted is read from the database afterwards,
not from the jobs' answers: the updates applied (a job applies its own update and drains the others in batches, so
most jobs find theirs already applied) and the emails sent; a run is complete only if every one is done.
"""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.fulfilment.updates import DRAIN_JOB, queue_drain
from bench import databases
from bench.common import PYTHON, ROOT, emit, env_for, make_app, stop, table
from bench.databases import Target

RUN_SECONDS = 300  # a bound on one run


def worker_section(engines: list[str], size: int, redis_url: str, updates: int, emails: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for engine in engines:
        target = Target(engine, size)
        url = databases.scratch(target)
        try:
            rows = []
            smtp, smtp_port = _smtp_server()
            try:
                for workers in (1, 2):
                    rows.append(carrier_updates(url, redis_url, updates, workers))
                    rows.append(emails_sent(url, redis_url, emails, workers, smtp_port))
            finally:
                stop(smtp)
        finally:
            databases.drop_scratch(target)
        figures[engine] = rows
        _print(engine, size, rows)
        emit("worker", {"engine": engine, "orders": size, "runs": rows})
    return figures


def _print(engine: str, size: int, rows: list[dict]) -> None:
    name = "SQLite" if engine == "sqlite" else "PostgreSQL"
    print(f"\nWorker throughput, {name}, {size:,} orders (worker.py processes, jobs through Redis)")
    print(
        table(
            [
                "work",
                "workers",
                "jobs",
                "finished",
                "failed",
                "other jobs",
                "done",
                "seconds",
                "per second",
                "outcomes (rows)",
                "jobs' answers",
            ],
            [
                [
                    r["work"],
                    r["workers"],
                    r["jobs"],
                    r["finished"],
                    r["failed"],
                    r["other jobs"],
                    r["done"],
                    r["seconds"],
                    r["per_second"],
                    ", ".join(f"{k}: {v}" for k, v in r["outcomes"].items()),
                    ", ".join(f"{k}: {v}" for k, v in r["answers"].items()),
                ]
                for r in rows
            ],
        ),
        flush=True,
    )


# ---------------------------------------------------------------- carrier updates
def carrier_updates(url: str, redis_url: str, count: int, workers: int) -> dict[str, Any]:
    """`count` stored updates, one per order on its own line: half acknowledge an approved order (it is placed
    with the carrier), half complete an order with the carrier (its plan change reaches the line)."""
    queue_name = f"bench-updates-{workers}-{int(time.time())}"
    app = make_app(url, redis_url, RQ_QUEUE=queue_name)
    with app.app_context():
        ids = _stored_updates(count)
        queued = sum(queue_drain() for _ in ids)  # as the API does once it has stored each update
    result = _run_workers(
        app, url, redis_url, queue_name, workers, None, finished=lambda: _all_applied(app, ids), clock_of=DRAIN_JOB
    )
    result["queued by the updates"] = queued
    with app.app_context():
        outcomes = _update_outcomes(ids)
    applied = sum(n for key, n in outcomes.items() if key != "unapplied")
    return {"work": "carrier updates applied", "workers": workers, **_counted(result, outcomes, applied, count)}


def _all_applied(app, ids: list[int]) -> bool:
    with app.app_context():
        return "unapplied" not in _update_outcomes(ids)


def _update_outcomes(ids: list[int]) -> dict[str, int]:
    """The run's updates by their recorded outcome ("applied", "refused"…; "unapplied" for those left)."""
    from sqlalchemy import func

    from app.extensions import db
    from app.models import CarrierUpdate

    outcome = func.coalesce(func.nullif(CarrierUpdate.outcome, ""), "?")
    rows = db.session.execute(
        select(CarrierUpdate.applied_at.is_not(None), outcome, func.count())
        .where(CarrierUpdate.id.in_(ids))
        .group_by(CarrierUpdate.applied_at.is_not(None), outcome)
    ).all()
    db.session.rollback()
    counted: dict[str, int] = {}
    for applied, text, number in rows:
        key = str(text).split(":")[0] if applied else "unapplied"
        counted[key] = counted.get(key, 0) + number
    return counted


def _counted(result: dict[str, Any], outcomes: dict[str, int], done: int, count: int) -> dict[str, Any]:
    """The run's figures from what the database holds: `done` rows (of `count`) per second of the jobs' clock."""
    seconds = result["seconds"]
    return {
        **result,
        "outcomes": outcomes,
        "done": done,
        "per_second": round(done / seconds, 1) if seconds else 0.0,
        "complete": result["complete"] and done == count,
    }


def _stored_updates(count: int) -> list[int]:
    from app.extensions import db
    from app.models import Carrier, CarrierUpdate, FulfilmentMode, Line, LineStatus, Order, OrderStatus, Plan
    from app.scale import Rows

    session = db.session
    used = select(Order.line_id).where(Order.number.like("BENCH-%"), Order.line_id.is_not(None))
    lines = session.execute(
        select(Line.id, Line.employee_id, Line.carrier_id, Line.plan_id, Line.cost_center_id)
        .join(Carrier, Line.carrier_id == Carrier.id)
        .where(
            Carrier.fulfilment_mode == FulfilmentMode.MANUAL,
            Line.status == LineStatus.ACTIVE,
            Line.employee_id.is_not(None),
            Line.id.not_in(used),
        )
        .order_by(Line.id)
        .limit(count)
    ).all()
    plans: dict[int, list[int]] = {}
    for plan in session.scalars(select(Plan)):
        plans.setdefault(plan.carrier_id, []).append(plan.id)
    rows = Rows(session)
    now = datetime.now(UTC).replace(tzinfo=None)
    updates = []
    for k, (line_id, employee_id, carrier_id, plan_id, cost_center_id) in enumerate(lines):
        order_id = rows.next_id(Order)
        placed = k % 2 == 1
        new_plan = next(p for p in plans[carrier_id] if p != plan_id)
        number = f"BENCH-{order_id}"
        rows.add(
            Order,
            {
                "id": order_id,
                "number": number,
                "type": "change_plan",
                "status": OrderStatus.WITH_CARRIER if placed else OrderStatus.APPROVED,
                "requester_id": employee_id,
                "employee_id": employee_id,
                "line_id": line_id,
                "device_id": None,
                "carrier_id": carrier_id,
                "cost_center_id": cost_center_id,
                "one_time_cents": 0,
                "monthly_cents": 3000,
                "details": {"plan": new_plan, "_summary": [["New plan", str(new_plan)]]},
                "secrets_encrypted": None,
                "out_of_policy": False,
                "submit_token": None,
                "carrier_reference": f"CM-{order_id}" if placed else None,
                "service_number": None,
                "created_at": now - timedelta(days=2),
                "submitted_at": now - timedelta(days=2),
                "approved_at": now - timedelta(days=1),
                "completed_at": None,
                "updated_at": now - timedelta(hours=1),
                "version": 3,
            },
        )
        payload = (
            {
                "update_id": f"{number}-complete",
                "order_number": number,
                "status": "completed",
                "message": "Plan changed.",
            }
            if placed
            else {
                "update_id": f"{number}-ack",
                "order_number": number,
                "status": "acknowledged",
                "carrier_reference": f"CM-{order_id}",
                "message": "Order received.",
            }
        )
        update_id = rows.next_id(CarrierUpdate)
        rows.add(
            CarrierUpdate,
            {
                "id": update_id,
                "carrier_id": carrier_id,
                "update_id": payload["update_id"],
                "order_id": order_id,
                "payload": payload,
                "received_at": now,
                "applied_at": None,
                "outcome": "",
            },
        )
        updates.append(update_id)
    rows.finish()
    session.commit()
    return updates


# ---------------------------------------------------------------- emails
def emails_sent(url: str, redis_url: str, count: int, workers: int, smtp_port: int) -> dict[str, Any]:
    """`count` pending emails (the size of a real one), each sent by its own job over SMTP."""
    queue_name = f"bench-emails-{workers}-{int(time.time())}"
    app = make_app(url, redis_url, RQ_QUEUE=queue_name)
    with app.app_context():
        ids = _pending_emails(count)
        job_ids = _enqueue(app, "app.jobs.send_notification", ids)
    result = _run_workers(
        app, url, redis_url, queue_name, workers, job_ids, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_port)
    )
    with app.app_context():
        outcomes = _email_outcomes(ids)
    return {"work": "emails sent", "workers": workers, **_counted(result, outcomes, outcomes.get("sent", 0), count)}


def _email_outcomes(ids: list[int]) -> dict[str, int]:
    """The run's emails by status."""
    from sqlalchemy import func

    from app.extensions import db
    from app.models import Notification

    rows = db.session.execute(
        select(Notification.status, func.count()).where(Notification.id.in_(ids)).group_by(Notification.status)
    ).all()
    db.session.rollback()
    return {status.value: number for status, number in rows}


def _pending_emails(count: int) -> list[int]:
    from app.extensions import db
    from app.models import Notification, NotificationStatus, User
    from app.scale import Rows

    session = db.session
    people = session.execute(select(User.id, User.email).where(User.active).order_by(User.id).limit(500)).all()
    rows = Rows(session)
    now = datetime.now(UTC).replace(tzinfo=None)
    html = (
        "<html><body>\n"
        + "<p>Your order WO-001234 has shipped. Track it with UPS 1Z999AA10123456784.</p>\n" * 40
        + "</body></html>\n"
    )
    text = "Your order WO-001234 has shipped.\nTrack it with UPS 1Z999AA10123456784.\n" * 15
    ids = []
    for k in range(count):
        person_id, email = people[k % len(people)]
        notification_id = rows.next_id(Notification)
        rows.add(
            Notification,
            {
                "id": notification_id,
                "event_id": None,
                "order_id": None,
                "milestone": "shipped",
                "recipient_id": person_id,
                "email": email,
                "subject": f"WO-{k:06d} has shipped",
                "body_text": text,
                "body_html": html,
                "status": NotificationStatus.PENDING,
                "attempts": 0,
                "last_error": "",
                "created_at": now,
                "sent_at": None,
                "next_attempt_at": now,
            },
        )
        ids.append(notification_id)
    rows.finish()
    session.commit()
    return ids


def _smtp_server() -> tuple[subprocess.Popen, int]:
    """A local SMTP server that accepts and drops every message (aiosmtpd's Sink)."""
    from app.devrun import _wait_for_port, free_port

    port = free_port()
    process = subprocess.Popen(
        [PYTHON, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for_port(port, process)
    return process, port


# ---------------------------------------------------------------- running workers
def _enqueue(app, function: str, ids: list[int]) -> list[str]:
    from rq import Queue

    queue = Queue(app.config["RQ_QUEUE"], connection=app.extensions["redis"])
    queue.empty()
    jobs = queue.enqueue_many([Queue.prepare_data(function, (i,), result_ttl=3600) for i in ids])
    return [job.id for job in jobs]


def _run_workers(
    app,
    url: str,
    redis_url: str,
    queue_name: str,
    workers: int,
    job_ids: list[str] | None,
    finished=None,
    clock_of: str | None = None,
    **env: str,
) -> dict[str, Any]:
    """Start `workers` worker.py processes, wait (bounded) until every job of the run has ended, stop them.

    With `job_ids`, the jobs queued before the run, run by burst workers. Without: the jobs are queued as the
    work goes (a drain job asks for the next while batches come full), so the workers wait for jobs as in
    production (without the scheduler's periodic jobs) until `finished()` says the work is done and no job is
    queued or running; the run's jobs are then those RQ recorded as finished or failed."""
    from rq import Queue
    from rq.job import Job, JobStatus

    from app.queue import ROLES
    from app.queue import queue_name as role_queue

    connection = app.extensions["redis"]
    # Every role's queue of the run: the drain jobs go to the carrier queue, the emails they make to the emails one.
    queues = [Queue(role_queue(role, queue_name), connection=connection) for role in ROLES]
    environment = env_for(url, redis_url, RQ_QUEUE=queue_name, **env)
    options = ["--burst"] if job_ids is not None else ["--no-scheduler"]
    processes = [
        subprocess.Popen(
            [PYTHON, "worker.py", *options],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    deadline = time.monotonic() + RUN_SECONDS
    over = (JobStatus.FINISHED, JobStatus.FAILED)
    try:
        if job_ids is None:
            while time.monotonic() < deadline and not (
                finished() and all(q.count == 0 and q.started_job_registry.count == 0 for q in queues)
            ):
                time.sleep(0.2)
            job_ids = [
                job_id
                for q in queues
                for job_id in (*q.finished_job_registry.get_job_ids(), *q.failed_job_registry.get_job_ids())
            ]
        # The last job first (one cheap question), then every job: another worker may still be in a batch.
        for waiting in (job_ids[-1:], job_ids):
            while waiting and time.monotonic() < deadline:
                jobs = Job.fetch_many(waiting, connection=connection)
                waiting = [
                    job_id
                    for job_id, job in zip(waiting, jobs, strict=True)
                    if job and job.get_status(refresh=False) not in over
                ]
                if waiting:
                    time.sleep(0.2)
    finally:
        for process in processes:
            stop(process)
    jobs = [j for j in Job.fetch_many(job_ids, connection=connection) if j is not None]
    others = 0
    if clock_of:  # the run's own jobs; the others (the emails its updates queued) are counted apart
        others = sum(j.func_name != clock_of for j in jobs)
        jobs = [j for j in jobs if j.func_name == clock_of]
        job_ids = [j.id for j in jobs]
    ended = [j for j in jobs if j.ended_at and j.started_at]
    finished = [j for j in ended if j.get_status(refresh=False) == JobStatus.FINISHED]
    failed = [j for j in jobs if j.get_status(refresh=False) == JobStatus.FAILED]
    seconds = (max(j.ended_at for j in ended) - min(j.started_at for j in ended)).total_seconds() if ended else 0
    answers: dict[str, int] = {}  # what the jobs answered (for updates: "applied" by its own job, or "already…")
    for job in finished:
        value = job.return_value()
        for answer, number in value.items() if isinstance(value, dict) else [(str(value).split(":")[0], 1)]:
            answers[answer] = answers.get(answer, 0) + number
    return {
        "jobs": len(job_ids),
        "finished": len(finished),
        "failed": len(failed),
        "seconds": round(seconds, 2),
        "answers": answers,
        "complete": len(finished) == len(job_ids),
        "other jobs": others,
    }
