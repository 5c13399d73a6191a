"""How the portal stands: the database and Redis answer; a worker and its scheduler serve each queue (their
heartbeats in Redis, with their age); and the oldest work waiting — an unsent email, an unapplied carrier update,
an approved order not handed to its carrier — is younger than its limit. `/healthz` answers with it (the load
balancer's check) and admins read it at `/admin/health`.

"down" (503) when the database or Redis does not answer: the web process cannot do its job. "degraded" (still
200: the web process is fine, and taking it out of the load balancer would not help) when background work has
stopped or fallen behind, with the reasons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from redis import Redis
from sqlalchemy import func, select, text

from app import clock
from app.database import DbSession
from app.models import Carrier, CarrierUpdate, CarrierUpdateState, Notification, NotificationStatus, Order, OrderStatus
from app.queue import ROLES, heartbeat_ages, scheduler_ages

# Seconds after which each thing counts as stopped or behind (config HEALTH_LIMITS overrides any of them).
LIMITS = {
    "worker": 60,  # no heartbeat from any worker serving a queue
    "scheduler": 120,  # no heartbeat from the scheduler of a queue (its periodic and delayed jobs wait)
    "unsent_email": 15 * 60,
    "unapplied_update": 5 * 60,
    "unhanded_order": 15 * 60,
}
BACKLOG_WORDS = {
    "unsent_email": "the oldest unsent email",
    "unapplied_update": "the oldest unapplied carrier update",
    "unhanded_order": "the oldest approved order not handed to its carrier",
}
QUEUE_WORDS = {"carrier": "carrier work", "default": "other jobs", "emails": "emails"}


@dataclass
class Check:
    """One thing looked at: its state ("ok", "degraded", "down", "unknown"), its age when it has one."""

    state: str
    age_seconds: float | None = None
    limit_seconds: int | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"state": self.state}
        if self.age_seconds is not None:
            found["age_seconds"] = round(self.age_seconds, 1)
        if self.limit_seconds is not None:
            found["limit_seconds"] = self.limit_seconds
        return found


@dataclass
class Health:
    database: Check
    redis: Check
    workers: dict[str, Check] = field(default_factory=dict)
    schedulers: dict[str, Check] = field(default_factory=dict)
    backlog: dict[str, Check] = field(default_factory=dict)

    @property
    def checks(self) -> list[Check]:
        return [self.database, self.redis, *self.workers.values(), *self.schedulers.values(), *self.backlog.values()]

    @property
    def status(self) -> str:
        if "down" in (self.database.state, self.redis.state):
            return "down"
        return "degraded" if any(c.state == "degraded" for c in self.checks) else "ok"

    @property
    def reasons(self) -> list[str]:
        return [c.reason for c in self.checks if c.reason]

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.status == "ok" else "degraded",
            "database": self.database.state if self.database.state == "ok" else self.database.reason,
            "redis": self.redis.state if self.redis.state == "ok" else self.redis.reason,
            "reasons": self.reasons,
            "workers": {role: check.as_dict() for role, check in self.workers.items()},
            "schedulers": {role: check.as_dict() for role, check in self.schedulers.items()},
            "backlog": {name: check.as_dict() for name, check in self.backlog.items()},
        }


def _probe(probe: Callable[[], Any], session: DbSession | None = None) -> Check:
    try:
        probe()
        return Check("ok")
    except Exception as exc:  # any failure means "down"; its class says why without leaking details
        if session is not None:
            session.rollback()
        return Check("down", reason=f"down ({type(exc).__name__})")


def _minutes(seconds: float) -> str:
    if seconds < 120:
        return f"{int(seconds)} seconds"
    return f"{int(seconds // 60)} minutes" if seconds < 7200 else f"{int(seconds // 3600)} hours"


def _heartbeat(kind: str, role: str, age: float | None, limit: int) -> Check:
    words = f"{kind} for {QUEUE_WORDS[role]} (queue {role})"
    if age is None:
        return Check("degraded", None, limit, f"no {words} is running")
    if age > limit:
        return Check("degraded", age, limit, f"no {words} has been heard from for {_minutes(age)}")
    return Check("ok", age, limit)


def _oldest(session: DbSession) -> dict[str, datetime | None]:
    """When the oldest of each kind of waiting work began waiting (None: nothing waits)."""
    return {
        "unsent_email": session.scalar(
            select(func.min(Notification.created_at)).where(
                Notification.status.in_((NotificationStatus.PENDING, NotificationStatus.SENDING))
            )
        ),
        "unapplied_update": session.scalar(
            select(func.min(CarrierUpdate.received_at)).where(CarrierUpdate.state == CarrierUpdateState.PENDING)
        ),
        "unhanded_order": session.scalar(
            select(func.min(Order.approved_at))
            .join(Carrier, Order.carrier_id == Carrier.id)
            .where(Order.status == OrderStatus.APPROVED, Order.handed_off_at.is_(None))
        ),
    }


def check(session: DbSession, redis: Redis, queue_base: str, limits: dict[str, int] | None = None) -> Health:
    """Look at everything once (a few indexed queries and Redis reads)."""
    limits = {**LIMITS, **(limits or {})}
    health = Health(
        database=_probe(lambda: session.execute(text("SELECT 1")), session),
        redis=_probe(redis.ping),
    )
    if health.redis.state == "ok":
        try:
            workers, schedulers = heartbeat_ages(redis, queue_base), scheduler_ages(redis, queue_base)
        except Exception as exc:  # Redis went away between the ping and now
            health.redis = Check("down", reason=f"down ({type(exc).__name__})")
        else:
            for role in ROLES:
                health.workers[role] = _heartbeat("worker", role, workers[role], limits["worker"])
                health.schedulers[role] = _heartbeat("scheduler", role, schedulers[role], limits["scheduler"])
    if health.database.state == "ok":
        now = clock.now()
        try:
            oldest = _oldest(session)
        except Exception as exc:  # a table missing (before the migration), say
            session.rollback()
            health.database = Check("down", reason=f"down ({type(exc).__name__})")
        else:
            for name, since in oldest.items():
                age = max((now - since).total_seconds(), 0.0) if since else None
                if age is not None and age > limits[name]:
                    reason = f"{BACKLOG_WORDS[name]} has waited {_minutes(age)}"
                    health.backlog[name] = Check("degraded", age, limits[name], reason)
                else:
                    health.backlog[name] = Check("ok", age, limits[name])
    return health
