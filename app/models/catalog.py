"""The catalog: carriers, their plans and features, device models, accessories, stipend tiers, settings."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model, db
from app.models.people import Department, Group, Role, User
from app.models.types import enum_column


class FulfilmentMode(str, enum.Enum):
    SIMULATED = "simulated"
    MANUAL = "manual"
    API = "api"  # the worker sends orders and cancellations to the carrier's endpoint (app.fulfilment.outbound)


class PlanKind(str, enum.Enum):
    VOICE = "voice"
    DATA = "data"
    VOICE_DATA = "voice_data"


class Carrier(Model):
    """A wireless carrier (vendor) the company buys service from."""

    __tablename__ = "carriers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    fulfilment_mode: Mapped[FulfilmentMode] = mapped_column(enum_column(FulfilmentMode), default=FulfilmentMode.MANUAL)
    reactivation_window_days: Mapped[int] = mapped_column(Integer, default=30)
    # What upgrading before eligibility costs on this carrier (the carrier's early-upgrade charge).
    early_upgrade_fee_cents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    account_number: Mapped[str] = mapped_column(String(40), default="")
    # Encrypted with app.crypto; needed in clear to check HMAC signatures, so it cannot be hashed.
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    # API mode: where orders are sent, the secret their signature is made with (encrypted like the webhook secret),
    # and how long the worker waits for an answer.
    api_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    api_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    api_timeout_seconds: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    plans: Mapped[list[Plan]] = relationship(back_populates="carrier", order_by="Plan.monthly_cents")
    features: Mapped[list[Feature]] = relationship(back_populates="carrier", order_by="Feature.name")

    def __str__(self) -> str:
        return self.name


class Plan(Model):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[PlanKind] = mapped_column(enum_column(PlanKind))
    monthly_cents: Mapped[int] = mapped_column(Integer)
    data_gb: Mapped[int | None] = mapped_column(Integer)  # None: unlimited or not a data plan
    # What the employee pays of the monthly price (0: the company pays it all); see app.catalog.eligibility.
    employee_share_cents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    carrier: Mapped[Carrier] = relationship(back_populates="plans")

    def __str__(self) -> str:
        return self.name


class Feature(Model):
    """An add-on to a line (international travel, hotspot…); some apply between dates."""

    __tablename__ = "features"
    __table_args__ = (UniqueConstraint("carrier_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    monthly_cents: Mapped[int] = mapped_column(Integer, default=0)
    takes_dates: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    carrier: Mapped[Carrier] = relationship(back_populates="features")

    def __str__(self) -> str:
        return self.name


device_model_carriers = Table(
    "device_model_carriers",
    db.metadata,
    Column("device_model_id", ForeignKey("device_models.id", ondelete="CASCADE"), primary_key=True),
    Column("carrier_id", ForeignKey("carriers.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class DeviceModel(Model):
    __tablename__ = "device_models"
    id: Mapped[int] = mapped_column(primary_key=True)
    maker: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="phone")  # phone, tablet, hotspot
    storage_gb: Mapped[int | None] = mapped_column(Integer)
    color: Mapped[str] = mapped_column(String(40), default="")
    price_cents: Mapped[int] = mapped_column(Integer)
    employee_share_cents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    esim: Mapped[bool] = mapped_column(Boolean, default=True)
    # What people compare devices by, beyond storage and colour: "6.1-inch screen, 5G, dual camera".
    specs: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Its picture (app.catalog.pictures), kept in the database like the company logo.
    picture_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    carriers: Mapped[list[Carrier]] = relationship(secondary=device_model_carriers)
    picture: Mapped[StoredFile | None] = relationship()

    def __str__(self) -> str:
        storage = f" {self.storage_gb} GB" if self.storage_gb else ""
        colour = f" {self.color}" if self.color else ""
        return f"{self.maker} {self.name}{storage}{colour}"


accessory_models = Table(
    "accessory_models",
    db.metadata,
    Column("accessory_id", ForeignKey("accessories.id", ondelete="CASCADE"), primary_key=True),
    Column("device_model_id", ForeignKey("device_models.id", ondelete="CASCADE"), primary_key=True),
)


class Accessory(Model):
    __tablename__ = "accessories"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))  # battery, case, headset, charger…
    price_cents: Mapped[int] = mapped_column(Integer)
    employee_share_cents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    fits: Mapped[list[DeviceModel]] = relationship(secondary=accessory_models)  # empty: fits every model

    def __str__(self) -> str:
        return self.name


class StipendTier(Model):
    __tablename__ = "stipend_tiers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    monthly_cents: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return self.name


class EligibilityRule(Model):
    """One audience that may order a catalog item: a department, a group or a role (exactly one of them).

    An item without rules is open to everyone; with rules, a person matching any of them may order it
    and everyone else orders it "out of policy". The decision lives in app.catalog.eligibility.
    """

    __tablename__ = "eligibility_rules"
    __table_args__ = (
        Index("ix_eligibility_rules_item", "item_kind", "item_id"),
        CheckConstraint(
            "(CASE WHEN department_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN group_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN role IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_audience",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    item_kind: Mapped[str] = mapped_column(String(20))  # plan, device_model, accessory
    item_id: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    role: Mapped[Role | None] = mapped_column(enum_column(Role))
    department: Mapped[Department | None] = relationship()
    group: Mapped[Group | None] = relationship()


class StoredFile(Model):
    """An uploaded file kept in the database (no web process keeps files of its own): the company logo."""

    __tablename__ = "stored_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_by: Mapped[User | None] = relationship()


class Setting(Model):
    """A company setting (upgrade months, reminder hours, order number prefix…) as a JSON value."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


SETTING_DEFAULTS: dict[str, Any] = {
    "company_name": "Dialtone",
    "order_number_prefix": "WO-",
    "upgrade_eligibility_months": 24,
    "approval_reminder_hours": 24,
    "approval_escalation_hours": 72,
    "company_logo_file_id": None,  # a StoredFile, served by the branding blueprint (app/admin/branding.py)
    "return_days": 30,  # a replaced device is owed back within this many days
    "return_instructions": "Wipe it, put it in the box the new one came in, and hand it to the telecom team "
    "or send it with the prepaid return label from that box.",
    "return_reminder_days": 7,  # the reminder goes out this many days before the return is due
    "suspension_reminder_days": 3,  # before a suspension's planned end
    # A line reported lost or stolen: "at_once" (approved by this policy, suspended in the records at once) or
    # "policies" (approved like any suspension, by the approval policies)
    "lost_stolen_approval": "at_once",
    # Who may order wireline services (sites' internet, circuits, phone lines, numbers): "telecom_and_site_contacts"
    # (the telecom team and each site's contact), "telecom" (the telecom team only) or "everyone"
    "wireline_orderers": "telecom_and_site_contacts",
}


SETTINGS_READ = "settings.read"  # session.info: the settings as read in the current transaction


def get_setting(key: str) -> Any:
    """A company setting. Every setting is read in one query the first time one is asked for in a transaction
    (a page shows two or three); `set_setting` forgets what was read."""
    session = db.session()
    known = session.info.get(SETTINGS_READ)
    if known is None or known[0] is not session.get_transaction():
        rows = {row.key: row for row in session.scalars(select(Setting))}
        known = session.info[SETTINGS_READ] = (session.get_transaction(), rows)
    row = known[1].get(key)
    return row.value if row is not None else SETTING_DEFAULTS[key]
