"""Fulfilment's commands: hand an approved order to its carrier, record what the carrier did (the telecom team in
the console, or the carrier through its API), complete, and the worker's sweep that finds what was left."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from redis.exceptions import RedisError
from sqlalchemy import select

from app import clock
from app.database import DbSession, after_commit
from app.fulfilment import outbound, records, updates, wireline
from app.fulfilment.carriers import adapter_for, carrier_of, in_flight_simulated
from app.fulfilment.records import FactInUse, FulfilmentError, InvalidReport
from app.fulfilment.updates import UnknownOrder, UpdateIdReused
from app.models import Carrier, CarrierRequest, Order, OrderStatus, User
from app.orders.lifecycle import NotAllowed, Party
from app.queue import CARRIER, enqueue

HAND_OFF_JOB = "app.jobs.hand_off"

__all__ = ["FactInUse", "FulfilmentError", "InvalidReport", "NotAllowed", "UnknownOrder", "UpdateIdReused"]


def _team(person: User) -> None:
    if not person.is_fulfillment:
        raise NotAllowed("Only the fulfilment team records what the carrier did.")


# ---------------------------------------------------------------- hand-off
def queue_hand_off(session: DbSession, order: Order) -> None:
    """Once committed, ask the worker to hand the approved order to its carrier (the sweep does, if Redis is down)."""
    order_id = order.id

    def queue() -> None:
        with suppress(RedisError):  # the carrier sweep hands it off when Redis is back
            enqueue(HAND_OFF_JOB, order_id, on=CARRIER)

    after_commit(session, queue)


def hand_off(session: DbSession, order: Order) -> bool:
    """Give an approved order to its carrier's adapter (once); whether it was handed off now."""
    if order.carrier is None or order.status is not OrderStatus.APPROVED or order.handed_off_at is not None:
        return False
    adapter_for(carrier_of(order)).hand_off(session, order)
    return True


def send_to_carrier(session: DbSession, order_id: int | None = None) -> dict[str, int]:
    """Send what is due to carriers' APIs (an order and its cancellation; of one order, or all). Commits."""
    return outbound.send_due(session, order_id=order_id)


def send_again_now(session: DbSession, request: CarrierRequest, person: User) -> None:
    """The team sends a waiting, refused or given-up send to the carrier's API now (once committed)."""
    _team(person)
    what = "order" if request.kind == outbound.ORDER else "cancellation"
    outbound.send_again(session, request, f"{person.name} asked to send the {what} to the carrier again now.")


# ---------------------------------------------------------------- what the carrier did, recorded by the team
def record_placed(session: DbSession, order: Order, person: User, reference: str) -> None:
    _team(person)
    records.mark_placed(session, order, reference, person, party=Party.FULFILMENT)


def record_shipment(session: DbSession, order: Order, person: User, shipping_carrier: str, tracking: str) -> None:
    _team(person)
    records.add_shipment(session, order, shipping_carrier, tracking, person, party=Party.FULFILMENT)


def record_device(
    session: DbSession, order: Order, person: User, *, imei: str = "", serial: str = "", iccid: str = ""
) -> None:
    _team(person)
    report = records.parse_report(
        {"devices": [{k: v for k, v in (("imei", imei), ("serial", serial), ("iccid", iccid)) if v}]}
    )
    records.record_device(session, order, report.devices[0], person)


def record_number(session: DbSession, order: Order, person: User, number: str) -> None:
    _team(person)
    records.record_number(session, order, number, person)


def record_wireline_milestone(session: DbSession, order: Order, person: User, milestone: str, payload: dict) -> None:
    """The team records a wireline milestone the carrier gave (FOC date, site survey, install scheduled, installed,
    turned up, jeopardy); InvalidReport names each field that is not valid."""
    _team(person)
    values = wireline.parse_milestone(milestone, payload)
    wireline.record_milestone(session, order, milestone, values, person, party=Party.FULFILMENT)


def flag_problem(
    session: DbSession, order: Order, person: User, message: str, question: str = "", *, refused: bool = False
) -> None:
    """The team reports a problem (or the carrier's refusal, which the requester is told of)."""
    _team(person)
    records.report_problem(session, order, message, person, question=question, party=Party.FULFILMENT, refused=refused)


def answer_cancellation(session: DbSession, order: Order, person: User, cancelled: bool, note: str = "") -> None:
    """Record the carrier's answer to the cancellation asked of it: cancelled, or too late (the order goes on)."""
    _team(person)
    records.answer_cancellation(session, order, cancelled, note, person, party=Party.FULFILMENT)


def complete(session: DbSession, order: Order, person: User, note: str = "") -> None:
    """Complete the order (the carrier reported everything it needs) and apply its inventory effect."""
    _team(person)
    records.complete(session, order, person, note, party=Party.FULFILMENT)


# ---------------------------------------------------------------- what the carrier reports through its API
def receive_carrier_update(session: DbSession, carrier: Carrier, payload: object) -> updates.Received:
    """Validate and store a carrier's update; once committed, the worker applies it (a drain job per burst).
    Raises InvalidReport (422), UnknownOrder (404), FulfilmentError, FactInUse and UpdateIdReused (409)."""
    received = updates.receive(session, carrier, payload)
    if received.outcome == "accepted":
        _queue_drain_after_commit(session)
    return received


def _queue_drain_after_commit(session: DbSession) -> None:
    def queue() -> None:
        with suppress(RedisError):  # stored: the periodic carrier sweep applies it once Redis is back
            updates.queue_drain()  # a drain job, unless one is waiting to start already

    after_commit(session, queue)


def retry_carrier_updates(session: DbSession, order: Order, person: User) -> int:
    """The team puts the order's failed carrier updates back in line (once committed, the worker applies them)."""
    _team(person)
    count = updates.retry_failed(session, order, person)
    if count:
        _queue_drain_after_commit(session)
    return count


def set_aside_carrier_updates(session: DbSession, order: Order, person: User) -> int:
    """The team dealt with the order's failed carrier updates another way: they no longer need attention."""
    _team(person)
    return updates.set_aside_failed(session, order, person)


def apply_carrier_updates(session: DbSession) -> updates.Drained:
    """The worker's drain: apply the stored updates, in batches, each exactly once (commits)."""
    return updates.drain_job(session)


def apply_carrier_update(session: DbSession, update_row_id: int) -> str:
    """Apply one stored update, and with it the others waiting (commits); its outcome."""
    return updates.apply_with_drain(session, update_row_id)


# ---------------------------------------------------------------- the worker's sweep
def carrier_sweep(session: DbSession, now: datetime | None = None) -> dict[str, int]:
    """Apply updates stored while Redis was down, hand off approved orders never handed off (the worker or Redis
    was down when they were approved), send what is due to carriers' APIs (a first try whose job was lost, or the
    next try after a failed one), and let the simulator move its orders on. Commits, order by order."""
    applied = len(updates.drain(session).outcomes)
    handed = 0
    waiting = session.scalars(
        select(Order)
        .join(Carrier, Order.carrier_id == Carrier.id)
        .where(Order.status == OrderStatus.APPROVED, Order.handed_off_at.is_(None))
        .order_by(Order.id)
        .limit(500)
    ).all()
    for order in waiting:
        if hand_off(session, order):
            session.commit()
            handed += 1
    sent = outbound.send_due(session).get("sent", 0)
    moved = 0
    moment = now or clock.now()
    for order in in_flight_simulated(session, moment):
        try:
            moved += adapter_for(carrier_of(order)).advance(session, order, moment)
            session.commit()
        except Exception:  # noqa: BLE001 - one order's trouble must not stop the others; retried next sweep
            session.rollback()
            updates.log.exception("The simulator could not move %s", order.number)
    return {"applied": applied, "handed_off": handed, "sent": sent, "advanced": moved}
