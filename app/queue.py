"""The RQ queues on the app: one Redis connection per app, jobs enqueued by name with an explicit connection, and
the heartbeats the workers leave in Redis.

Jobs go to one of three queues by what they do, so that one slow thing cannot hold up another: carrier work
(hand-offs, carrier updates, the carrier sweep), emails (sends and their sweep) and everything else. A worker
serves the queues it is told to (`python worker.py --queues carrier emails`; all three by default), carrier
work first. `RQ_QUEUE` names them: `dialtone`, `dialtone-carrier`, `dialtone-emails`.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq import Queue
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler
from rq.utils import utcparse

CARRIER, DEFAULT, EMAILS = "carrier", "default", "emails"
ROLES = (CARRIER, DEFAULT, EMAILS)  # the order a worker serves them in: carrier work first, emails last
HEARTBEAT_KEEP_SECONDS = 24 * 3600  # a worker not heard of for a day is forgotten


def init_queue(app: Flask) -> None:
    app.extensions["redis"] = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)


def redis_connection() -> Redis:
    return current_app.extensions["redis"]


def queue_name(role: str = DEFAULT, base: str | None = None) -> str:
    """The RQ queue of `role` ("carrier", "emails", "default")."""
    if role not in ROLES:
        raise ValueError(f"No queue for {role!r}: choose from {', '.join(ROLES)}")
    base = base or current_app.config["RQ_QUEUE"]
    return base if role == DEFAULT else f"{base}-{role}"


def task_queue(role: str = DEFAULT) -> Queue:
    return Queue(queue_name(role), connection=redis_connection())


def enqueue(func: str | Any, *args: Any, on: str = DEFAULT, delay: timedelta | None = None, **kwargs: Any):
    """Put a job on the queue of `on`, or hand it to the worker's scheduler to queue after `delay`; the caller
    decides what a Redis outage means (see app.jobs)."""
    if delay:
        return task_queue(on).enqueue_in(delay, func, *args, **kwargs)
    return task_queue(on).enqueue(func, *args, **kwargs)


def _text(value: object) -> str | None:
    """A Redis reply as text (the connection answers bytes)."""
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


# ---------------------------------------------------------------- heartbeats
# Each worker, every few seconds, writes the time into a sorted set per queue it serves (member: the worker's
# name). The health check reads the newest: how long ago some worker last said it serves that queue.
def _heartbeat_key(base: str, role: str) -> str:
    return f"dialtone:{base}:heartbeat:{role}"


def beat(redis: Redis, base: str, worker: str, roles: tuple[str, ...], now: float | None = None) -> None:
    """Record that `worker` is alive and serving `roles` (and forget workers silent for a day)."""
    now = time.time() if now is None else now
    with redis.pipeline() as pipe:
        for role in roles:
            pipe.zadd(_heartbeat_key(base, role), {worker: now})
            pipe.zremrangebyscore(_heartbeat_key(base, role), 0, now - HEARTBEAT_KEEP_SECONDS)
        pipe.execute()


def heartbeat_ages(redis: Redis, base: str, now: float | None = None) -> dict[str, float | None]:
    """For each queue, seconds since a worker serving it last beat (None: none in the last day)."""
    now = time.time() if now is None else now
    ages: dict[str, float | None] = {}
    for role in ROLES:
        newest = redis.zrevrange(_heartbeat_key(base, role), 0, 0, withscores=True)
        ages[role] = max(now - float(newest[0][1]), 0.0) if newest else None
    return ages


def scheduler_ages(redis: Redis, base: str, now: float | None = None) -> dict[str, float | None]:
    """For each queue, seconds since the RQ scheduler that holds its lock last beat (None: no scheduler holds it).
    RQ keeps the lock as `rq:scheduler-lock:<queue>` (the scheduler's name) and the scheduler's heartbeat in
    `rq:scheduler:<name>`; both expire about a minute after the scheduler stops."""
    now = time.time() if now is None else now
    ages: dict[str, float | None] = {}
    for role in ROLES:
        name = _text(redis.get(RQScheduler.get_locking_key(queue_name(role, base))))
        beat_at = _text(redis.hget(SCHEDULER_KEY_TEMPLATE % name, "last_heartbeat")) if name else None
        ages[role] = max(now - utcparse(beat_at).timestamp(), 0.0) if beat_at else None
    return ages
