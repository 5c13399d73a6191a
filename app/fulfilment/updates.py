"""Carrier updates: received (validated, stored once by update id), then applied by the worker.

The API answers as soon as an update is stored and asks the worker to drain (`queue_drain`): a drain job is queued
unless one is already waiting to start, so a burst of updates costs a job per batch, not one per update. The job
(`drain_job`) applies the unapplied updates in batches, one transaction per batch; the periodic sweep drains the
same way (updates stored while Redis was down, or left by an error). Each update is applied exactly once, and an
order's updates in the order they arrived: see `_claim`. `apply_update` applies one update in the caller's
transaction (the simulator).

An update that cannot be applied (the order refuses it, or applying it raises) is marked failed with the reason,
on the order's timeline and in the console's "Needs attention": it is taken like an applied one, so the later
updates of its order go on (one that needed what it carried fails in turn, saying so). The team tries the failed
updates again (`retry_failed`) or sets them aside (`set_aside_failed`).
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
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import aliased, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.database import NEW_EVENTS, DbSession, rows_changed
from app.fulfilment import wireline
from app.fulfilment.records import (
    DeviceReport,
    FactInUse,
    FulfilmentError,
    InvalidReport,
    Report,
    apply_report,
    check_allowed,
    facts_in_use,
    parse_report,
)
from app.models import Carrier, CarrierUpdate, CarrierUpdateState, EventKind, Line, Order, ReportedDevice, User
from app.orders import lifecycle
from app.orders.types import REGISTRY
from app.orders.types.base import WIRELINE_FACTS
from app.queue import CARRIER, enqueue, redis_connection


class UnknownOrder(Exception):
    """No such order for this carrier."""


class UpdateIdReused(Exception):
    """An update id the carrier already used for an update with another body (the API answers 409)."""


U = CarrierUpdateState


@dataclass
class Received:
    outcome: str  # "accepted" or "duplicate"
    update: CarrierUpdate | None


def receive(session: DbSession, carrier: Carrier, payload: object) -> Received:
    """Validate and store one update. Raises InvalidReport (422), UnknownOrder (404), FulfilmentError,
    FactInUse and UpdateIdReused (409)."""
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
    if errors:
        raise InvalidReport(errors)
    assert isinstance(number, str) and isinstance(update_id, str)  # checked above: errors were raised otherwise
    order = session.scalar(select(Order).where(Order.number == number.strip()))
    order_type = REGISTRY.get(order.type) if order is not None else None
    if order is not None and order_type is not None and not order_type.carrier_fulfilled:
        raise FulfilmentError(f"{order.number} is fulfilled internally, not by a carrier: it takes no updates.")
    if order is None or order.carrier_id != carrier.id:
        raise UnknownOrder(f"No order {number} for {carrier.name}.")
    existing = _stored(session, carrier, update_id)
    if existing is not None:
        return _again(existing, payload)
    check_allowed(order, report.status)
    if order.status.value != "completed":  # a late update of a completed order changes nothing: nothing to check
        _check_facts(session, order, report)
    stored = CarrierUpdate(
        carrier_id=carrier.id, update_id=update_id, order_id=order.id, payload=payload, received_at=clock.now()
    )
    try:
        with session.begin_nested():
            session.add(stored)
    except IntegrityError:  # the same update id arrived twice at once: the other copy was stored first
        existing = _stored(session, carrier, update_id)
        if existing is None:
            raise
        return _again(existing, payload)
    return Received("accepted", stored)


def _stored(session: DbSession, carrier: Carrier, update_id: str) -> CarrierUpdate | None:
    return session.scalar(
        select(CarrierUpdate).where(CarrierUpdate.carrier_id == carrier.id, CarrierUpdate.update_id == update_id)
    )


def _again(existing: CarrierUpdate, payload: dict) -> Received:
    """An update id seen before: the same update sent again changes nothing; another update under it is refused."""
    if existing.payload != payload:
        raise UpdateIdReused(f"update_id {existing.update_id} was used for another update.")
    return Received("duplicate", existing)


def _check_facts(session: DbSession, order: Order, report: Report) -> None:
    """What can be known when the update arrives: its facts are not another record's, and a completion will have
    what it needs, counting what the order's updates accepted before it carry (applied or not yet)."""
    devices: list = [(f"devices[{i}].", device) for i, device in enumerate(report.devices)]
    in_use = facts_in_use(session, order, service_number=report.service_number, devices=devices)
    if report.status != "completed":
        if in_use:
            raise FactInUse(in_use)
        return
    waiting = _waiting_reports(session, order)
    number = report.service_number or next(
        (r.service_number for r in reversed(waiting) if r.service_number), order.service_number
    )
    earlier: list[DeviceReport | ReportedDevice] = [*order.reported_devices, *(d for r in waiting for d in r.devices)]
    for name, message in facts_in_use(
        session, order, service_number=number, devices=[("", device) for device in earlier]
    ).items():
        in_use.setdefault(name, message)
    if in_use:
        raise FactInUse(in_use)
    reported = dict(order.details.get(WIRELINE_FACTS) or {})
    for r in [*waiting, report]:  # a wireline service's circuit ID or numbers, turned up by an earlier update
        reported.update(wireline.facts_of(r.wireline))
    missing = REGISTRY[order.type].missing_facts(
        {**order.details, WIRELINE_FACTS: reported}, service_number=number, devices=[*earlier, *report.devices]
    )
    if missing:
        raise InvalidReport(missing)


def _waiting_reports(session: DbSession, order: Order) -> list[Report]:
    """The reports of the order's updates accepted and not applied yet, oldest first."""
    payloads = session.scalars(
        select(CarrierUpdate.payload)
        .where(CarrierUpdate.order_id == order.id, CarrierUpdate.state == U.PENDING)
        .order_by(CarrierUpdate.id)
    )
    reports = []
    for payload in payloads:
        with suppress(InvalidReport):  # validated when received; a rule changed since leaves it to the applying
            reports.append(parse_report(payload))
    return reports


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
    """Apply one claimed update in its own savepoint; a refusal marks it failed instead (see `_refused`)."""
    try:
        return _apply_together(session, {stored.id: stored}, {order.id: order}, events)[stored.id]
    except (FulfilmentError, InvalidReport) as refusal:
        return _refused(session, stored, order, refusal)


def _refused(session: DbSession, stored: CarrierUpdate, order: Order, refusal: Exception) -> str:
    """Record on the order's timeline why its update could not be applied; its outcome ("refused: …")."""
    why = str(refusal)
    if isinstance(refusal, InvalidReport) and not isinstance(refusal, FactInUse):
        failed_before = session.scalars(
            select(CarrierUpdate.update_id).where(
                CarrierUpdate.order_id == order.id, CarrierUpdate.id < stored.id, CarrierUpdate.state == U.FAILED
            )
        ).all()
        if failed_before:  # it needed what an earlier update carried: that one failed, so this one does too
            # said first: the outcome column keeps the first 200 characters
            why = f"It needs what update {', '.join(failed_before)} reported, which could not be applied either. {why}"
    _timeline_failure(session, stored, order, why)
    return f"refused: {why}"


def _timeline_failure(session: DbSession, stored: CarrierUpdate, order: Order, why: str) -> None:
    carrier = order.carrier.name if order.carrier else "the carrier"
    lifecycle.record(
        session,
        order,
        EventKind.CARRIER_UPDATE_FAILED,
        None,
        comment=f"An update from {carrier} ({stored.update_id}) could not be applied: {why}",
        data={"update_id": stored.update_id},
    )


def _state_of(outcome: str) -> CarrierUpdateState:
    return U.FAILED if outcome.startswith(("refused: ", "failed: ")) else U.APPLIED


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
        update(CarrierUpdate),
        [
            {"id": update_id, "outcome": outcome[:200], "state": _state_of(outcome)}
            for update_id, outcome in outcomes.items()
        ],
    )
    return outcomes


# Built once: asked by every job of one update, most of which find it applied by another job's batch.
_IS_APPLIED = select(CarrierUpdate.applied_at.is_not(None)).where(CarrierUpdate.id == bindparam("update_id"))


def _is_applied(session: DbSession, update_row_id: int) -> bool | None:
    """Whether the update is applied (None: there is no such update)."""
    return session.scalar(_IS_APPLIED, {"update_id": update_row_id})


def apply_update(session: DbSession, update_row_id: int) -> str:
    """Apply one stored update once; returns its outcome ("applied", "late: recorded", "refused: …" (marked
    failed), "already applied", or "waiting: …" while an earlier update of its order is unapplied). The caller
    commits."""
    if not _claim(session, 1, only=[update_row_id], wait=True):
        if _is_applied(session, update_row_id) not in (True, None):
            return WAITING  # the caller's transaction (a simulator's update just received) goes on
        return "already applied"
    return _apply_batch(session, [update_row_id])[update_row_id]


@dataclass
class Drained:
    """What a drain did: each taken update's outcome (applied, or marked failed), and the updates it left for the
    sweep after a passing fault (by their error)."""

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
    is rolled back and applied again one update per transaction. That update is then marked failed with the
    error (see `_one_by_one`); the others are applied. `on_batch` is told each batch's claimed ids before it
    is applied."""
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


# A fault that may pass by itself (the database went away, a lock timed out, the order changed under us) leaves
# the update for the sweep; anything else would fail the same way every time, so the update is marked failed.
PASSING_FAULTS = (OperationalError, InterfaceError, StaleDataError)


def _one_by_one(session: DbSession, ids: list[int], drained: Drained) -> dict[int, str]:
    outcomes: dict[int, str] = {}
    for update_id in ids:
        try:
            claimed = _claim(session, 1, only=[update_id], exclude=drained.failed)
            if claimed:  # else: behind an update of its order that failed just now
                outcomes.update(_apply_batch(session, claimed))
            session.commit()
        except PASSING_FAULTS as error:
            session.rollback()
            log.exception("Carrier update %s could not be applied now; it is left for the carrier sweep", update_id)
            drained.failed[update_id] = error
        except Exception as error:
            session.rollback()
            log.exception("Carrier update %s could not be applied; it is marked failed", update_id)
            try:
                outcome = _mark_failed(session, update_id, error)
                session.commit()
            except Exception:  # noqa: BLE001 - not even that could be written: the sweep tries again
                session.rollback()
                drained.failed[update_id] = error
            else:
                if outcome is not None:
                    outcomes[update_id] = outcome
    return outcomes


def _mark_failed(session: DbSession, update_id: int, error: Exception) -> str | None:
    """Take the update as failed with its error (the timeline says so, in words the requester can read too)."""
    reason = f"failed: {type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
    taken = rows_changed(
        session.execute(
            update(CarrierUpdate)
            .where(CarrierUpdate.id == update_id, CarrierUpdate.applied_at.is_(None))
            .values(applied_at=clock.now(), state=U.FAILED, outcome=reason[:200])
            .execution_options(synchronize_session=False)
        )
    )
    if taken != 1:
        return None
    stored = session.get(CarrierUpdate, update_id)
    order = session.get(Order, stored.order_id) if stored is not None else None
    if stored is None or order is None:
        return reason
    _timeline_failure(session, stored, order, "the portal could not record it; the fulfillment team is looking at it.")
    return reason


def apply_with_drain(
    session: DbSession, update_row_id: int, *, batch_size: int | None = None, seconds: float | None = None
) -> str:
    """The job of one stored update: apply it, and with it the other unapplied updates, in batches. Commits.

    An update already applied (by another job's batch) costs one statement. If the drain could not take the
    update (an earlier update of its order was in another worker's batch, or it ran out of time first), the
    job then waits for that batch's commit and applies its order's updates up to its own, oldest first. Raises
    the update's own error when a passing fault left it for the sweep (the job fails, as it would alone);
    returns its outcome (a failure recorded on the update is an outcome)."""
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
        enqueue(DRAIN_JOB, on=CARRIER, result_ttl=300, at_front=True)  # the portal's state before the emails about it
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


# ---------------------------------------------------------------- failed updates: tried again, or set aside
def failed_updates(session: DbSession, order: Order) -> list[CarrierUpdate]:
    """The order's updates that could not be applied and wait for the team, oldest first."""
    return list(
        session.scalars(
            select(CarrierUpdate)
            .where(CarrierUpdate.order_id == order.id, CarrierUpdate.state == U.FAILED)
            .order_by(CarrierUpdate.id)
        )
    )


def orders_with_failed_updates():
    """The ids of orders with an update that could not be applied (a subquery for the console's queue)."""
    return select(CarrierUpdate.order_id).where(CarrierUpdate.state == U.FAILED)


def retry_failed(session: DbSession, order: Order, person: User) -> int:
    """Put the order's failed updates back in line, to be applied again in the order they arrived; how many."""
    count = rows_changed(
        session.execute(
            update(CarrierUpdate)
            .where(CarrierUpdate.order_id == order.id, CarrierUpdate.state == U.FAILED)
            .values(state=U.PENDING, applied_at=None, outcome="")
            .execution_options(synchronize_session=False)
        )
    )
    if count:
        lifecycle.record(
            session,
            order,
            EventKind.NOTE,
            person,
            comment=f"{count} carrier update{'s' if count != 1 else ''} that could not be applied will be tried again.",
        )
    return count


def set_aside_failed(session: DbSession, order: Order, person: User) -> int:
    """The team has dealt with the order's failed updates another way: they leave "Needs attention"; how many."""
    count = rows_changed(
        session.execute(
            update(CarrierUpdate)
            .where(CarrierUpdate.order_id == order.id, CarrierUpdate.state == U.FAILED)
            .values(state=U.SET_ASIDE)
            .execution_options(synchronize_session=False)
        )
    )
    if count:
        lifecycle.record(
            session,
            order,
            EventKind.NOTE,
            person,
            comment=f"{count} carrier update{'s' if count != 1 else ''} that could not be applied set aside.",
        )
    return count
