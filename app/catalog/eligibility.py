"""Who may order what: eligibility of plans, device models and accessories by department, group or role.

An item without rules is open to everyone. An item with rules is open to the people who match any of
them (their department, one of their groups, or one of their roles); everyone else may still ask for it,
but "out of policy": the order asks for a justification and the approval policies for out-of-policy
orders apply. Retirement is a separate matter (`item.active`): a retired item is not offered at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from app.database import DbSession
from app.models import Accessory, Department, DeviceModel, EligibilityRule, Group, Plan, Role, User

Item = Plan | DeviceModel | Accessory

ITEM_KINDS: dict[type, str] = {Plan: "plan", DeviceModel: "device_model", Accessory: "accessory"}
EVERYONE = "Open to everyone."


@dataclass(frozen=True)
class Eligibility:
    """The decision for one person and one item, with the reason to show beside it."""

    eligible: bool
    reason: str

    @property
    def out_of_policy(self) -> bool:
        return not self.eligible


@dataclass
class Audience:
    """Who an item is meant for; empty means everyone."""

    departments: list[Department] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)

    @property
    def is_everyone(self) -> bool:
        return not (self.departments or self.groups or self.roles)

    def labels(self) -> list[str]:
        """'the Sales department', 'the Telecom admins group', 'the admin role', sorted within each kind."""
        return (
            [f"the {d.name} department" for d in sorted(self.departments, key=lambda d: d.name)]
            + [f"the {g.name} group" for g in sorted(self.groups, key=lambda g: g.name)]
            + [f"the {r.value} role" for r in sorted(self.roles, key=lambda r: r.value)]
        )

    def short(self) -> str:
        """For lists: 'Everyone' or 'Sales, Telecom admins (group), admin (role)'."""
        if self.is_everyone:
            return "Everyone"
        return ", ".join(
            [d.name for d in sorted(self.departments, key=lambda d: d.name)]
            + [f"{g.name} (group)" for g in sorted(self.groups, key=lambda g: g.name)]
            + [f"{r.value} (role)" for r in sorted(self.roles, key=lambda r: r.value)]
        )

    def matches(self, user: User, group_ids: set[int]) -> bool:
        return (
            any(d.id == user.department_id for d in self.departments)
            or any(g.id in group_ids for g in self.groups)
            or bool(set(self.roles) & user.roles)
        )


def item_kind(item: Item) -> str:
    try:
        return ITEM_KINDS[type(item)]
    except KeyError:
        raise TypeError(
            f"Eligibility applies to plans, device models and accessories, not {type(item).__name__}"
        ) from None


def audiences_for(session: DbSession, items: Iterable[Item]) -> dict[Item, Audience]:
    """Each item's audience, in one query for all of them."""
    items = list(items)
    audiences: dict[Item, Audience] = {item: Audience() for item in items}
    ids_by_kind: dict[str, dict[int, Item]] = {}
    for item in items:
        ids_by_kind.setdefault(item_kind(item), {})[item.id] = item
    if not ids_by_kind:
        return audiences
    rules = session.scalars(
        select(EligibilityRule)
        .where(
            or_(
                *(
                    and_(EligibilityRule.item_kind == kind, EligibilityRule.item_id.in_(by_id))
                    for kind, by_id in ids_by_kind.items()
                )
            )
        )
        .options(joinedload(EligibilityRule.department), joinedload(EligibilityRule.group))
    ).all()
    for rule in rules:
        audience = audiences[ids_by_kind[rule.item_kind][rule.item_id]]
        if rule.department is not None:
            audience.departments.append(rule.department)
        elif rule.group is not None:
            audience.groups.append(rule.group)
        elif rule.role is not None:
            audience.roles.append(rule.role)
    return audiences


def audience_of(session: DbSession, item: Item) -> Audience:
    return audiences_for(session, [item])[item]


def eligible_items(session: DbSession, user: User, items: Sequence[Item]) -> dict[Item, Eligibility]:
    """The decision for each item (in the order given), with one query for the rules of all of them."""
    group_ids = {g.id for g in user.groups}
    return {item: _decide(user, group_ids, audience) for item, audience in audiences_for(session, items).items()}


def eligibility_for(session: DbSession, user: User, item: Item) -> Eligibility:
    """May `user` order `item` within policy, and why (or why not)."""
    return eligible_items(session, user, [item])[item]


def _decide(user: User, group_ids: set[int], audience: Audience) -> Eligibility:
    if audience.is_everyone:
        return Eligibility(True, EVERYONE)
    labels = _join(audience.labels())
    if audience.matches(user, group_ids):
        return Eligibility(True, f"For {labels}.")
    return Eligibility(False, f"Only for {labels}.")


def _join(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def set_audience(
    session: DbSession,
    item: Item,
    departments: Iterable[Department] = (),
    groups: Iterable[Group] = (),
    roles: Iterable[Role] = (),
) -> bool:
    """Make `item` open to exactly these audiences (none: everyone). True when that changed anything.

    The item must have an id (flush a new one first). The caller commits.
    """
    kind = item_kind(item)
    wanted = (
        {("department", d.id) for d in departments}
        | {("group", g.id) for g in groups}
        | {("role", Role(r)) for r in roles}
    )
    existing = session.scalars(
        select(EligibilityRule).where(EligibilityRule.item_kind == kind, EligibilityRule.item_id == item.id)
    ).all()
    have = {_rule_key(rule): rule for rule in existing}
    if set(have) == wanted:
        return False
    for key, rule in have.items():
        if key not in wanted:
            session.delete(rule)
    for audience_kind, value in wanted - set(have):
        session.add(
            EligibilityRule(
                item_kind=kind,
                item_id=item.id,
                **{
                    "department": {"department_id": value},
                    "group": {"group_id": value},
                    "role": {"role": value},
                }[audience_kind],
            )
        )
    session.flush()
    return True


def _rule_key(rule: EligibilityRule) -> tuple[str, object]:
    if rule.department_id is not None:
        return ("department", rule.department_id)
    if rule.group_id is not None:
        return ("group", rule.group_id)
    return ("role", rule.role)


def cost_share_for(user: User, item: Item) -> int:
    """What `user` pays toward `item`, in cents: one-time for devices and accessories, monthly for plans.

    Today the share is set per item by the admins and is the same for everyone (never more than the price);
    `user` is taken so the ordering pages need not change if it comes to depend on the person.
    """
    item_kind(item)
    price = item.monthly_cents if isinstance(item, Plan) else item.price_cents
    return max(0, min(item.employee_share_cents or 0, price))
