"""search inside numbers: every ending of each line's national number, indexed, so that digits typed anywhere in a
number are found by an index range scan

Revision ID: m22_number_endings
Revises: m17_paths
Create Date: 2026-12-05 07:30:00

Hand-written.
"""
from alembic import op
import sqlalchemy as sa

revision = "m22_number_endings"
down_revision = "m17_paths"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    op.create_table(
        "line_number_endings",
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("ending", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["line_id"], ["lines.id"], name=op.f("fk_line_number_endings_line_id_lines"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("line_id", "ending", name=op.f("pk_line_number_endings")),
    )
    connection = op.get_bind()
    endings = sa.table("line_number_endings", sa.column("line_id", sa.Integer), sa.column("ending", sa.String))
    rows = connection.execute(sa.text("SELECT id, number_digits FROM lines ORDER BY id")).fetchall()
    pending = []
    for line_id, digits in rows:
        pending.extend({"line_id": line_id, "ending": digits[i:]} for i in range(len(digits or "")))
        if len(pending) >= BATCH:
            connection.execute(endings.insert(), pending)
            pending = []
    if pending:
        connection.execute(endings.insert(), pending)
    op.create_index("ix_line_number_endings_ending", "line_number_endings", ["ending", "line_id"])


def downgrade():
    op.drop_index("ix_line_number_endings_ending", table_name="line_number_endings")
    op.drop_table("line_number_endings")
