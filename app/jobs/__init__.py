"""RQ job functions: thin, each one an app context around a domain call."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

_app = None


def _application():
    """One app per worker process, created on first use (the worker imports this module, not the app)."""
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


def in_app_context(func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from flask import has_app_context

        if has_app_context():
            return func(*args, **kwargs)
        with _application().app_context():
            return func(*args, **kwargs)

    return wrapper


# ---------------------------------------------------------------- periodic jobs
# Each periodic job runs, then puts itself back on the queue for its next run (RQ's scheduler, inside the
# worker, starts it on time). A fixed job id keeps one copy scheduled however many workers start.
PERIODIC: dict[str, int] = {}


def periodic(seconds: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a job function to run every `seconds` (started by `schedule_periodic`)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        PERIODIC[f"{func.__module__}.{func.__name__}"] = seconds
        return func

    return register


@in_app_context
def run_periodic(name: str) -> Any:
    """Run one periodic job, then schedule its next run (even if this one failed)."""
    import importlib

    module, _, function = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module), function)()
    finally:
        _schedule(name, delay=PERIODIC[name])


def _schedule(name: str, delay: int) -> None:
    """Schedule the next run of `name` unless one is already scheduled or queued."""
    from datetime import datetime, timedelta, timezone

    from app.queue import task_queue

    queue = task_queue()
    prefix = "periodic-" + name.replace(".", "_") + "-"  # job ids allow letters, digits, _ and - only
    waiting = [*queue.scheduled_job_registry.get_job_ids(), *queue.get_job_ids()]
    if any(job_id.startswith(prefix) for job_id in waiting):
        return
    run_at = datetime.now(timezone.utc) + timedelta(seconds=delay)
    queue.enqueue_at(run_at, "app.jobs.run_periodic", name, job_id=f"{prefix}{run_at.timestamp():.0f}",
                     result_ttl=0, failure_ttl=3600)


@in_app_context
def schedule_periodic() -> list[str]:
    """Make sure every periodic job is scheduled (the worker calls this when it starts)."""
    for name in PERIODIC:
        _schedule(name, delay=0)
    return list(PERIODIC)


@in_app_context
def ping(note: str = "") -> dict[str, Any]:
    """A trivial job that proves the worker reaches the database: counts the users."""
    from app.extensions import db
    from app.models import User

    return {"users": db.session.query(User).count(), "note": note}


@periodic(seconds=300)
@in_app_context
def approval_sweep(now: str | None = None) -> dict[str, int]:
    """Remind approvers of steps waiting too long, and escalate those waiting longer still."""
    from datetime import datetime

    from app.approvals import reminders
    from app.extensions import db
    from app.orders.lifecycle import utcnow

    moment = datetime.fromisoformat(now) if now else utcnow()
    reminded = reminders.send_reminders(db.session, moment)
    escalated = reminders.escalate(db.session, moment)
    db.session.commit()
    return {"reminded": len(reminded), "escalated": len(escalated)}


@in_app_context
def refresh_dashboard(args: dict[str, str], tz: str, today: str, now: str | None = None) -> bool:
    """Compute and keep the dashboard's figures for these filters (queued by a view that showed older ones)."""
    from datetime import date, datetime

    from app.dashboard.cache import refresh
    from app.extensions import db
    from app.queue import redis_connection
    from app.reports.filters import ReportFilter, utcnow

    filters = ReportFilter.from_args(args, tz=tz)  # the args carry the period, even an empty one
    return refresh(db.session, redis_connection(), filters, today=date.fromisoformat(today),
                   now=datetime.fromisoformat(now) if now else utcnow())


@in_app_context
def hand_off(order_id: int) -> str:
    """Give an approved order to its carrier's adapter."""
    from app.extensions import db
    from app.fulfilment.carriers import adapter_for
    from app.models import Order, OrderStatus

    order = db.session.get(Order, order_id)
    if order is None or order.carrier is None or order.status is not OrderStatus.APPROVED:
        return "nothing to hand off"
    adapter_for(order.carrier).hand_off(db.session, order)
    db.session.commit()
    return order.status.value


@in_app_context
def drain_carrier_updates() -> dict[str, int]:
    """Apply the stored carrier updates not applied yet, in batches (queued by the API once per burst)."""
    from app.extensions import db
    from app.fulfilment.updates import drain_job

    done = drain_job(db.session)
    return {"applied": len(done.outcomes), "failed": len(done.failed), "batches": done.batches}


@in_app_context
def apply_carrier_update(update_row_id: int) -> str:
    """Apply one stored carrier update (exactly once, however often this job runs), and with it the other
    unapplied ones, in batches. The API queues `drain_carrier_updates` now; this job is kept for what a
    previous version queued, and for one update's own outcome."""
    from app.extensions import db
    from app.fulfilment.updates import apply_with_drain

    return apply_with_drain(db.session, update_row_id)


@periodic(seconds=5)
@in_app_context
def carrier_sweep() -> dict[str, int]:
    """Apply updates stored while Redis was down, hand off approved orders, and let the simulator move on."""
    from app.extensions import db
    from app.fulfilment.carriers import adapter_for, in_flight_simulated
    from app.fulfilment.updates import drain
    from app.models import Carrier, Order, OrderEvent, OrderStatus
    from app.orders.lifecycle import utcnow
    from sqlalchemy import select

    applied = len(drain(db.session).outcomes)  # in batches, as the jobs do; what fails is left for the next sweep
    handed = 0
    # Only approved orders not handed off yet: the others would each cost a query for their timeline, every sweep.
    handed_off = select(OrderEvent.id).where(OrderEvent.order_id == Order.id, OrderEvent.kind == "handed_off")
    waiting = db.session.scalars(select(Order).join(Carrier, Order.carrier_id == Carrier.id)
                                 .where(Order.status == OrderStatus.APPROVED, ~handed_off.exists()).limit(500)).all()
    for order in waiting:
        if not any(e.kind == "handed_off" for e in order.events):
            adapter_for(order.carrier).hand_off(db.session, order)
            db.session.commit()
            handed += 1
    moved = 0
    now = utcnow()
    for order in in_flight_simulated(db.session):
        try:
            moved += adapter_for(order.carrier).advance(db.session, order, now)
            db.session.commit()
        except Exception:  # one order's trouble must not stop the others; it is retried next sweep
            db.session.rollback()
            from flask import current_app

            current_app.logger.exception("The simulator could not move %s", order.number)
    return {"applied": applied, "handed_off": handed, "advanced": moved}


# ---------------------------------------------------------------- notifications (milestone emails)
@in_app_context
def send_notification(notification_id: int) -> str:
    """Send one milestone email (at most once, however often this job runs; retried with backoff on failure)."""
    from app.extensions import db
    from app.notifications.sending import deliver

    return deliver(db.session, notification_id)


@periodic(seconds=30)
@in_app_context
def notification_sweep(now: str | None = None) -> dict[str, int]:
    """Send the emails still pending: queued while Redis was down, or whose job or worker was lost."""
    from datetime import datetime

    from app.extensions import db
    from app.notifications.sending import sweep

    return sweep(db.session, datetime.fromisoformat(now) if now else None)
