"""one conversation per order: files attached to its entries (the bytes live in the attachment store)

Revision ID: o18_conversation
Revises: n20_carrier_api
Create Date: 2026-12-05 13:10:00

Hand-written.
"""
from alembic import op
import sqlalchemy as sa

revision = "o18_conversation"
down_revision = "n20_carrier_api"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "order_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_attachments_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["event_id"], ["order_events.id"],
                                name=op.f("fk_order_attachments_event_id_order_events"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"],
                                name=op.f("fk_order_attachments_uploaded_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_attachments")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_order_attachments_storage_key")),
    )
    op.create_index(op.f("ix_order_attachments_order_id"), "order_attachments", ["order_id"])
    op.create_index(op.f("ix_order_attachments_event_id"), "order_attachments", ["event_id"])


def downgrade():
    op.drop_index(op.f("ix_order_attachments_event_id"), table_name="order_attachments")
    op.drop_index(op.f("ix_order_attachments_order_id"), table_name="order_attachments")
    op.drop_table("order_attachments")
