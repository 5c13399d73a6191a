"""The dashboard's figures, computed once per change of the data and kept a minute in Redis (shared by every web
process). Plain module: a session, filters and a Redis connection in, figures out.

Every figure aggregates the orders of the period or every active line: with 200,000 orders and 50,000 lines that
is a good fraction of a second of database work, the same for everyone who opens the page. The key holds the
filters, the day, and how far the data has got (the newest order event and the newest inventory change: every
order's move writes an event, every line's change a history row), so the next view after any change computes
afresh; the minute bounds the rest (the ages of waiting approvals, a catalog price edited). Without Redis the
figures are simply computed.
"""
from __future__ import annotations

import hashlib
import json
import logging
import pickle
from datetime import date, datetime

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.dashboard.figures import Dashboard, dashboard
from app.models import InventoryChange, OrderEvent
from app.reports.filters import ReportFilter

KEPT_SECONDS = 60
PREFIX = "dialtone:dashboard:"
log = logging.getLogger(__name__)


def data_version(session: Session) -> tuple[int, int]:
    """How far the data has got: the newest order event and inventory change (two primary-key maxima)."""
    row = session.execute(select(select(func.max(OrderEvent.id)).scalar_subquery(),
                                 select(func.max(InventoryChange.id)).scalar_subquery())).one()
    return row[0] or 0, row[1] or 0


def cached_dashboard(session: Session, redis: Redis | None, filters: ReportFilter, *, today: date,
                     now: datetime) -> Dashboard:
    """The figures for these filters: from Redis when nothing changed since they were computed."""
    if redis is None:
        return dashboard(session, filters, today=today, now=now)
    database = session.get_bind().url.render_as_string(hide_password=True)  # two portals may share a Redis
    described = [database, filters.to_args(explicit_period=True), filters.tz, today.isoformat(),
                 data_version(session)]
    key = PREFIX + hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()
    try:
        kept = redis.get(key)
        if kept is not None:
            return pickle.loads(kept)
    except RedisError as error:
        log.warning("Redis unavailable, dashboard computed without it: %s", error)
        return dashboard(session, filters, today=today, now=now)
    figures = dashboard(session, filters, today=today, now=now)
    try:
        redis.set(key, pickle.dumps(figures), ex=KEPT_SECONDS)
    except RedisError as error:
        log.warning("Redis unavailable, dashboard figures not kept: %s", error)
    return figures
