"""Secrets: a port-in's transfer PIN and the account number at the current carrier are encrypted at rest with the
key from configuration (ENCRYPTION_KEY), and shown masked: never in the clear on any page any role can open, in
any email, in any CSV export, in any log line, nor anywhere in the database."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from app.crypto import decrypt_json, mask
from app.extensions import db
from app.models import Notification, Order
from tests.support.approvals import approve_in_inbox
from tests.support.helpers import Client
from tests.support.ordering import Demo, valid_orders
from tests.support.security import ROLES, build_world, crawl, database_text

SECRETS = {"transfer_pin": "7305918264", "account_number": "ACCT-9081726354"}  # found nowhere in the demo company


@pytest.mark.parametrize("field", sorted(SECRETS))
def test_a_port_secret_is_encrypted_with_the_configured_key_and_never_shown(app, login, caplog, field):
    PIN = SECRETS[field]
    for logger in [logging.getLogger(), *map(logging.getLogger, list(logging.root.manager.loggerDict))]:
        logger.disabled = False  # an earlier migration's logging set-up may have silenced the app's loggers
    caplog.set_level(logging.DEBUG)
    key = Fernet.generate_key().decode()
    app.config["ENCRYPTION_KEY"] = key
    demo = Demo(app)
    admin = login("admin")
    assert PIN not in database_text(app) and PIN not in admin.get("/inventory/lines.csv").get_data(as_text=True)

    data = {**valid_orders(demo)["port_in"][1], field: PIN}
    ids = build_world(app, login, order_data=data, order_code="port_in")
    number = ids["number"]
    clients = {
        email: login(role) for role, email in (("manager", "manager@example.com"), ("telecom", "telecom@example.com"))
    }
    approve_in_inbox(app, number, clients)
    tara = clients["telecom@example.com"]
    assert tara.post(f"/fulfillment/orders/{number}/placed", {"carrier_reference": "CT-1"}).status_code == 302
    # a draft port-in too: its edit form must not give the PIN back
    draft = login("employee").post("/orders/new/port_in", {**data, "action": "save_draft"})
    assert draft.status_code == 302

    # at rest: only ciphertext, which opens with the configured key and no other
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert PIN not in (order.secrets_encrypted or "") and PIN not in str(order.details)
        assert decrypt_json(order.secrets_encrypted)[field] == PIN
        assert Fernet(key.encode()).decrypt(order.secrets_encrypted.encode())
        app.config["ENCRYPTION_KEY"] = Fernet.generate_key().decode()
        with pytest.raises(ValueError):
            decrypt_json(order.secrets_encrypted)
        app.config["ENCRYPTION_KEY"] = key
        drafts = db.session.scalars(select(Order.number).where(Order.status == "draft")).all()
    assert PIN not in database_text(app)

    # every page every role can open (HTMX fragments, CSV exports and the emails' own page included)
    masked_seen = False
    for role in ROLES:
        client = Client(app) if role == "anonymous" else login(role)
        extra = (
            [f"/orders/{d}/edit" for d in drafts]
            + [f"/orders/{d}/review" for d in drafts]
            + [f"/fulfillment/orders/{number}", f"/orders/{number}", "/orders?q=" + number]
        )
        for url, response in crawl(client, app, ids, extra=extra).items():
            body = response.get_data()
            assert PIN.encode() not in body, f"{role} {url} shows the PIN"
            masked_seen = masked_seen or mask(PIN).encode() in body
    assert masked_seen, "the order shows the PIN masked"
    with app.app_context():
        notes = db.session.scalars(select(Notification)).all()
        assert len(notes) >= 4
        for note in notes:
            assert PIN not in note.subject + note.body_html + note.body_text, note.milestone
    logged = "\n".join(record.getMessage() + str(record.args) for record in caplog.records)
    assert caplog.records and PIN not in logged
