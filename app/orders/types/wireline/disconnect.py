"""Disconnect a wireline service on a date. Completed, the service ends on that day: at once when the day has
come, else it shows the date it disconnects on and the worker's dated sweep ends it then (`on_date`)."""

from __future__ import annotations

from app.database import DbSession
from app.inventory.history import apply_changes
from app.models import Order, User
from app.orders.types import changes as c
from app.orders.types import parts as p
from app.orders.types.base import DELETE, OrderType
from app.orders.types.registry import register
from app.orders.types.wireline import effects as w
from app.orders.types.wireline import parts as wp


def disconnect_effect(session: DbSession, order: Order, actor: User | None) -> None:
    """The service ends on its date, or says when it will."""
    service = w.the_service(order)
    on = w.detail_date(order, "disconnect_on")
    if c.later(session, order, on):
        apply_changes(session, service, {"disconnects_on": on}, actor=actor, order=order)
        return
    disconnect_on_date(session, order, actor)


def disconnect_on_date(session: DbSession, order: Order, actor: User | None) -> None:
    """The service is disconnected on the order's date."""
    w.end_service(session, order, w.the_service(order), w.detail_date(order, "disconnect_on"), actor)


register(
    OrderType(
        "wireline_disconnect",
        "Disconnect service",
        DELETE,
        "End a site's internet, circuit, analog line, SIP trunk or toll-free number on a date.",
        module=w.MODULE,
        parts=(
            wp.ServicePart("Service to disconnect"),
            wp.DatePart("disconnect_on", "Disconnect on", "Enter the date to disconnect the service."),
            p.ReasonPart("Reason", required=False),
        ),
        rules=w.SERVICE_RULES,
        available=lambda facts: facts.wireline_refusal or (None if facts.active_services else "no service to end."),
        effect=disconnect_effect,
        on_date=disconnect_on_date,
        template="orders/types/wireline_service.html",
    )
)
