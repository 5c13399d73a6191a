"""People administration: changing a person, deactivating them, and what is left to offboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.admin.audit import changes, record_audit
from app.database import DbSession
from app.models import (
    CostCenter,
    Department,
    Group,
    Line,
    LineStatus,
    OrgChartLoop,
    Role,
    Stipend,
    StipendStatus,
    User,
    org_chart,
)


class PeopleError(ValueError):
    """A change to a person that is refused; the message says why."""


@dataclass
class Offboarding:
    """What a departing person still holds: lines and a stipend to end or hand over, and their reports."""

    lines: list[Line] = field(default_factory=list)
    stipends: list[Stipend] = field(default_factory=list)
    reports: list[User] = field(default_factory=list)

    @property
    def needed(self) -> bool:
        return bool(self.lines or self.stipends or self.reports)


def offboarding_for(session: DbSession, person: User) -> Offboarding:
    """Their live lines (active or suspended), active stipends and active direct reports."""
    lines = session.scalars(
        select(Line)
        .where(Line.employee_id == person.id, Line.status.in_([LineStatus.ACTIVE, LineStatus.SUSPENDED]))
        .options(joinedload(Line.carrier), joinedload(Line.plan))
        .order_by(Line.number)
    ).all()
    stipends = session.scalars(
        select(Stipend)
        .where(Stipend.employee_id == person.id, Stipend.status == StipendStatus.ACTIVE)
        .options(joinedload(Stipend.tier))
    ).all()
    reports = session.scalars(
        select(User).where(User.manager_id == person.id, User.active.is_(True)).order_by(User.name)
    ).all()
    return Offboarding(list(lines), list(stipends), list(reports))


def deactivate(session: DbSession, person: User, actor: User) -> Offboarding:
    """The person can no longer sign in; everything they did and hold is kept. Returns what is left to
    offboard. The caller commits."""
    if person.id == actor.id:
        raise PeopleError("You cannot deactivate your own account: ask another admin.")
    if person.active:
        person.active = False
        person.end_sessions()
        record_audit(session, actor, "person.deactivate", _target(person))
    return offboarding_for(session, person)


def reactivate(session: DbSession, person: User, actor: User) -> None:
    if not person.active:
        person.active = True
        record_audit(session, actor, "person.reactivate", _target(person))


def would_loop(person: User, manager: User | None) -> bool:
    """Would making `manager` the person's manager make the management chain go round in a circle?"""
    return manager is not None and (manager.id == person.id or person in manager.management_chain())


def profile(person: User) -> dict[str, Any]:
    """What the person page edits, in words, for the audit log."""
    return {
        "name": person.name,
        "email": person.email,
        "department": person.department.name if person.department else None,
        "cost_center": str(person.cost_center) if person.cost_center else None,
        "manager": person.manager.name if person.manager else None,
        "groups": sorted(g.name for g in person.groups),
    }


def update_person(
    session: DbSession,
    person: User,
    actor: User,
    *,
    name: str,
    email: str,
    department: Department | None,
    cost_center: CostCenter | None,
    manager: User | None,
    roles: set[Role],
    groups: list[Group],
) -> bool:
    """Change a person (the caller validated the values and commits). True when anything changed."""
    if person.id == actor.id and Role.ADMIN in person.roles and Role.ADMIN not in roles:
        raise PeopleError("You cannot remove your own admin role: ask another admin.")
    before, roles_before = profile(person), sorted(r.value for r in person.roles)
    try:
        org_chart.moved(session, person, manager)  # with everyone below them; refused before anything changes
    except OrgChartLoop as loop:
        raise PeopleError(str(loop)) from loop
    person.name, person.email = name, email
    person.department, person.cost_center = department, cost_center
    person.groups = list(groups)
    person.role_rows = [row for row in person.role_rows if row.role in roles]
    for role in sorted(roles - person.roles, key=lambda r: r.value):
        person.grant(role)
    diff = changes(before, profile(person))
    if diff:
        record_audit(session, actor, "person.update", _target(person), changes=diff)
    roles_after = sorted(r.value for r in roles)
    if roles_after != roles_before:
        record_audit(
            session,
            actor,
            "roles.update",
            _target(person),
            roles=[", ".join(roles_before) or "none", ", ".join(roles_after) or "none"],
        )
    return bool(diff) or roles_after != roles_before


def _target(person: User) -> str:
    return f"{person.name} ({person.email})"
