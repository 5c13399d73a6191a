"""line search: the lines in number order with their digits, walked alone by a search for digits many numbers have

Revision ID: s22_search
Revises: s22_lists
Create Date: 2026-12-05 22:00:00

Hand-written. A search for three digits that thousands of numbers have (an area code) walks the lines in number
order until it has a page of them; with the digits in the index it reads the index alone, not each line.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "s22_search"
down_revision = "s22_lists"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_lines_number_walk", "lines", ["number", "id", "number_digits"])


def downgrade():
    op.drop_index("ix_lines_number_walk", table_name="lines")
