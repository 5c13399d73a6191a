"""The registry of the 18 order types: one entry per type says what it asks, where it applies, its rules and
its price. A new type is one more entry here (and its inventory effect where completion is handled)."""
from __future__ import annotations

from app.models import LineStatus
from app.orders.types import parts as p
from app.orders.types import rules as r
from app.orders.types.base import DELETE, GROUPS, MODIFY, NEW, OrderContext, OrderType, Price

REGISTRY: dict[str, OrderType] = {}

ACTIVE = frozenset({LineStatus.ACTIVE})
LIVE = frozenset({LineStatus.ACTIVE, LineStatus.SUSPENDED})
RESTORABLE = frozenset({LineStatus.SUSPENDED, LineStatus.DISCONNECTED})

# Types that change a line: only one of them may be open on a line at a time.
LINE_TYPES = frozenset({"upgrade", "warranty_replacement", "port_in", "transfer_liability", "change_features",
                        "change_plan", "change_number", "swap_to_stock_device", "sim_request", "restore",
                        "assign_line", "suspend", "disconnect"})


def register(order_type: OrderType) -> OrderType:
    if order_type.code in REGISTRY:
        raise ValueError(f"Order type {order_type.code!r} is registered twice")
    REGISTRY[order_type.code] = order_type
    return order_type


def get(code: str) -> OrderType:
    return REGISTRY[code]


def by_group() -> dict[str, list[OrderType]]:
    return {group: [t for t in REGISTRY.values() if t.group == group] for group in GROUPS}


# ---------------------------------------------------------------- prices
def _features(ctx: OrderContext) -> int:
    return sum(f.monthly_cents for f in ctx.features)


def _line_features(ctx: OrderContext) -> int:
    return sum(lf.feature.monthly_cents for lf in ctx.line.features) if ctx.line else 0


def _model(ctx: OrderContext) -> int:
    return ctx.model.price_cents if ctx.model else 0


def _plan(ctx: OrderContext) -> int:
    return ctx.plan.monthly_cents if ctx.plan else 0


def _needs_line(statuses: frozenset[LineStatus], reason: str):
    return lambda facts: None if facts.lines(statuses) else reason


NO_ACTIVE_LINE = "You have no active line."

for _t in (
    # ------------------------------------------------------------ New requests
    OrderType("new_line", "New line", NEW, "A new device and a new line of service.",
              parts=(p.CarrierPart(), p.PlanPart(), p.DeviceModelPart(), p.FeaturesPart("Features (optional)"),
                     p.SimKindPart(), p.ShippingPart(), p.JustificationPart(), p.NotesPart()),
              price=lambda c: Price(_model(c), _plan(c) + _features(c))),
    OrderType("upgrade", "Upgrade", NEW, "A new device on one of your lines, once it is eligible.",
              parts=(p.LinePart(), p.DeviceModelPart("New device"), p.ShippingPart(), p.JustificationPart(), p.NotesPart()),
              rules=(r.upgrade_eligibility, r.no_conflicting_order), conflicts=LINE_TYPES,
              available=_needs_line(ACTIVE, NO_ACTIVE_LINE), price=lambda c: Price(_model(c), 0)),
    OrderType("warranty_replacement", "Warranty replacement", NEW,
              "Replace a defective device under the carrier's one-year warranty.",
              parts=(p.LinePart(), p.DamagePart(), p.ShippingPart(), p.NotesPart()),
              rules=(r.warranty_coverage, r.no_conflicting_order), conflicts=LINE_TYPES,
              available=_needs_line(ACTIVE, NO_ACTIVE_LINE)),
    OrderType("accessory", "Accessories", NEW, "A battery, case, headset or charger for a device you have.",
              parts=(p.MyDevicePart(), p.AccessoriesPart(), p.ShippingPart(), p.JustificationPart(), p.NotesPart()),
              rules=(r.some_accessory,),
              available=lambda f: None if f.assigned_devices else "You have no device to order accessories for.",
              price=lambda c: Price(sum(a.price_cents for a in c.accessories), 0)),
    OrderType("port_in", "Port to another carrier", NEW, "Move an active line to another carrier and keep its number.",
              parts=(p.LinePart(), p.CarrierPart("New carrier", other_than_line=True), p.PlanPart(),
                     p.DeviceModelPart("New device (if the current one does not work there)", required=False,
                                       empty="Keep the current device"),
                     p.AccountPart(), p.ShippingPart(), p.JustificationPart(), p.NotesPart()),
              rules=(r.works_on_new_carrier, r.no_conflicting_order), conflicts=LINE_TYPES,
              available=_needs_line(ACTIVE, NO_ACTIVE_LINE), price=lambda c: Price(_model(c), _plan(c))),
    OrderType("transfer_liability", "Transfer of liability", NEW,
              "Move a line between a personal account and the corporate account.",
              parts=(p.DirectionPart(), p.LinePart("Corporate line (when it moves to a personal account)",
                                                   required=False),
                     p.PhoneNumberPart("Personal number (when it moves to the corporate account)"),
                     p.CarrierPart("Corporate carrier (when it moves to the corporate account)", required=False),
                     p.PlanPart(required=False), p.AccountPart(), p.JustificationPart(), p.NotesPart()),
              rules=(r.transfer_details, r.no_conflicting_order), conflicts=LINE_TYPES,
              price=lambda c: Price(0, _plan(c) if c.values.get("direction") == "to_corporate" else 0)),
    OrderType("stipend_enroll", "Enrol in stipend", NEW, "Join the stipend (reimbursement) program at a tier.",
              parts=(p.TierPart(), p.NotesPart()), carrier_fulfilled=False, rules=(r.not_enrolled,),
              available=lambda f: "You are already enrolled in the stipend program." if f.stipend else None,
              price=lambda c: Price(0, c.tier.monthly_cents if c.tier else 0)),
    OrderType("activate_in_stock", "Activate an in-stock device", NEW, "Start service on a device held in stock.",
              parts=(p.StockDevicePart(), p.CarrierPart(), p.PlanPart(), p.FeaturesPart("Features (optional)"),
                     p.AreaCodePart(), p.JustificationPart(), p.NotesPart()),
              rules=(r.stock_device_works_on_carrier,),
              available=lambda f: None if f.in_stock else "No device is in stock right now.",
              price=lambda c: Price(0, _plan(c) + _features(c))),
    # ------------------------------------------------------------ Modify requests
    OrderType("change_features", "Change features", MODIFY, "Add or remove features on a line.",
              parts=(p.LinePart(), p.FeaturesPart(start_from_line=True), p.NotesPart()),
              rules=(r.features_change, r.no_conflicting_order), conflicts=LINE_TYPES,
              available=_needs_line(ACTIVE, NO_ACTIVE_LINE),
              price=lambda c: Price(0, (c.line.plan.monthly_cents if c.line and c.line.plan else 0) + _features(c))),
    OrderType("change_plan", "Change plan", MODIFY, "Change a line's voice or data plan.",
              parts=(p.LinePart(), p.PlanPart("New plan"), p.JustificationPart(), p.NotesPart()),
              rules=(r.plan_changes, r.no_conflicting_order), conflicts=LINE_TYPES,
              available=_needs_line(ACTIVE, NO_ACTIVE_LINE), price=lambda c: Price(0, _plan(c) + _line_features(c))),
    OrderType("change_number", "Change phone number", MODIFY, "A new phone number for a line.",
              parts=(p.LinePart(), p.AreaCodePart(), p.ReasonPart("Reason for the change", message="Give the reason for the new number.")),
              rules=(r.no_conflicting_order,), conflicts=LINE_TYPES, available=_needs_line(ACTIVE, NO_ACTIVE_LINE)),
    OrderType("swap_to_stock_device", "Swap to an in-stock device", MODIFY,
              "Put an active line on a device held in stock.",
              parts=(p.LinePart(), p.StockDevicePart("In-stock device to move the line to"), p.NotesPart()),
              rules=(r.no_conflicting_order,), conflicts=LINE_TYPES,
              available=lambda f: (NO_ACTIVE_LINE if not f.lines(ACTIVE)
                                   else None if f.in_stock else "No device is in stock right now.")),
    OrderType("sim_request", "New SIM", MODIFY, "A new SIM card or eSIM for a device.",
              parts=(p.LinePart(), p.SimKindPart(), p.ReasonPart("Why a new SIM?", message="Say why a new SIM is needed."), p.ShippingPart()),
              line_statuses=LIVE, rules=(r.esim_supported, r.no_conflicting_order), conflicts=LINE_TYPES,
              available=_needs_line(LIVE, NO_ACTIVE_LINE)),
    OrderType("restore", "Restore service", MODIFY, "Restore a suspended or disconnected line.",
              parts=(p.LinePart("Suspended or disconnected line"), p.NotesPart()), line_statuses=RESTORABLE,
              rules=(r.restore_window, r.no_conflicting_order), conflicts=LINE_TYPES,
              available=_needs_line(RESTORABLE, "You have no suspended or disconnected line."),
              price=lambda c: Price(0, c.line.monthly_cents if c.line else 0)),
    OrderType("assign_line", "Assign line", MODIFY, "Assign or reassign a line to an employee.",
              parts=(p.LinePart(include_unassigned=True), p.NewEmployeePart(), p.NotesPart()),
              line_statuses=LIVE, carrier_fulfilled=False, rules=(r.new_holder_differs, r.no_conflicting_order),
              conflicts=LINE_TYPES, available=_needs_line(LIVE, NO_ACTIVE_LINE)),
    # ------------------------------------------------------------ Delete requests
    OrderType("suspend", "Suspend line", DELETE, "Temporarily suspend an active line.",
              parts=(p.LinePart(), p.ReasonPart("Reason for the suspension", message="Give the reason for the suspension.")),
              rules=(r.no_conflicting_order,), conflicts=LINE_TYPES, available=_needs_line(ACTIVE, NO_ACTIVE_LINE)),
    OrderType("disconnect", "Disconnect line", DELETE, "Disconnect a line on a date.",
              parts=(p.LinePart(), p.EffectiveDatePart("Disconnect on"), p.DispositionPart(),
                     p.ReasonPart("Reason", required=False)),
              line_statuses=LIVE, rules=(r.no_conflicting_order,), conflicts=LINE_TYPES,
              available=_needs_line(LIVE, NO_ACTIVE_LINE)),
    OrderType("stipend_remove", "Remove from stipend", DELETE, "Leave the stipend program.",
              parts=(p.EffectiveDatePart("Last day in the program"), p.ReasonPart("Reason", required=False)),
              carrier_fulfilled=False, rules=(r.enrolled,),
              available=lambda f: None if f.stipend else "You are not enrolled in the stipend program."),
):
    register(_t)
