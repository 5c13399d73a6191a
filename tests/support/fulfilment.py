"""Fulfilment: an order approved and waiting for its carrier, the signed carrier API (updates pushed, orders polled)
and the worker's sweep run in place."""

from __future__ import annotations

import itertools
import json

from sqlalchemy import select

from app import commands
from app.extensions import db
from app.identifiers import make_iccid, make_imei
from app.models import Order, OrderStatus
from app.web.carrier_api import signature, signed_request, unix_now
from tests.support.ordering import age_erins_device, place, valid_orders

SECRET = "demo-carrier-secret"  # the demo carriers' webhook secret
_signed = itertools.count(1)  # each signed request its own timestamp, even two in one second
NEW_IMEI = make_imei("35391110", 777001)
NEW_ICCID = make_iccid("01410", 987654)


def approved(app, login, demo, code: str, **changes) -> str:
    """Place a valid order of `code` (with `changes` to its answers) and approve every step."""
    if code == "upgrade":
        age_erins_device(app, days=800)
    role, data, for_email = valid_orders(demo)[code]
    data = {**data, **changes}
    number = place(login(role), code, data, for_user=demo.user(for_email) if for_email else None)
    with app.app_context():
        while True:
            order = db.session.scalar(select(Order).where(Order.number == number))
            if order.status is not OrderStatus.PENDING_APPROVAL:
                break
            from app.models import Approval, ApprovalStatus

            step = db.session.scalar(
                select(Approval).where(Approval.order_id == order.id, Approval.status == ApprovalStatus.PENDING)
            )
            commands.approve(db.session, step, step.assignee or step.group.members[0])
            db.session.commit()
        assert order.status is OrderStatus.APPROVED
    return number


def push(client, carrier: str, body: dict | bytes, secret: str = SECRET, sign: bool = True):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "X-Dialtone-Carrier": carrier}
    if sign:
        headers["X-Dialtone-Signature"] = signature(secret, raw)
    return client.post("/api/v1/carrier-updates", data=raw, headers=headers)


def carrier_code(app, number: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Order).where(Order.number == number)).carrier.code


def signed_headers(app, carrier: str, method: str, path: str, body: bytes = b"", *, secret: str = SECRET, at=None):
    """The headers of a request signed with its method, path and timestamp (`at`: Unix seconds; default now)."""
    with app.app_context():
        timestamp = f"{unix_now() if at is None else at}.{next(_signed) % 1000:03d}"
    return {
        "X-Dialtone-Carrier": carrier,
        "X-Dialtone-Timestamp": timestamp,
        "X-Dialtone-Signature": signed_request(secret, method, path, timestamp, body),
    }


def poll(app, client, carrier: str, number: str, **kwargs):
    """GET an order as a carrier that polls, signed anew."""
    path = f"/api/v1/orders/{number}"
    return client.get(path, headers=signed_headers(app, carrier, "GET", path, **kwargs))


def apply_pending(app) -> None:
    """Run the worker's carrier sweep once (it applies what is stored)."""
    from app.jobs import carrier_sweep

    with app.app_context():
        carrier_sweep()
