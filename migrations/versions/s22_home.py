"""orders: an index of the open orders only, latest change first, for the team's open orders on the home page

Revision ID: s22_home
Revises: q22_org_chart
Create Date: 2026-12-05 21:40:00

Hand-written. The home page lists a manager's team's open orders, latest change first. For the COO the team is
everyone: without this index, PostgreSQL reads and sorts all the company's open orders to keep the first eleven;
with it, it walks the open orders in the order shown and keeps those whose person is below the manager. The
statuses are those of app.orders.lifecycle.OPEN when this was written.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "s22_home"
down_revision = "q22_org_chart"
branch_labels = None
depends_on = None

OPEN = (
    "status IN ('pending_approval', 'info_requested', 'approved', 'with_carrier', 'shipped', 'needs_attention', "
    "'cancellation_requested')"
)


def upgrade():
    op.create_index(
        "ix_orders_open_updated",
        "orders",
        ["updated_at", "id"],
        unique=False,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def downgrade():
    op.drop_index("ix_orders_open_updated", table_name="orders")
