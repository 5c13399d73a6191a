"""Order types about a line of service: ports and transfers of liability, features, plan and number changes,
assignment to an employee, suspension, disconnection and restoring. Each with its form, rules, price, fulfilment,
inventory effect and sample."""

from __future__ import annotations

import random
from datetime import timedelta

from app import clock, formatting
from app.database import DbSession
from app.inventory.history import apply_changes
from app.models import Carrier, DeviceModel, DeviceStatus, Line, LineStatus, Order, Plan, User, get_setting
from app.orders.types import changes as c
from app.orders.types import parts as p
from app.orders.types import rules as r
from app.orders.types import samples as s
from app.orders.types.base import (
    DELETE,
    MODIFY,
    NEW,
    SUSPENDED_AT_ONCE,
    EffectError,
    OrderType,
    Price,
    SampleDraft,
    SampleWorld,
)
from app.orders.types.pricing import features_cents, line_features_cents, line_plan_cents, model_cents, plan_cents
from app.orders.types.registry import register
from app.orders.types.rules import ACTIVE, LIVE, NO_ACTIVE_LINE, RESTORABLE, needs_line


# ---------------------------------------------------------------- Port to another carrier
def port_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The line moves to the new carrier, account, plan and features (the old carrier's go), on the new carrier's
    SIM; the number stays. A new device if one was ordered."""
    line = c.the_line(order)
    carrier = c.detail_row(session, order, Carrier, "carrier")
    if carrier is None:
        raise EffectError("the new carrier is no longer on file")
    apply_changes(
        session,
        line,
        {
            "carrier": carrier,
            "account_number": carrier.account_number,
            "plan": c.detail_row(session, order, Plan, "plan"),
        },
        actor=actor,
        order=order,
    )
    c.set_features(session, order, line, actor)
    if order.details.get("device_model"):
        device = c.received_device(session, order, c.detail_row(session, order, DeviceModel, "device_model"), actor)
        c.replace_device(session, order, line, device, DeviceStatus.PENDING_RETURN, actor)
    c.new_sim(session, order, line, actor)


def port_reports(details: dict) -> tuple[str, ...]:
    """A port is on the new carrier's SIM (its ICCID), and with a new device, the device's IMEI."""
    return ("imei", "iccid") if details.get("device_model") else ("iccid",)


def port_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    s.line_summary(draft)
    s.pick_carrier(world, draft, rng, "New carrier", other_than=draft.carrier)
    draft.monthly += s.pick_plan(draft, rng)["cents"]
    draft.details.update(billing_zip="10118", account_holder=draft.employee.name, sim_kind="esim")
    draft.secrets.update(account_number="88004321", transfer_pin="4321")
    draft.summary += [["Account number at the current carrier", "••••••21"], ["Transfer PIN", "••••"]]
    s.ship_to_office(draft)


register(
    OrderType(
        "port_in",
        "Port to another carrier",
        NEW,
        "Move an active line to another carrier and keep its number.",
        parts=(
            p.LinePart(),
            p.CarrierPart("New carrier", other_than_line=True),
            p.PlanPart(),
            p.FeaturesPart("Features on the new carrier (optional)"),
            p.SimKindPart("SIM from the new carrier"),
            p.DeviceModelPart(
                "New device (if the current one does not work there)", required=False, empty="Keep the current device"
            ),
            p.AccountPart(),
            p.ShippingPart(),
            p.JustificationPart(),
            p.NotesPart(),
        ),
        rules=(r.works_on_new_carrier, r.no_conflicting_order),
        claims_line=True,
        available=needs_line(ACTIVE, NO_ACTIVE_LINE),
        price=lambda ctx: Price(model_cents(ctx), plan_cents(ctx) + features_cents(ctx)),
        ships=True,
        reports=port_reports,
        effect=port_effect,
        sample=port_sample,
    )
)


# ---------------------------------------------------------------- Transfer of liability
def transfer_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """In: a new corporate line with the person's number. Out: the line leaves; the device stays with them."""
    if order.details.get("direction") == "to_corporate":
        line = c.new_line(session, order, c.personal_number(order), None, actor)
        c.new_sim(session, order, line, actor)
        return
    line = c.the_line(order)
    apply_changes(
        session,
        line,
        {"status": LineStatus.TRANSFERRED_OUT, "disconnected_on": clock.today()},
        actor=actor,
        order=order,
    )
    if line.device is not None:
        apply_changes(session, line.device, {"status": DeviceStatus.RETIRED}, actor=actor, order=order)


def transfer_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    draft.details.update(billing_zip="80202", account_holder=draft.employee.name)
    draft.secrets.update(account_number="71200055", transfer_pin="2468")
    if draft.line is not None and rng.random() < 0.5:
        draft.details["direction"] = "to_personal"
        draft.summary += [["Transfer", "From the corporate account to a personal account"]]
        s.line_summary(draft)
    else:
        draft.line, draft.device_id = None, None
        draft.summary += [
            ["Transfer", "From a personal account to the corporate account"],
            ["Personal number (when it moves to the corporate account)", "(303) 201-7788"],
        ]
        draft.details.update(direction="to_corporate", phone_number="+13032017788")
        s.pick_carrier(world, draft, rng, "Corporate carrier")
        draft.monthly += s.pick_plan(draft, rng)["cents"]


register(
    OrderType(
        "transfer_liability",
        "Transfer of liability",
        NEW,
        "Move a line between a personal account and the corporate account.",
        parts=(
            p.DirectionPart(),
            p.LinePart("Corporate line (when it moves to a personal account)", required=False),
            p.PhoneNumberPart("Personal number (when it moves to the corporate account)"),
            p.CarrierPart("Corporate carrier (when it moves to the corporate account)", required=False),
            p.PlanPart(required=False),
            p.AccountPart(),
            p.JustificationPart(),
            p.NotesPart(),
        ),
        rules=(r.transfer_details, r.no_conflicting_order),
        claims_line=True,
        price=lambda ctx: Price(0, plan_cents(ctx) if ctx.values.get("direction") == "to_corporate" else 0),
        effect=transfer_effect,
        sample=transfer_sample,
    )
)


# ---------------------------------------------------------------- Change features
def features_effect(session: DbSession, order: Order, actor: User | None) -> None:
    c.set_features(session, order, c.the_line(order), actor)


def features_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    s.line_summary(draft)
    offered = draft.line.carrier["features"]  # the line's own carrier
    features = rng.sample(offered, min(len(offered), rng.randint(1, 2)))
    draft.details["features"] = [f["id"] for f in features]
    draft.monthly = draft.line.plan["cents"] + sum(f["cents"] for f in features)
    draft.summary.append(["Features", ", ".join(f["name"] for f in features)])


register(
    OrderType(
        "change_features",
        "Change features",
        MODIFY,
        "Add or remove features on a line.",
        parts=(p.LinePart(), p.FeaturesPart(start_from_line=True), p.NotesPart()),
        rules=(r.features_change, r.no_conflicting_order),
        claims_line=True,
        available=needs_line(ACTIVE, NO_ACTIVE_LINE),
        price=lambda ctx: Price(0, line_plan_cents(ctx) + features_cents(ctx)),
        effect=features_effect,
        sample=features_sample,
    )
)


# ---------------------------------------------------------------- Change plan
def plan_effect(session: DbSession, order: Order, actor: User | None) -> None:
    plan = c.detail_row(session, order, Plan, "plan")
    if plan is None:
        raise EffectError("the plan ordered is no longer in the catalog")
    apply_changes(session, c.the_line(order), {"plan": plan}, actor=actor, order=order)


def plan_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    s.line_summary(draft)
    draft.monthly = s.pick_plan(draft, rng, "New plan")["cents"]


register(
    OrderType(
        "change_plan",
        "Change plan",
        MODIFY,
        "Change a line's voice or data plan.",
        parts=(p.LinePart(), p.PlanPart("New plan"), p.JustificationPart(), p.NotesPart()),
        rules=(r.plan_changes, r.no_conflicting_order),
        claims_line=True,
        available=needs_line(ACTIVE, NO_ACTIVE_LINE),
        price=lambda ctx: Price(0, plan_cents(ctx) + line_features_cents(ctx)),
        effect=plan_effect,
        sample=plan_sample,
    )
)


# ---------------------------------------------------------------- Change phone number
def number_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The line gets its new number; the old one stays in the line's history."""
    apply_changes(session, c.the_line(order), {"number": order.service_number}, actor=actor, order=order)


def number_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    s.line_summary(draft)
    draft.details.update(preferred_area_code=s.area_code(draft.employee.city), reason="Too many unwanted calls.")
    draft.summary += [
        ["Preferred area code", draft.details["preferred_area_code"]],
        ["Reason for the change", draft.details["reason"]],
    ]


register(
    OrderType(
        "change_number",
        "Change phone number",
        MODIFY,
        "A new phone number for a line.",
        parts=(
            p.LinePart(),
            p.AreaCodePart(),
            p.ReasonPart("Reason for the change", message="Give the reason for the new number."),
        ),
        rules=(r.no_conflicting_order,),
        claims_line=True,
        available=needs_line(ACTIVE, NO_ACTIVE_LINE),
        reports=("service_number",),
        effect=number_effect,
        sample=number_sample,
    )
)


# ---------------------------------------------------------------- Restore service
def restore_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The line is active again; a line left without a device (disconnected) gets the in-stock device chosen."""
    line = c.the_line(order)
    changes: dict = {**c.RESUMED, "disconnected_on": None, "disconnects_on": None}
    if line.device is None and order.device is not None:
        changes["device"] = c.take_from_stock(session, order, order.device, line.employee_id, actor)
    apply_changes(session, line, changes, actor=actor, order=order)


def restore_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    s.line_summary(draft)
    draft.monthly = draft.line.plan["cents"] if draft.line else 0


register(
    OrderType(
        "restore",
        "Restore service",
        MODIFY,
        "Restore a suspended or disconnected line.",
        parts=(
            p.LinePart("Suspended or disconnected line"),
            p.StockDevicePart("In-stock device for the line (when it has none)", required=False),
            p.NotesPart(),
        ),
        line_statuses=RESTORABLE,
        rules=(r.restore_window, r.restore_needs_device, r.no_conflicting_order),
        claims_line=True,
        available=needs_line(RESTORABLE, "You have no suspended or disconnected line."),
        price=lambda ctx: Price(0, ctx.line.monthly_cents if ctx.line else 0),
        effect=restore_effect,
        sample=restore_sample,
    )
)


# ---------------------------------------------------------------- Assign line (internal)
def assign_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The line (and its device) go to the new employee, with the new employee's cost center."""
    line = c.the_line(order)
    new_holder = session.get(User, int(order.details["new_employee"]))
    if line is None or new_holder is None or not new_holder.active:
        raise EffectError("the line or the person it goes to is no longer on file")
    apply_changes(
        session,
        line,
        {"employee_id": new_holder.id, "cost_center_id": new_holder.cost_center_id},
        actor=actor,
        order=order,
    )
    if line.device is not None:
        apply_changes(
            session,
            line.device,
            {"employee_id": new_holder.id, "status": DeviceStatus.ASSIGNED},
            actor=actor,
            order=order,
        )


def assign_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    s.line_summary(draft)
    heir = world.people.get(draft.employee.manager_id) or draft.employee
    draft.details["new_employee"] = heir.id
    draft.summary.append(["Assign to", heir.name])


register(
    OrderType(
        "assign_line",
        "Assign line",
        MODIFY,
        "Assign or reassign a line to an employee.",
        parts=(p.LinePart(include_unassigned=True), p.NewEmployeePart(), p.NotesPart()),
        line_statuses=LIVE,
        carrier_fulfilled=False,
        rules=(r.new_holder_differs, r.no_conflicting_order),
        claims_line=True,
        available=needs_line(LIVE, NO_ACTIVE_LINE),
        effect=assign_effect,
        sample=assign_sample,
    )
)


# ---------------------------------------------------------------- Suspend line
def suspend_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The line is suspended; with a planned end, a reminder to restore or disconnect goes out before it. A line
    reported lost or stolen was suspended in the records when it was reported (`suspend_for_loss`): the carrier's
    completion confirms it and changes nothing more."""
    if order.details.get(SUSPENDED_AT_ONCE):
        return
    until = order.details.get("planned_end")
    apply_changes(
        session,
        c.the_line(order),
        {
            "status": LineStatus.SUSPENDED,
            "suspended_on": clock.today(),
            "suspended_until": c.detail_date(order, "planned_end") if until else None,
            "suspend_reason": order.details.get("reason", ""),
        },
        actor=actor,
        order=order,
    )
    if until:
        remind_on = c.detail_date(order, "planned_end") - timedelta(days=int(get_setting("suspension_reminder_days")))
        c.later(session, order, max(remind_on, clock.today() + timedelta(days=1)), kind="reminder")


def suspend_for_loss(session: DbSession, order: Order, actor: User | None) -> None:
    """A line reported lost or stolen is suspended in the records at once, and its device marked lost or stolen,
    with the history linked to the order; the carrier's suspension follows."""
    line = c.the_line(order)
    suspend_effect(session, order, actor)
    if line.device is not None:
        apply_changes(session, line.device, {"status": DeviceStatus.LOST_STOLEN}, actor=actor, order=order)
    order.details = {**order.details, SUSPENDED_AT_ONCE: True}


def suspended_for_loss(line: Line) -> bool:
    """A line suspended because its device was lost or stolen (a replacement device may be ordered for it)."""
    return line.status is LineStatus.SUSPENDED and line.device is not None and line.device.lost


def suspension_reminder(order: Order) -> str:
    line = c.the_line(order)
    return (
        f"The suspension of {formatting.phone(line.number)} is planned to end on "
        f"{formatting.day(c.detail_date(order, 'planned_end'))}: order Restore service to bring the line back, "
        "or Disconnect line if it is no longer needed."
    )


def suspend_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    s.line_summary(draft)
    draft.details["reason"] = "Extended leave"
    draft.summary.append(["Reason for the suspension", "Extended leave"])


register(
    OrderType(
        "suspend",
        "Suspend line",
        DELETE,
        "Temporarily suspend an active line.",
        parts=(
            p.LinePart(),
            p.ReasonPart("Reason for the suspension", message="Give the reason for the suspension."),
            p.PlannedEndPart("Planned end of the suspension (optional)"),
        ),
        rules=(r.no_conflicting_order,),
        claims_line=True,
        available=needs_line(ACTIVE, NO_ACTIVE_LINE),
        reminder=suspension_reminder,
        effect=suspend_effect,
        sample=suspend_sample,
    )
)


# ---------------------------------------------------------------- Disconnect line
DISPOSITION_STATUS = {
    "return_to_stock": DeviceStatus.IN_STOCK,
    "keep": DeviceStatus.RETIRED,
    "recycle": DeviceStatus.RETIRED,
    "lost_stolen": DeviceStatus.LOST_STOLEN,
}


def disconnect_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The line is disconnected on its date: at once when the date has come, else it says when, and the worker
    disconnects it that day (`disconnect_on_date`)."""
    on = c.detail_date(order, "effective_on")
    if c.later(session, order, on):
        apply_changes(session, c.the_line(order), {"disconnects_on": on}, actor=actor, order=order)
        return
    disconnect_on_date(session, order, actor)


def disconnect_on_date(session: DbSession, order: Order, actor: User | None) -> None:
    """The line is disconnected; its device leaves it and goes where the disposition says."""
    line = c.the_line(order)
    if line.status not in LIVE:
        raise EffectError(f"the line {line.number} is {line.status.value.replace('_', ' ')} already")
    device = line.device
    apply_changes(
        session,
        line,
        {
            "status": LineStatus.DISCONNECTED,
            "disconnected_on": c.detail_date(order, "effective_on"),
            "disconnects_on": None,
            "device": None,
        },
        actor=actor,
        order=order,
    )
    disposition = order.details.get("disposition")
    if device is not None and disposition in DISPOSITION_STATUS:
        changes: dict = {"status": DISPOSITION_STATUS[disposition]}
        if disposition == "return_to_stock":
            changes["employee_id"] = None
        apply_changes(session, device, changes, actor=actor, order=order)


def disconnect_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    s.line_summary(draft)
    on = world.today + timedelta(days=rng.randint(1, 30))
    draft.details.update(effective_on=on.isoformat(), disposition="return_to_stock")
    draft.summary += [["Disconnect on", f"{on:%b %d, %Y}"], ["Device", "Return it to stock"]]


register(
    OrderType(
        "disconnect",
        "Disconnect line",
        DELETE,
        "Disconnect a line on a date.",
        parts=(
            p.LinePart(),
            p.EffectiveDatePart("Disconnect on"),
            p.DispositionPart(),
            p.ReasonPart("Reason", required=False),
        ),
        line_statuses=LIVE,
        rules=(r.no_conflicting_order,),
        claims_line=True,
        available=needs_line(LIVE, NO_ACTIVE_LINE),
        effect=disconnect_effect,
        on_date=disconnect_on_date,
        sample=disconnect_sample,
    )
)
