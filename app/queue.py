"""The RQ queue on the app: one Redis connection per app, jobs enqueued by name with an explicit connection."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq import Queue


def init_queue(app: Flask) -> None:
    app.extensions["redis"] = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)


def redis_connection() -> Redis:
    return current_app.extensions["redis"]


def task_queue() -> Queue:
    return Queue(current_app.config["RQ_QUEUE"], connection=redis_connection())


def enqueue(func: str | Any, *args: Any, **kwargs: Any):
    """Put a job on the queue; the caller decides what a Redis outage means (see app.jobs)."""
    return task_queue().enqueue(func, *args, **kwargs)
