"""the live lines assigned to nobody, indexed alone: the helpdesk's line list of Assign line offers them

Revision ID: u22_unassigned_lines
Revises: t22_waiting
Create Date: 2026-12-06 11:45:00

Hand-written. Assign line lists the employee's lines and, for the helpdesk, the live lines assigned to nobody; the
statement read every unassigned line to keep the live ones (15,836 at 2,000,000 orders, none live: 6,431 table
pages). A partial index of the live unassigned lines alone serves that half of it.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "u22_unassigned_lines"
down_revision = "t22_waiting"
branch_labels = None
depends_on = None

UNASSIGNED_LIVE = "employee_id IS NULL AND status IN ('active', 'suspended')"


def upgrade():
    op.create_index(
        "ix_lines_unassigned_live",
        "lines",
        ["number"],
        sqlite_where=sa.text(UNASSIGNED_LIVE),
        postgresql_where=sa.text(UNASSIGNED_LIVE),
    )


def downgrade():
    op.drop_index("ix_lines_unassigned_live", table_name="lines")
