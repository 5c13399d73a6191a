"""The catalog: carriers, their plans and features, device models, accessories, stipend tiers, settings."""
from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import enum_column


class FulfilmentMode(str, enum.Enum):
    SIMULATED = "simulated"
    MANUAL = "manual"


class PlanKind(str, enum.Enum):
    VOICE = "voice"
    DATA = "data"
    VOICE_DATA = "voice_data"


class Carrier(db.Model):
    """A wireless carrier (vendor) the company buys service from."""

    __tablename__ = "carriers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    fulfilment_mode: Mapped[FulfilmentMode] = mapped_column(
        enum_column(FulfilmentMode), default=FulfilmentMode.MANUAL
    )
    reactivation_window_days: Mapped[int] = mapped_column(Integer, default=30)
    account_number: Mapped[str] = mapped_column(String(40), default="")
    # Encrypted with app.crypto; needed in clear to check HMAC signatures, so it cannot be hashed.
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    plans: Mapped[list[Plan]] = relationship(back_populates="carrier", order_by="Plan.monthly_cents")
    features: Mapped[list[Feature]] = relationship(back_populates="carrier", order_by="Feature.name")

    def __str__(self) -> str:
        return self.name


class Plan(db.Model):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[PlanKind] = mapped_column(enum_column(PlanKind))
    monthly_cents: Mapped[int] = mapped_column(Integer)
    data_gb: Mapped[int | None] = mapped_column(Integer)  # None: unlimited or not a data plan
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    carrier: Mapped[Carrier] = relationship(back_populates="plans")

    def __str__(self) -> str:
        return self.name


class Feature(db.Model):
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


class DeviceModel(db.Model):
    __tablename__ = "device_models"
    id: Mapped[int] = mapped_column(primary_key=True)
    maker: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="phone")  # phone, tablet, hotspot
    storage_gb: Mapped[int | None] = mapped_column(Integer)
    color: Mapped[str] = mapped_column(String(40), default="")
    price_cents: Mapped[int] = mapped_column(Integer)
    esim: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    carriers: Mapped[list[Carrier]] = relationship(secondary=device_model_carriers)

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


class Accessory(db.Model):
    __tablename__ = "accessories"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))  # battery, case, headset, charger…
    price_cents: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    fits: Mapped[list[DeviceModel]] = relationship(secondary=accessory_models)  # empty: fits every model

    def __str__(self) -> str:
        return self.name


class StipendTier(db.Model):
    __tablename__ = "stipend_tiers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    monthly_cents: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self) -> str:
        return self.name


class Setting(db.Model):
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
}


def get_setting(key: str) -> Any:
    row = db.session.get(Setting, key)
    return row.value if row is not None else SETTING_DEFAULTS[key]
