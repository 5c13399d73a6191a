"""Notifications: every email owed to someone, recorded with the event that caused it, and the audit log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.orders import Order, OrderEvent
from app.models.people import User
from app.models.types import enum_column


class NotificationStatus(str, enum.Enum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by one worker: no other job sends it (see app.notifications.sending)
    SENT = "sent"
    FAILED = "failed"
    NOT_SENT = "not_sent"  # no mail server configured, the milestone is off, or the person turned it off

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Notification(Model):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event_id", "milestone", "email"),  # one email per event per recipient
        Index("ix_notifications_status_created", "status", "created_at"),
        Index("ix_notifications_status_next_attempt", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("order_events.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    milestone: Mapped[str] = mapped_column(String(40))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(250), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[NotificationStatus] = mapped_column(
        enum_column(NotificationStatus), default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the sweep may pick it up: creation time, then after each failure the backoff, and while it is being
    # sent the end of the sender's lease (a worker that died mid-send leaves it to be retried after that).
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    event: Mapped[OrderEvent | None] = relationship()
    order: Mapped[Order | None] = relationship()
    recipient: Mapped[User | None] = relationship()


class MilestoneSetting(Model):
    """Admins switch each milestone's email on or off."""

    __tablename__ = "milestone_settings"
    milestone: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class AuditEntry(Model):
    """An administrative change: who, when, what."""

    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[User | None] = relationship()
