"""Add or remove numbers on an analog line, a SIP trunk or a toll-free service: how many to add (the carrier
assigns them and reports which) and which to remove (the service's own; not all of them)."""

from __future__ import annotations

from typing import Any

from app import formatting
from app.database import DbSession
from app.inventory.wireline import WITH_NUMBERS, parse_numbers
from app.models import Order, User
from app.orders.types import parts as p
from app.orders.types.base import MODIFY, OrderContext, OrderType
from app.orders.types.registry import register
from app.orders.types.wireline import effects as w
from app.orders.types.wireline import parts as wp


def numbers_change(ctx: OrderContext) -> dict[str, str]:
    """Something is added or removed; what is removed is the service's, and some number stays."""
    service = ctx.service
    removed = ctx.values.get("numbers_removed") or []
    if not ctx.values.get("numbers_to_add") and not removed:
        return {"numbers_to_add": "Enter how many numbers to add, or the numbers to remove."}
    if service is None:
        return {}
    have = {n.number for n in service.numbers}
    foreign = [n for n in removed if n not in have]
    if foreign:
        return {"numbers_to_remove": f"{formatting.phone(foreign[0])} is not a number of this service."}
    if have and have <= set(removed) and not ctx.values.get("numbers_to_add"):
        return {"numbers_to_remove": "That is every number of the service: order Disconnect service instead."}
    return {}


def numbers_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The numbers removed leave the service; those the carrier assigned join it."""
    service = w.the_service(order)
    removed = set(parse_numbers(order.details.get("numbers_to_remove") or ""))
    added = w.reported(order).get("numbers") or []
    kept = [n.number for n in service.numbers if n.number not in removed]
    w.set_numbers(session, order, service, kept + list(added), actor)


def numbers_reports(details: dict[str, Any]) -> tuple[str, ...]:
    return ("numbers",) if details.get("numbers_to_add") else ()


register(
    OrderType(
        "wireline_numbers",
        "Add or remove numbers",
        MODIFY,
        "More telephone numbers (DIDs) on an analog line, a SIP trunk or a toll-free service, or fewer.",
        module=w.MODULE,
        parts=(
            wp.ServicePart("Line, trunk or toll-free service", kinds=frozenset(WITH_NUMBERS)),
            wp.NumbersPart(),
            p.NotesPart(),
        ),  # fmt: skip
        rules=(*w.SERVICE_RULES, numbers_change),
        available=lambda facts: facts.wireline_refusal or (None if facts.active_services else "no service to change."),
        reports=numbers_reports,
        effect=numbers_effect,
        template="orders/types/wireline_service.html",
    )
)
