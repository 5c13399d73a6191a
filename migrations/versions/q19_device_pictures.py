"""device models have a picture (a stored file) and key specs

Revision ID: q19_device_pictures
Revises: p19_old_numbers
Create Date: 2026-12-08 10:00:00

Hand-written.
"""
from alembic import op
import sqlalchemy as sa

revision = "q19_device_pictures"
down_revision = "p19_old_numbers"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("device_models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("specs", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("picture_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_device_models_picture_id_stored_files"), "stored_files", ["picture_id"], ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("device_models", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_device_models_picture_id_stored_files"), type_="foreignkey")
        batch_op.drop_column("picture_id")
        batch_op.drop_column("specs")
