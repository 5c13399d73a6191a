"""RQ job functions: thin, each one an app context around a domain call (a command, mostly)."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import wraps
from typing import Any

from flask import Flask, current_app, has_app_context
from rq import get_current_job

import app as application
from app import clock, commands
from app.dashboard.cache import keep_opening_figures_current, refresh
from app.extensions import db
from app.models import Order, User
from app.notifications import sending
from app.queue import CARRIER, DEFAULT, EMAILS, ROLES, redis_connection, task_queue
from app.reports.filters import ReportFilter

_app: Flask | None = None


def _application() -> Flask:
    """One app per worker process, created on first use (the worker imports this module, not the app)."""
    global _app
    if _app is None:
        _app = application.create_app()
    return _app


def in_app_context(func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            return func(*args, **kwargs)
        with _application().app_context():
            return func(*args, **kwargs)

    return wrapper


# ---------------------------------------------------------------- periodic jobs
# Each periodic job runs, then puts itself back on its queue for its next run (RQ's scheduler, inside the
# worker, starts it on time). A fixed job id prefix keeps one copy scheduled however many workers start. If Redis
# loses them (restarted empty), the worker's watch (`restore_schedule`, run every few seconds) puts them back.
@dataclass(frozen=True)
class Periodic:
    seconds: int
    queue: str  # the role of the queue it runs on (app.queue)


PERIODIC: dict[str, Periodic] = {}
log = logging.getLogger(__name__)


def periodic(seconds: int, queue: str = DEFAULT) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a job function to run every `seconds` on the queue of `queue` (started by `schedule_periodic`)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        PERIODIC[f"{func.__module__}.{func.__name__}"] = Periodic(seconds, queue)
        return func

    return register


@in_app_context
def run_periodic(name: str) -> Any:
    """Run one periodic job, then schedule its next run (even if this one failed)."""
    module, _, function = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module), function)()
    finally:
        current = get_current_job()
        _schedule(name, delay=PERIODIC[name].seconds, running=current.id if current else None)


def _schedule(name: str, delay: int, running: str | None = None) -> bool:
    """Schedule the next run of `name` unless one is already scheduled, queued or running (other than `running`,
    the run asking); whether it was scheduled now. RQ's scheduler runs on real time, not the app's clock."""
    queue = task_queue(PERIODIC[name].queue)
    prefix = "periodic-" + name.replace(".", "_") + "-"  # job ids allow letters, digits, _ and - only
    waiting = [
        *queue.scheduled_job_registry.get_job_ids(),
        *queue.get_job_ids(),
        *(entry.split(":")[0] for entry in queue.started_job_registry.get_job_ids(cleanup=False)),
    ]
    if any(job_id.startswith(prefix) and job_id != running for job_id in waiting):
        return False
    run_at = datetime.now(UTC) + timedelta(seconds=delay)
    queue.enqueue_at(
        run_at,
        "app.jobs.run_periodic",
        name,
        job_id=f"{prefix}{run_at.timestamp():.0f}",
        result_ttl=0,
        failure_ttl=3600,
    )
    return True


@in_app_context
def schedule_periodic(queues: tuple[str, ...] = ROLES) -> list[str]:
    """Make sure every periodic job of these queues is scheduled (the worker calls this when it starts, and its
    watch every few seconds); the names of those that were not and now are."""
    return [name for name, job in PERIODIC.items() if job.queue in queues and _schedule(name, delay=0)]


@in_app_context
def restore_schedule(queues: tuple[str, ...] = ROLES) -> list[str]:
    """The worker's watch: put back the periodic jobs Redis lost (restarted empty, or a run killed mid-way)."""
    restored = schedule_periodic(queues)
    if restored:
        log.warning("Periodic jobs were missing from Redis (restarted empty?); scheduled again: %s", restored)
    return restored


@in_app_context
def ping(note: str = "") -> dict[str, Any]:
    """A trivial job that proves the worker reaches the database: counts the users."""
    return {"users": db.session.query(User).count(), "note": note}


@periodic(seconds=300)
@in_app_context
def approval_sweep(now: str | None = None) -> dict[str, int]:
    """Remind approvers of steps waiting too long, and escalate those waiting longer still."""
    counts = commands.remind_and_escalate(db.session, datetime.fromisoformat(now) if now else clock.now())
    db.session.commit()
    return counts


@periodic(seconds=3600)
@in_app_context
def dated_sweep(today: str | None = None) -> dict[str, int]:
    """Carry out what orders dated for today (disconnections, ends of stipends, reminders); hourly, so a day is
    never missed when the worker was down at midnight."""
    return commands.carry_out_dated_changes(db.session, date.fromisoformat(today) if today else None)


@in_app_context
def refresh_dashboard(args: dict[str, str], tz: str, today: str, now: str | None = None) -> bool:
    """Compute and keep the dashboard's figures for these filters (queued by a view that showed older ones)."""
    filters = ReportFilter.from_args(args, tz=tz)  # the args carry the period, even an empty one
    return refresh(
        db.session,
        redis_connection(),
        filters,
        today=date.fromisoformat(today),
        now=datetime.fromisoformat(now) if now else clock.now(),
    )


@periodic(seconds=30)
@in_app_context
def keep_dashboard_current(today: str | None = None, now: str | None = None) -> bool:
    """Keep the figures the dashboard opens with current (computed again only when the data has moved)."""
    return keep_opening_figures_current(
        db.session,
        redis_connection(),
        current_app.config["COMPANY_TIMEZONE"],
        today=date.fromisoformat(today) if today else clock.today(),
        now=datetime.fromisoformat(now) if now else clock.now(),
    )


# ---------------------------------------------------------------- carriers
@in_app_context
def hand_off(order_id: int) -> str:
    """Give an approved order to its carrier's adapter."""
    order = db.session.get(Order, order_id)
    if order is None or not commands.hand_off(db.session, order):
        db.session.rollback()
        return "nothing to hand off"
    db.session.commit()
    return order.status.value


@in_app_context
def send_to_carrier(order_id: int) -> dict[str, int]:
    """Send what is due of an order to its carrier's API (queued with the hand-off or the cancellation)."""
    return commands.send_to_carrier(db.session, order_id)


@in_app_context
def drain_carrier_updates() -> dict[str, int]:
    """Apply the stored carrier updates not applied yet, in batches (queued by the API once per burst)."""
    done = commands.apply_carrier_updates(db.session)
    return {"applied": len(done.outcomes), "failed": len(done.failed), "batches": done.batches}


@in_app_context
def apply_carrier_update(update_row_id: int) -> str:
    """Apply one stored carrier update (exactly once, however often this job runs), and with it the other
    unapplied ones, in batches. The API queues `drain_carrier_updates` now; this job is kept for what a
    previous version queued, and for one update's own outcome."""
    return commands.apply_carrier_update(db.session, update_row_id)


@periodic(seconds=5, queue=CARRIER)
@in_app_context
def carrier_sweep() -> dict[str, int]:
    """Apply updates stored while Redis was down, hand off approved orders, send what is due to carriers' APIs,
    and let the simulator move on."""
    return commands.carrier_sweep(db.session)


# ---------------------------------------------------------------- notifications (milestone emails)
@in_app_context
def send_notification(notification_id: int) -> str:
    """Send one milestone email (at most once, however often this job runs; retried with backoff on failure)."""
    return sending.deliver(db.session, notification_id)


@periodic(seconds=30, queue=EMAILS)
@in_app_context
def notification_sweep(now: str | None = None) -> dict[str, int]:
    """Send the emails still pending: queued while Redis was down, or whose job or worker was lost."""
    return sending.sweep(db.session, datetime.fromisoformat(now) if now else None)
