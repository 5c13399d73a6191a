"""The outbox: every order event gets its notifications in its own transaction, and each is queued once committed.

Session listeners, installed once on the app's session, so no caller has to remember:
- after_flush collects the OrderEvents just written;
- before_commit creates their Notification rows (rendered) and flushes them: the event and its emails are
  committed together or not at all;
- after_commit puts one send job per pending notification on the queue. If Redis is down the rows simply stay
  pending, and the periodic sweep (app.jobs.notification_sweep) sends them once it is back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from flask import has_app_context
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import event as sa_event
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app import clock
from app.database import NEW_EVENTS
from app.models import NotificationStatus, OrderEvent
from app.notifications.milestones import switches
from app.notifications.owed import notifications_for
from app.queue import EMAILS, task_queue

log = logging.getLogger(__name__)

TO_SEND = "notifications.to_send"  # session.info keys (and NEW_EVENTS)
SEND_JOB = "app.jobs.send_notification"
QUEUE_CHUNK = 500  # send jobs per Redis pipeline


def install(session) -> None:
    """Listen on `session` (the app's scoped session); safe to call more than once."""
    for name, listener in (
        ("after_flush", _collect_events),
        ("before_commit", _create_notifications),
        ("after_commit", _queue_sends),
        ("after_soft_rollback", _forget),
    ):
        if not sa_event.contains(session, name, listener):
            sa_event.listen(session, name, listener)


def _collect_events(session: Session, flush_context) -> None:
    new = [obj for obj in session.new if isinstance(obj, OrderEvent)]
    if new:
        session.info.setdefault(NEW_EVENTS, []).extend(new)


def _create_notifications(session: Session) -> None:
    if not session.info.get(NEW_EVENTS) and not any(isinstance(obj, OrderEvent) for obj in session.new):
        return
    session.flush()  # events still pending are written (and collected) first
    events = [e for e in session.info.pop(NEW_EVENTS, []) if inspect(e).persistent]  # not rolled back since
    if not events:
        return
    now, switched = clock.now(), switches(session)
    made = [note for event in events for note in notifications_for(session, event, now, switched)]
    if not made:
        return
    session.add_all(made)
    session.flush()
    pending = [note.id for note in made if note.status is NotificationStatus.PENDING]
    session.info.setdefault(TO_SEND, []).extend(pending)


def _queue_sends(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: its emails are queued once the whole commits
        return
    ids = session.info.pop(TO_SEND, [])
    if ids and has_app_context():
        queue_sends(ids)


def _forget(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:  # the whole transaction is gone: so are its events and emails
        session.info.pop(NEW_EVENTS, None)
        session.info.pop(TO_SEND, None)


def queue_sends(ids: Iterable[int], delay: timedelta | None = None) -> int:
    """Queue a send job per notification (after `delay`); returns how many were queued.

    The jobs go to Redis together, in pipelines of QUEUE_CHUNK (one round trip each, not one per email; each
    pipeline is a MULTI/EXEC: all of its jobs are queued or none). A Redis outage is not an error here: the
    notifications stay pending and the sweep sends them later.
    """
    ids = list(ids)
    queued = 0
    try:
        queue = task_queue(EMAILS)
        for start in range(0, len(ids), QUEUE_CHUNK):
            chunk = ids[start : start + QUEUE_CHUNK]
            with queue.connection.pipeline() as pipe:
                if delay:
                    run_at = datetime.now(UTC) + delay
                    for notification_id in chunk:
                        queue.schedule_job(queue.create_job(SEND_JOB, args=(notification_id,)), run_at, pipeline=pipe)
                else:
                    queue.enqueue_many(
                        [Queue.prepare_data(SEND_JOB, (notification_id,)) for notification_id in chunk], pipeline=pipe
                    )
                pipe.execute()
            queued += len(chunk)
    except RedisError as error:
        log.warning("Redis unavailable, %s notification(s) left for the sweep: %s", "some" if queued else "all", error)
    return queued
