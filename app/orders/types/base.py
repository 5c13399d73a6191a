"""What an order type is: the parts of its form, what it applies to, its rules, its price and its effect."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Callable

from app.models import Accessory, Carrier, Device, DeviceModel, Feature, Line, LineStatus, Plan, StipendTier, User

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.orders.types.parts import Part

NEW, MODIFY, DELETE = "New requests", "Modify requests", "Delete requests"
GROUPS = (NEW, MODIFY, DELETE)


@dataclass
class OrderContext:
    """Everything a type's rules look at: who orders for whom, and what the form chose (resolved to rows)."""

    session: Session
    requester: User
    employee: User
    today: date
    order_type: OrderType | None = None
    line: Line | None = None
    device: Device | None = None  # the employee's device the order is about
    stock_device: Device | None = None
    carrier: Carrier | None = None  # the carrier that fulfils (for a port: the new one)
    plan: Plan | None = None
    model: DeviceModel | None = None
    features: list[Feature] = field(default_factory=list)
    accessories: list[Accessory] = field(default_factory=list)
    tier: StipendTier | None = None
    new_employee: User | None = None
    values: dict[str, Any] = field(default_factory=dict)  # the cleaned form values, by field name
    out_of_policy: list[tuple[Any, str]] = field(default_factory=list)  # (item, why) chosen against policy

    @property
    def on_behalf(self) -> bool:
        return self.requester.id != self.employee.id


@dataclass(frozen=True)
class Price:
    one_time_cents: int = 0
    monthly_cents: int = 0


# A rule returns {field name: message} for what is wrong ({} when all is well).
Rule = Callable[[OrderContext], dict[str, str]]
# Availability returns None when the type can apply to the person now, else the reason it cannot.
Availability = Callable[[OrderContext], str | None]


@dataclass(frozen=True)
class OrderType:
    code: str
    name: str
    group: str
    description: str
    parts: tuple[Part, ...] = ()
    carrier_fulfilled: bool = True
    line_statuses: frozenset[LineStatus] = frozenset({LineStatus.ACTIVE})  # lines it may apply to
    rules: tuple[Rule, ...] = ()
    available: Availability | None = None
    price: Callable[[OrderContext], Price] = lambda ctx: Price()
    conflicts: frozenset[str] = frozenset()  # types that may not be open on the same line at once

    @property
    def needs_line(self) -> bool:
        return any(p.name == "line" for p in self.parts)

    def check(self, ctx: OrderContext) -> dict[str, str]:
        from app.orders.types.rules import justified

        errors: dict[str, str] = {}
        for rule in (*self.rules, justified):
            for name, message in rule(ctx).items():
                errors.setdefault(name, message)
        return errors
