"""The registry of order types: one entry per type, the one place that says what each type is."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OrderType:
    code: str
    name: str
    group: str  # "New requests", "Modify requests" or "Delete requests"
    description: str
    carrier_fulfilled: bool = True


NEW, MODIFY, DELETE = "New requests", "Modify requests", "Delete requests"
GROUPS = (NEW, MODIFY, DELETE)

REGISTRY: dict[str, OrderType] = {}


def register(order_type: OrderType) -> OrderType:
    if order_type.code in REGISTRY:
        raise ValueError(f"Order type {order_type.code!r} is registered twice")
    REGISTRY[order_type.code] = order_type
    return order_type


def get(code: str) -> OrderType:
    return REGISTRY[code]


def by_group() -> dict[str, list[OrderType]]:
    return {group: [t for t in REGISTRY.values() if t.group == group] for group in GROUPS}


for _t in (
    OrderType("new_line", "New line", NEW, "A new device and a new line of service."),
    OrderType("upgrade", "Upgrade", NEW, "A new device on one of your lines, once it is eligible."),
    OrderType("warranty_replacement", "Warranty replacement", NEW,
              "Replace a defective device under the carrier's one-year warranty."),
    OrderType("accessory", "Accessories", NEW, "A battery, case, headset or charger for a device you have."),
    OrderType("port_in", "Port to another carrier", NEW,
              "Move an active line to another carrier and keep its number."),
    OrderType("transfer_liability", "Transfer of liability", NEW,
              "Move a line between a personal account and the corporate account."),
    OrderType("stipend_enroll", "Enrol in stipend", NEW, "Join the stipend (reimbursement) program at a tier.",
              carrier_fulfilled=False),
    OrderType("activate_in_stock", "Activate an in-stock device", NEW, "Start service on a device held in stock."),
    OrderType("change_features", "Change features", MODIFY, "Add or remove features on a line."),
    OrderType("change_plan", "Change plan", MODIFY, "Change a line's voice or data plan."),
    OrderType("change_number", "Change phone number", MODIFY, "A new phone number for a line."),
    OrderType("swap_to_stock_device", "Swap to an in-stock device", MODIFY,
              "Put an active line on a device held in stock."),
    OrderType("sim_request", "New SIM", MODIFY, "A new SIM card or eSIM for a device."),
    OrderType("restore", "Restore service", MODIFY, "Restore a suspended or disconnected line."),
    OrderType("assign_line", "Assign line", MODIFY, "Assign or reassign a line to an employee.",
              carrier_fulfilled=False),
    OrderType("suspend", "Suspend line", DELETE, "Temporarily suspend an active line."),
    OrderType("disconnect", "Disconnect line", DELETE, "Disconnect a line on a date."),
    OrderType("stipend_remove", "Remove from stipend", DELETE, "Leave the stipend program.",
              carrier_fulfilled=False),
):
    register(_t)
