"""the account number a line moves from (a port, a transfer of liability) becomes a secret like the transfer PIN:
moved from the order's details into its encrypted secrets, and masked in the summary pages and emails show

Revision ID: m16_port_account_secret
Revises: m16_carrier_update_state
Create Date: 2026-12-20 10:00:00

Hand-written. Uses the application's encryption key (app.crypto), as the portal does: run it with the same
ENCRYPTION_KEY (or SECRET_KEY) as the portal.
"""
import json

from alembic import op
import sqlalchemy as sa

from app.crypto import decrypt_json, encrypt_json, mask

revision = "m16_port_account_secret"
down_revision = "m16_carrier_update_state"
branch_labels = None
depends_on = None

LABEL = "Account number at the current carrier"
TYPES = ("port_in", "transfer_liability")  # the order types that asked for it (AccountPart) when this was written
orders = sa.table(
    "orders",
    sa.column("id", sa.Integer),
    sa.column("type", sa.String),
    sa.column("details", sa.JSON),
    sa.column("secrets_encrypted", sa.Text),
)


def _orders(connection):
    return connection.execute(
        sa.select(orders.c.id, orders.c.details, orders.c.secrets_encrypted).where(orders.c.type.in_(TYPES))
    ).all()


def _details(value):
    return json.loads(value) if isinstance(value, str) else (value or {})


def upgrade():
    connection = op.get_bind()
    for row in _orders(connection):
        details = _details(row.details)
        if "account_number" not in details:
            continue
        number = str(details.pop("account_number") or "")
        secrets = decrypt_json(row.secrets_encrypted)
        if number:
            secrets["account_number"] = number
        details["_summary"] = [
            [label, mask(text) if label == LABEL and text == number else text]
            for label, text in details.get("_summary", [])
        ]
        connection.execute(
            orders.update()
            .where(orders.c.id == row.id)
            .values(details=details, secrets_encrypted=encrypt_json(secrets))
        )


def downgrade():
    connection = op.get_bind()
    for row in _orders(connection):
        secrets = decrypt_json(row.secrets_encrypted)
        if "account_number" not in secrets:
            continue
        details = _details(row.details)
        number = secrets.pop("account_number")
        details["account_number"] = number
        details["_summary"] = [
            [label, number if label == LABEL else text] for label, text in details.get("_summary", [])
        ]
        connection.execute(
            orders.update()
            .where(orders.c.id == row.id)
            .values(details=details, secrets_encrypted=encrypt_json(secrets))
        )
