"""org chart: a closure table of the management chain, so everyone below a person is one index range

Revision ID: q22_org_chart
Revises: p19_old_numbers
Create Date: 2026-12-08 09:30:00

Hand-written. org_chart holds a row for every person and each person above them (and one for the person itself,
depth 0), kept by app.models.org_chart; the people already there are placed here, one level of the chart per
statement (the heads first). People whose managers go round in a circle, if the data has any, are left out.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "q22_org_chart"
down_revision = "r21_wireline_orders"
branch_labels = None
depends_on = None

NEXT_LEVEL = """
INSERT INTO org_chart (ancestor_id, descendant_id, depth)
SELECT above.ancestor_id, person.id, above.depth + 1
  FROM users AS person JOIN org_chart AS above ON above.descendant_id = person.manager_id
 WHERE NOT EXISTS (SELECT 1 FROM org_chart WHERE ancestor_id = person.id AND descendant_id = person.id)
UNION ALL
SELECT person.id, person.id, 0
  FROM users AS person
 WHERE NOT EXISTS (SELECT 1 FROM org_chart WHERE ancestor_id = person.id AND descendant_id = person.id)
   AND (person.manager_id IS NULL
        OR EXISTS (SELECT 1 FROM org_chart WHERE ancestor_id = person.manager_id AND descendant_id = person.manager_id))
"""


def upgrade():
    op.create_table(
        "org_chart",
        sa.Column("ancestor_id", sa.Integer(), nullable=False),
        sa.Column("descendant_id", sa.Integer(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["ancestor_id"], ["users.id"], name=op.f("fk_org_chart_ancestor_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["descendant_id"], ["users.id"], name=op.f("fk_org_chart_descendant_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ancestor_id", "descendant_id", name=op.f("pk_org_chart")),
    )
    op.create_index("ix_org_chart_descendant", "org_chart", ["descendant_id", "ancestor_id"])
    connection = op.get_bind()
    placed, count = -1, 0
    while count != placed:  # counted: a driver may not say how many rows an INSERT ... SELECT wrote
        placed = count
        connection.execute(sa.text(NEXT_LEVEL))
        count = connection.execute(sa.text("SELECT count(*) FROM org_chart")).scalar()


def downgrade():
    op.drop_index("ix_org_chart_descendant", table_name="org_chart")
    op.drop_table("org_chart")
