"""people are found whatever the accents: every person's words gain their forms without accents

Revision ID: m19_words_without_accents
Revises: m22_number_endings
Create Date: 2026-12-05 07:30:00

Hand-written.
"""
from alembic import op
import sqlalchemy as sa

from app.search_words import words_of

revision = "m19_words_without_accents"
down_revision = "m22_number_endings"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    connection = op.get_bind()
    words = sa.table("person_words", sa.column("word", sa.String), sa.column("user_id", sa.Integer))
    people = connection.execute(sa.text("SELECT id, name, email, employee_number FROM users")).all()
    known = set(connection.execute(sa.text("SELECT word, user_id FROM person_words")).all())
    rows: list[dict] = []
    for person_id, name, email, employee_number in people:
        for word in sorted(words_of(name, email, employee_number)):
            if (word, person_id) not in known:
                rows.append({"word": word, "user_id": person_id})
        if len(rows) >= BATCH:
            connection.execute(words.insert(), rows)
            rows = []
    if rows:
        connection.execute(words.insert(), rows)


def downgrade():
    pass  # the extra words find no one wrongly; they stay
