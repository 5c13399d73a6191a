"""What wireline orders share: the facts the carrier reported on the order, the rules every wireline type runs,
and the inventory changes their effects are made of (a service started at a site, a service ended on a date).
Each change is written to the service's history with the order it came from."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app import clock, formatting
from app.database import DbSession
from app.inventory.history import apply_changes, record_change, record_created, status_label
from app.inventory.wireline import CIRCUITS, add_months, describe_service, numbers_text
from app.models import Order, ServiceKind, ServiceStatus, Site, User, WirelineNumber, WirelineService
from app.orders.types import rules as r
from app.orders.types.base import WIRELINE, WIRELINE_FACTS, EffectError, OrderContext, Price, Rule
from app.orders.types.wireline.parts import kind_of

MODULE = WIRELINE


def reported(order: Order) -> dict[str, Any]:
    """What the carrier reported on the order so far: milestones (foc_on, install_on…) and facts (circuit_id,
    numbers, ip_block)."""
    return dict(order.details.get(WIRELINE_FACTS) or {})


def reported_date(order: Order, name: str) -> date | None:
    value = reported(order).get(name)
    return date.fromisoformat(value) if value else None


def detail_date(order: Order, name: str) -> date:
    value = order.details.get(name)
    return date.fromisoformat(value) if value else clock.today()


def quoted(ctx: OrderContext) -> Price:
    """The carrier's quote as typed on the form (0 where none was given)."""
    return Price(ctx.values.get("one_time_quote_cents", 0), ctx.values.get("monthly_quote_cents", 0))


def install_site(session: DbSession, order: Order) -> Site | None:
    """Where the carrier installs: the site a service moves to, else the order's site."""
    to_site = order.details.get("to_site")
    return session.get(Site, int(to_site)) if to_site else order.site


# ---------------------------------------------------------------- rules
RULES: tuple[Rule, ...] = (r.may_order_wireline,)
SERVICE_RULES: tuple[Rule, ...] = (r.may_order_wireline, r.no_open_order_on_service)


def capacity_for_kind(ctx: OrderContext) -> dict[str, str]:
    """A circuit needs its bandwidth, a SIP trunk its channels; other kinds have neither."""
    kind = kind_of(ctx)
    bandwidth, channels = ctx.values.get("bandwidth_mbps"), ctx.values.get("channels")
    if kind in CIRCUITS and not bandwidth:
        return {"bandwidth_mbps": f"Enter the bandwidth of the {status_label(kind).lower()} in Mbps, like 500."}
    if kind is ServiceKind.SIP_TRUNK and not channels:
        return {"channels": "Enter how many channels (concurrent calls) the SIP trunk has."}
    if kind not in CIRCUITS and bandwidth:
        return {"bandwidth_mbps": f"A {status_label(kind).lower()} has no bandwidth: leave it blank."}
    if kind is not ServiceKind.SIP_TRUNK and channels:
        return {"channels": "Only a SIP trunk has channels: leave it blank."}
    return {}


# ---------------------------------------------------------------- effects
def the_service(order: Order) -> WirelineService:
    """The active service the order changes (EffectError when it is no longer active)."""
    service = order.service
    if service is None:
        raise EffectError("the service the order changes is no longer on file")
    if service.status is not ServiceStatus.ACTIVE:
        raise EffectError(f"{describe_service(service)} is {status_label(service.status).lower()} now")
    return service


def numbers_free(session: DbSession, numbers: list[str], *, besides: WirelineService | None = None) -> None:
    """EffectError when one of `numbers` belongs to a service still in service (other than `besides`)."""
    if not numbers:
        return
    query = (
        select(WirelineNumber.number, WirelineService)
        .join(WirelineService, WirelineService.id == WirelineNumber.service_id)
        .where(WirelineNumber.number.in_(numbers), WirelineService.status != ServiceStatus.DISCONNECTED)
    )
    if besides is not None:
        query = query.where(WirelineService.id != besides.id)
    taken = session.execute(query.limit(1)).first()
    if taken is not None:
        raise EffectError(f"{formatting.phone(taken[0])} is already a number of {describe_service(taken[1])}")


def start_service(
    session: DbSession, order: Order, site: Site | None, actor: User | None, **values: Any
) -> WirelineService:
    """A service in service at `site` from today (or the day the carrier reported it installed), with the circuit
    ID, numbers and IP block the carrier reported; `values` gives kind, carrier, bandwidth_mbps, channels,
    term_months, monthly_cents and what else the service carries over."""
    if site is None:
        raise EffectError("the site is no longer on file")
    facts = reported(order)
    numbers = sorted(set(facts.get("numbers") or values.pop("numbers", None) or []))
    values.pop("numbers", None)
    numbers_free(session, numbers)
    installed = reported_date(order, "installed_on") or clock.today()
    term = values.get("term_months")
    service = WirelineService(
        site=site,
        status=ServiceStatus.ACTIVE,
        circuit_id=facts.get("circuit_id") or "",
        ip_block=facts.get("ip_block") or "",
        installed_on=installed,
        contract_ends_on=add_months(installed, term) if term else None,
        numbers=[WirelineNumber(number=n) for n in numbers],
        **values,
    )
    session.add(service)
    record_created(session, service, actor=actor, order=order, note=f"installed for {order.number}")
    return service


def end_service(session: DbSession, order: Order, service: WirelineService, on: date, actor: User | None) -> None:
    """The service is disconnected on `on` (its numbers go with it)."""
    if service.status is ServiceStatus.DISCONNECTED:
        raise EffectError(f"{describe_service(service)} is disconnected already")
    apply_changes(
        session,
        service,
        {"status": ServiceStatus.DISCONNECTED, "disconnected_on": on, "disconnects_on": None},
        actor=actor,
        order=order,
    )


def set_numbers(
    session: DbSession, order: Order, service: WirelineService, numbers: list[str], actor: User | None
) -> None:
    before = [n.number for n in service.numbers]
    numbers = sorted(set(numbers))
    if before == numbers:
        return
    numbers_free(session, [n for n in numbers if n not in before], besides=service)
    service.numbers = [n for n in service.numbers if n.number in numbers] + [
        WirelineNumber(number=n) for n in numbers if n not in before
    ]
    record_change(
        session,
        service,
        "numbers",
        numbers_text(before) or None,
        numbers_text(numbers) or None,
        actor=actor,
        order=order,
    )
