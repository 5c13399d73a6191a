"""The rules order types share: eligibility, warranty, restore window, conflicts, compatibility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.catalog.settings import add_months, upgrade_months_for
from app.formatting import day, money
from app.models import (
    Device,
    DeviceStatus,
    Line,
    LineStatus,
    Order,
    ServiceStatus,
    Site,
    Stipend,
    StipendStatus,
    User,
    WirelineService,
    get_setting,
)
from app.orders.lifecycle import OPEN
from app.orders.types.base import Availability, OrderContext
from app.orders.types.registry import REGISTRY

ACTIVE = frozenset({LineStatus.ACTIVE})
LIVE = frozenset({LineStatus.ACTIVE, LineStatus.SUSPENDED})
RESTORABLE = frozenset({LineStatus.SUSPENDED, LineStatus.DISCONNECTED})
NO_ACTIVE_LINE = "You have no active line."


def needs_line(statuses: frozenset[LineStatus], reason: str) -> Availability:
    """Available to a person with a line in one of `statuses`; else `reason`."""
    return lambda facts: None if facts.lines(statuses) else reason


WARRANTY_DAYS = 365
NOT_COVERED = {"physical": "physical damage", "liquid": "liquid damage", "battery": "battery problems"}


def upgrade_months(person: User) -> int:
    return upgrade_months_for(person)


def upgrade_eligible_on(line: Line, months: int) -> date | None:
    device = line.device
    activated = device and (device.activated_on or device.purchased_on)
    return add_months(activated, months) if activated else None


def early_upgrade(ctx: OrderContext) -> tuple[date, date, int] | None:
    """When the line's device is not due for an upgrade yet: (the day it is, the day its device was activated,
    the months between upgrades); None when it is due, or there is nothing to count from."""
    if ctx.line is None or ctx.line.device is None:
        return None
    months = upgrade_months(ctx.employee)
    eligible_on = upgrade_eligible_on(ctx.line, months)
    device = ctx.line.device
    activated = device.activated_on or device.purchased_on
    if eligible_on is None or activated is None or ctx.today >= eligible_on:
        return None
    return eligible_on, activated, months


def early_upgrade_fee_cents(ctx: OrderContext) -> int:
    """The carrier's charge for upgrading before the line is eligible (0 when it is eligible)."""
    return ctx.line.carrier.early_upgrade_fee_cents if ctx.line is not None and early_upgrade(ctx) else 0


def suspended_only_for_loss(ctx: OrderContext) -> dict[str, str]:
    """A suspended line gets a new device only when it was suspended because its device was lost or stolen."""
    line = ctx.line
    if line is None or line.status is not LineStatus.SUSPENDED or (line.device is not None and line.device.lost):
        return {}
    return {
        "line": "This line is suspended: order Restore service first (a suspended line gets a new device only "
        "to replace one lost or stolen)."
    }


def upgrade_eligibility(ctx: OrderContext) -> dict[str, str]:
    """An upgrade before the line is eligible is an early upgrade: allowed, but out of policy (a justification,
    the out-of-policy approvers) and with the carrier's early-upgrade charge."""
    early = early_upgrade(ctx)
    if early is None:
        return {}
    eligible_on, activated, months = early
    fee = early_upgrade_fee_cents(ctx)
    why = (
        f"the line is eligible on {day(eligible_on)}: its device was activated on {day(activated)} and upgrades "
        f"come every {months} months"
        + (f"; {ctx.line.carrier.name} charges {money(fee)} for an early upgrade" if ctx.line and fee else "")
    )
    if ("Early upgrade", why) not in ctx.out_of_policy:
        ctx.out_of_policy.append(("Early upgrade", why))
    return {}


def warranty_coverage(ctx: OrderContext) -> dict[str, str]:
    if ctx.line is None:
        return {}
    device = ctx.line.device
    if device is None:
        return {"line": "This line has no device on record to replace."}
    bought = device.purchased_on or device.activated_on
    if bought and (ctx.today - bought).days > WARRANTY_DAYS:
        return {
            "line": f"The {device.model} was bought on {day(bought)}, more than a year ago, so the carrier's "
            "warranty has ended. Order an Upgrade instead (an early upgrade when the line is not eligible yet)."
        }
    problem = ctx.values.get("problem")
    if problem in NOT_COVERED:
        return {
            "problem": f"The carrier's warranty does not cover {NOT_COVERED[problem]}. Order an Upgrade instead "
            "(an early upgrade when the line is not eligible yet)."
        }
    return {}


def restore_window(ctx: OrderContext) -> dict[str, str]:
    line = ctx.line
    if line is None or line.status is not LineStatus.DISCONNECTED or line.disconnected_on is None:
        return {}
    days = (ctx.today - line.disconnected_on).days
    window = line.carrier.reactivation_window_days
    if days > window:
        return {
            "line": f"This line was disconnected on {day(line.disconnected_on)}, {days} days ago; "
            f"{line.carrier.name} restores lines only within {window} days of disconnection."
        }
    return {}


def restore_needs_device(ctx: OrderContext) -> dict[str, str]:
    """A line left without a device (a disconnection takes it away) is restored onto one from stock."""
    if ctx.line is not None and ctx.line.device_id is None and ctx.stock_device is None:
        return {"stock_device": "This line has no device now: choose an in-stock device for it."}
    return {}


def no_conflicting_order(ctx: OrderContext) -> dict[str, str]:
    """One open order that changes a line at a time (the database holds it: Order.line_claim is unique)."""
    if ctx.line is None or ctx.order_type is None or not ctx.order_type.claims_line:
        return {}
    query = select(Order).where(Order.line_claim == ctx.line.id)
    if ctx.order_id is not None:
        query = query.where(Order.id != ctx.order_id)
    open_order = ctx.session.scalars(query.limit(1)).first()
    if open_order is not None:
        name = REGISTRY[open_order.type].name if open_order.type in REGISTRY else open_order.type
        return {
            "line": f"{open_order.number} ({name}) is already open for this line: wait for it to finish "
            "or cancel it first."
        }
    return {}


def works_on_new_carrier(ctx: OrderContext) -> dict[str, str]:
    """A port keeps the device only if it works on the new carrier; otherwise a new device is required."""
    if ctx.line is None or ctx.carrier is None or ctx.model is not None:
        return {}
    device = ctx.line.device
    if device is not None and ctx.carrier not in device.model.carriers:
        return {"device_model": f"The {device.model} does not work on {ctx.carrier.name}: choose a new device."}
    return {}


def stock_device_works_on_carrier(ctx: OrderContext) -> dict[str, str]:
    if ctx.stock_device is None or ctx.carrier is None:
        return {}
    if ctx.carrier not in ctx.stock_device.model.carriers:
        return {"carrier": f"The {ctx.stock_device.model} does not work on {ctx.carrier.name}."}
    return {}


def plan_changes(ctx: OrderContext) -> dict[str, str]:
    if ctx.line is not None and ctx.plan is not None and ctx.plan.id == ctx.line.plan_id:
        return {"plan": f"This line is already on {ctx.plan.name}: choose another plan."}
    return {}


def features_change(ctx: OrderContext) -> dict[str, str]:
    if ctx.line is None:
        return {}
    if {f.id for f in ctx.features} == {lf.feature_id for lf in ctx.line.features}:
        return {"features": "These are the line's features already: add or remove at least one."}
    return {}


def esim_supported(ctx: OrderContext) -> dict[str, str]:
    device = ctx.line.device if ctx.line else None
    if ctx.values.get("sim_kind") == "esim" and device is not None and not device.model.esim:
        return {"sim_kind": f"The {device.model} does not take an eSIM: choose a physical SIM card."}
    return {}


def new_holder_differs(ctx: OrderContext) -> dict[str, str]:
    if ctx.line is not None and ctx.new_employee is not None and ctx.line.employee_id == ctx.new_employee.id:
        return {"new_employee": f"The line is already assigned to {ctx.new_employee.name}."}
    return {}


def some_accessory(ctx: OrderContext) -> dict[str, str]:
    return {} if ctx.accessories else {"accessories": "Choose at least one accessory."}


def transfer_details(ctx: OrderContext) -> dict[str, str]:
    errors = {}
    if ctx.values.get("direction") == "to_personal" and ctx.line is None:
        errors["line"] = "Choose the corporate line that moves to a personal account."
    if ctx.values.get("direction") == "to_corporate":
        if not ctx.values.get("phone_number"):
            errors["phone_number"] = "Enter the personal number that moves to the corporate account."
        if ctx.carrier is None:
            errors["carrier"] = "Choose the corporate carrier."
        if ctx.plan is None:
            errors["plan"] = "Choose a plan."
    return errors


def not_enrolled(ctx: OrderContext) -> dict[str, str]:
    if active_stipend(ctx) is not None:
        return {"tier": f"{ctx.employee.name} is already enrolled in the stipend program."}
    return {}


def enrolled(ctx: OrderContext) -> dict[str, str]:
    if active_stipend(ctx) is None:
        return {"reason": f"{ctx.employee.name} is not enrolled in the stipend program."}
    return {}


def active_stipend(ctx: OrderContext) -> Stipend | None:
    return ctx.session.scalars(
        select(Stipend).where(Stipend.employee_id == ctx.employee.id, Stipend.status == StipendStatus.ACTIVE)
    ).first()


@dataclass(frozen=True)
class EmployeeFacts:
    """What the New order page needs to say which types apply to a person now (a few queries, once)."""

    lines_by_status: dict[LineStatus, int]
    assigned_devices: int
    stipend: bool
    in_stock: int
    wireline_refusal: str | None = None  # why the person ordering may not order wireline (None: they may)
    active_services: int = 0  # wireline services in service at the company's sites

    def lines(self, statuses) -> int:
        return sum(self.lines_by_status.get(s, 0) for s in statuses)


def employee_facts(session, employee: User, requester: User | None = None) -> EmployeeFacts:
    """What `employee` has now; wireline orders are about sites, so whether they may be ordered is about the
    person ordering (`requester`, by default the employee)."""
    by_status = dict(
        session.execute(
            select(Line.status, func.count()).where(Line.employee_id == employee.id).group_by(Line.status)
        ).all()
    )
    devices = session.scalar(
        select(func.count())
        .select_from(Device)
        .where(Device.employee_id == employee.id, Device.status == DeviceStatus.ASSIGNED)
    )
    stipend = session.scalar(
        select(func.count())
        .select_from(Stipend)
        .where(Stipend.employee_id == employee.id, Stipend.status == StipendStatus.ACTIVE)
    )
    stock = session.scalar(select(func.count()).select_from(Device).where(Device.status == DeviceStatus.IN_STOCK))
    services = session.scalar(
        select(func.count()).select_from(WirelineService).where(WirelineService.status == ServiceStatus.ACTIVE)
    )
    refusal = wireline_refusal(session, requester or employee)
    return EmployeeFacts(by_status, devices or 0, bool(stipend), stock or 0, refusal, services or 0)


WIRELINE_ORDERERS = {
    "telecom_and_site_contacts": "The telecom team and each site's contact",
    "telecom": "The telecom team only",
    "everyone": "Everyone",
}


def wireline_refusal(session, person: User) -> str | None:
    """Why `person` may not order wireline services, as the company set it (Admin › Settings); None if they may.
    The telecom team and administrators always may."""
    if person.is_fulfillment or person.is_admin:
        return None
    who = get_setting("wireline_orderers")
    if who == "everyone":
        return None
    if who == "telecom_and_site_contacts":
        if session.scalar(select(Site.id).where(Site.contact_id == person.id).limit(1)) is not None:
            return None
        return "wireline services are ordered by the telecom team and the sites' contacts."
    return "wireline services are ordered by the telecom team."


def may_order_wireline(ctx: OrderContext) -> dict[str, str]:
    """Every wireline type's rule: the person ordering is one the company lets order wireline services."""
    refusal = wireline_refusal(ctx.session, ctx.requester)
    return {"": f"You cannot order this: {refusal}"} if refusal else {}


def no_open_order_on_service(ctx: OrderContext) -> dict[str, str]:
    """One open order at a time changes a wireline service."""
    if ctx.service is None:
        return {}
    query = select(Order.number).where(Order.service_id == ctx.service.id, Order.status.in_(OPEN))
    if ctx.order_id is not None:
        query = query.where(Order.id != ctx.order_id)
    other = ctx.session.scalar(query.limit(1))
    if other is None:
        return {}
    return {"service": f"Order {other} is already changing this service: wait until it is completed or cancelled."}
