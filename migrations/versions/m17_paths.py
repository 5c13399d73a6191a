"""every path leads somewhere: devices owed back, dated disconnections and planned suspension ends, the carrier's
early-upgrade charge, a suspension reason as long as the form allows, the receiving manager in the company default

Revision ID: m17_paths
Revises: m16_port_account_secret
Create Date: 2026-12-05 06:10:00

Hand-written.
"""
from alembic import op
import sqlalchemy as sa

revision = "m17_paths"
down_revision = "m16_port_account_secret"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("return_due_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("return_order_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("returned_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("return_charge_cents", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("return_reminded_at", sa.DateTime(), nullable=True))
        batch.create_index(op.f("ix_devices_return_due_on"), ["return_due_on"])
        batch.create_foreign_key(op.f("fk_devices_return_order_id_orders"), "orders", ["return_order_id"], ["id"])
    with op.batch_alter_table("lines") as batch:
        batch.alter_column("suspend_reason", type_=sa.String(500), existing_type=sa.String(200))
        batch.add_column(sa.Column("suspended_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("disconnects_on", sa.Date(), nullable=True))
    with op.batch_alter_table("carriers") as batch:
        batch.add_column(sa.Column("early_upgrade_fee_cents", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "dated_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_dated_changes_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dated_changes")),
    )
    op.create_index(op.f("ix_dated_changes_order_id"), "dated_changes", ["order_id"])
    op.create_index("ix_dated_changes_due", "dated_changes", ["done_at", "due_on"])
    # The company default gains the receiving manager: a line assigned into another team asks that team's manager
    # (the step is left out of every other order).
    connection = op.get_bind()
    default_id = connection.execute(sa.text("SELECT id FROM approval_policies WHERE is_default")).scalar()
    if default_id is not None:
        last = connection.execute(sa.text("SELECT COALESCE(MAX(position), 0) FROM approval_policy_steps "
                                          "WHERE policy_id = :p"), {"p": default_id}).scalar()
        connection.execute(sa.text("INSERT INTO approval_policy_steps (policy_id, position, approver_kind) "
                                   "VALUES (:p, :position, 'receiving_manager')"), {"p": default_id, "position": last + 1})


def downgrade():
    op.drop_index("ix_dated_changes_due", table_name="dated_changes")
    op.drop_index(op.f("ix_dated_changes_order_id"), table_name="dated_changes")
    op.drop_table("dated_changes")
    with op.batch_alter_table("carriers") as batch:
        batch.drop_column("early_upgrade_fee_cents")
    with op.batch_alter_table("lines") as batch:
        batch.drop_column("disconnects_on")
        batch.drop_column("suspended_until")
        batch.alter_column("suspend_reason", type_=sa.String(200), existing_type=sa.String(500))
    with op.batch_alter_table("devices") as batch:
        batch.drop_constraint(op.f("fk_devices_return_order_id_orders"), type_="foreignkey")
        batch.drop_index(op.f("ix_devices_return_due_on"))
        for name in ("return_reminded_at", "return_charge_cents", "returned_on", "return_order_id", "return_due_on"):
            batch.drop_column(name)
