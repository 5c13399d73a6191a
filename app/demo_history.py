"""Twelve weeks of believable history for the demo company, so that the first look is a living company: orders of
many types submitted by its people (some by the helpdesk for them), decided by the approvers their policies name at
plausible times, fulfilled by the telecom team, with their timelines, emails and inventory changes. A few wait on
Marco and on the Telecom admins, a few are with the carrier, shipped, or need attention.

Everything is made through the domain's commands, each at its moment (the clock is set to it), so the history is
what the portal would have recorded. Dates are relative to the day it is loaded. It loads once: a company that
already has orders gets nothing more.

Besides the mobile orders, the telecom team's wireline orders (`WIRELINE_STORY`): HQ's internet made faster and its
toll-free number disconnected, both completed, and the Boston branch office's new internet, its install scheduled.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app import clock, commands
from app.database import DbSession
from app.fulfilment import simulator
from app.models import (
    Accessory,
    Approval,
    ApprovalStatus,
    Carrier,
    DeviceModel,
    Feature,
    Line,
    LineStatus,
    Order,
    OrderStatus,
    Plan,
    Role,
    ServiceKind,
    ServiceStatus,
    Site,
    Stipend,
    StipendTier,
    User,
    UserRole,
    WirelineService,
)
from app.orders import lifecycle, service
from app.orders.types import REGISTRY
from app.orders.types.forms import bind

DAYS = 84  # twelve weeks
RECENT = timedelta(days=7)  # orders this new may still wait on an approver or the carrier
DEMO_MANAGER = "manager@example.com"  # Marco, one of the demo logins
TROUBLED = timedelta(days=21)  # orders this new may be waiting on the team, the carrier having raised a problem
Answers = dict[str, Any]


class _World:
    """The demo company's catalog and people, read once."""

    def __init__(self, session: DbSession) -> None:
        self.session = session
        self.carriers = {c.code: c for c in session.scalars(select(Carrier).where(Carrier.active))}
        self.plans = list(session.scalars(select(Plan).where(Plan.active)))
        self.features = list(session.scalars(select(Feature).where(Feature.active)))
        self.models = [m for m in session.scalars(select(DeviceModel).where(DeviceModel.active)) if m.kind == "phone"]
        self.accessories = list(session.scalars(select(Accessory).where(Accessory.active)))
        self.tiers = list(session.scalars(select(StipendTier).where(StipendTier.active)))
        self.helpdesk = self._with_role(Role.HELPDESK)
        self.team = self._with_role(Role.FULFILLMENT)
        self.admin = self._with_role(Role.ADMIN)

    def _with_role(self, role: Role) -> User:
        found = self.session.scalars(
            select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role).order_by(User.id)
        ).first()
        if found is None:
            raise LookupError(f"The demo company has no one with the {role.value} role.")
        return found

    def live_line(self, person: User) -> Line | None:
        return self.session.scalars(
            select(Line).where(Line.employee_id == person.id, Line.status == LineStatus.ACTIVE).order_by(Line.id)
        ).first()


def _office(answers: Answers) -> Answers:
    return {**answers, "ship_to": "office"}


def _new_line(w: _World, rng: random.Random, person: User, line: Line | None) -> Answers | None:
    carrier = w.carriers.get("northwind") or next(iter(w.carriers.values()))
    plans = [p for p in w.plans if p.carrier_id == carrier.id]
    models = [m for m in w.models if carrier in m.carriers]
    if not plans or not models:
        return None
    return _office(
        {"carrier": carrier.id, "plan": rng.choice(plans).id, "device_model": rng.choice(models).id, "sim_kind": "esim"}
    )


def _upgrade(w: _World, rng: random.Random, person: User, line: Line | None) -> Answers | None:
    if line is None or line.device is None:
        return None
    models = [m for m in w.models if line.carrier in m.carriers]
    reasons = [
        "The battery no longer lasts a day.",
        "The screen is cracked.",
        "It restarts by itself several times a day.",
    ]
    return _office({"line": line.id, "device_model": rng.choice(models).id, "justification": rng.choice(reasons)})


def _accessory(w: _World, rng: random.Random, person: User, line: Line | None) -> Answers | None:
    if line is None or line.device is None or not w.accessories:
        return None
    return _office({"device": line.device.id, "accessories": [rng.choice(w.accessories).id]})


def _change_plan(w: _World, rng: random.Random, person: User, line: Line | None) -> Answers | None:
    others = [p for p in w.plans if line is not None and p.carrier_id == line.carrier_id and p.id != line.plan_id]
    return {"line": line.id, "plan": rng.choice(others).id} if line is not None and others else None


def _change_features(w: _World, rng: random.Random, person: User, line: Line | None) -> Answers | None:
    offered = [f for f in w.features if line is not None and f.carrier_id == line.carrier_id and not f.takes_dates]
    if line is None or not offered:
        return None
    return {"line": line.id, "features": [f.id for f in rng.sample(offered, min(2, len(offered)))]}


def _sim(w: _World, rng: random.Random, person: User, line: Line | None) -> Answers | None:
    return _office({"line": line.id, "sim_kind": "esim", "reason": "Moving to an eSIM."}) if line else None


def _number(w: _World, rng: random.Random, person: User, line: Line | None) -> Answers | None:
    if line is None:
        return None
    return {"line": line.id, "preferred_area_code": rng.choice(["212", "646", "303"]), "reason": "Too many spam calls."}


def _stipend(w: _World, rng: random.Random, person: User, line: Line | None) -> Answers | None:
    enrolled = w.session.scalar(select(Stipend.id).where(Stipend.employee_id == person.id))
    return None if enrolled or not w.tiers else {"tier": rng.choice(w.tiers).id}


# Each type the history uses, how often, and its answers for a person (None: not for this person now).
KINDS: list[tuple[str, int, Callable[[_World, random.Random, User, Line | None], Answers | None]]] = [
    ("accessory", 6, _accessory),
    ("change_features", 5, _change_features),
    ("upgrade", 5, _upgrade),
    ("change_plan", 4, _change_plan),
    ("new_line", 3, _new_line),
    ("sim_request", 3, _sim),
    ("change_number", 2, _number),
    ("stipend_enroll", 2, _stipend),
]


def load_history(session: DbSession, *, orders: int = 200, seed: int = 20261205) -> int:
    """Add the history (once); how many orders it made."""
    if session.scalar(select(func.count(Order.id))):
        return 0
    rng = random.Random(seed)
    world = _World(session)
    people = [p for p in session.scalars(select(User).where(User.active).order_by(User.id)) if p.manager_id is not None]
    the_clock = clock.current()
    now = the_clock.now()
    moments = sorted(now - timedelta(minutes=rng.randint(90, DAYS * 24 * 60)) for _ in range(orders))
    # The demo's manager signs in to a queue: most of the last days' orders come from his team.
    his_team = [p for p in people if p.manager is not None and p.manager.email == DEMO_MANAGER] or people
    made = 0
    for at in moments:
        person = rng.choice(his_team if now - at < RECENT and rng.random() < 0.7 else people)
        code, _, answer = rng.choices(KINDS, weights=[k[1] for k in KINDS])[0]
        with the_clock.frozen_at(at):
            answers = answer(world, rng, person, world.live_line(person))
            requester = world.helpdesk if rng.random() < 0.2 else person
            order = _submitted(session, code, requester, person, answers) if answers else None
        if order is None:
            continue
        made += 1
        _decide_and_fulfil(session, world, rng, order, at, now)
    return made + _wireline_history(session, world, now)


# The telecom team's wireline orders: (type, its answers, days ago it was submitted, the milestone it waits at
# (None: completed)). Answers name the demo's sites and services: see `_wireline_answers`.
WIRELINE_STORY: list[tuple[str, str, int, str | None]] = [
    ("wireline_capacity", "hq_internet_faster", 60, None),
    ("wireline_disconnect", "hq_toll_free_ends", 30, None),
    ("wireline_new", "boston_internet", 9, "installed"),
]


def _wireline_answers(session: DbSession, world: _World, story: str, at: datetime) -> Answers | None:
    """The answers of one of the story's orders, on the demo's sites and services; None when they are gone."""
    sites = {s.name: s for s in session.scalars(select(Site))}

    def service(kind: ServiceKind, site: str = "New York HQ") -> WirelineService | None:
        return session.scalar(
            select(WirelineService)
            .join(Site)
            .where(Site.name == site, WirelineService.kind == kind, WirelineService.status == ServiceStatus.ACTIVE)
            .order_by(WirelineService.id)
        )

    day = at.date()
    if story == "hq_internet_faster":
        dia = service(ServiceKind.DEDICATED_INTERNET)
        return {"service": dia.id, "bandwidth_mbps": "2000", "monthly_quote": "2400.00"} if dia else None
    if story == "hq_toll_free_ends":
        toll_free = service(ServiceKind.TOLL_FREE)
        return {
            "service": toll_free.id,
            "disconnect_on": (day + timedelta(days=2)).isoformat(),  # by its completion: ended at once
            "reason": "Customers call the main number now.",
        } if toll_free else None  # fmt: skip
    boston, contoso = sites.get("Boston branch office"), world.carriers.get("contoso")
    if boston is None or contoso is None:
        return None
    return {
        "site": boston.id,
        "kind": "internet",
        "bandwidth_mbps": "500",
        "carrier": contoso.id,
        "term_months": "36",
        "monthly_quote": "349.00",
        "one_time_quote": "250.00",
        "install_on": (day + timedelta(days=21)).isoformat(),
    }


def _wireline_history(session: DbSession, world: _World, now: datetime) -> int:
    """The story's wireline orders, each approved and taken through its milestones a few days apart; how many."""
    the_clock = clock.current()
    made = 0
    for code, story, days_ago, waits_at in WIRELINE_STORY:
        moment = now - timedelta(days=days_ago)
        with the_clock.frozen_at(moment):
            answers = _wireline_answers(session, world, story, moment)
            order = _submitted(session, code, world.team, world.team, answers) if answers else None
        if order is None:
            continue
        made += 1
        while order.status is OrderStatus.PENDING_APPROVAL:
            step = session.scalar(
                select(Approval).where(Approval.order_id == order.id, Approval.status == ApprovalStatus.PENDING)
            )
            if step is None:
                break
            moment += timedelta(hours=5)
            with the_clock.frozen_at(moment):
                commands.approve(session, step, _decider(session, world, step))
                session.commit()
        _walk_milestones(session, world, order, moment, now, waits_at)
    return made


def _walk_milestones(
    session: DbSession, world: _World, order: Order, moment: datetime, now: datetime, waits_at: str | None
) -> None:
    """The order's milestones as the simulated carrier gives them, a day or more apart (never after now), up to
    `waits_at` (None: to completion)."""
    the_clock = clock.current()
    while order.status in (OrderStatus.APPROVED, OrderStatus.WITH_CARRIER):
        moment += timedelta(days=1, hours=3)
        if moment >= now:
            return
        with the_clock.frozen_at(moment):
            update = simulator.wireline_step(session, order, {})
            status = update["status"]
            if status == waits_at:
                return
            if status == "completed":
                commands.complete(session, order, world.team, update.get("message", ""))
            else:
                commands.record_wireline_milestone(session, order, world.team, status, update)
            session.commit()


def _submitted(session: DbSession, code: str, requester: User, person: User, answers: Answers) -> Order | None:
    """The order submitted as the form and the commands would; None when its rules refuse it now."""
    data: MultiDict = MultiDict()
    for name, value in answers.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(name, str(item))
    try:
        ctx = service.context(session, requester, person)
        order_type = REGISTRY[code]
        form, valid = bind(order_type, ctx, data, validate=True)
        if not valid:
            session.rollback()
            return None
        order = service.save_draft(session, order_type, ctx, form, price=order_type.price(ctx))
        commands.submit(session, order, requester)
        session.commit()
        return order
    except (service.OrderError, lifecycle.TransitionError):
        session.rollback()
        return None


def _decide_and_fulfil(
    session: DbSession, world: _World, rng: random.Random, order: Order, at: datetime, now: datetime
) -> None:
    """What happened to the order after it was submitted, step by step at plausible times (never after now)."""
    the_clock = clock.current()
    moment = at
    recent = now - at < RECENT
    fate = rng.random()

    def later(hours: float) -> bool:
        nonlocal moment
        moment += timedelta(hours=hours * rng.uniform(0.5, 1.5))
        return moment < now

    while order.status is OrderStatus.PENDING_APPROVAL:
        if recent and fate < 0.6 or not later(rng.choice([2, 5, 20])):
            return  # still waiting on its approver
        step = session.scalar(
            select(Approval).where(Approval.order_id == order.id, Approval.status == ApprovalStatus.PENDING)
        )
        if step is None:
            return
        decider = _decider(session, world, step)
        with the_clock.frozen_at(moment):
            if fate > 0.93:
                commands.reject(session, step, decider, "Not within this year's budget: talk to me first.")
            else:
                commands.approve(session, step, decider)
            session.commit()
    if order.status is not OrderStatus.APPROVED:
        return  # rejected, or completed at its approval (nothing for a carrier to do)
    team = world.team
    steps: list[Callable[[], None]] = [
        lambda: commands.record_placed(session, order, team, f"DT-{order.id:05d}"),
    ]
    order_type = REGISTRY[order.type]
    if order_type.ships:
        parcel = simulator.tracking_for(order, rng)
        steps.append(
            lambda: commands.record_shipment(
                session, order, team, parcel["shipping_carrier"], parcel["tracking_number"]
            )
        )
    needs = order_type.needs_reported(order.details)
    if "service_number" in needs:
        steps.append(lambda: commands.record_number(session, order, team, simulator.number_for(session, order, rng)))
    if {"imei", "iccid"} & set(needs) or "iccid" in order_type.also_reports:
        model = session.get(DeviceModel, int(order.details.get("device_model") or 0)) if "imei" in needs else None
        steps.append(
            lambda: commands.record_device(
                session,
                order,
                team,
                imei=simulator.imei_for(session, model, rng) if "imei" in needs else "",
                iccid=simulator.iccid_for(session, rng),
            )
        )
    steps.append(lambda: commands.complete(session, order, team))
    stuck = now - at < TROUBLED and 0.78 < fate <= 0.93  # a few orders of the last weeks need the team's attention
    for index, step_done in enumerate(steps):
        if stuck and index == 1 or recent and fate < 0.7 + 0.1 * index or not later(rng.choice([3, 10, 26])):
            break  # still with the carrier, or shipped
        with the_clock.frozen_at(moment):
            try:
                step_done()
                session.commit()
            except Exception:  # noqa: BLE001 - a step the order can no longer take: it stays where it is
                session.rollback()
                return
    if stuck and order.status is OrderStatus.WITH_CARRIER:
        with the_clock.frozen_at(min(moment + timedelta(hours=1), now)):
            commands.flag_problem(session, order, team, simulator.delay_message(order_type))
            session.commit()


def _decider(session: DbSession, world: _World, step: Approval) -> User:
    """Who decides the step: its assignee, else a member of its group who is not the requester, else an admin."""
    if step.assignee is not None:
        return step.assignee
    own = {step.order.requester_id, step.order.employee_id}
    if step.group is not None:
        members = [m for m in step.group.members if m.id not in own]
        if members:
            return members[0]
    return world.admin
