"""The order types: one registry, filled by a module per family of types (each type a unit: its form parts,
rules, price, fulfilment, inventory effect and sample). A new type is one more `register(OrderType(...))` in a
family module, or in a module of its own imported here."""

from app.orders.types import devices, lines, stipends, wireline  # noqa: F401  (each registers its types)
from app.orders.types.base import GROUPS, MOBILE, WIRELINE, OrderContext, OrderType, Price
from app.orders.types.registry import REGISTRY, by_group, carrier_types, get, modules, register, unregister

__all__ = [
    "GROUPS",
    "MOBILE",
    "WIRELINE",
    "REGISTRY",
    "OrderContext",
    "OrderType",
    "Price",
    "by_group",
    "carrier_types",
    "get",
    "modules",
    "register",
    "unregister",
]
