"""Approval routing: which policy an order matches, who approves each step, and laying the steps out.

Rules of the house: the first active policy by priority whose conditions all hold wins (no match: the
company default). A step's approver is resolved when the step is reached, so an approver away at that moment
hands it to their delegate. No one approves their own order: such a step moves up the management chain. When
nobody can approve a step (no manager, an empty group), it waits in the administrators' "No approver" queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import aliased

from app.database import DbSession
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
    group_members,
)
from app.orders.types import MOBILE, REGISTRY

KIND_LABELS = {
    ApproverKind.MANAGER: "Manager",
    ApproverKind.MANAGERS_MANAGER: "Manager's manager",
    ApproverKind.COST_CENTER_OWNER: "Cost center owner",
    ApproverKind.USER: "A named person",
    ApproverKind.GROUP: "Any member of a group",
    ApproverKind.RECEIVING_MANAGER: "Receiving manager (a line assigned into another department)",
}


@dataclass(frozen=True)
class OrderFacts:
    """What a policy matches on: from a real order, or described in the admin's "Try it" panel."""

    type: str
    carrier_id: int | None
    one_time_cents: int
    monthly_cents: int
    out_of_policy: bool
    module: str = MOBILE
    term_months: int | None = None  # a wireline contract's term

    @classmethod
    def of(cls, order: Order) -> OrderFacts:
        order_type = REGISTRY.get(order.type)
        term = (order.details or {}).get("term_months")
        return cls(
            order.type,
            order.carrier_id,
            order.one_time_cents,
            order.monthly_cents,
            order.out_of_policy,
            module=order_type.module if order_type is not None else MOBILE,
            term_months=int(term) if isinstance(term, int | str) and str(term).isdigit() else None,
        )


NO_STEPS = "A policy in use needs at least one approval step: add its steps, then switch it on."


def without_steps(policy: ApprovalPolicy, steps_left: int | None = None) -> str | None:
    """Why the policy cannot be in use as it is (with `steps_left` steps), or None: approvals fail closed, so a
    policy in use always has a step."""
    count = len(policy.steps) if steps_left is None else steps_left
    return NO_STEPS if policy.active and count == 0 else None


def matches(policy: ApprovalPolicy, facts: OrderFacts) -> bool:
    def within(value: int, low: int | None, high: int | None) -> bool:
        return (low is None or value >= low) and (high is None or value <= high)

    return (
        (not policy.order_types or facts.type in policy.order_types)
        and (not policy.carrier_ids or facts.carrier_id in policy.carrier_ids)
        and within(facts.one_time_cents, policy.min_one_time_cents, policy.max_one_time_cents)
        and within(facts.monthly_cents, policy.min_monthly_cents, policy.max_monthly_cents)
        and (policy.out_of_policy is None or policy.out_of_policy == facts.out_of_policy)
        and (not policy.modules or facts.module in policy.modules)
        and (policy.min_term_months is None or (facts.term_months or 0) >= policy.min_term_months)
    )


def matching_policy(session: DbSession, facts: OrderFacts) -> ApprovalPolicy | None:
    """The first active policy by priority that matches; else the company default; else None."""
    policies = session.scalars(
        select(ApprovalPolicy).where(ApprovalPolicy.active).order_by(ApprovalPolicy.priority, ApprovalPolicy.id)
    ).all()
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
    members: tuple[User, ...] = ()  # for a group: the members who may decide it, by name

    @property
    def nobody(self) -> bool:
        """Nobody can approve: the step waits in the administrators' "No approver" queue."""
        return self.user is None and self.group is None

    def __str__(self) -> str:
        if self.group is not None:
            return f"any member of {self.group.name}"
        if self.user is None:
            return "an administrator (no approver)"
        behalf = f" on behalf of {self.on_behalf_of.name}" if self.on_behalf_of else ""
        return f"{self.user.name}{behalf}"


def group_deciders(group: Group, order: Order) -> tuple[User, ...]:
    """The members of `group` who may decide a step of `order` (active, neither its requester nor the person it
    is for), by name."""
    own = {order.requester_id, order.employee_id}
    return tuple(sorted((m for m in group.members if m.active and m.id not in own), key=lambda m: m.name))


def resolve_approver(
    session: DbSession,
    kind: ApproverKind,
    *,
    order: Order,
    user: User | None = None,
    group: Group | None = None,
    today: date,
) -> Approver:
    """The approver of one step for one order, with self-approval and delegation applied; an Approver with
    neither a person nor a group when nobody can approve it (the step then waits for an administrator)."""
    employee = order.employee
    if kind is ApproverKind.GROUP:
        members = group_deciders(group, order) if group is not None else ()
        if group is None or not members:
            name = group.name if group is not None else "the group"
            return Approver(note=f"nobody in {name} can approve it")
        return Approver(group=group, members=members)
    if kind is ApproverKind.RECEIVING_MANAGER:
        receiving = new_holder(session, order)
        candidate = receiving.manager if receiving else None
        missing = f"{receiving.name if receiving else 'The new holder'} has no manager on file"
    elif kind is ApproverKind.MANAGER:
        candidate, missing = employee.manager, f"{employee.name} has no manager on file"
    elif kind is ApproverKind.MANAGERS_MANAGER:
        candidate = employee.manager.manager if employee.manager else None
        missing = f"{employee.name}'s manager has no manager on file"
    elif kind is ApproverKind.COST_CENTER_OWNER:
        candidate = order.cost_center.owner if order.cost_center else None
        missing = "the cost center has no owner on file"
    else:
        candidate, missing = user, "the person named in the policy is gone"
    return stand_in(session, candidate, order, today, missing=missing)


def stand_in(
    session: DbSession,
    candidate: User | None,
    order: Order,
    today: date,
    *,
    missing: str = "nobody above can approve it",
) -> Approver:
    """Who decides in `candidate`'s place: never the requester or the person the order is for, nor anyone
    inactive (both move up the management chain), and while they are away their delegate, if the delegate may
    approve. Routing and escalation both ask this."""
    own = {order.requester_id, order.employee_id}
    person, note, climbed = candidate, "", set()
    while person is not None and (person.id in own or not person.active) and person.id not in climbed:
        climbed.add(person.id)
        note = (
            "moved up the management chain: no one approves their own order"
            if person.id in own
            else f"{person.name} is no longer active: moved up the management chain"
        )
        person = person.manager
    if person is None or person.id in own or not person.active:
        return Approver(note=missing if candidate is None else "nobody above can approve it")
    delegate = active_delegate(session, person, today)
    if delegate is not None and delegate.id not in own and may_approve(delegate):
        return Approver(user=delegate, on_behalf_of=person, note=note)
    return Approver(user=person, note=note)


def may_approve(person: User) -> bool:
    """Whether someone may decide approval steps at all (a delegate must be able to)."""
    return person.active and person.is_approver


def may_stand_in_for(person: User) -> ColumnElement[bool]:
    """Whom `person` may name to decide while away: the other active people who may approve (`may_approve`: a
    manager, a member of an approval group or an administrator), as a condition on User."""
    report = aliased(User)
    approves = (
        exists().where(report.manager_id == User.id)
        | exists().where(group_members.c.user_id == User.id)
        | exists().where(UserRole.user_id == User.id, UserRole.role == Role.ADMIN)
    )
    return and_(User.active, User.id != person.id, approves)


def active_delegate(session: DbSession, person: User, today: date) -> User | None:
    delegation = session.scalars(
        select(Delegation)
        .where(Delegation.user_id == person.id, Delegation.starts_on <= today, Delegation.ends_on >= today)
        .order_by(Delegation.id.desc())
    ).first()
    return delegation.delegate if delegation and delegation.delegate.active else None


def planned_steps(session: DbSession, order: Order, today: date) -> list[tuple[ApprovalPolicyStep | None, Approver]]:
    """The steps an order would get and who would decide each, as things stand today ("Try it")."""
    policy = matching_policy(session, OrderFacts.of(order))
    steps: Iterable[ApprovalPolicyStep] = [
        s for s in (policy.steps if policy else []) if applies(session, s.approver_kind, order)
    ]
    return [
        (
            step,
            resolve_approver(session, step.approver_kind, order=order, user=step.user, group=step.group, today=today),
        )
        for step in steps
    ]


def new_holder(session: DbSession, order: Order) -> User | None:
    """The person an assignment gives the line to (None for other orders)."""
    value = order.details.get("new_employee")
    return session.get(User, int(value)) if value not in (None, "") else None


def applies(session: DbSession, kind: ApproverKind, order: Order) -> bool:
    """Whether a policy step concerns this order: the receiving manager only when a line is assigned to someone
    in another department (its cost moves there, so that department is asked)."""
    if kind is not ApproverKind.RECEIVING_MANAGER:
        return True
    receiving = new_holder(session, order)
    return receiving is not None and receiving.department_id != order.employee.department_id


def lay_out(session: DbSession, order: Order) -> list[Approval]:
    """Create the order's approval steps (all waiting) from its policy; the first is activated separately.

    Approvals fail closed: with no policy or a policy without steps, the order gets one step for the company
    default's approver (the manager), never none."""
    policy = matching_policy(session, OrderFacts.of(order))
    steps = [
        (s.position, s.approver_kind, s.user_id, s.group_id)
        for s in (policy.steps if policy else [])
        if applies(session, s.approver_kind, order)
    ]
    if not steps:
        steps = [(1, ApproverKind.MANAGER, None, None)]
    approvals = [
        Approval(
            order=order,
            position=position,
            approver_kind=kind,
            assignee_id=user_id,
            group_id=group_id,
            status=ApprovalStatus.WAITING,
        )
        for position, kind, user_id, group_id in steps
    ]
    session.add_all(approvals)
    return approvals


def assign(session: DbSession, approval: Approval, today: date) -> Approver:
    """Resolve who decides `approval` now and record it on the step."""
    approver = resolve_approver(
        session, approval.approver_kind, order=approval.order, user=approval.assignee, group=approval.group, today=today
    )
    approval.assignee = approver.user
    approval.group = approver.group
    approval.on_behalf_of = approver.on_behalf_of
    return approver
