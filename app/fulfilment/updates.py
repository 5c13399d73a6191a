"""Carrier updates: received (validated, stored once by update id), then applied by the worker.

The API answers as soon as an update is stored and asks the worker to drain (`queue_drain`): a drain job is queued
unless one is already waiting to start, so a burst of updates costs a job per batch, not one per update. The job
(`drain_job`) applies the unapplied updates in batches, one transaction per batch; the periodic sweep drains the
same way (updates stored while Redis was down, or left by an error). Each update is applied exactly once, and an
order's updates in the order they arrived: see `_claim`. `apply_update` applies one update in the caller's
transaction (the simulator).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import Select, and_, bindparam, case, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from app import clock
from app.database import NEW_EVENTS, DbSession
from app.fulfilment.records import FulfilmentError, InvalidReport, apply_report, check_allowed, parse_report
from app.models import Carrier, CarrierUpdate, EventKind, Line, Order
from app.orders import lifecycle
from app.orders.types import REGISTRY
from app.queue import enqueue, redis_connection


class UnknownOrder(Exception):
    """No such order for this carrier."""


@dataclass
class Received:
    outcome: str  # "accepted" or "duplicate"
    update: CarrierUpdate | None


def receive(session: DbSession, carrier: Carrier, payload: object) -> Received:
    """Validate and store one update. Raises InvalidReport (422), UnknownOrder (404), FulfilmentError (409)."""
    if not isinstance(payload, dict):
        raise InvalidReport({"body": "Send a JSON object."})
    errors = {}
    update_id, number = payload.get("update_id"), payload.get("order_number")
    if not isinstance(update_id, str) or not update_id.strip() or len(update_id) > 80:
        errors["update_id"] = "Give a unique update id (a string of 1 to 80 characters)."
    if not isinstance(number, str) or not number.strip():
        errors["order_number"] = "Give the order number, like WO-000123."
    if payload.get("status") is None:
        errors["status"] = "Give the status."
    try:
        report = parse_report(payload)
    except InvalidReport as invalid:
        errors.update(invalid.errors)
        report = None
    if errors:
        raise InvalidReport(errors)
    assert isinstance(number, str) and report is not None  # checked above: errors were raised otherwise
    order = session.scalar(select(Order).where(Order.number == number.strip()))
    if order is None or order.carrier_id != carrier.id:
        raise UnknownOrder(f"No order {number} for {carrier.name}.")
    existing = session.scalar(
        select(CarrierUpdate).where(CarrierUpdate.carrier_id == carrier.id, CarrierUpdate.update_id == update_id)
    )
    if existing is not None:
        return Received("duplicate", existing)
    check_allowed(order, report.status)
    if report.status == "completed" and order.status.value != "completed":
        missing = _missing_after(order, report)
        if missing:
            raise InvalidReport(missing)
    stored = CarrierUpdate(carrier_id=carrier.id, update_id=update_id, order_id=order.id, payload=payload)
    try:
        with session.begin_nested():
            session.add(stored)
    except IntegrityError:  # the same update arrived twice at once: the other copy was stored first
        return Received("duplicate", None)
    return Received("accepted", stored)


def _missing_after(order: Order, report) -> dict[str, str]:
    """What completion would still lack once this report's own facts are recorded."""
    return REGISTRY[order.type].missing_facts(
        order.details,
        service_number=report.service_number or order.service_number,
        devices=[*order.reported_devices, *report.devices],
    )


# ---------------------------------------------------------------- applying: exactly once, in order, in batches
# An update is claimed (applied_at set) by a conditional UPDATE: only while it is unapplied, and only once no
# earlier update of the same order is still unapplied, so an order's updates apply in the order they arrived.
# In PostgreSQL another worker's uncommitted claim still reads as unapplied here (read committed), so a later
# update of an order waits for the earlier one's commit; FOR UPDATE SKIP LOCKED lets two workers take disjoint
# batches instead of queueing behind each other's row locks. SQLite has one writer at a time (busy timeout).
BATCH_SIZE = 50  # updates per transaction
DRAIN_SECONDS = 3.0  # a drain starts no new batch after this long: one job never runs for ever
WAITING = "waiting: an earlier update of its order is not applied yet"

log = logging.getLogger(__name__)


def _claimable(row):
    """`row` (an alias of CarrierUpdate) is unapplied, with no unapplied update of its order received before it."""
    earlier = aliased(CarrierUpdate)
    return and_(
        row.applied_at.is_(None),
        ~exists().where(earlier.order_id == row.order_id, earlier.id < row.id, earlier.applied_at.is_(None)),
    )


def _claim(
    session: DbSession,
    limit: int,
    *,
    first: int | None = None,
    only: Iterable[int] | None = None,
    order_id: int | None = None,
    up_to: int | None = None,
    exclude: Iterable[int] = (),
    wait: bool = False,
) -> list[int]:
    """Claim up to `limit` claimable updates, oldest first (`first` before the others); returns their ids.

    SQLite: one statement, UPDATE … WHERE id IN (the candidates) AND applied_at IS NULL … RETURNING id (the
    subquery is evaluated once, inside the one writer's transaction). PostgreSQL: the candidates are chosen and
    locked first (FOR UPDATE SKIP LOCKED: rows another worker holds are skipped, or with `wait` waited for, and
    once it commits they no longer qualify), then claimed by id; chosen inside the UPDATE, a LIMIT … SKIP
    LOCKED subquery may be run again for each row and claim far more than `limit`."""
    row = aliased(CarrierUpdate)
    candidates = select(row.id).where(_claimable(row))
    if only is not None:
        candidates = candidates.where(row.id.in_(list(only)))
    if order_id is not None:
        candidates = candidates.where(row.order_id == order_id)
    if up_to is not None:
        candidates = candidates.where(row.id <= up_to)
    exclude = list(exclude)
    if exclude:
        candidates = candidates.where(row.id.not_in(exclude))
    order = (case((row.id == first, 0), else_=1), row.id) if first is not None else (row.id,)
    candidates = candidates.order_by(*order).limit(limit)
    chosen: Select[Any] | list[int] = candidates
    if session.get_bind().dialect.name == "postgresql":
        chosen = list(session.scalars(candidates.with_for_update(skip_locked=not wait)))
        if not chosen:
            return []
    claimed = session.execute(
        update(CarrierUpdate)
        .where(CarrierUpdate.id.in_(chosen), CarrierUpdate.applied_at.is_(None))
        .values(applied_at=clock.now())
        .returning(CarrierUpdate.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed.scalars())


def _apply_together(
    session: DbSession, stored: dict[int, CarrierUpdate], orders: dict[int, Order], events: list
) -> dict[int, str]:
    """Apply claimed updates in one savepoint, one flush for them all; a refusal (FulfilmentError or
    InvalidReport) rolls the savepoint back and is raised.

    The outbox renders the emails of new events when a transaction commits, and SQLAlchemy runs that for a
    savepoint's release too: the events written in the savepoint are taken into `events` instead, so that the
    batch's emails are made together, once, when the batch commits (with the events, as always)."""
    with session.begin_nested():
        outcomes = {
            update_id: apply_report(session, orders[row.order_id], parse_report(row.payload))
            for update_id, row in sorted(stored.items())
        }
        session.flush()
        events.extend(session.info.pop(NEW_EVENTS, []))
    return outcomes


def _apply_claimed(session: DbSession, stored: CarrierUpdate, order: Order, events: list) -> str:
    """Apply one claimed update in its own savepoint; a refusal is recorded on the order's timeline instead."""
    try:
        outcome = _apply_together(session, {stored.id: stored}, {order.id: order}, events)[stored.id]
    except (FulfilmentError, InvalidReport) as refusal:
        outcome = f"refused: {refusal}"
        lifecycle.record(
            session,
            order,
            EventKind.CARRIER_UPDATE,
            None,
            comment=f"An update from {order.carrier.name if order.carrier else 'the carrier'} could not be applied: "
            f"{refusal}",
            data={"update_id": stored.update_id},
        )
    return outcome


def _apply_batch(session: DbSession, ids: list[int]) -> dict[int, str]:
    """Apply claimed updates, oldest first (at most one per order: see `_claim`); the caller commits.

    What applying and the emails read of each order (its line, people, carrier, shipments and devices) is
    loaded for the whole batch at once. The batch is applied in one savepoint; if an update of it is refused
    (rare: the carrier reported something the order cannot take), that savepoint is rolled back and the batch
    applied again a savepoint per update, the refusal recorded on its order's timeline. The outcomes are
    written together, and the emails of all its events are made at its commit (see `_apply_together`)."""
    stored = {row.id: row for row in session.scalars(select(CarrierUpdate).where(CarrierUpdate.id.in_(ids)))}
    orders = {
        row.id: row
        for row in session.scalars(
            select(Order)
            .where(Order.id.in_({row.order_id for row in stored.values()}))
            .options(
                joinedload(Order.line).joinedload(Line.plan),
                joinedload(Order.requester),
                joinedload(Order.employee),
                joinedload(Order.carrier),
                selectinload(Order.shipments),
                selectinload(Order.reported_devices),
            )
        )
    }
    events: list = []
    try:
        try:
            outcomes = _apply_together(session, stored, orders, events)
        except (FulfilmentError, InvalidReport):
            session.info.pop(NEW_EVENTS, None)  # of the rolled-back savepoint
            outcomes = {
                update_id: _apply_claimed(session, stored[update_id], orders[stored[update_id].order_id], events)
                for update_id in sorted(ids)
            }
    finally:
        session.info.setdefault(NEW_EVENTS, []).extend(events)  # for the outbox, at the commit
    session.execute(
        update(CarrierUpdate), [{"id": update_id, "outcome": outcome[:200]} for update_id, outcome in outcomes.items()]
    )
    return outcomes


# Built once: asked by every job of one update, most of which find it applied by another job's batch.
_IS_APPLIED = select(CarrierUpdate.applied_at.is_not(None)).where(CarrierUpdate.id == bindparam("update_id"))


def _is_applied(session: DbSession, update_row_id: int) -> bool | None:
    """Whether the update is applied (None: there is no such update)."""
    return session.scalar(_IS_APPLIED, {"update_id": update_row_id})


def apply_update(session: DbSession, update_row_id: int) -> str:
    """Apply one stored update once; returns its outcome ("applied", "late: recorded", "refused: …", "already
    applied", or "waiting: …" while an earlier update of its order is unapplied). The caller commits."""
    if not _claim(session, 1, only=[update_row_id], wait=True):
        if _is_applied(session, update_row_id) not in (True, None):
            return WAITING  # the caller's transaction (a simulator's update just received) goes on
        return "already applied"
    return _apply_batch(session, [update_row_id])[update_row_id]


@dataclass
class Drained:
    """What a drain did: each applied update's outcome, and the updates it could not apply (by their error)."""

    outcomes: dict[int, str] = field(default_factory=dict)
    failed: dict[int, Exception] = field(default_factory=dict)
    batches: int = 0


def drain(
    session: DbSession,
    first: int | None = None,
    *,
    batch_size: int | None = None,
    seconds: float | None = None,
    drained: Drained | None = None,
    on_batch: Callable[[list[int]], None] | None = None,
    **only,
) -> Drained:
    """Apply unapplied updates in batches (`first` in the first batch, then the oldest), one transaction each,
    until none is left or `seconds` have passed. Commits.

    An update whose application raises (anything but a refusal, which is recorded) fails its batch: the batch
    is rolled back and applied again one update per transaction, so only that update is left unapplied (for
    the sweep, and behind it the later updates of its order); the others are applied. `on_batch` is told each
    batch's claimed ids before it is applied."""
    drained = drained or Drained()
    batch_size = batch_size or BATCH_SIZE
    deadline = time.monotonic() + (DRAIN_SECONDS if seconds is None else seconds)
    while True:
        ids = _claim(
            session, batch_size, first=first if first not in drained.outcomes else None, exclude=drained.failed, **only
        )
        if not ids:
            session.rollback()
            break
        drained.batches += 1
        if on_batch is not None:
            on_batch(ids)
        try:
            outcomes = _apply_batch(session, ids)
            session.commit()
        except Exception:
            session.rollback()
            outcomes = _one_by_one(session, ids, drained)
        drained.outcomes.update(outcomes)
        if time.monotonic() >= deadline:
            break
    return drained


def _one_by_one(session: DbSession, ids: list[int], drained: Drained) -> dict[int, str]:
    outcomes: dict[int, str] = {}
    for update_id in ids:
        try:
            claimed = _claim(session, 1, only=[update_id], exclude=drained.failed)
            if claimed:  # else: behind an update of its order that failed just now
                outcomes.update(_apply_batch(session, claimed))
            session.commit()
        except Exception as error:
            session.rollback()
            log.exception("Carrier update %s could not be applied; it is left for the carrier sweep", update_id)
            drained.failed[update_id] = error
    return outcomes


def apply_with_drain(
    session: DbSession, update_row_id: int, *, batch_size: int | None = None, seconds: float | None = None
) -> str:
    """The job of one stored update: apply it, and with it the other unapplied updates, in batches. Commits.

    An update already applied (by another job's batch) costs one statement. If the drain could not take the
    update (an earlier update of its order was in another worker's batch, or it ran out of time first), the
    job then waits for that batch's commit and applies its order's updates up to its own, oldest first. Raises
    the update's own error when applying it failed (the job fails, as it would alone); returns its outcome."""
    if _is_applied(session, update_row_id) in (True, None):  # most jobs end here
        session.rollback()
        return "already applied"
    done = drain(session, first=update_row_id, batch_size=batch_size, seconds=seconds)
    if update_row_id not in done.outcomes and update_row_id not in done.failed:
        _own_order(session, update_row_id, done)  # its order's earlier updates were in another worker's batch
    if update_row_id in done.failed:
        raise done.failed[update_row_id]
    if update_row_id in done.outcomes:
        return done.outcomes[update_row_id]
    applied = _is_applied(session, update_row_id)
    session.rollback()
    return "already applied" if applied else WAITING


def _own_order(session: DbSession, update_row_id: int, done: Drained) -> None:
    """Apply the unapplied updates of `update_row_id`'s order up to it, one per transaction (each must wait for
    the one before), waiting for rows another worker holds. Each round applies one, fails one, or waits for
    another worker's commit, so rounds are bounded by the updates waiting."""
    earlier = aliased(CarrierUpdate)
    waiting = session.scalar(
        select(func.count())
        .select_from(CarrierUpdate)
        .join(earlier, and_(earlier.order_id == CarrierUpdate.order_id, earlier.id <= CarrierUpdate.id))
        .where(CarrierUpdate.id == update_row_id, earlier.applied_at.is_(None))
    )
    order_id = session.scalar(select(CarrierUpdate.order_id).where(CarrierUpdate.id == update_row_id))
    for _ in range(min(2 * (waiting or 0) + 1, 100)):
        drain(session, batch_size=1, seconds=0, drained=done, order_id=order_id, up_to=update_row_id, wait=True)
        if update_row_id in done.outcomes or update_row_id in done.failed or _is_applied(session, update_row_id):
            break
    session.rollback()


# ---------------------------------------------------------------- the drain job, queued once per burst
# A marker in Redis says "a drain job is queued and has not started": while it is there, nothing more is queued.
# The job removes it before it claims anything, so an update stored (committed) while the marker was there is
# seen by that job's claims; one stored after the removal queues the next job. A drain that fills a batch asks
# for another job at once (so a second worker helps; on PostgreSQL they take disjoint batches), and one that
# stops for time with updates left asks for the next. A marker whose job was lost expires; meanwhile the
# periodic carrier sweep drains.
DRAIN_JOB = "app.jobs.drain_carrier_updates"
MARKER_TTL = timedelta(minutes=2)


def _marker() -> str:
    return f"dialtone:{current_app.config['RQ_QUEUE']}:carrier-drain-queued"


def queue_drain() -> bool:
    """Ask the worker to drain the unapplied updates; returns whether a job was queued (False: one is waiting).
    Raises RedisError when Redis is down (the stored updates wait for the sweep)."""
    redis = redis_connection()
    if not redis.set(_marker(), "1", nx=True, ex=MARKER_TTL):
        return False
    try:
        enqueue(DRAIN_JOB, result_ttl=300, at_front=True)  # the portal's state before the emails about it
    except Exception:
        redis.delete(_marker())
        raise
    return True


def drain_job(session: DbSession, *, batch_size: int | None = None, seconds: float | None = None) -> Drained:
    """The queued drain: forget the marker, then drain, asking for help while batches come full."""
    batch_size = batch_size or BATCH_SIZE

    def full_batch(ids: list[int]) -> None:
        if len(ids) >= batch_size:
            with suppress(RedisError):  # this job goes on draining; the sweep takes what it leaves
                queue_drain()

    redis_connection().delete(_marker())
    return drain(session, batch_size=batch_size, seconds=seconds, on_batch=full_batch)
