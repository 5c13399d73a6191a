"""merge the inventory, administration, notifications and dashboard branches into one head

Revision ID: f1_merge
Revises: b1_inventory, c1_admin, d1_notifications, e1_dashboard
"""

revision = "f1_merge"
down_revision = ("b1_inventory", "c1_admin", "d1_notifications", "e1_dashboard")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
