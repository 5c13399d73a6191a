"""carriers reached through their API: a third fulfilment mode with the carrier's order endpoint, its signing
secret (encrypted) and a timeout; the sends to carriers' APIs, stored until the carrier answers

Revision ID: n20_carrier_api
Revises: m19_words_without_accents
Create Date: 2026-12-05 07:45:00

Hand-written. The fulfilment mode is stored as a plain string (no native enum, no check constraint): "api" needs
no change to the column.
"""
from alembic import op
import sqlalchemy as sa

revision = "n20_carrier_api"
down_revision = "m19_words_without_accents"
branch_labels = None
depends_on = None

STATES = ("waiting", "sent", "refused", "gave_up", "dropped")


def upgrade():
    with op.batch_alter_table("carriers") as batch:
        batch.add_column(sa.Column("api_url", sa.String(length=500), nullable=False, server_default=""))
        batch.add_column(sa.Column("api_secret_encrypted", sa.Text(), nullable=True))
        batch.add_column(sa.Column("api_timeout_seconds", sa.Integer(), nullable=False, server_default="10"))
    op.create_table(
        "carrier_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("state", sa.Enum(*STATES, name="carrierrequeststate", native_enum=False, length=30),
                  server_default="waiting", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_try_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_carrier_requests_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_requests")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_carrier_requests_idempotency_key")),
    )
    op.create_index(op.f("ix_carrier_requests_order_id"), "carrier_requests", ["order_id"])
    op.create_index("ix_carrier_requests_due", "carrier_requests", ["state", "next_try_at"])


def downgrade():
    op.drop_index("ix_carrier_requests_due", table_name="carrier_requests")
    op.drop_index(op.f("ix_carrier_requests_order_id"), table_name="carrier_requests")
    op.drop_table("carrier_requests")
    with op.batch_alter_table("carriers") as batch:
        batch.drop_column("api_timeout_seconds")
        batch.drop_column("api_secret_encrypted")
        batch.drop_column("api_url")
