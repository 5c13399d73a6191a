"""Move service to another site (a relocation): the service is installed at the new site on the requested date
and the old site's service is disconnected on its own date, not before the new one is in. Completed, a new service
starts at the new site (with the circuit ID the carrier reported, the numbers moving with it) and the old one ends
on its date (at once when that day has come, else the worker ends it then)."""

from __future__ import annotations

from typing import Any

from app import formatting
from app.database import DbSession
from app.inventory.history import apply_changes
from app.inventory.wireline import CIRCUITS
from app.models import Order, Site, User
from app.orders.types import changes as c
from app.orders.types import parts as p
from app.orders.types.base import MODIFY, WIRELINE_FACTS, OrderContext, OrderType
from app.orders.types.registry import register
from app.orders.types.wireline import effects as w
from app.orders.types.wireline import parts as wp


def another_site(ctx: OrderContext) -> dict[str, str]:
    """The service moves to a site other than its own, and the old site keeps it until the new one is in."""
    if ctx.service is not None and ctx.to_site is not None and ctx.to_site.id == ctx.service.site_id:
        return {"to_site": f"The service is at {ctx.to_site.name} already: choose the site it moves to."}
    install, old_end = ctx.values.get("install_on"), ctx.values.get("old_disconnect_on")
    if install and old_end and old_end < install:
        return {
            "old_disconnect_on": f"Keep the old site's service until the new one is installed "
            f"({formatting.day(install)}) or later."
        }
    return {}


def move_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """A service like the old one starts at the new site; the old one ends on its date."""
    old = w.the_service(order)
    details = order.details
    new = w.start_service(
        session,
        order,
        c.detail_row(session, order, Site, "to_site"),
        actor,
        kind=old.kind,
        carrier=old.carrier,
        bandwidth_mbps=old.bandwidth_mbps,
        channels=old.channels,
        term_months=old.term_months,
        monthly_cents=order.monthly_cents if details.get("monthly_quote") else old.monthly_cents,
        hunt_group=old.hunt_group,
        caller_id_name=old.caller_id_name,
        equipment=old.equipment,
        numbers=[n.number for n in old.numbers],
    )
    order.details = {**details, WIRELINE_FACTS: {**w.reported(order), "new_service_id": new.id}}
    on = w.detail_date(order, "old_disconnect_on")
    if c.later(session, order, on):
        apply_changes(session, old, {"disconnects_on": on}, actor=actor, order=order)
        return
    move_on_date(session, order, actor)


def move_on_date(session: DbSession, order: Order, actor: User | None) -> None:
    """The old site's service is disconnected on the day the order gave."""
    w.end_service(session, order, w.the_service(order), w.detail_date(order, "old_disconnect_on"), actor)


def move_reports(details: dict[str, Any]) -> tuple[str, ...]:
    """A circuit at a new address is a new circuit: its ID."""
    return ("circuit_id",) if details.get("_service_kind") in {k.value for k in CIRCUITS} else ()


register(
    OrderType(
        "wireline_move",
        "Move service to another site",
        MODIFY,
        "Relocate a service to another of the company's sites; the old site's service is disconnected on a date.",
        module=w.MODULE,
        parts=(
            wp.ServicePart("Service to move"),
            wp.SitePart("to_site", "Move to site"),
            wp.InstallDatePart("Install at the new site on"),
            wp.DatePart("old_disconnect_on", "Disconnect at the old site on", "Enter the old site's disconnect date."),
            wp.QuotePart("New monthly cost quoted by the carrier", required=False),
            p.NotesPart(),
        ),
        rules=(*w.SERVICE_RULES, another_site),
        available=lambda facts: facts.wireline_refusal or (None if facts.active_services else "no service to move."),
        price=w.quoted,
        reports=move_reports,
        also_reports=("ip_block",),
        effect=move_effect,
        on_date=move_on_date,
        template="orders/types/wireline_service.html",
    )
)
