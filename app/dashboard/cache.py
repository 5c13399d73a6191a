"""The dashboard's figures, kept in Redis (shared by every web process) and refreshed by the worker while the page
shows the kept ones. Plain module: a session, filters and a Redis connection in, figures out.

Every figure aggregates the orders of the period or every active line: with 200,000 orders and 50,000 lines that
is a good fraction of a second of database work, the same for everyone who opens the page. On a busy portal an
order moves every second, so figures computed for "how far the data has got" would be computed again on nearly
every view. Instead the figures are kept per filters and day, with how far the data had got when they were
computed (the newest order event and inventory change: every order's move writes an event, every line's change a
history row) and when:

- the data has not moved since: they are shown as they are;
- it has moved, and they are under a minute old: they are shown "as of" their time, and one job (however many
  views follow) computes newer ones on the worker; the page fetches them again a few seconds later. The job runs
  no sooner than REFRESH_INTERVAL_SECONDS after the figures it replaces were computed: on a busy portal the data
  moves every second, and without that bound every view would set the worker counting again, back to back (at ten
  times the data that is two seconds of the database's time per view);
- nothing is kept, or what is kept is a minute old or more, or the job cannot be queued: they are computed here.

The figures the page opens with (no filter chosen) are kept current by the worker every 30 seconds
(`keep_opening_figures_current`), so people opening the dashboard do not wait for them; a filter of one's own is
computed on its first view.

The minute also bounds what the data version does not see (the ages of waiting approvals, a catalog price
edited). Without Redis the figures are simply computed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select

from app.dashboard.figures import Dashboard, dashboard
from app.database import DbSession
from app.extensions import db
from app.models import InventoryChange, OrderEvent
from app.queue import enqueue
from app.reports.filters import ReportFilter, default_period

STALE_SECONDS = 60  # figures older than this, once the data has moved, are computed again while the person waits
KEPT_SECONDS = 600  # how long Redis keeps figures: long enough for a refreshed entry to serve the next views
REFRESH_MARKER_SECONDS = 30  # one refresh job queued per filters within this (or until the job has run)
REFRESH_INTERVAL_SECONDS = 30  # figures are computed again no sooner than this after the last time
PREFIX = "dialtone:dashboard:2:"  # the figures as pickled: a new field, a new number (old ones lack it)
log = logging.getLogger(__name__)

DataVersion = tuple[int, int]


@dataclass(frozen=True)
class KeptFigures:
    """The figures to show, when they were computed (naive UTC), and whether newer ones are being computed."""

    figures: Dashboard
    computed_at: datetime
    updating: bool = False


def data_version(session: DbSession) -> DataVersion:
    """How far the data has got: the newest order event and inventory change (two primary-key maxima)."""
    row = session.execute(
        select(
            select(func.max(OrderEvent.id)).scalar_subquery(), select(func.max(InventoryChange.id)).scalar_subquery()
        )
    ).one()
    return row[0] or 0, row[1] or 0


def cached_dashboard(
    session: DbSession, redis: Redis | None, filters: ReportFilter, *, today: date, now: datetime
) -> KeptFigures:
    """The figures for these filters: the kept ones when the data has not moved since, or moved less than
    STALE_SECONDS after they were computed (then a refresh is queued); otherwise computed now."""
    if redis is None:
        return KeptFigures(dashboard(session, filters, today=today, now=now), computed_at=now)
    key = _key(session, filters, today)
    version = data_version(session)
    try:
        kept = redis.get(key)
    except RedisError as error:
        log.warning("Redis unavailable, dashboard computed without it: %s", error)
        return KeptFigures(dashboard(session, filters, today=today, now=now), computed_at=now)
    if kept is not None:
        kept_version, figures, computed_at = pickle.loads(cast(bytes, kept))
        if kept_version == version:
            return KeptFigures(figures, computed_at)
        age = now - computed_at
        if age < timedelta(seconds=STALE_SECONDS) and _queue_refresh(
            redis, key, filters, today, wait=max(timedelta(seconds=REFRESH_INTERVAL_SECONDS) - age, timedelta(0))
        ):
            return KeptFigures(figures, computed_at, updating=True)
    return _compute_and_keep(session, redis, key, version, filters, today=today, now=now)


def refresh(session: DbSession, redis: Redis, filters: ReportFilter, *, today: date, now: datetime) -> bool:
    """Compute and keep the figures for these filters (the worker's job), unless those kept are already current.
    True when they were computed."""
    key = _key(session, filters, today)
    version = data_version(session)
    try:
        kept = redis.get(key)
        if kept is not None and pickle.loads(cast(bytes, kept))[0] == version:
            return False  # a view, or an earlier job, got there first
        _compute_and_keep(session, redis, key, version, filters, today=today, now=now)
        return True
    finally:
        redis.delete(_marker(key))


def opening_filters(tz: str, today: date) -> ReportFilter:
    """The filters the dashboard opens with (no choice made: the last twelve weeks, every carrier and department),
    the view most people see."""
    return ReportFilter.from_args({}, tz=tz, default_period=default_period(today))


def keep_opening_figures_current(session: DbSession, redis: Redis, tz: str, *, today: date, now: datetime) -> bool:
    """The worker's periodic job: compute the figures the dashboard opens with whenever the data has moved, so that
    someone opening it finds figures under a minute old (shown "as of" their time while newer ones are counted)
    instead of waiting for them: at ten times the data they take over a second to compute. True when computed."""
    return refresh(session, redis, opening_filters(tz, today), today=today, now=now)


def _key(session: DbSession, filters: ReportFilter, today: date) -> str:
    database = db.engine.url.render_as_string(hide_password=True)  # two portals may share a Redis
    described = [database, filters.to_args(explicit_period=True), filters.tz, today.isoformat()]
    return PREFIX + hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def _marker(key: str) -> str:
    return key + ":refreshing"


def _queue_refresh(redis: Redis, key: str, filters: ReportFilter, today: date, wait: timedelta) -> bool:
    """Queue the job that refreshes these figures, to run after `wait` (at once when it is zero), unless one is
    queued already. False when Redis refused."""
    try:
        marker_seconds = REFRESH_MARKER_SECONDS + int(wait.total_seconds()) + 1
        if redis.set(_marker(key), 1, nx=True, ex=marker_seconds):
            enqueue(
                "app.jobs.refresh_dashboard",
                filters.to_args(explicit_period=True),
                filters.tz,
                today.isoformat(),
                delay=wait,
                result_ttl=0,
                failure_ttl=3600,
            )
        return True
    except RedisError as error:
        log.warning("Redis unavailable, dashboard refresh not queued: %s", error)
        with suppress(RedisError):  # no job will remove it: the next view must be free to queue one
            redis.delete(_marker(key))
        return False


def _compute_and_keep(
    session: DbSession,
    redis: Redis,
    key: str,
    version: DataVersion,
    filters: ReportFilter,
    *,
    today: date,
    now: datetime,
) -> KeptFigures:
    """Compute the figures and keep them with the data version read before computing (a move during the
    computation then makes them out of date, not wrongly current)."""
    figures = dashboard(session, filters, today=today, now=now)
    try:
        redis.set(key, pickle.dumps((version, figures, now)), ex=KEPT_SECONDS)
    except RedisError as error:
        log.warning("Redis unavailable, dashboard figures not kept: %s", error)
    return KeptFigures(figures, computed_at=now)
