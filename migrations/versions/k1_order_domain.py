"""the domain owns the order: hand-off as a column, one open order per line held by the database, and a company
default approval policy so that approvals fail closed

Revision ID: k1_order_domain
Revises: j1_person_words
Create Date: 2026-12-05 09:00:00

Hand-written.
- orders.handed_off_at: when the order went to its carrier's adapter (was a timeline event searched for); filled
  from those events.
- orders.line_claim: the line an open order that changes a line holds (unique); filled for the open orders of
  those types, the oldest first when two were open on one line.
- approval_policies: a fresh install gets the company default (the requester's manager), so no order is ever
  approved by nobody.
"""
from alembic import op
import sqlalchemy as sa

revision = "k1_order_domain"
down_revision = "j1_person_words"
branch_labels = None
depends_on = None

# The types that changed a line when this migration was written (app.orders.types: claims_line).
LINE_TYPES = ("upgrade", "warranty_replacement", "port_in", "transfer_liability", "change_features", "change_plan",
              "change_number", "swap_to_stock_device", "sim_request", "restore", "assign_line", "suspend",
              "disconnect")
OPEN = ("pending_approval", "info_requested", "approved", "with_carrier", "shipped", "needs_attention")


def upgrade():
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("handed_off_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("line_claim", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_orders_line_claim_lines"), "lines", ["line_claim"], ["id"])
        batch.create_unique_constraint(op.f("uq_orders_line_claim"), ["line_claim"])
        batch.create_index("ix_orders_status_handed_off", ["status", "handed_off_at"])
    connection = op.get_bind()
    connection.execute(sa.text(
        "UPDATE orders SET handed_off_at = (SELECT MIN(e.at) FROM order_events e "
        "WHERE e.order_id = orders.id AND e.kind = 'handed_off')"))
    types = ", ".join(f"'{t}'" for t in LINE_TYPES)
    statuses = ", ".join(f"'{s}'" for s in OPEN)
    connection.execute(sa.text(
        f"UPDATE orders SET line_claim = line_id WHERE id IN (SELECT MIN(id) FROM orders WHERE line_id IS NOT NULL "
        f"AND type IN ({types}) AND status IN ({statuses}) GROUP BY line_id)"))
    if connection.execute(sa.text("SELECT COUNT(*) FROM approval_policies WHERE is_default")).scalar() == 0:
        policy_id = connection.execute(sa.text(
            "INSERT INTO approval_policies (name, priority, active, is_default, order_types, carrier_ids) "
            "VALUES ('Company default', 1000, :yes, :yes, '[]', '[]') RETURNING id"), {"yes": True}).scalar()
        connection.execute(sa.text(
            "INSERT INTO approval_policy_steps (policy_id, position, approver_kind) VALUES (:policy, 1, 'manager')"),
            {"policy": policy_id})


def downgrade():
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_status_handed_off")
        batch.drop_constraint(op.f("uq_orders_line_claim"), type_="unique")
        batch.drop_constraint(op.f("fk_orders_line_claim_lines"), type_="foreignkey")
        batch.drop_column("line_claim")
        batch.drop_column("handed_off_at")
