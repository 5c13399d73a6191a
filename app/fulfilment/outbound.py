"""Orders and cancellations sent to a carrier's API (API mode): what is sent, how it is signed, and what each answer
does to the order.

A send is a stored `CarrierRequest`, made with the hand-off (or the cancellation) in the same transaction, and
tried by the worker: at once (a job queued on commit), and by the carrier sweep when that job was lost or a try
failed. Every try carries the same idempotency key, so the carrier makes one order however often it is asked.

- 2xx: the carrier took it. An order's answer gives the carrier's reference: the order is "with carrier". A
  cancellation's answer may say at once whether it was cancelled; otherwise the carrier reports it later.
- 4xx (but 408 and 429): the carrier refused it. The order needs attention with the carrier's message; a refused
  cancellation is noted for the fulfillment team. Either way the team is told (by email, from the timeline).
- 5xx, 408, 429, a timeout or no connection: tried again after `RETRY_DELAYS`, each failed try noted on the
  timeline; after the last one the order needs attention.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast
from urllib.parse import quote, urlsplit

import httpx
from redis.exceptions import RedisError
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import contains_eager, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.catalog.carriers import api_secret
from app.crypto import decrypt_json
from app.database import DbSession, after_commit
from app.fulfilment import records
from app.models import (
    Accessory,
    Carrier,
    CarrierRequest,
    CarrierRequestState,
    DeviceModel,
    EventKind,
    Feature,
    Order,
    OrderStatus,
    Plan,
    User,
)
from app.orders import lifecycle
from app.orders.types import REGISTRY
from app.queue import CARRIER, enqueue
from app.signing import signed_headers

log = logging.getLogger(__name__)

ORDER, CANCEL = "order", "cancel"
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
TRIES = len(RETRY_DELAYS) + 1
LEASE = timedelta(minutes=3)  # a try under way holds its request this long (then the sweep may try again)
SEND_JOB = "app.jobs.send_to_carrier"
R = CarrierRequestState
S = OrderStatus
# What the order's details name by id, and the catalog table each id is in.
ITEMS: dict[str, type[Plan] | type[Feature] | type[DeviceModel] | type[Accessory]] = {
    "plan": Plan,
    "features": Feature,
    "device_model": DeviceModel,
    "accessories": Accessory,
}


# ---------------------------------------------------------------- what is sent
def hand_off_key(order: Order) -> str:
    """The idempotency key of an order's hand-off: the same on every try, and in the list a polling carrier reads."""
    return f"{order.number}-hand-off"


def queue_request(session: DbSession, order: Order, kind: str) -> CarrierRequest:
    """Store a send of `order` (kind ORDER or CANCEL), due now; once committed, the worker is asked to send it."""
    earlier = session.scalar(
        select(func.count()).where(CarrierRequest.order_id == order.id, CarrierRequest.kind == kind)
    )
    key = hand_off_key(order) if kind == ORDER else f"{order.number}-cancel-{(earlier or 0) + 1}"
    now = clock.now()
    request = CarrierRequest(order=order, kind=kind, idempotency_key=key, next_try_at=now, created_at=now)
    session.add(request)
    _queue_send_job(session, order)
    return request


def _queue_send_job(session: DbSession, order: Order) -> None:
    """Once committed, ask the worker to send what is due of the order (the carrier sweep does, if Redis is down)."""
    order_id = order.id

    def queue() -> None:
        try:
            enqueue(SEND_JOB, order_id, on=CARRIER)
        except RedisError:  # stored: the carrier sweep sends it
            log.warning("Redis is down: the carrier sweep will send what is due of order %s", order_id)

    after_commit(session, queue)


CatalogRows = dict[tuple[str, int], Plan | Feature | DeviceModel | Accessory]


def _ids(value: Any) -> list[int]:
    values = value if isinstance(value, list) else [value] if value else []
    return [int(v) for v in values if str(v).isdigit()]


def catalog_rows(session: DbSession, orders: list[Order]) -> CatalogRows:
    """The plans, features, device models and accessories the orders name, one query per kind."""
    wanted: dict[str, set[int]] = {name: set() for name in ITEMS}
    for order in orders:
        for name in ITEMS:
            wanted[name].update(_ids((order.details or {}).get(name)))
    rows: CatalogRows = {}
    for name, ids in wanted.items():
        if ids:
            model = ITEMS[name]
            found = session.scalars(select(model).where(model.id.in_(ids)))
            rows.update({(name, row.id): row for row in found if isinstance(row, model)})
    return rows


def order_document(session: DbSession, order: Order, key: str, rows: CatalogRows | None = None) -> dict[str, Any]:
    """The order as the carrier's API receives it (the port's account number and PIN included, in clear: this
    channel is signed and goes to the carrier alone). `rows`: the catalog rows it names (`catalog_rows`)."""
    rows = catalog_rows(session, [order]) if rows is None else rows
    details = dict(order.details or {})
    order_type = REGISTRY.get(order.type)
    employee = order.employee
    items: dict[str, Any] = {}
    for name in ITEMS:
        value = details.pop(name, None)
        described = [_item(rows[name, i]) for i in _ids(value) if (name, i) in rows]
        if described:
            items[name] = described if isinstance(value, list) else described[0]
    details.pop("carrier", None)
    document: dict[str, Any] = {
        "idempotency_key": key,
        "order_number": order.number,
        "type": order.type,
        "type_name": order_type.name if order_type else order.type,
        "account_number": order.carrier.account_number if order.carrier else "",
        "items": items,
        "employee": {
            "name": employee.name,
            "email": employee.email,
            "employee_number": employee.employee_number,
        },
        "shipping_address": _shipping_address(order, details),
        "line": {"id": order.line.id, "number": order.line.number} if order.line else None,
        "device": (
            {"id": order.device.id, "imei": order.device.imei, "serial": order.device.serial} if order.device else None
        ),
        "details": {k: v for k, v in details.items() if not k.startswith("ship_")},
        "one_time_cents": order.one_time_cents,
        "monthly_cents": order.monthly_cents,
    }
    secrets = decrypt_json(order.secrets_encrypted) if order.secrets_encrypted else {}
    if secrets:
        document["port_in" if order.type == "port_in" else "account_transfer"] = secrets
    return document


def waiting_for(
    session: DbSession, carrier: Carrier, page: int, per_page: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """For a carrier that polls: its approved orders, oldest approval first, a page of them as the hand-off sends
    them (with the same idempotency key), and how many there are."""
    waiting = select(Order).where(Order.carrier_id == carrier.id, Order.status == S.APPROVED)
    total = session.scalar(select(func.count()).select_from(waiting.subquery())) or 0
    orders = list(
        session.scalars(
            waiting.options(
                selectinload(Order.employee).selectinload(User.location),
                selectinload(Order.line),
                selectinload(Order.device),
                selectinload(Order.carrier),
            )
            .order_by(Order.approved_at, Order.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    rows = catalog_rows(session, orders)
    return [order_document(session, order, hand_off_key(order), rows) for order in orders], total


def _item(row: Plan | Feature | DeviceModel | Accessory) -> dict[str, Any]:
    described: dict[str, Any] = {"id": row.id, "name": str(row)}
    code = getattr(row, "code", None)
    if code:
        described["code"] = code
    return described


def _shipping_address(order: Order, details: dict[str, Any]) -> dict[str, str] | None:
    if details.get("ship_to") == "other":
        return {
            "name": order.employee.name,
            "street": details.get("ship_street", ""),
            "city": details.get("ship_city", ""),
            "state": details.get("ship_state", ""),
            "postal_code": details.get("ship_postal_code", ""),
            "country": "US",
        }
    office = order.employee.location
    if details.get("ship_to") == "office" and office is not None:
        return {
            "name": order.employee.name,
            "street": office.street,
            "city": office.city,
            "state": office.state,
            "postal_code": office.postal_code,
            "country": office.country,
        }
    return None


def cancel_document(order: Order, key: str, reason: str) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "order_number": order.number,
        "carrier_reference": order.carrier_reference,
        "reason": reason,
    }


def endpoint(carrier: Carrier, order: Order, kind: str) -> str:
    """Orders go to the carrier's order endpoint; a cancellation to `<endpoint>/<order number>/cancel`."""
    if kind == ORDER:
        return carrier.api_url
    return f"{carrier.api_url.rstrip('/')}/{quote(order.number or '', safe='')}/cancel"


# ---------------------------------------------------------------- one try
@dataclass
class Answer:
    """What one try got: "taken" (2xx), "refused" (4xx) or "failed" (anything to try again), and why."""

    outcome: str
    message: str
    status: int | None = None
    body: dict[str, Any] = field(default_factory=dict)


def post(carrier: Carrier, url: str, document: dict[str, Any], key: str) -> Answer:
    """POST a signed JSON document to the carrier, waiting no longer than its timeout."""
    secret = api_secret(carrier)
    if not secret or not url:
        return Answer("failed", "no endpoint or signing secret is set for the carrier's API")
    body = json.dumps(document, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": key,
        "X-Dialtone-Carrier": carrier.code,
        **signed_headers(secret, "POST", urlsplit(url).path or "/", clock.now(), body),
    }
    seconds = float(carrier.api_timeout_seconds or 10)
    timeout = httpx.Timeout(seconds, connect=min(seconds, 5.0))
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout, follow_redirects=False)
    except httpx.TimeoutException:
        return Answer("failed", f"no answer within {seconds:g} seconds")
    except httpx.HTTPError as exc:
        return Answer("failed", f"could not connect ({type(exc).__name__})")
    try:
        parsed = response.json()
    except ValueError:
        parsed = None
    answer = parsed if isinstance(parsed, dict) else {}
    said = answer.get("message") or answer.get("error")
    message = f"{response.status_code} {response.reason_phrase}" + (f": {str(said)[:300]}" if said else "")
    if response.is_success:
        return Answer("taken", message, response.status_code, answer)
    if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
        return Answer("refused", str(said)[:400] if said else message, response.status_code, answer)
    return Answer("failed", message, response.status_code, answer)


def send_test_order(carrier: Carrier) -> Answer:
    """Send the carrier a test order (marked `"test": true`, to be answered but not carried out), as an admin
    checks the endpoint, the secret and the timeout; what the carrier answered."""
    key = f"test-{carrier.code}-{uuid.uuid4().hex[:12]}"
    document = {
        "idempotency_key": key,
        "test": True,
        "order_number": "TEST",
        "type": "test",
        "type_name": "Test order",
        "account_number": carrier.account_number,
        "items": {},
        "details": {},
    }
    return post(carrier, carrier.api_url, document, key)


# ---------------------------------------------------------------- the worker's side: send what is due
def send_due(
    session: DbSession, order_id: int | None = None, limit: int = 50, budget_seconds: float = 90
) -> dict[str, int]:
    """Try the sends that are due (of one order, or all); commits. Counts by outcome. A carrier that did not answer
    is not tried again in the same round, and the round stops after `budget_seconds` (well within the job's time
    limit): what is left is due still, and the next sweep sends it."""
    query = (
        select(CarrierRequest.id, Order.carrier_id)
        .join(Order, CarrierRequest.order_id == Order.id)
        .where(CarrierRequest.state == R.WAITING, CarrierRequest.next_try_at <= clock.now())
    )
    if order_id is not None:
        query = query.where(CarrierRequest.order_id == order_id)
    due = session.execute(query.order_by(CarrierRequest.next_try_at, CarrierRequest.id).limit(limit)).all()
    if not due:
        return {}
    session.commit()
    counts: dict[str, int] = {}
    unreachable: set[int | None] = set()
    stop_at = time.monotonic() + budget_seconds
    for request_id, carrier_id in due:
        if carrier_id in unreachable or time.monotonic() > stop_at:
            outcome = "left for the next sweep"
        else:
            try:
                outcome = send(session, request_id)
            except Exception:  # noqa: BLE001 - one send's trouble must not stop the others; tried again later
                session.rollback()
                log.exception("Sending carrier request %s failed", request_id)
                outcome = "error"
            if outcome in ("retrying", "gave up"):
                unreachable.add(carrier_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def send(session: DbSession, request_id: int) -> str:
    """One try of one send: claim it (no other worker sends it meanwhile), POST it with no transaction open, store
    what the carrier answered. Commits; returns the outcome."""
    now = clock.now()
    claim = update(CarrierRequest).where(
        CarrierRequest.id == request_id, CarrierRequest.state == R.WAITING, CarrierRequest.next_try_at <= now
    )
    claimed = cast(
        CursorResult, session.execute(claim.values(attempts=CarrierRequest.attempts + 1, next_try_at=now + LEASE))
    )
    session.commit()
    if claimed.rowcount != 1:
        return "taken by another worker"
    request = session.get_one(CarrierRequest, request_id)
    order = request.order
    if not _still_wanted(request, order):
        taken = request.kind == ORDER and bool(order.carrier_reference)  # the carrier reported it has the order
        request.state, request.next_try_at = (R.SENT if taken else R.DROPPED), None
        session.commit()
        return "not needed"
    carrier = order.carrier
    if carrier is None:
        raise records.FulfilmentError(f"{order.number} has no carrier on file.")
    url = endpoint(carrier, order, request.kind)
    if request.kind == ORDER:
        document = order_document(session, order, request.idempotency_key)
    else:
        document = cancel_document(order, request.idempotency_key, _cancel_reason(order))
    key = request.idempotency_key
    session.commit()  # no transaction stays open while the carrier answers
    answer = post(carrier, url, document, key)
    for _ in range(3):  # a carrier update applied meanwhile changed the order: read it again and store the answer
        try:
            outcome = take_answer(session, session.get_one(CarrierRequest, request_id), answer)
            session.commit()
            return outcome
        except StaleDataError:
            session.rollback()
    raise RuntimeError(f"The answer to {key} could not be stored: the order kept changing")


def _still_wanted(request: CarrierRequest, order: Order) -> bool:
    if request.kind == ORDER:
        return order.status in (S.APPROVED, S.NEEDS_ATTENTION) and not order.carrier_reference
    return order.status is S.CANCELLATION_REQUESTED


def _cancel_reason(order: Order) -> str:
    asked = [e for e in order.events if e.kind == EventKind.REQUEST_CANCEL.value]
    return asked[-1].comment if asked else ""


def take_answer(session: DbSession, request: CarrierRequest, answer: Answer) -> str:
    """What the carrier's answer does to the send and its order (the caller commits)."""
    order, now = request.order, clock.now()
    name = order.carrier.name if order.carrier else "the carrier"
    what = "order" if request.kind == ORDER else "cancellation"
    request.next_try_at = None
    if answer.outcome == "taken":
        request.state, request.sent_at, request.last_error = R.SENT, now, ""
        if request.kind == ORDER:
            _order_taken(session, order, answer, name)
        else:
            _cancellation_taken(session, order, answer, name)
        return "sent"
    request.last_error = answer.message[:500]
    if answer.outcome == "refused":
        request.state = R.REFUSED
        _not_sent(session, request, f"{name} refused the {what}: {answer.message}")
        return "refused"
    if request.attempts < TRIES:
        delay = RETRY_DELAYS[request.attempts - 1]
        request.next_try_at = now + delay
        lifecycle.record(
            session,
            order,
            EventKind.CARRIER_TRY,
            None,
            comment=f"Try {request.attempts} of {TRIES} to send the {what} to {name} failed ({answer.message}); "
            f"trying again in {_words(delay)}.",
            data={
                "attempt": request.attempts,
                "error": answer.message[:200],
                "next_try_at": request.next_try_at.isoformat(),
            },
        )
        return "retrying"
    request.state = R.GAVE_UP
    _not_sent(
        session,
        request,
        f"The {what} could not be sent to {name}: all {TRIES} tries failed, the last with {answer.message}.",
    )
    return "gave up"


def _order_taken(session: DbSession, order: Order, answer: Answer, name: str) -> None:
    reference = answer.body.get("carrier_reference")
    if not isinstance(reference, str) or not reference.strip() or len(reference) > 80:
        lifecycle.record(
            session,
            order,
            EventKind.CARRIER_UPDATE,
            None,
            comment=f"Sent to {name}; it has not given its reference yet.",
        )
        return
    if order.status is S.CANCELLED:  # cancelled here while the carrier was taking it: the team asks it to cancel
        order.carrier_reference = order.carrier_reference or reference.strip()
        lifecycle.record(
            session,
            order,
            EventKind.CARRIER_SEND_FAILED,
            None,
            comment=f"{name} took the order (its reference {reference.strip()}) after it was cancelled here: "
            "ask the carrier to cancel it.",
        )
        return
    try:
        records.mark_placed(
            session, order, reference, None, note=f"Sent to {name}: its reference is {reference.strip()}."
        )
    except (records.FulfilmentError, records.InvalidReport) as refused:
        lifecycle.record(session, order, EventKind.CARRIER_UPDATE, None, comment=f"{name} took the order ({refused}).")


def _cancellation_taken(session: DbSession, order: Order, answer: Answer, name: str) -> None:
    status = answer.body.get("status")
    message = answer.body.get("message")
    if status in ("cancelled", "cancel_refused") and order.status is S.CANCELLATION_REQUESTED:
        note = message if isinstance(message, str) else ""
        records.answer_cancellation(session, order, status == "cancelled", note, None)
    else:
        lifecycle.record(
            session,
            order,
            EventKind.CARRIER_UPDATE,
            None,
            comment=f"Cancellation sent to {name}; waiting for its answer.",
        )


def _not_sent(session: DbSession, request: CarrierRequest, message: str) -> None:
    """The send did not get through for good: the order needs attention (an order), or the team is asked to deal
    with the cancellation itself; either way the fulfillment team is told."""
    order = request.order
    if request.kind == ORDER and lifecycle.allowed(order, EventKind.REPORT_PROBLEM):
        records.report_problem(session, order, message, None)
    else:
        lifecycle.record(
            session,
            order,
            EventKind.CARRIER_SEND_FAILED,
            None,
            comment=message + " Ask the carrier and record its answer in the fulfillment console.",
        )


def _words(delay: timedelta) -> str:
    minutes = int(delay.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = minutes // 60
    return f"{hours} hour{'s' if hours != 1 else ''}"


# ---------------------------------------------------------------- the fulfillment team's view
def unsent(session: DbSession) -> list[CarrierRequest]:
    """Sends the carrier has not taken, by carrier then oldest first: waiting for a try, or refused or given up on
    while their order still waits for them (an order that needs attention, a cancellation still asked)."""
    stuck = (CarrierRequest.state.in_((R.REFUSED, R.GAVE_UP))) & (
        ((CarrierRequest.kind == ORDER) & (Order.status == S.NEEDS_ATTENTION) & Order.carrier_reference.is_(None))
        | ((CarrierRequest.kind == CANCEL) & (Order.status == S.CANCELLATION_REQUESTED))
    )
    return list(
        session.scalars(
            select(CarrierRequest)
            .join(Order, CarrierRequest.order_id == Order.id)
            .join(Carrier, Order.carrier_id == Carrier.id)
            .where((CarrierRequest.state == R.WAITING) | stuck)
            .options(contains_eager(CarrierRequest.order).contains_eager(Order.carrier))
            .order_by(Carrier.name, CarrierRequest.created_at, CarrierRequest.id)
            .limit(500)
        )
    )


def requests_of(session: DbSession, order: Order) -> list[CarrierRequest]:
    """The order's sends to its carrier's API, oldest first."""
    query = select(CarrierRequest).where(CarrierRequest.order_id == order.id)
    return list(session.scalars(query.order_by(CarrierRequest.id)))


def can_send_again(request: CarrierRequest) -> bool:
    return request.state in (R.WAITING, R.REFUSED, R.GAVE_UP) and _still_wanted(request, request.order)


def send_again(session: DbSession, request: CarrierRequest, note: str) -> None:
    """Send it now (a refused or given-up send starts its tries afresh, with the same idempotency key); the caller
    commits, and the worker is asked to send it once committed."""
    if not can_send_again(request):
        raise records.FulfilmentError(f"{request.order.number} no longer needs to be sent to the carrier.")
    if request.state is not R.WAITING:
        request.state, request.attempts = R.WAITING, 0
    request.next_try_at = clock.now()
    lifecycle.record(session, request.order, EventKind.NOTE, None, comment=note)
    _queue_send_job(session, request.order)
