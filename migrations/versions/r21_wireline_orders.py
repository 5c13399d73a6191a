"""wireline orders: an order's site and service, a service's dated disconnection, its IP block and its voice
features (hunt group, caller ID name), and approval policies that match the module and the contract term

Revision ID: r21_wireline_orders
Revises: q21_sites
Create Date: 2026-12-10 10:00:00

Hand-written.
"""
from alembic import op
import sqlalchemy as sa

revision = "r21_wireline_orders"
down_revision = "q21_sites"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("service_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_orders_site_id_sites", "sites", ["site_id"], ["id"])
        batch.create_foreign_key("fk_orders_service_id_wireline_services", "wireline_services", ["service_id"], ["id"])
        batch.create_index("ix_orders_site_id", ["site_id"])
        batch.create_index("ix_orders_service_id", ["service_id"])
    with op.batch_alter_table("wireline_services") as batch:
        batch.add_column(sa.Column("disconnects_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("hunt_group", sa.String(length=20), server_default="", nullable=False))
        batch.add_column(sa.Column("caller_id_name", sa.String(length=15), server_default="", nullable=False))
        batch.add_column(sa.Column("ip_block", sa.String(length=43), server_default="", nullable=False))
    with op.batch_alter_table("approval_policies") as batch:
        batch.add_column(sa.Column("modules", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("min_term_months", sa.Integer(), nullable=True))
    op.execute("UPDATE approval_policies SET modules = '[]'")
    with op.batch_alter_table("approval_policies") as batch:
        batch.alter_column("modules", existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table("approval_policies") as batch:
        batch.drop_column("min_term_months")
        batch.drop_column("modules")
    with op.batch_alter_table("wireline_services") as batch:
        batch.drop_column("ip_block")
        batch.drop_column("caller_id_name")
        batch.drop_column("hunt_group")
        batch.drop_column("disconnects_on")
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_service_id")
        batch.drop_index("ix_orders_site_id")
        batch.drop_constraint("fk_orders_service_id_wireline_services", type_="foreignkey")
        batch.drop_constraint("fk_orders_site_id_sites", type_="foreignkey")
        batch.drop_column("service_id")
        batch.drop_column("site_id")
