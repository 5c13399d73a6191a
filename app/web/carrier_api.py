"""The signed JSON API through which carriers push order updates, poll orders and list those waiting for them
(`/api/v1`).

Authentication, with no session and no CSRF (the signature is the credential): `X-Dialtone-Carrier: <carrier
code>` and `X-Dialtone-Signature: sha256=<hex HMAC-SHA256>` with that carrier's webhook secret, over

- the raw body (POST only: the scheme the README has always documented, kept for carriers that use it), or
- `<METHOD>\\n<path>\\n<X-Dialtone-Timestamp>\\n` followed by the raw body (every request; a GET needs it), where
  the timestamp is the Unix time in seconds (with up to six decimals: two requests signed in one second need
  distinct timestamps), at most five minutes from the portal's clock, and each signature is accepted once: a
  short replay cache in Redis remembers it for the window.

The headers are checked before the body is read, and a body larger than `CARRIER_API_MAX_BYTES` is refused (413)
without being read.
"""

from __future__ import annotations

import calendar
import hmac
import json
import re

from flask import Blueprint, current_app, jsonify, request
from redis.exceptions import RedisError
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from app import clock, commands, params
from app.crypto import decrypt
from app.extensions import db
from app.fulfilment import outbound, wireline
from app.fulfilment.records import FactInUse, FulfilmentError, InvalidReport
from app.fulfilment.updates import UnknownOrder, UpdateIdReused
from app.models import Carrier, Order
from app.queue import redis_connection
from app.signing import signature, signed_request
from app.web.carrier_api_spec import DOCUMENT

__all__ = ["bp", "signature", "signed_request", "unix_now"]

bp = Blueprint("carrier_api", __name__, url_prefix="/api/v1")

SIGNATURE = re.compile(r"sha256=[0-9a-fA-F]{64}")
WINDOW_SECONDS = 300  # a timestamp further than this from the portal's clock is refused
CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
TIMESTAMP = re.compile(r"[0-9]{1,12}(\.[0-9]{1,6})?")


def unix_now() -> int:
    return calendar.timegm(clock.now().utctimetuple())


class Refused(Exception):
    """The request is not authenticated: (the answer's status, its error)."""

    def __init__(self, status: int, error: str):
        super().__init__(error)
        self.status, self.error = status, error


UNAUTHORIZED = "unknown carrier or bad signature"


def _carrier_from_headers() -> tuple[Carrier, str, str | None]:
    """The carrier, the signature and the timestamp the headers give, checked before any of the body is read."""
    code = request.headers.get("X-Dialtone-Carrier", "")
    given = request.headers.get("X-Dialtone-Signature", "").lower()
    timestamp = request.headers.get("X-Dialtone-Timestamp")
    if not CODE.fullmatch(code) or not SIGNATURE.fullmatch(given):
        raise Refused(401, UNAUTHORIZED)
    if timestamp is None and request.method != "POST":
        raise Refused(401, "sign the request with its method, path and X-Dialtone-Timestamp")
    if timestamp is not None:
        if not TIMESTAMP.fullmatch(timestamp):
            raise Refused(401, "X-Dialtone-Timestamp is the Unix time in seconds")
        if abs(unix_now() - float(timestamp)) > WINDOW_SECONDS:
            raise Refused(401, "X-Dialtone-Timestamp is more than five minutes from the portal's clock")
    carrier = db.session.scalar(select(Carrier).where(Carrier.code == code))
    if carrier is None or not carrier.active or not carrier.webhook_secret_encrypted:
        raise Refused(401, UNAUTHORIZED)
    limit = current_app.config["CARRIER_API_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise Refused(413, f"the body is larger than {limit} bytes")
    return carrier, given, timestamp


def _read_body() -> bytes:
    """The body, never more than the API's limit of it (a body without a length is cut off there: 413)."""
    limit = current_app.config["CARRIER_API_MAX_BYTES"]
    request.max_content_length = limit
    try:
        return request.get_data(cache=False)
    except RequestEntityTooLarge:
        raise Refused(413, f"the body is larger than {limit} bytes") from None


def _authenticate() -> tuple[Carrier, bytes]:
    """The signing carrier and the body; raises Refused."""
    carrier, given, timestamp = _carrier_from_headers()
    body = _read_body()
    try:
        secret = decrypt(carrier.webhook_secret_encrypted or "")
    except ValueError:
        raise Refused(401, UNAUTHORIZED) from None
    if timestamp is None:
        expected = signature(secret, body)
    else:
        expected = signed_request(secret, request.method, request.path, timestamp, body)
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise Refused(401, UNAUTHORIZED)
    if timestamp is not None:
        _first_use(carrier, given)
    return carrier, body


def _first_use(carrier: Carrier, given: str) -> None:
    """Each timestamped signature is accepted once: the replay cache keeps it as long as the window lasts."""
    key = f"dialtone:{current_app.config['RQ_QUEUE']}:carrier-api-seen:{carrier.code}:{given[7:]}"
    try:
        first = redis_connection().set(key, "1", nx=True, ex=2 * WINDOW_SECONDS)
    except RedisError:
        raise Refused(503, "the portal cannot check for replays right now: try again in a moment") from None
    if not first:
        raise Refused(401, "this signed request was already used: sign each request anew")


def _storable(payload: object) -> bool:
    """Every string in the body (keys too) can be stored: UTF-8 encodable and free of NUL characters."""
    stack = [payload]
    while stack:  # no recursion: a deeply nested body must not exhaust the stack here either
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return False
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return True


@bp.errorhandler(Refused)
def refused(error: Refused):
    return jsonify(error=error.error), error.status


@bp.route("/carrier-updates", methods=["POST"])
def carrier_updates():
    """Store a carrier's update (applied by the worker): 202, or 200 for an update id seen before."""
    carrier, body = _authenticate()
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return jsonify(error="the body is not valid JSON"), 400
    if not _storable(payload):
        return jsonify(error="the body holds text that cannot be stored (a NUL character or a lone surrogate)"), 400
    try:
        received = commands.receive_carrier_update(db.session, carrier, payload)
        if received.outcome == "duplicate":
            db.session.rollback()
            return jsonify(status="duplicate", update_id=payload.get("update_id")), 200
        db.session.commit()
    except FactInUse as clash:
        db.session.rollback()
        return jsonify(error="already on record elsewhere", errors=clash.errors), 409
    except InvalidReport as invalid:
        db.session.rollback()
        return jsonify(errors=invalid.errors), 422
    except UnknownOrder as unknown:
        db.session.rollback()
        return jsonify(error=str(unknown)), 404
    except (FulfilmentError, UpdateIdReused) as refusal:
        db.session.rollback()
        return jsonify(error=str(refusal)), 409
    return jsonify(status="accepted", update_id=payload["update_id"]), 202


ORDERS_PER_PAGE = 50


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API and of what the portal sends to carriers (no signature needed)."""
    return jsonify(DOCUMENT)


@bp.route("/orders")
def orders_waiting():
    """For carriers that poll: their approved orders (`?status=approved`, the one status listed), oldest approval
    first, 50 a page (`?page=2`), each as the hand-off sends it; a carrier acknowledges one through its updates."""
    carrier, _body = _authenticate()
    if request.args.get("status", "approved") != "approved":
        return jsonify(error="only orders waiting for the carrier are listed: status=approved"), 400
    page = params.page(request.args)
    documents, total = outbound.waiting_for(db.session, carrier, page, ORDERS_PER_PAGE)
    more = page * ORDERS_PER_PAGE < total
    return jsonify(
        orders=documents, page=page, per_page=ORDERS_PER_PAGE, total=total, next_page=page + 1 if more else None
    )


@bp.route("/orders/<number>")
def order_status(number: str):
    """What is recorded on an order, for carriers that poll (signed with the method, path and timestamp)."""
    carrier, _body = _authenticate()
    order = db.session.scalar(select(Order).where(Order.number == number))
    if order is None or order.carrier_id != carrier.id:
        return jsonify(error=f"No order {number} for {carrier.name}."), 404
    wireline_facts = wireline.read_back(order)
    extra = (
        {} if wireline_facts is None else {"site": order.site.name if order.site else None, "wireline": wireline_facts}
    )
    return jsonify(
        **extra,
        order_number=order.number,
        type=order.type,
        status=order.status.value,
        carrier_reference=order.carrier_reference,
        service_number=order.service_number,
        devices=[{"imei": d.imei, "serial": d.serial, "iccid": d.iccid} for d in order.reported_devices],
        shipments=[
            {"shipping_carrier": s.shipping_carrier, "tracking_number": s.tracking_number} for s in order.shipments
        ],
        updated_at=order.updated_at.isoformat() + "Z",
    )


@bp.errorhandler(404)
def not_found(_error):
    return jsonify(error="not found"), 404


@bp.errorhandler(405)
def method_not_allowed(_error):
    return jsonify(error="method not allowed"), 405


@bp.errorhandler(413)
def too_large(_error):
    return jsonify(error=f"the body is larger than {current_app.config['CARRIER_API_MAX_BYTES']} bytes"), 413
