"""Change bandwidth or channels: a circuit's bandwidth, or a SIP trunk's channels, with the carrier's new monthly
cost. The new figure must differ from the service's."""

from __future__ import annotations

from app.database import DbSession
from app.inventory.history import apply_changes
from app.inventory.wireline import CIRCUITS
from app.models import Order, ServiceKind, User
from app.orders.types import parts as p
from app.orders.types.base import MODIFY, OrderContext, OrderType
from app.orders.types.registry import register
from app.orders.types.wireline import effects as w
from app.orders.types.wireline import parts as wp

KINDS = frozenset({*CIRCUITS, ServiceKind.SIP_TRUNK})


def capacity_differs(ctx: OrderContext) -> dict[str, str]:
    """The bandwidth (or the channels) changes to another figure."""
    service = ctx.service
    if service is None:
        return {}
    if service.kind is ServiceKind.SIP_TRUNK:
        if ctx.values.get("channels") == service.channels:
            return {"channels": f"The trunk has {service.channels} channels already: enter another number."}
    elif ctx.values.get("bandwidth_mbps") == service.bandwidth_mbps:
        return {"bandwidth_mbps": f"The circuit is {service.bandwidth_mbps} Mbps already: enter another bandwidth."}
    return {}


def capacity_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The service's bandwidth or channels (and its monthly cost, when quoted) become those ordered."""
    service = w.the_service(order)
    details = order.details
    changes: dict = {}
    if service.kind is ServiceKind.SIP_TRUNK:
        changes["channels"] = details.get("channels")
    else:
        changes["bandwidth_mbps"] = details.get("bandwidth_mbps")
    if details.get("monthly_quote"):
        changes["monthly_cents"] = order.monthly_cents
    apply_changes(session, service, changes, actor=actor, order=order)


register(
    OrderType(
        "wireline_capacity",
        "Change bandwidth or channels",
        MODIFY,
        "More or less bandwidth on a circuit, or more or fewer channels on a SIP trunk.",
        module=w.MODULE,
        parts=(
            wp.ServicePart("Circuit or SIP trunk", kinds=KINDS),
            wp.CapacityPart("New bandwidth (Mbps)", "New number of channels (SIP trunk)"),
            wp.QuotePart("New monthly cost quoted by the carrier", required=False),
            p.NotesPart(),
        ),
        rules=(*w.SERVICE_RULES, w.capacity_for_kind, capacity_differs),
        available=lambda facts: facts.wireline_refusal or (None if facts.active_services else "no service to change."),
        price=w.quoted,
        effect=capacity_effect,
        template="orders/types/wireline_service.html",
    )
)
