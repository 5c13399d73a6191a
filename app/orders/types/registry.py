"""The registry of order types: each family module registers its types here when it is imported."""

from __future__ import annotations

from app.orders.types.base import GROUPS, MOBILE, WIRELINE, OrderType

REGISTRY: dict[str, OrderType] = {}


def register(order_type: OrderType) -> OrderType:
    """Add a type (an OrderType cannot be made without an inventory effect: see OrderType.__post_init__)."""
    if order_type.code in REGISTRY:
        raise ValueError(f"Order type {order_type.code!r} is registered twice")
    REGISTRY[order_type.code] = order_type
    return order_type


def unregister(code: str) -> None:
    """Remove a type (tests that add one take it away again)."""
    REGISTRY.pop(code, None)


def get(code: str) -> OrderType:
    return REGISTRY[code]


def by_group(module: str | None = None) -> dict[str, list[OrderType]]:
    """The types of a module (all when None), in the groups New, Modify and Delete."""
    return {
        group: [t for t in REGISTRY.values() if t.group == group and module in (None, t.module)] for group in GROUPS
    }


def modules() -> list[str]:
    """The modules that have types, Mobile first."""
    present = {t.module for t in REGISTRY.values()}
    return [m for m in (MOBILE, WIRELINE) if m in present] + sorted(present - {MOBILE, WIRELINE})


def carrier_types() -> list[str]:
    """The codes of the types a carrier fulfils."""
    return [code for code, t in REGISTRY.items() if t.carrier_fulfilled]
