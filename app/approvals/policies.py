"""Approval routing: which policy an order matches, who approves each step, and laying the steps out.

Rules of the house: the first active policy by priority whose conditions all hold wins (no match: the
company default). A step's approver is resolved when the step is reached, so an approver away at that moment
hands it to their delegate. No one approves their own order: such a step moves up the management chain.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Approval,
    ApprovalPolicy,
    ApprovalPolicyStep,
    ApprovalStatus,
    ApproverKind,
    Delegation,
    Group,
    Order,
    Role,
    User,
    UserRole,
)

KIND_LABELS = {
    ApproverKind.MANAGER: "Manager",
    ApproverKind.MANAGERS_MANAGER: "Manager's manager",
    ApproverKind.COST_CENTER_OWNER: "Cost center owner",
    ApproverKind.USER: "A named person",
    ApproverKind.GROUP: "Any member of a group",
}


@dataclass(frozen=True)
class OrderFacts:
    """What a policy matches on: from a real order, or described in the admin's "Try it" panel."""

    type: str
    carrier_id: int | None
    one_time_cents: int
    monthly_cents: int
    out_of_policy: bool

    @classmethod
    def of(cls, order: Order) -> OrderFacts:
        return cls(order.type, order.carrier_id, order.one_time_cents, order.monthly_cents, order.out_of_policy)


def matches(policy: ApprovalPolicy, facts: OrderFacts) -> bool:
    def within(value: int, low: int | None, high: int | None) -> bool:
        return (low is None or value >= low) and (high is None or value <= high)

    return (
        (not policy.order_types or facts.type in policy.order_types)
        and (not policy.carrier_ids or facts.carrier_id in policy.carrier_ids)
        and within(facts.one_time_cents, policy.min_one_time_cents, policy.max_one_time_cents)
        and within(facts.monthly_cents, policy.min_monthly_cents, policy.max_monthly_cents)
        and (policy.out_of_policy is None or policy.out_of_policy == facts.out_of_policy)
    )


def matching_policy(session: Session, facts: OrderFacts) -> ApprovalPolicy | None:
    """The first active policy by priority that matches; else the company default; else None."""
    policies = session.scalars(select(ApprovalPolicy).where(ApprovalPolicy.active)
                               .order_by(ApprovalPolicy.priority, ApprovalPolicy.id)).all()
    for policy in policies:
        if not policy.is_default and matches(policy, facts):
            return policy
    return next((p for p in policies if p.is_default), None)


@dataclass(frozen=True)
class Approver:
    """Who decides a step: one person (maybe on behalf of someone away) or any member of a group."""

    user: User | None = None
    group: Group | None = None
    on_behalf_of: User | None = None
    note: str = ""

    def __str__(self) -> str:
        if self.group is not None:
            return f"any member of {self.group.name}"
        if self.user is None:
            return "nobody"
        behalf = f" on behalf of {self.on_behalf_of.name}" if self.on_behalf_of else ""
        return f"{self.user.name}{behalf}"


def resolve_approver(session: Session, kind: ApproverKind, *, order: Order, user: User | None = None,
                     group: Group | None = None, today: date) -> Approver:
    """The approver of one step for one order, with self-approval and delegation applied."""
    employee, requester = order.employee, order.requester
    if kind is ApproverKind.GROUP:
        return Approver(group=group)
    if kind is ApproverKind.MANAGER:
        person = employee.manager
    elif kind is ApproverKind.MANAGERS_MANAGER:
        person = employee.manager.manager if employee.manager else None
    elif kind is ApproverKind.COST_CENTER_OWNER:
        person = order.cost_center.owner if order.cost_center else None
    else:
        person = user
    note = ""
    own = {requester.id, employee.id}
    climbed = set()
    while person is not None and person.id in own and person.id not in climbed:  # no one approves their own
        climbed.add(person.id)
        person = person.manager
        note = "moved up the management chain: no one approves their own order"
    if person is None or not person.active:
        person = _fallback_admin(session, own)
        note = "no approver on file: sent to an administrator"
    if person is None:
        return Approver(note="nobody can approve this step")
    delegate = active_delegate(session, person, today)
    if delegate is not None and delegate.id not in own:
        return Approver(user=delegate, on_behalf_of=person, note=note)
    return Approver(user=person, note=note)


def _fallback_admin(session: Session, excluded: set[int]) -> User | None:
    query = (select(User).join(UserRole, UserRole.user_id == User.id)
             .where(UserRole.role == Role.ADMIN, User.active).order_by(User.id))
    return next((u for u in session.scalars(query) if u.id not in excluded), None)


def active_delegate(session: Session, person: User, today: date) -> User | None:
    delegation = session.scalars(select(Delegation).where(
        Delegation.user_id == person.id, Delegation.starts_on <= today, Delegation.ends_on >= today)
        .order_by(Delegation.id.desc())).first()
    return delegation.delegate if delegation and delegation.delegate.active else None


def planned_steps(session: Session, order: Order, today: date) -> list[tuple[ApprovalPolicyStep | None, Approver]]:
    """The steps an order would get and who would decide each, as things stand today ("Try it")."""
    policy = matching_policy(session, OrderFacts.of(order))
    steps: Iterable[ApprovalPolicyStep] = policy.steps if policy else []
    return [(step, resolve_approver(session, step.approver_kind, order=order, user=step.user, group=step.group,
                                    today=today)) for step in steps]


def lay_out(session: Session, order: Order) -> list[Approval]:
    """Create the order's approval steps (all waiting) from its policy; the first is activated separately."""
    policy = matching_policy(session, OrderFacts.of(order))
    steps = policy.steps if policy else []
    approvals = [Approval(order=order, position=step.position, approver_kind=step.approver_kind,
                          assignee_id=step.user_id, group_id=step.group_id, status=ApprovalStatus.WAITING)
                 for step in steps]
    session.add_all(approvals)
    return approvals


def assign(session: Session, approval: Approval, today: date) -> Approver:
    """Resolve who decides `approval` now and record it on the step."""
    approver = resolve_approver(session, approval.approver_kind, order=approval.order,
                                user=approval.assignee, group=approval.group, today=today)
    approval.assignee = approver.user
    approval.group = approver.group
    approval.on_behalf_of = approver.on_behalf_of
    return approver
