"""What an order type is: one unit that says what its form asks, what it applies to, its rules and price, how it
is fulfilled (by a carrier or internally; whether it ships; what the carrier must report), what completing it
does to the inventory, and how to make up a believable sample of it (for the demo and `seed-scale`)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from app.database import DbSession
from app.models import (
    Accessory,
    Carrier,
    Device,
    DeviceModel,
    Feature,
    Line,
    LineStatus,
    Order,
    Plan,
    Site,
    StipendTier,
    User,
    WirelineService,
)

if TYPE_CHECKING:
    from app.orders.types.parts import Part
    from app.orders.types.rules import EmployeeFacts

MOBILE, WIRELINE = "Mobile", "Wireline"
NEW, MODIFY, DELETE = "New requests", "Modify requests", "Delete requests"
GROUPS = (NEW, MODIFY, DELETE)

# What a carrier reports when it completes an order: {fact: (the field it is reported in, the message when missing)}.
REPORTS = {
    "service_number": ("service_number", "Record the new phone number before completing."),
    "imei": ("imei", "Record the new device's IMEI or serial number before completing."),
    "iccid": ("iccid", "Record the new SIM's ICCID before completing."),
    # wireline: what the carrier reports when it turns the service up (kept in the order's details, WIRELINE_FACTS)
    "circuit_id": ("circuit_id", "Record the circuit ID the carrier gave before completing."),
    "numbers": ("numbers", "Record the telephone numbers the carrier assigned before completing."),
}
WIRELINE_FACTS = "_wireline"  # in an order's details: the wireline milestones and facts the carrier reported


@dataclass
class OrderContext:
    """Everything a type's rules look at: who orders for whom, and what the form chose (resolved to rows)."""

    session: DbSession
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
    quantity: int = 1  # of each accessory chosen
    tier: StipendTier | None = None
    new_employee: User | None = None
    site: Site | None = None  # wireline: the site the order is for
    service: WirelineService | None = None  # wireline: the service it changes
    to_site: Site | None = None  # wireline: where a service moves to
    values: dict[str, Any] = field(default_factory=dict)  # the cleaned form values, by field name
    out_of_policy: list[tuple[Any, str]] = field(default_factory=list)  # (item, why) chosen against policy
    order_id: int | None = None  # the order being checked again (its own claim on a line is no conflict)

    @property
    def on_behalf(self) -> bool:
        return self.requester.id != self.employee.id


@dataclass(frozen=True)
class Price:
    one_time_cents: int = 0
    monthly_cents: int = 0


class EffectError(Exception):
    """The inventory cannot take this order's effect (the record changed since it was ordered); says why."""


# A rule returns {field name: message} for what is wrong ({} when all is well).
Rule = Callable[[OrderContext], dict[str, str]]
# Availability looks at what a person has now (EmployeeFacts): None when the type applies, else the reason not.
Availability = Callable[["EmployeeFacts"], str | None]
# What completing the order does to the inventory, in the completion's transaction (raises EffectError).
Effect = Callable[[DbSession, Order, User | None], None]


@dataclass
class SampleDraft:
    """An order a sample generator makes up (the demo's history, `seed-scale`): what its form would have stored."""

    type: str
    employee: Any  # the generator's person: .id, .name, .city, .manager_id, .devices
    requester: Any
    line: Any = None  # the generator's line: .id, .number, .carrier, .plan, .device_id, .status
    device_id: int | None = None
    carrier: dict | None = None
    one_time: int = 0
    monthly: int = 0
    details: dict = field(default_factory=dict)
    secrets: dict = field(default_factory=dict)  # stored encrypted, like a form's secret fields
    summary: list[list[str]] = field(default_factory=list)


class SampleWorld(Protocol):
    """What a sample generator knows of the company: its catalog (as dicts with ids), the stock, the people."""

    today: date
    carriers: list[dict]  # {"id", "name", "code", "plans": [{"id", "name", "cents"}], "features": [...]}
    models: list[dict]  # {"id", "name", "cents", "esim"}
    accessories: list[dict]
    tiers: list[dict]
    stock: list[tuple[int, dict]]  # in-stock devices: (id, model)
    people: dict[int, Any]


def justified(ctx: OrderContext) -> dict[str, str]:
    """Every type's rule: out-of-policy choices need a justification for the approvers."""
    if ctx.out_of_policy and not (ctx.values.get("justification") or "").strip():
        first = ctx.out_of_policy[0]
        return {"justification": f"{first[0]} is out of policy ({first[1]}): say why you need it."}
    return {}


# Fills a SampleDraft's details, summary and price for its type.
Sample = Callable[[SampleWorld, SampleDraft, random.Random], None]


SUSPENDED_AT_ONCE = "suspended_at_once"  # in an order's details: its line was suspended when reported lost


@dataclass(frozen=True)
class OrderType:
    code: str
    name: str
    group: str
    description: str
    effect: Effect
    parts: tuple[Part, ...] = ()
    module: str = MOBILE
    carrier_fulfilled: bool = True  # False: it completes at its final approval
    ships: bool = False  # the carrier ships something (a device, a SIM, accessories)
    reports: tuple[str, ...] | Callable[[dict[str, Any]], tuple[str, ...]] = ()  # what completion needs reported
    also_reports: tuple[str, ...] = ()  # what a carrier reports besides, when it has it
    line_statuses: frozenset[LineStatus] = frozenset({LineStatus.ACTIVE})  # lines it may apply to
    rules: tuple[Rule, ...] = ()
    available: Availability | None = None
    price: Callable[[OrderContext], Price] = lambda ctx: Price()
    claims_line: bool = False  # only one open order that changes a line may hold it at a time
    on_date: Effect | None = None  # the part of the effect that waits for a later date (registered by the effect)
    reminder: Callable[[Order], str] | None = None  # the words of a dated reminder the effect registered
    sample: Sample | None = None
    template: str | None = None  # shown on its form under the parts (the site or the service as it is today)

    def __post_init__(self) -> None:
        if not callable(self.effect):
            raise TypeError(f"Order type {self.code!r} has no inventory effect")
        if not self.carrier_fulfilled and (self.ships or self.reports):
            raise TypeError(f"Order type {self.code!r} is fulfilled internally: it neither ships nor is reported")

    @property
    def needs_line(self) -> bool:
        return any(p.name == "line" for p in self.parts)

    @property
    def orders_a_device(self) -> bool:
        """Its form must choose a device of the catalog (New line, Upgrade): a device found in the catalog offers it."""
        return any(p.name == "device_model" and getattr(p, "required", False) for p in self.parts)

    def check(self, ctx: OrderContext) -> dict[str, str]:
        errors: dict[str, str] = {}
        for rule in (*self.rules, justified):
            for name, message in rule(ctx).items():
                errors.setdefault(name, message)
        return errors

    def needs_reported(self, details: dict[str, Any]) -> tuple[str, ...]:
        """The facts a carrier must report before an order with these details can complete."""
        return self.reports(details) if callable(self.reports) else self.reports

    def activates(self, details: dict[str, Any]) -> bool:
        """Whether the carrier puts something into service (a number, a device, a SIM) to complete it."""
        return bool(self.needs_reported(details))

    def missing_reports(self, order: Order) -> dict[str, str]:
        """What is still to be reported before `order` can complete: {field: message}."""
        return self.missing_facts(order.details, service_number=order.service_number, devices=order.reported_devices)

    def missing_facts(
        self, details: dict[str, Any], *, service_number: str | None, devices: Iterable[Any]
    ) -> dict[str, str]:
        """What completion would lack with these facts (devices: anything with imei, serial and iccid). A device
        is known by its IMEI or, for those without one (tablets, hotspots), its serial number."""
        devices = list(devices)
        missing: dict[str, str] = {}
        for need in self.needs_reported(details):
            if need == "service_number":
                have = bool(service_number)
            elif need == "imei":
                have = any(d.imei or d.serial for d in devices)
            elif need in ("circuit_id", "numbers"):
                have = bool((details.get(WIRELINE_FACTS) or {}).get(need))
            else:
                have = any(getattr(d, need) for d in devices)
            if not have:
                name, message = REPORTS[need]
                missing[name] = message
        return missing

    def apply(self, session: DbSession, order: Order, actor: User | None) -> None:
        """Apply the inventory effect, after checking the records are still as the order expects."""
        line = order.line
        done_already = bool(order.details.get(SUSPENDED_AT_ONCE))  # a lost line's, when it was reported
        if self.needs_line and line is not None and line.status not in self.line_statuses and not done_already:
            raise EffectError(
                f"the line {line.number} is {line.status.value.replace('_', ' ')} now, and "
                f"{self.name.lower()} applies only to "
                f"{' or '.join(sorted(s.value.replace('_', ' ') for s in self.line_statuses))} lines"
            )
        self.effect(session, order, actor)
