"""merge the performance and security branches into one head

Revision ID: i1_merge
Revises: g1_perf, h1_security
"""

revision = "i1_merge"
down_revision = ("g1_perf", "h1_security")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
