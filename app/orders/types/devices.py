"""Order types about devices and SIMs: a new line with its phone, upgrades, warranty replacements, accessories,
activating or swapping to an in-stock device, and a new SIM. Each with its form, rules, price, fulfilment, inventory
effect and sample."""

from __future__ import annotations

import random

from app import clock
from app.database import DbSession
from app.inventory.history import apply_changes, record_change
from app.models import Accessory, DeviceAccessory, DeviceModel, DeviceStatus, Order, User
from app.orders.types import changes as c
from app.orders.types import parts as p
from app.orders.types import rules as r
from app.orders.types import samples as s
from app.orders.types.base import MODIFY, NEW, OrderType, Price, SampleDraft, SampleWorld
from app.orders.types.pricing import features_cents, model_cents, plan_cents
from app.orders.types.registry import register
from app.orders.types.rules import ACTIVE, LIVE, NO_ACTIVE_LINE, needs_line


# ---------------------------------------------------------------- New line
def new_line_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """A new line (active, new number, plan, features), its new device and SIM, for the employee."""
    device = c.received_device(session, order, c.detail_row(session, order, DeviceModel, "device_model"), actor)
    line = c.new_line(session, order, order.service_number, device, actor)
    session.flush()
    c.set_features(session, order, line, actor)
    c.new_sim(session, order, line, actor)
    order.device = device


def new_line_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    draft.line = draft.device_id = None
    s.pick_carrier(world, draft, rng)
    draft.monthly += s.pick_plan(draft, rng)["cents"]
    s.pick_model(world, draft, rng)
    draft.details["sim_kind"] = "esim" if rng.random() < 0.3 else "physical"
    draft.summary.append(["SIM", "eSIM" if draft.details["sim_kind"] == "esim" else "Physical SIM card"])
    s.ship_to_office(draft)


register(
    OrderType(
        "new_line",
        "New line",
        NEW,
        "A new device and a new line of service.",
        parts=(
            p.CarrierPart(),
            p.PlanPart(),
            p.DeviceModelPart(),
            p.FeaturesPart("Features (optional)"),
            p.SimKindPart(),
            p.ShippingPart(),
            p.JustificationPart(),
            p.NotesPart(),
        ),
        price=lambda ctx: Price(model_cents(ctx), plan_cents(ctx) + features_cents(ctx)),
        ships=True,
        reports=("service_number", "imei"),
        also_reports=("iccid",),
        effect=new_line_effect,
        sample=new_line_sample,
    )
)


# ---------------------------------------------------------------- Upgrade
def upgrade_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The new device goes on the line; the old one is to be returned."""
    line = c.the_line(order)
    device = c.received_device(session, order, c.detail_row(session, order, DeviceModel, "device_model"), actor)
    c.replace_device(session, order, line, device, DeviceStatus.PENDING_RETURN, actor)
    c.new_sim(session, order, line, actor)


def upgrade_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    s.line_summary(draft)
    s.pick_model(world, draft, rng, "New device")
    s.ship_to_office(draft)


register(
    OrderType(
        "upgrade",
        "Upgrade",
        NEW,
        "A new device on one of your lines: once it is eligible, or earlier with a justification and the "
        "carrier's early-upgrade charge. It also replaces a device lost or stolen.",
        parts=(p.LinePart(), p.DeviceModelPart("New device"), p.ShippingPart(), p.JustificationPart(), p.NotesPart()),
        rules=(r.suspended_only_for_loss, r.upgrade_eligibility, r.no_conflicting_order),
        claims_line=True,
        line_statuses=LIVE,  # a line suspended because its device was lost or stolen gets its replacement
        available=needs_line(LIVE, NO_ACTIVE_LINE),
        price=lambda ctx: Price(model_cents(ctx) + r.early_upgrade_fee_cents(ctx), 0),
        ships=True,
        reports=("imei",),
        also_reports=("iccid",),
        effect=upgrade_effect,
        sample=upgrade_sample,
    )
)


# ---------------------------------------------------------------- Warranty replacement
def warranty_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """A replacement of the same model goes on the line, under the original warranty: its end date and the
    activation date the upgrade clock counts from are those of the device it replaces, which is owed back."""
    line = c.the_line(order)
    old = c.expect_device(line.device, DeviceStatus.ASSIGNED, what="The device to replace")
    device = c.received_device(session, order, old.model, actor)
    device.warranty_ends_on = old.warranty_ends_on or device.warranty_ends_on
    device.activated_on = old.activated_on or old.purchased_on or device.activated_on
    device.purchased_on = old.purchased_on or device.purchased_on
    c.replace_device(session, order, line, device, DeviceStatus.PENDING_RETURN, actor)


def warranty_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    s.line_summary(draft)
    draft.details.update(
        problem="defect", problem_description="The screen stays black after charging.", warranty_terms=True
    )
    draft.summary += [
        ["What is wrong?", "It stopped working or has a defect"],
        ["Describe the problem", draft.details["problem_description"]],
        ["Warranty terms", "Acknowledged by the requester"],
    ]
    s.ship_to_office(draft)


register(
    OrderType(
        "warranty_replacement",
        "Warranty replacement",
        NEW,
        "Replace a defective device under the carrier's one-year warranty.",
        parts=(p.LinePart(), p.DamagePart(), p.WarrantyTermsPart(), p.ShippingPart(), p.NotesPart()),
        rules=(r.warranty_coverage, r.no_conflicting_order),
        claims_line=True,
        available=needs_line(ACTIVE, NO_ACTIVE_LINE),
        ships=True,
        reports=("imei",),
        effect=warranty_effect,
        sample=warranty_sample,
    )
)


# ---------------------------------------------------------------- Accessories
def accessory_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The accessories shipped are listed on the device, each with how many came."""
    device = c.expect_device(order.device, DeviceStatus.ASSIGNED, DeviceStatus.IN_REPAIR)
    quantity = int(order.details.get("quantity") or 1)
    names = []
    for accessory_id in order.details.get("accessories", []):
        item = session.get(Accessory, int(accessory_id))
        if item is None:
            continue
        session.add(DeviceAccessory(device=device, accessory=item, order_id=order.id, quantity=quantity))
        names.append(f"{quantity} × {item.name}" if quantity > 1 else item.name)
    record_change(session, device, "accessories", None, ", ".join(names), actor=actor, order=order)


def accessory_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    draft.line = None
    draft.device_id = rng.choice(draft.employee.devices) if draft.employee.devices else None
    chosen = rng.sample(world.accessories, rng.randint(1, min(2, len(world.accessories))))
    draft.details["accessories"] = [a["id"] for a in chosen]
    draft.details["quantity"] = 1
    draft.one_time = sum(a["cents"] for a in chosen)
    draft.summary += [["Accessories", ", ".join(a["name"] for a in chosen)], ["How many of each", "1"]]
    draft.carrier = world.carriers[0]
    s.ship_to_office(draft)


register(
    OrderType(
        "accessory",
        "Accessories",
        NEW,
        "A battery, case, headset or charger for a device you have.",
        parts=(p.MyDevicePart(), p.AccessoriesPart(), p.ShippingPart(), p.JustificationPart(), p.NotesPart()),
        rules=(r.some_accessory,),
        available=lambda facts: None if facts.assigned_devices else "You have no device to order accessories for.",
        price=lambda ctx: Price(sum(a.price_cents for a in ctx.accessories) * ctx.quantity, 0),
        ships=True,
        effect=accessory_effect,
        sample=accessory_sample,
    )
)


# ---------------------------------------------------------------- Activate an in-stock device
def activate_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """A new line on the in-stock device, which is now assigned to the employee."""
    device = c.take_from_stock(session, order, order.device, order.employee_id, actor)
    line = c.new_line(session, order, order.service_number, device, actor)
    session.flush()
    c.set_features(session, order, line, actor)
    c.new_sim(session, order, line, actor)


def activate_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    draft.line = None
    device_id, model = rng.choice(world.stock) if world.stock else (None, world.models[0])
    draft.device_id = device_id
    draft.details["stock_device"] = device_id
    draft.summary.append(["In-stock device", model["name"]])
    s.pick_carrier(world, draft, rng)
    draft.monthly += s.pick_plan(draft, rng)["cents"]


register(
    OrderType(
        "activate_in_stock",
        "Activate an in-stock device",
        NEW,
        "Start service on a device held in stock.",
        parts=(
            p.StockDevicePart(),
            p.CarrierPart(),
            p.PlanPart(),
            p.FeaturesPart("Features (optional)"),
            p.AreaCodePart(),
            p.JustificationPart(),
            p.NotesPart(),
        ),
        rules=(r.stock_device_works_on_carrier,),
        available=lambda facts: None if facts.in_stock else "No device is in stock right now.",
        price=lambda ctx: Price(0, plan_cents(ctx) + features_cents(ctx)),
        reports=("service_number",),
        also_reports=("iccid",),
        effect=activate_effect,
        sample=activate_sample,
    )
)


# ---------------------------------------------------------------- Swap to an in-stock device
def swap_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The line moves to the in-stock device; the old device goes back to stock."""
    line = c.the_line(order)
    device = c.expect_device(order.device, DeviceStatus.IN_STOCK, what="The in-stock device")
    old = line.device
    apply_changes(
        session,
        device,
        {"status": DeviceStatus.ASSIGNED, "employee_id": order.employee_id, "activated_on": clock.today()},
        actor=actor,
        order=order,
    )
    apply_changes(session, line, {"device": device}, actor=actor, order=order)
    if old is not None and old is not device:
        apply_changes(session, old, {"status": DeviceStatus.IN_STOCK, "employee_id": None}, actor=actor, order=order)


def swap_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    s.line_summary(draft)
    device_id, model = rng.choice(world.stock) if world.stock else (None, world.models[0])
    draft.details["stock_device"] = device_id
    draft.summary.append(["In-stock device to move the line to", model["name"]])


register(
    OrderType(
        "swap_to_stock_device",
        "Swap to an in-stock device",
        MODIFY,
        "Put an active line on a device held in stock.",
        parts=(p.LinePart(), p.StockDevicePart("In-stock device to move the line to"), p.NotesPart()),
        rules=(r.no_conflicting_order,),
        claims_line=True,
        available=lambda facts: (
            NO_ACTIVE_LINE
            if not facts.lines(ACTIVE)
            else None
            if facts.in_stock
            else "No device is in stock right now."
        ),
        effect=swap_effect,
        sample=swap_sample,
    )
)


# ---------------------------------------------------------------- New SIM
def sim_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The new SIM becomes the line's active one."""
    c.new_sim(session, order, c.the_line(order), actor)


def sim_sample(world: SampleWorld, draft: SampleDraft, rng: random.Random) -> None:
    s.line_summary(draft)
    draft.details.update(sim_kind="physical", reason="The old card is damaged.")
    draft.summary += [["SIM", "Physical SIM card"], ["Why a new SIM?", draft.details["reason"]]]
    s.ship_to_office(draft)


register(
    OrderType(
        "sim_request",
        "New SIM",
        MODIFY,
        "A new SIM card or eSIM for a device.",
        parts=(
            p.LinePart(),
            p.SimKindPart(),
            p.ReasonPart("Why a new SIM?", message="Say why a new SIM is needed."),
            p.ShippingPart(),
        ),
        line_statuses=LIVE,
        rules=(r.esim_supported, r.no_conflicting_order),
        claims_line=True,
        available=needs_line(LIVE, NO_ACTIVE_LINE),
        ships=True,
        reports=("iccid",),
        effect=sim_effect,
        sample=sim_sample,
    )
)
