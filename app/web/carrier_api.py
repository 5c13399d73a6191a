"""The signed JSON API through which carriers push order updates and poll orders (`/api/v1`).

Authentication: `X-Dialtone-Carrier: <carrier code>` and `X-Dialtone-Signature: sha256=<hex HMAC-SHA256 of the
raw body with that carrier's webhook secret>`. No session, no CSRF: the signature is the credential.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from app import commands
from app.crypto import decrypt
from app.extensions import db
from app.fulfilment.records import FulfilmentError, InvalidReport
from app.fulfilment.updates import UnknownOrder
from app.models import Carrier, Order

bp = Blueprint("carrier_api", __name__, url_prefix="/api/v1")


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _authenticated_carrier(body: bytes) -> Carrier | None:
    code = request.headers.get("X-Dialtone-Carrier", "")
    given = request.headers.get("X-Dialtone-Signature", "")
    carrier = db.session.scalar(select(Carrier).where(Carrier.code == code)) if code else None
    if carrier is None or not carrier.active or not carrier.webhook_secret_encrypted or not given:
        return None
    try:
        secret = decrypt(carrier.webhook_secret_encrypted)
    except ValueError:
        return None
    return carrier if hmac.compare_digest(signature(secret, body), given) else None


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


def _unauthorized():
    return jsonify(error="unknown carrier or bad signature"), 401


@bp.route("/carrier-updates", methods=["POST"])
def carrier_updates():
    """Store a carrier's update (applied by the worker): 202, or 200 for an update id seen before."""
    body = request.get_data(cache=False)
    carrier = _authenticated_carrier(body)
    if carrier is None:
        return _unauthorized()
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
    except InvalidReport as invalid:
        db.session.rollback()
        return jsonify(errors=invalid.errors), 422
    except UnknownOrder as unknown:
        db.session.rollback()
        return jsonify(error=str(unknown)), 404
    except FulfilmentError as refused:
        db.session.rollback()
        return jsonify(error=str(refused)), 409
    return jsonify(status="accepted", update_id=payload["update_id"]), 202


@bp.route("/orders/<number>")
def order_status(number: str):
    """What is recorded on an order, for carriers that poll (signed over the empty body)."""
    carrier = _authenticated_carrier(request.get_data(cache=False))
    if carrier is None:
        return _unauthorized()
    order = db.session.scalar(select(Order).where(Order.number == number))
    if order is None or order.carrier_id != carrier.id:
        return jsonify(error=f"No order {number} for {carrier.name}."), 404
    return jsonify(
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
