"""Orders: what someone asked for, where it stands, and everything that happened to it."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.identifiers import tracking_url
from app.models.catalog import Carrier
from app.models.inventory import Device, Line
from app.models.people import CostCenter, User
from app.models.types import enum_column
from app.models.wireline import Site, WirelineService


class OrderStatus(str, enum.Enum):
    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    WITH_CARRIER = "with_carrier"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    NEEDS_ATTENTION = "needs_attention"
    CANCELLATION_REQUESTED = "cancellation_requested"  # placed with the carrier: the carrier is asked to cancel
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# The open statuses (app.orders.lifecycle.OPEN, which owns them) as the open orders' index is written: a query
# may use the index only if it asks for these statuses (or some of them).
OPEN_STATUSES = (
    "status IN ('pending_approval', 'info_requested', 'approved', 'with_carrier', 'shipped', 'needs_attention', "
    "'cancellation_requested')"
)


# The orders waiting for approval, and those stopped by a carrier exception, with the columns the dashboard's charts
# of them read and filter on: PostgreSQL reads an index alone. Read from the table, each order is a page of its own
# (15,000 to 19,000 pages at 2,000,000 orders). An index per status: with both in one, a query for one status would
# look each order up again to check its status.
WAITING_INDEXES = {
    f"ix_orders_{status.value}": f"status = '{status.value}'"
    for status in (OrderStatus.PENDING_APPROVAL, OrderStatus.NEEDS_ATTENTION)
}
WAITING_COLUMNS = ("id", "carrier_id", "employee_id", "type", "submitted_at")


class EventKind(str, enum.Enum):
    """What an entry on an order's timeline records. The first group are the lifecycle's transitions
    (app.orders.lifecycle); the others note something without changing the status."""

    SUBMIT = "submit"
    APPROVE_STEP = "approve_step"
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_INFO = "request_info"
    PROVIDE_INFO = "provide_info"
    CANCEL = "cancel"
    PLACE = "place"
    SHIP = "ship"
    COMPLETE = "complete"
    REPORT_PROBLEM = "report_problem"
    HOLD = "hold"  # a rule no longer holds at the final approval: the order needs attention
    REQUEST_CANCEL = "request_cancel"  # the order is with the carrier: the carrier is asked to cancel it
    CONFIRM_CANCEL = "confirm_cancel"  # the carrier cancelled it
    REFUSE_CANCEL = "refuse_cancel"  # too late: the carrier goes on with it
    # notes
    HANDED_OFF = "handed_off"
    ROUTING_NOTE = "routing_note"
    NO_APPROVER = "no_approver"
    CARRIER_UPDATE = "carrier_update"
    BACKORDERED = "backordered"
    DELIVERED = "delivered"
    APPROVAL_REMINDER = "approval_reminder"
    APPROVAL_ESCALATED = "approval_escalated"
    CARRIER_UPDATE_FAILED = "carrier_update_failed"  # an update that could not be applied: the team looks at it
    NOTE = "note"
    TOOK_EFFECT = "took_effect"  # a dated change (a disconnection, the end of a stipend) on its day
    DATED_CHANGE_FAILED = "dated_change_failed"  # …which could not take effect: the team looks at it
    PLANNED_END_REMINDER = "planned_end_reminder"  # a suspension's planned end is near
    RETURN_REMINDER = "return_reminder"  # a device the order replaced is due back soon
    CARRIER_TRY = "carrier_try"  # a send to the carrier's API that did not get through (it is tried again)
    CARRIER_SEND_FAILED = "carrier_send_failed"  # a cancellation the carrier's API refused or never took: the team
    # wireline milestones (app.fulfilment.wireline): what the carrier reports on the way to a service turned up
    FOC = "foc"  # the carrier's firm order commitment: the date it commits to
    SITE_SURVEY = "site_survey"
    INSTALL_SCHEDULED = "install_scheduled"  # a date and a window at the site
    INSTALLED = "installed"
    TURNED_UP = "turned_up"  # tested and turned up: the circuit ID, IP block or numbers
    JEOPARDY = "jeopardy"  # a delay, with a new date and the reason
    # the order's conversation (app.orders.conversation): entries that change nothing else
    MESSAGE = "message"  # someone taking part in the order writes
    ANSWER = "answer"  # the requester's side answers the fulfilment team's question (the order stays with the team)


class Order(Model):
    """An order. Columns hold what pages filter on; `details` holds what only its type needs."""

    __tablename__ = "orders"
    __table_args__ = (
        # A person's orders by status, newest change first (My orders, drafts, the home page).
        Index("ix_orders_requester_status_updated", "requester_id", "status", "updated_at"),
        Index("ix_orders_employee_status_updated", "employee_id", "status", "updated_at"),
        Index("ix_orders_status_updated", "status", "updated_at"),
        Index("ix_orders_type_submitted", "type", "submitted_at"),
        # The dashboard's and reports' period, with what their figures read: index-only scans of the period.
        Index(
            "ix_orders_submitted_period", "submitted_at", "status", "type", "carrier_id", "approved_at", "completed_at"
        ),
        Index("ix_orders_status_handed_off", "status", "handed_off_at"),  # approved orders not handed off yet
        *(
            Index(name, *WAITING_COLUMNS, sqlite_where=text(where), postgresql_where=text(where))
            for name, where in WAITING_INDEXES.items()
        ),
        # Open orders only (lifecycle.OPEN, a test holds them equal), latest change first: a manager's team's open
        # orders walked in the order shown, each kept if its person is below the manager, stopping at the few
        # listed. The COO's team is everyone: without it, all the company's open orders are read and sorted.
        Index(
            "ix_orders_open_updated",
            "updated_at",
            "id",
            sqlite_where=text(OPEN_STATUSES),
            postgresql_where=text(OPEN_STATUSES),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    type: Mapped[str] = mapped_column(String(40))  # a code from the order type registry
    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus), default=OrderStatus.DRAFT)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carriers.id"), index=True)
    # Wireline orders: the site the order is for, and the service it changes (or the one it made, once completed).
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("wireline_services.id"), index=True)
    cost_center_id: Mapped[int | None] = mapped_column(ForeignKey("cost_centers.id"), index=True)
    one_time_cents: Mapped[int] = mapped_column(Integer, default=0)
    monthly_cents: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secrets_encrypted: Mapped[str | None] = mapped_column(Text)  # app.crypto, never shown in clear
    out_of_policy: Mapped[bool] = mapped_column(default=False)
    submit_token: Mapped[str | None] = mapped_column(String(64), unique=True)  # makes submit idempotent
    carrier_reference: Mapped[str | None] = mapped_column(String(80), index=True)
    service_number: Mapped[str | None] = mapped_column(String(20))  # E.164, what the carrier assigned
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now(), onupdate=func.now())
    handed_off_at: Mapped[datetime | None] = mapped_column(DateTime)  # given to its carrier's adapter
    # The line this order holds while it is open (types that change a line): one open such order per line,
    # kept by the database's unique constraint even when two are submitted at the same moment.
    line_claim: Mapped[int | None] = mapped_column(ForeignKey("lines.id"), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    employee: Mapped[User] = relationship(foreign_keys=[employee_id])
    line: Mapped[Line | None] = relationship(foreign_keys=[line_id])
    device: Mapped[Device | None] = relationship(foreign_keys=[device_id])
    carrier: Mapped[Carrier | None] = relationship()
    site: Mapped[Site | None] = relationship()
    service: Mapped[WirelineService | None] = relationship()
    cost_center: Mapped[CostCenter | None] = relationship()
    events: Mapped[list[OrderEvent]] = relationship(back_populates="order", order_by="OrderEvent.id")
    shipments: Mapped[list[Shipment]] = relationship(back_populates="order", order_by="Shipment.id")
    reported_devices: Mapped[list[ReportedDevice]] = relationship(back_populates="order")
    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.number or f"draft {self.id}"


class OrderEvent(Model):
    """One entry on an order's timeline; also the outbox that notifications and carrier work come from."""

    __tablename__ = "order_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system or a carrier
    kind: Mapped[str] = mapped_column(String(40))  # submitted, approved, info_requested, shipped…
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    order: Mapped[Order] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    attachments: Mapped[list[OrderAttachment]] = relationship(
        back_populates="event", order_by="OrderAttachment.id", cascade="all, delete-orphan"
    )


class Shipment(Model):
    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("order_id", "tracking_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    shipping_carrier: Mapped[str] = mapped_column(String(20))  # UPS, FedEx, USPS, DHL
    tracking_number: Mapped[str] = mapped_column(String(40))
    shipped_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    order: Mapped[Order] = relationship(back_populates="shipments")

    @property
    def tracking_url(self) -> str | None:
        return tracking_url(self.shipping_carrier, self.tracking_number)


class ReportedDevice(Model):
    """A device (or SIM) the carrier reported for an order: IMEI, serial, ICCID."""

    __tablename__ = "reported_devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    imei: Mapped[str | None] = mapped_column(String(15))
    serial: Mapped[str | None] = mapped_column(String(40))
    iccid: Mapped[str | None] = mapped_column(String(20))
    order: Mapped[Order] = relationship(back_populates="reported_devices")


class OrderAttachment(Model):
    """A file attached to an entry of an order's conversation (a photo of the damage, a police report). The bytes
    live in the attachment store (app.orders.attachments), outside the web root; the row says what they are."""

    __tablename__ = "order_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("order_events.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded, cleaned: shown, never used as a path
    content_type: Mapped[str] = mapped_column(String(100))  # told by the content, not by the name
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    event: Mapped[OrderEvent] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class CarrierUpdateState(str, enum.Enum):
    """Where a stored carrier update stands. A failed one was taken (its `applied_at` set) but could not be
    applied: it no longer holds up the later updates of its order, and waits in the console's "Needs attention"
    until the team tries it again or sets it aside."""

    PENDING = "pending"
    APPLIED = "applied"
    FAILED = "failed"
    SET_ASIDE = "set_aside"


class CarrierUpdate(Model):
    """An update a carrier pushed (or the simulator made); applied once, by update id."""

    __tablename__ = "carrier_updates"
    __table_args__ = (UniqueConstraint("carrier_id", "update_id"), Index("ix_carrier_updates_state", "state"))
    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"))
    update_id: Mapped[str] = mapped_column(String(80))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    applied_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    outcome: Mapped[str] = mapped_column(String(200), default="")  # what applying did, or why it failed
    state: Mapped[CarrierUpdateState] = mapped_column(
        enum_column(CarrierUpdateState), default=CarrierUpdateState.PENDING, server_default="pending"
    )


class DatedChange(Model):
    """Something an order does on a later date: its effect on that date (a disconnection, the end of a stipend), or
    a reminder before it (a suspension's planned end). The worker's daily job carries out those that are due."""

    __tablename__ = "dated_changes"
    __table_args__ = (Index("ix_dated_changes_due", "done_at", "due_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "effect" or "reminder"
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    order: Mapped[Order] = relationship()


class CarrierRequestState(str, enum.Enum):
    """Where a send to a carrier's API stands."""

    WAITING = "waiting"  # to be sent at `next_try_at` (the first try, or the next after a failed one)
    SENT = "sent"  # the carrier took it (2xx)
    REFUSED = "refused"  # the carrier said no (4xx): the fulfilment team was told
    GAVE_UP = "gave_up"  # every try failed: the fulfilment team was told
    DROPPED = "dropped"  # no longer needed: the order moved on before it was sent


class CarrierRequest(Model):
    """An order or a cancellation to send to a carrier's API. Stored with the hand-off (or the cancellation) and
    kept until the carrier answers, so no send is lost with a job, a worker or Redis; every try carries the same
    idempotency key, so a retry never makes a second order at the carrier."""

    __tablename__ = "carrier_requests"
    __table_args__ = (Index("ix_carrier_requests_due", "state", "next_try_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "order" or "cancel"
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    state: Mapped[CarrierRequestState] = mapped_column(
        enum_column(CarrierRequestState), default=CarrierRequestState.WAITING, server_default="waiting"
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_try_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    order: Mapped[Order] = relationship()
