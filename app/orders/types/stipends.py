"""Order types of the stipend (reimbursement) program: enrolment at a tier and removal. Both are fulfilled
internally: they complete at their final approval."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.database import DbSession
from app.inventory.history import apply_changes, record_created
from app.models import Order, Stipend, StipendStatus, StipendTier, User
from app.orders.types import changes as c
from app.orders.types import parts as p
from app.orders.types import rules as r
from app.orders.types.base import DELETE, NEW, EffectError, OrderType, Price, SampleDraft, SampleWorld
from app.orders.types.registry import register


def _active_stipend(session: DbSession, employee_id: int) -> Stipend | None:
    return session.scalars(
        select(Stipend).where(Stipend.employee_id == employee_id, Stipend.status == StipendStatus.ACTIVE)
    ).first()


# ---------------------------------------------------------------- Enrol in stipend
def enroll_effect(session: DbSession, order: Order, actor: User | None) -> None:
    tier = c.detail_row(session, order, StipendTier, "tier")
    if tier is None:
        raise EffectError("the stipend tier is no longer offered")
    if _active_stipend(session, order.employee_id) is not None:
        raise EffectError(f"{order.employee.name} is enrolled in the stipend program already")
    stipend = Stipend(
        employee=order.employee,
        tier=tier,
        monthly_cents=tier.monthly_cents,
        status=StipendStatus.ACTIVE,
        starts_on=clock.today(),
    )
    session.add(stipend)
    record_created(session, stipend, actor=actor, order=order, note=f"enrolled at {tier.name}")


def enroll_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    draft.line = draft.carrier = None
    draft.device_id = None
    tier = rng.choice(world.tiers)
    draft.details["tier"] = tier["id"]
    draft.monthly = tier["cents"]
    draft.summary.append(["Stipend tier", f"{tier['name']} · ${tier['cents'] / 100:,.2f}/month"])


register(
    OrderType(
        "stipend_enroll",
        "Enrol in stipend",
        NEW,
        "Join the stipend (reimbursement) program at a tier.",
        parts=(p.TierPart(), p.NotesPart()),
        carrier_fulfilled=False,
        rules=(r.not_enrolled,),
        available=lambda facts: "You are already enrolled in the stipend program." if facts.stipend else None,
        price=lambda ctx: Price(0, ctx.tier.monthly_cents if ctx.tier else 0),
        effect=enroll_effect,
        sample=enroll_sample,
    )
)


# ---------------------------------------------------------------- Remove from stipend
def remove_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The stipend ends on the last day given: it stays active until then (the worker ends it the day after)."""
    stipend = _enrolled(session, order)
    last_day = c.detail_date(order, "effective_on")
    if c.later(session, order, last_day + timedelta(days=1)):
        apply_changes(session, stipend, {"ends_on": last_day}, actor=actor, order=order)
        return
    remove_on_date(session, order, actor)


def remove_on_date(session: DbSession, order: Order, actor: User | None) -> None:
    """The stipend has ended."""
    apply_changes(
        session,
        _enrolled(session, order),
        {"status": StipendStatus.ENDED, "ends_on": c.detail_date(order, "effective_on")},
        actor=actor,
        order=order,
    )


def _enrolled(session: DbSession, order: Order) -> Stipend:
    stipend = _active_stipend(session, order.employee_id)
    if stipend is None:
        raise EffectError(f"{order.employee.name} is no longer enrolled in the stipend program")
    return stipend


def remove_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    draft.line = draft.carrier = None
    draft.device_id = None
    on = world.today + timedelta(days=rng.randint(1, 30))
    draft.details["effective_on"] = on.isoformat()
    draft.summary.append(["Last day in the program", f"{on:%b %d, %Y}"])


register(
    OrderType(
        "stipend_remove",
        "Remove from stipend",
        DELETE,
        "Leave the stipend program.",
        parts=(p.EffectiveDatePart("Last day in the program"), p.ReasonPart("Reason", required=False)),
        carrier_fulfilled=False,
        rules=(r.enrolled,),
        available=lambda facts: None if facts.stipend else "You are not enrolled in the stipend program.",
        effect=remove_effect,
        on_date=remove_on_date,
        sample=remove_sample,
    )
)
