"""Completing an order: what the carrier had to report is there, the type's inventory effect is applied, and the
order moves to completed, in one transaction; a refused effect leaves nothing half-changed (a savepoint)."""

from __future__ import annotations

from app.database import DbSession
from app.models import EventKind, Order, User
from app.orders import lifecycle
from app.orders.lifecycle import Party
from app.orders.types import REGISTRY
from app.orders.types.base import EffectError

__all__ = ["EffectError", "MissingReports", "complete"]


class MissingReports(Exception):
    """What the carrier still has to report before the order can complete: {field: message}."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def complete(session: DbSession, order: Order, actor: User | None, *, party: Party, note: str = "") -> None:
    """Apply the order's inventory effect and complete it; raises MissingReports, EffectError or
    TransitionError (and then has changed nothing)."""
    order_type = REGISTRY[order.type]
    if not lifecycle.allowed(order, EventKind.COMPLETE, party):
        lifecycle.transition(session, order, EventKind.COMPLETE, actor, party=party)  # raises, saying why
    missing = order_type.missing_reports(order)
    if missing:
        raise MissingReports(missing)
    with session.begin_nested():
        order_type.apply(session, order, actor)
        lifecycle.transition(session, order, EventKind.COMPLETE, actor, party=party, comment=note)
