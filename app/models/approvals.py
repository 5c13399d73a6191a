"""Approval workflows: company policies and their steps, each order's approvals, and delegations."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.orders import Order
from app.models.people import Group, User
from app.models.types import enum_column


class ApproverKind(str, enum.Enum):
    MANAGER = "manager"
    MANAGERS_MANAGER = "managers_manager"
    COST_CENTER_OWNER = "cost_center_owner"
    USER = "user"
    GROUP = "group"
    RECEIVING_MANAGER = "receiving_manager"  # the manager of the person a line is assigned to (another team's)


class ApprovalPolicy(Model):
    """Which orders it matches (empty lists match all) and the ordered steps they go through."""

    __tablename__ = "approval_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    priority: Mapped[int] = mapped_column(Integer, default=100)  # lower runs first
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    order_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    carrier_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    min_one_time_cents: Mapped[int | None] = mapped_column(Integer)
    max_one_time_cents: Mapped[int | None] = mapped_column(Integer)
    min_monthly_cents: Mapped[int | None] = mapped_column(Integer)
    max_monthly_cents: Mapped[int | None] = mapped_column(Integer)
    out_of_policy: Mapped[bool | None] = mapped_column(Boolean)  # None: either
    modules: Mapped[list[str]] = mapped_column(JSON, default=list)  # Mobile, Wireline (empty: both)
    min_term_months: Mapped[int | None] = mapped_column(Integer)  # a contract of at least this many months
    steps: Mapped[list[ApprovalPolicyStep]] = relationship(
        back_populates="policy", order_by="ApprovalPolicyStep.position", cascade="all, delete-orphan"
    )


class ApprovalPolicyStep(Model):
    __tablename__ = "approval_policy_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("approval_policies.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    approver_kind: Mapped[ApproverKind] = mapped_column(enum_column(ApproverKind))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    policy: Mapped[ApprovalPolicy] = relationship(back_populates="steps")
    user: Mapped[User | None] = relationship()
    group: Mapped[Group | None] = relationship()


class ApprovalStatus(str, enum.Enum):
    WAITING = "waiting"  # a later step, not yet reached
    PENDING = "pending"  # the current step
    APPROVED = "approved"
    REJECTED = "rejected"
    SKIPPED = "skipped"  # the order was cancelled or rejected before this step


PENDING_STEP = f"status = '{ApprovalStatus.PENDING.value}'"  # the steps waiting now (a partial index's condition)


class Approval(Model):
    """One step of one order's approval: who must decide, and what they decided."""

    __tablename__ = "approvals"
    __table_args__ = (
        Index("ix_approvals_assignee_status", "assignee_id", "status"),
        Index("ix_approvals_group_status", "group_id", "status"),
        Index("ix_approvals_decider_decided", "decided_by_id", "decided_at"),
        Index("ix_approvals_status_assigned", "status", "assigned_at"),  # approvals waiting, by age
        Index("ix_approvals_decided_at", "decided_at"),  # approval turnaround over a period
        # The steps waiting now, with what the dashboard's charts of them read (by approver, by age): PostgreSQL reads
        # the index alone. Read from the table, each step is a page of its own (18,000 pages at 2,000,000 orders).
        Index(
            "ix_approvals_pending_steps",
            "group_id",  # first, so that a group's steps waiting (the inbox's badge) are a range of it
            "assignee_id",
            "order_id",
            "assigned_at",
            sqlite_where=text(PENDING_STEP),
            postgresql_where=text(PENDING_STEP),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    approver_kind: Mapped[ApproverKind] = mapped_column(enum_column(ApproverKind))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # set when delegated
    status: Mapped[ApprovalStatus] = mapped_column(enum_column(ApprovalStatus), default=ApprovalStatus.WAITING)
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime)

    order: Mapped[Order] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    group: Mapped[Group | None] = relationship()
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class Delegation(Model):
    """While away, from `starts_on` to `ends_on`, a person's approvals go to their delegate."""

    __tablename__ = "delegations"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    delegate: Mapped[User] = relationship(foreign_keys=[delegate_id])
