"""New wireline service at a site: the kind, its bandwidth or channels, the term, the carrier, the carrier's
quote and the requested install date. Completed, the service is active at the site with the circuit ID, numbers
and IP block the carrier reported."""

from __future__ import annotations

from typing import Any

from app.database import DbSession
from app.inventory.wireline import CIRCUITS
from app.models import Order, ServiceKind, User
from app.orders.types import parts as p
from app.orders.types.base import NEW, EffectError, OrderType
from app.orders.types.registry import register
from app.orders.types.wireline import effects as w
from app.orders.types.wireline import parts as wp


def new_service_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The service appears at its site, active, as the carrier turned it up."""
    if order.carrier is None:
        raise EffectError("the carrier is no longer on file")
    details = order.details
    order.service = w.start_service(
        session,
        order,
        order.site,
        actor,
        kind=ServiceKind(details["kind"]),
        carrier=order.carrier,
        bandwidth_mbps=details.get("bandwidth_mbps"),
        channels=details.get("channels"),
        term_months=details.get("term_months"),
        monthly_cents=order.monthly_cents,
    )


def new_service_reports(details: dict[str, Any]) -> tuple[str, ...]:
    """A circuit is turned up with its circuit ID; a line, a trunk or a toll-free service with its numbers."""
    return ("circuit_id",) if details.get("kind") in {k.value for k in CIRCUITS} else ("numbers",)


register(
    OrderType(
        "wireline_new",
        "New service at a site",
        NEW,
        "Business internet, a circuit, an analog line, a SIP trunk or a toll-free number for one of the company's "
        "sites.",
        module=w.MODULE,
        parts=(
            wp.SitePart(),
            wp.ServiceKindPart(),
            wp.CapacityPart(),
            p.CarrierPart(),
            wp.TermPart(),
            wp.QuotePart(),
            wp.InstallDatePart(),
            p.NotesPart(),
        ),
        rules=(*w.RULES, w.capacity_for_kind),
        available=lambda facts: facts.wireline_refusal,
        price=w.quoted,
        reports=new_service_reports,
        also_reports=("ip_block",),
        effect=new_service_effect,
        template="orders/types/wireline_new.html",
    )
)
