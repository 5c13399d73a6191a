"""devices owed back after an order are found by that order: an index on devices.return_order_id

Revision ID: s22_lists
Revises: s22_home
Create Date: 2026-12-05 22:00:00

Hand-written. The order page lists the devices its order replaced and that are still owed back; without the index
PostgreSQL read every device owed back in the company (tens of thousands) to find an order's one or two.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "s22_lists"
down_revision = "s22_home"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_devices_return_order_id", "devices", ["return_order_id"])


def downgrade():
    op.drop_index("ix_devices_return_order_id", table_name="devices")
