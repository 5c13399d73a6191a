"""carrier updates get a state: pending, applied, failed (taken but not applied: it no longer holds up its order's
later updates, and waits for the fulfilment team) or set aside

Revision ID: m16_carrier_update_state
Revises: k1_order_domain
Create Date: 2026-12-20 09:00:00

Hand-written. Updates already taken are "applied" (a refusal was recorded on the order's timeline then).
"""
from alembic import op
import sqlalchemy as sa

revision = "m16_carrier_update_state"
down_revision = "k1_order_domain"
branch_labels = None
depends_on = None

STATES = ("pending", "applied", "failed", "set_aside")


def upgrade():
    with op.batch_alter_table("carrier_updates") as batch:
        batch.add_column(sa.Column(
            "state", sa.Enum(*STATES, name="carrierupdatestate", native_enum=False, length=30),
            server_default="pending", nullable=False))
        batch.create_index("ix_carrier_updates_state", ["state"])
    op.execute("UPDATE carrier_updates SET state = 'applied' WHERE applied_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table("carrier_updates") as batch:
        batch.drop_index("ix_carrier_updates_state")
        batch.drop_column("state")
