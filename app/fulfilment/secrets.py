"""A port's or transfer's account number and PIN: encrypted at rest and masked everywhere, the fulfilment team
reveals them on purpose to carry out the port (written to the audit log and the order's timeline, with who and
when), and they are erased once the order is over (`app.orders.lifecycle` clears them at a final status)."""

from __future__ import annotations

from app.admin.audit import record_audit
from app.crypto import decrypt_json
from app.database import DbSession
from app.models import EventKind, Order, User
from app.orders import lifecycle

# The secret answers of an order's form, by name, as the console shows them.
LABELS = {"account_number": "Account number at the current carrier", "transfer_pin": "Transfer PIN"}
SHOWN_SECONDS = 60


class SecretsGone(Exception):
    """The order has no secrets to reveal (none given, or erased when it ended)."""


def has_secrets(order: Order) -> bool:
    return bool(order.secrets_encrypted) and bool(decrypt_json(order.secrets_encrypted))


def reveal(session: DbSession, order: Order, actor: User) -> list[tuple[str, str]]:
    """The order's secrets in clear, as (label, value); the reveal is recorded (the caller commits)."""
    secrets = decrypt_json(order.secrets_encrypted) if order.secrets_encrypted else {}
    if not secrets or order.status not in lifecycle.IN_FULFILMENT:
        raise SecretsGone(f"{order.number} has no account number or PIN to reveal: they are erased once it is over.")
    record_audit(session, actor, "order.reveal_secrets", order.number, fields=sorted(secrets))
    lifecycle.record(
        session, order, EventKind.NOTE, actor, comment=f"{actor.name} revealed the account number and PIN."
    )
    return [(LABELS.get(name, name.replace("_", " ").capitalize()), value) for name, value in sorted(secrets.items())]
