"""the numbers lines had are searchable: an index of the old values of number changes in the inventory history

Revision ID: p19_old_numbers
Revises: o18_conversation
Create Date: 2026-12-05 14:05:00

Hand-written.
"""
from alembic import op
import sqlalchemy as sa

revision = "p19_old_numbers"
down_revision = "o18_conversation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_inventory_changes_old_numbers",
        "inventory_changes",
        ["old_value"],
        postgresql_where=sa.text("field = 'number'"),
        sqlite_where=sa.text("field = 'number'"),
    )


def downgrade():
    op.drop_index("ix_inventory_changes_old_numbers", table_name="inventory_changes")
