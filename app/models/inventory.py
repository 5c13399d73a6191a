"""Inventory: lines of service, devices, SIMs, stipends, and the append-only history of their changes."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import Model
from app.formatting import imei
from app.identifiers import national_digits, number_endings
from app.models.catalog import Accessory, Carrier, DeviceModel, Feature, Plan, StipendTier
from app.models.people import CostCenter, User
from app.models.types import enum_column

if TYPE_CHECKING:
    from app.models.orders import Order


class LineStatus(str, enum.Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DISCONNECTED = "disconnected"
    TRANSFERRED_OUT = "transferred_out"


class DeviceStatus(str, enum.Enum):
    IN_STOCK = "in_stock"
    ASSIGNED = "assigned"
    PENDING_RETURN = "pending_return"
    IN_REPAIR = "in_repair"
    LOST_STOLEN = "lost_stolen"
    RETURNED_TO_VENDOR = "returned_to_vendor"
    RETIRED = "retired"


class SimKind(str, enum.Enum):
    PHYSICAL = "physical"
    ESIM = "esim"


class Device(Model):
    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    imei: Mapped[str | None] = mapped_column(String(15), unique=True)
    serial: Mapped[str] = mapped_column(String(40), default="", index=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("device_models.id"), index=True)
    status: Mapped[DeviceStatus] = mapped_column(enum_column(DeviceStatus), index=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    purchased_on: Mapped[date | None] = mapped_column(Date, index=True)  # the devices list sorts by these two
    activated_on: Mapped[date | None] = mapped_column(Date)
    warranty_ends_on: Mapped[date | None] = mapped_column(Date, index=True)
    # A device replaced by an order is owed back: by when, after which order, and what was recorded.
    return_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    return_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", use_alter=True), index=True)
    returned_on: Mapped[date | None] = mapped_column(Date)
    return_charge_cents: Mapped[int | None] = mapped_column(Integer)  # charged when it was lost instead
    return_reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now(), onupdate=func.now())

    model: Mapped[DeviceModel] = relationship()
    employee: Mapped[User | None] = relationship()
    accessories: Mapped[list[DeviceAccessory]] = relationship(back_populates="device")
    __mapper_args__ = {"version_id_col": version}

    @property
    def lost(self) -> bool:
        return self.status is DeviceStatus.LOST_STOLEN

    def __str__(self) -> str:
        return f"{self.model} ({imei(self.imei) if self.imei else self.serial})"


class LineNumberEnding(Model):
    """One ending of a line's national number: a search for digits anywhere in a number (a 3-digit "555") is an
    index range scan of these, however many lines there are. Kept in step with `Line.number`."""

    __tablename__ = "line_number_endings"
    __table_args__ = (Index("ix_line_number_endings_ending", "ending", "line_id"),)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), primary_key=True)
    ending: Mapped[str] = mapped_column(String(20), primary_key=True)


class Line(Model):
    """A line of service: a phone number on a carrier account, with a plan and features."""

    __tablename__ = "lines"
    __table_args__ = (
        # A number belongs to one live line at a time; disconnected and transferred lines keep their history.
        Index(
            "uq_lines_live_number",
            "number",
            unique=True,
            sqlite_where=text("status IN ('active', 'suspended')"),
            postgresql_where=text("status IN ('active', 'suspended')"),
        ),
        Index("ix_lines_number", "number"),
        # The list in number order with each number's digits: a search for digits that many numbers have walks it
        # alone for a page of them (app.inventory.search.lines_numbered).
        Index("ix_lines_number_walk", "number", "id", "number_digits"),
        # The live lines assigned to nobody, which the helpdesk may assign (Assign line): without it, listing them
        # read every unassigned line of the company, live or long disconnected.
        Index(
            "ix_lines_unassigned_live",
            "number",
            sqlite_where=text("employee_id IS NULL AND status IN ('active', 'suspended')"),
            postgresql_where=text("employee_id IS NULL AND status IN ('active', 'suspended')"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20))  # E.164
    # The national digits, forwards and backwards, kept in step with `number`: searching for the start or the
    # end of a number however it was typed is then an index range scan, even with 50,000 lines.
    number_digits: Mapped[str] = mapped_column(String(20), default="", index=True)
    number_digits_reversed: Mapped[str] = mapped_column(String(20), default="", index=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    account_number: Mapped[str] = mapped_column(String(40), default="")
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), index=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    cost_center_id: Mapped[int | None] = mapped_column(ForeignKey("cost_centers.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    status: Mapped[LineStatus] = mapped_column(enum_column(LineStatus), index=True)
    activated_on: Mapped[date | None] = mapped_column(Date, index=True)  # the lines list sorts by it
    suspended_on: Mapped[date | None] = mapped_column(Date)
    suspend_reason: Mapped[str] = mapped_column(String(500), default="")
    suspended_until: Mapped[date | None] = mapped_column(Date)  # the suspension's planned end, if one was given
    disconnected_on: Mapped[date | None] = mapped_column(Date)
    disconnects_on: Mapped[date | None] = mapped_column(Date)  # a disconnection ordered for a later date
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now(), onupdate=func.now())

    carrier: Mapped[Carrier] = relationship()
    plan: Mapped[Plan | None] = relationship()
    employee: Mapped[User | None] = relationship()
    cost_center: Mapped[CostCenter | None] = relationship()
    device: Mapped[Device | None] = relationship()
    features: Mapped[list[LineFeature]] = relationship(back_populates="line", cascade="all, delete-orphan")
    sims: Mapped[list[Sim]] = relationship(back_populates="line")
    number_endings: Mapped[list[LineNumberEnding]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.number

    @validates("number")
    def _keep_search_digits(self, _key: str, number: str) -> str:
        self.number_digits = national_digits(number) if number else ""
        self.number_digits_reversed = self.number_digits[::-1]
        wanted = number_endings(self.number_digits)
        kept = [row for row in self.number_endings if row.ending in wanted]  # a row is never deleted and added back
        have = {row.ending for row in kept}
        self.number_endings = kept + [LineNumberEnding(ending=e) for e in wanted if e not in have]
        return number

    @property
    def is_live(self) -> bool:
        return self.status in (LineStatus.ACTIVE, LineStatus.SUSPENDED)

    @property
    def monthly_cents(self) -> int:
        plan = self.plan.monthly_cents if self.plan else 0
        return plan + sum(f.feature.monthly_cents for f in self.features)


class LineFeature(Model):
    __tablename__ = "line_features"
    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), index=True)
    feature_id: Mapped[int] = mapped_column(ForeignKey("features.id"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    line: Mapped[Line] = relationship(back_populates="features")
    feature: Mapped[Feature] = relationship()


class Sim(Model):
    __tablename__ = "sims"
    id: Mapped[int] = mapped_column(primary_key=True)
    iccid: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[SimKind] = mapped_column(enum_column(SimKind), default=SimKind.PHYSICAL)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    activated_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    line: Mapped[Line | None] = relationship(back_populates="sims")
    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.iccid


class DeviceAccessory(Model):
    """An accessory shipped for a device."""

    __tablename__ = "device_accessories"
    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    accessory_id: Mapped[int] = mapped_column(ForeignKey("accessories.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    added_on: Mapped[date] = mapped_column(Date, server_default=func.current_date())
    device: Mapped[Device] = relationship(back_populates="accessories")
    accessory: Mapped[Accessory] = relationship()


class StipendStatus(str, enum.Enum):
    ACTIVE = "active"
    ENDED = "ended"


class Stipend(Model):
    """An employee's enrolment in the stipend (reimbursement) program."""

    __tablename__ = "stipends"
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    tier_id: Mapped[int] = mapped_column(ForeignKey("stipend_tiers.id"))
    monthly_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[StipendStatus] = mapped_column(enum_column(StipendStatus), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    employee: Mapped[User] = relationship()
    tier: Mapped[StipendTier] = relationship()
    __mapper_args__ = {"version_id_col": version}


class InventoryChange(Model):
    """One field of one inventory record changed: who, when, from what to what, and the order behind it."""

    __tablename__ = "inventory_changes"
    __table_args__ = (
        Index("ix_inventory_changes_record", "record_type", "record_id", "at"),
        # the numbers lines had: an old number finds its line and orders (app.inventory.search.had_number)
        Index(
            "ix_inventory_changes_old_numbers",
            "old_value",
            postgresql_where=text("field = 'number'"),
            sqlite_where=text("field = 'number'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    record_type: Mapped[str] = mapped_column(String(20))  # line, device, sim, stipend, employee
    record_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    actor: Mapped[User | None] = relationship()
    order: Mapped[Order | None] = relationship()


class ImportStatus(str, enum.Enum):
    PREVIEWED = "previewed"  # checked: importable when it has no errors
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"  # nothing was imported


class ImportBatch(Model):
    """An uploaded CSV of lines and devices, kept in the database (web processes keep no files of their own),
    checked row by row, then imported all or nothing by the worker."""

    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text, deferred=True)  # up to 10 MB: loaded only by the import itself
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus), default=ImportStatus.PREVIEWED)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    # The first errors found, each {"row", "column", "value", "message"}; error_count has them all.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what the import created and updated
    job_id: Mapped[str | None] = mapped_column(String(64))
    failure: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    uploaded_by: Mapped[User] = relationship()
