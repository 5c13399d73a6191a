"""sites and wireline services: the company's locations with a checked service address, the services at them
(internet, circuits, analog lines, SIP trunks, toll-free numbers) and their telephone numbers; each office becomes
a site

Revision ID: q21_sites
Revises: p19_old_numbers
Create Date: 2026-12-08 10:00:00

Hand-written.
"""
from alembic import op
import sqlalchemy as sa

revision = "q21_sites"
down_revision = "q19_device_pictures"
branch_labels = None
depends_on = None

SERVICE_KINDS = ("internet", "dedicated_internet", "mpls", "sd_wan", "pots", "sip_trunk", "toll_free")
SERVICE_STATUSES = ("pending", "active", "disconnected")


def upgrade():
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=60), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("zip_code", sa.String(length=10), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("hours", sa.Text(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("location_id"),
        sa.UniqueConstraint("name"),
    )
    op.create_index("ix_sites_contact_id", "sites", ["contact_id"])
    op.create_index("ix_sites_zip_code", "sites", ["zip_code"])
    op.create_table(
        "wireline_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum(*SERVICE_KINDS, name="servicekind", native_enum=False, length=30), nullable=False),
        sa.Column("carrier_id", sa.Integer(), nullable=False),
        sa.Column("circuit_id", sa.String(length=60), nullable=False),
        sa.Column(
            "circuit_key",
            sa.String(length=60).with_variant(sa.String(length=60, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("bandwidth_mbps", sa.Integer(), nullable=True),
        sa.Column("channels", sa.Integer(), nullable=True),
        sa.Column("monthly_cents", sa.Integer(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=True),
        sa.Column("contract_ends_on", sa.Date(), nullable=True),
        sa.Column("installed_on", sa.Date(), nullable=True),
        sa.Column("equipment", sa.String(length=200), nullable=False),
        sa.Column(
            "status", sa.Enum(*SERVICE_STATUSES, name="servicestatus", native_enum=False, length=30), nullable=False
        ),
        sa.Column("disconnected_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.ForeignKeyConstraint(["carrier_id"], ["carriers.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("site_id", "kind", "carrier_id", "circuit_key", "contract_ends_on", "status"):
        op.create_index(f"ix_wireline_services_{column}", "wireline_services", [column])
    op.create_table(
        "wireline_numbers",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("digits", sa.String(length=20), nullable=False),
        sa.Column("digits_reversed", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["wireline_services.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("service_id", "number"),
    )
    op.create_index("ix_wireline_numbers_number", "wireline_numbers", ["number"])
    op.create_index("ix_wireline_numbers_digits", "wireline_numbers", ["digits"])
    op.create_index("ix_wireline_numbers_digits_reversed", "wireline_numbers", ["digits_reversed"])
    # Each office becomes a site, its street line as it was (an admin splits off a suite or floor when editing).
    op.execute(
        "INSERT INTO sites (name, street, unit, city, state, zip_code, hours, location_id, version, updated_at) "
        "SELECT name, street, '', city, upper(substr(state, 1, 2)), substr(postal_code, 1, 10), '', id, 1, "
        "CURRENT_TIMESTAMP FROM locations"
    )


def downgrade():
    op.drop_table("wireline_numbers")
    op.drop_table("wireline_services")
    op.drop_table("sites")
