"""person words: the words each person is found by, so search boxes find people through an index

Revision ID: j1_person_words
Revises: i1_merge
Create Date: 2026-11-26 08:10:00

Hand-written. person_words holds, for every person, each word of their name and email, the email whole and the
employee number (app.search_words); the people already there get theirs here.
"""
from alembic import op
import sqlalchemy as sa

from app.search_words import words_of

# revision identifiers, used by Alembic.
revision = "j1_person_words"
down_revision = "i1_merge"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    words = op.create_table(
        "person_words",
        sa.Column("word", sa.String(length=80).with_variant(sa.String(length=80, collation="C"), "postgresql"),
                  nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_person_words_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("word", "user_id", name=op.f("pk_person_words")),
    )
    op.create_index(op.f("ix_person_words_user_id"), "person_words", ["user_id"], unique=False)
    connection = op.get_bind()
    people = connection.execute(sa.text("SELECT id, name, email, employee_number FROM users")).all()
    rows: list[dict] = []
    for person_id, name, email, employee_number in people:
        rows.extend({"word": w, "user_id": person_id} for w in sorted(words_of(name, email, employee_number)))
        if len(rows) >= BATCH:
            op.bulk_insert(words, rows)
            rows = []
    if rows:
        op.bulk_insert(words, rows)


def downgrade():
    op.drop_index(op.f("ix_person_words_user_id"), table_name="person_words")
    op.drop_table("person_words")
