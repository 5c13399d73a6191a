"""the dashboard's charts of what waits now: the steps waiting and the orders waiting or stopped, read from indexes

Revision ID: t22_waiting
Revises: s22_search
Create Date: 2026-12-06 07:20:00

Hand-written. The charts of approval steps waiting (by approver, by age) and of orders needing attention read one
table page per step and per order (15,000 to 19,000 pages each at 2,000,000 orders); with what they read in partial
indexes of the waiting rows alone, PostgreSQL reads the indexes.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "t22_waiting"
down_revision = "s22_search"
branch_labels = None
depends_on = None

ORDER_COLUMNS = ["id", "carrier_id", "employee_id", "type", "submitted_at"]
ORDERS = {  # an index per status (app.models.orders.WAITING_INDEXES)
    "ix_orders_pending_approval": "status = 'pending_approval'",
    "ix_orders_needs_attention": "status = 'needs_attention'",
}
PENDING_STEP = "status = 'pending'"


def upgrade():
    op.create_index(
        "ix_approvals_pending_steps",
        "approvals",
        ["group_id", "assignee_id", "order_id", "assigned_at"],  # a group's steps waiting (the badge): a range
        sqlite_where=sa.text(PENDING_STEP),
        postgresql_where=sa.text(PENDING_STEP),
    )
    for name, where in ORDERS.items():
        op.create_index(name, "orders", ORDER_COLUMNS, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def downgrade():
    for name in ORDERS:
        op.drop_index(name, table_name="orders")
    op.drop_index("ix_approvals_pending_steps", table_name="approvals")
