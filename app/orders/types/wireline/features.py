"""Change voice features of an analog line, a SIP trunk or a toll-free service: its hunt group and the caller ID
name shown to the people it calls. Something must change."""

from __future__ import annotations

from app.database import DbSession
from app.inventory.history import apply_changes
from app.models import Order, User
from app.orders.types import parts as p
from app.orders.types.base import MODIFY, OrderContext, OrderType
from app.orders.types.registry import register
from app.orders.types.wireline import effects as w
from app.orders.types.wireline import parts as wp


def features_change(ctx: OrderContext) -> dict[str, str]:
    service = ctx.service
    if service is None:
        return {}
    hunt, name = ctx.values.get("hunt_group") or "", (ctx.values.get("caller_id_name") or "").strip()
    if hunt == service.hunt_group and name == service.caller_id_name:
        return {"hunt_group": "These are the service's features already: change the hunt group or the caller ID name."}
    return {}


def features_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The service's hunt group and caller ID name become those ordered."""
    details = order.details
    apply_changes(
        session,
        w.the_service(order),
        {
            "hunt_group": details.get("hunt_group") or "",
            "caller_id_name": (details.get("caller_id_name") or "").strip(),
        },
        actor=actor,
        order=order,
    )


register(
    OrderType(
        "wireline_features",
        "Change voice features",
        MODIFY,
        "The hunt group or the caller ID name of an analog line, a SIP trunk or a toll-free service.",
        module=w.MODULE,
        parts=(
            wp.ServicePart("Line, trunk or toll-free service", kinds=wp.VOICE),
            wp.VoiceFeaturesPart(),
            p.NotesPart(),
        ),
        rules=(*w.SERVICE_RULES, features_change),
        available=lambda facts: facts.wireline_refusal or (None if facts.active_services else "no service to change."),
        effect=features_effect,
        template="orders/types/wireline_service.html",
    )
)
