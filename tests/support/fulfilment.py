"""Fulfilment: an order approved and waiting for its carrier, and the signed carrier API."""

from __future__ import annotations

import json

from sqlalchemy import select

from app import commands
from app.extensions import db
from app.identifiers import make_iccid, make_imei
from app.models import Order, OrderStatus
from app.web.carrier_api import signature
from tests.support.ordering import age_erins_device, place, valid_orders

SECRET = "demo-carrier-secret"  # the demo carriers' webhook secret
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
