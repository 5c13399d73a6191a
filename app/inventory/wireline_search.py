"""Finding sites and wireline services: one query per list from its filters (app.inventory.search's ListSpec).

A service is found by its circuit ID (the start of it, punctuation and case aside), by one of its telephone numbers
(the start or the end of the number, however typed), or by its site's name or address; a site by its name, street,
city or ZIP code.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.database import DbSession
from app.identifiers import digits_only, phone_search_digits
from app.inventory.search import Filters, ListSpec, is_number_search, starts_with
from app.models import Carrier, ServiceKind, ServiceStatus, Site, WirelineNumber, WirelineService, circuit_key


def sites_matching(text: str) -> Select:
    """The ids of sites whose name, street, city or ZIP code has what was typed (sites are few: tens or hundreds)."""
    words = text.lower()
    return select(Site.id).where(
        or_(
            func.lower(Site.name).contains(words, autoescape=True),
            func.lower(Site.street).contains(words, autoescape=True),
            func.lower(Site.city).contains(words, autoescape=True),
            Site.zip_code.startswith(text, autoescape=True),
        )
    )


def number_matches(text: str) -> ColumnElement[bool]:
    """Services with a number starting or ending with the digits typed, through the numbers' indexes."""
    digits = phone_search_digits(text)
    found = select(WirelineNumber.service_id).where(
        or_(
            starts_with(WirelineNumber.digits, digits),
            starts_with(WirelineNumber.digits_reversed, digits[::-1]),
        )
    )
    return WirelineService.id.in_(found)


def key_starts_with(column: Any, key: str) -> ColumnElement[bool]:
    """`column` (letters and digits, upper case, byte order) starts with `key`: a range an index answers."""
    return and_(column >= key, column < key[:-1] + chr(ord(key[-1]) + 1))


def _service_match(session: DbSession, text: str) -> ColumnElement[bool]:
    key = circuit_key(text)
    conditions: list[ColumnElement[bool]] = [WirelineService.site_id.in_(sites_matching(text))]
    if key:
        conditions.append(key_starts_with(WirelineService.circuit_key, key))
    if is_number_search(text) and len(digits_only(text)) >= 3:
        conditions.append(number_matches(text))
    return or_(*conditions)


def _service_filters(query: Select, filters: Filters) -> Select:
    if (kind := filters.member("kind", ServiceKind)) is not None:
        query = query.where(WirelineService.kind == kind)
    if (status := filters.member("status", ServiceStatus)) is not None:
        query = query.where(WirelineService.status == status)
    if (carrier := filters.id_of("carrier")) is not None:
        query = query.where(WirelineService.carrier_id == carrier)
    if (site := filters.id_of("site")) is not None:
        query = query.where(WirelineService.site_id == site)
    return query


def _services_base() -> Select:
    return select(WirelineService).options(
        joinedload(WirelineService.site), joinedload(WirelineService.carrier), selectinload(WirelineService.numbers)
    )


SERVICES = ListSpec(
    name="services",
    model=WirelineService,
    filters=("kind", "status", "carrier", "site"),
    sorts={
        "site": (Site.name, WirelineService.site),
        "kind": (WirelineService.kind, None),
        "circuit": (WirelineService.circuit_key, None),
        "carrier": (Carrier.name, WirelineService.carrier),
        "status": (WirelineService.status, None),
        "monthly": (WirelineService.monthly_cents, None),
        "contract": (WirelineService.contract_ends_on, None),
    },
    default_sort="site",
    base=_services_base,
    match=_service_match,
    narrow=_service_filters,
)


def _sites_base() -> Select:
    return select(Site).options(joinedload(Site.contact))


SITES = ListSpec(
    name="sites",
    model=Site,
    filters=(),
    sorts={"name": (Site.name, None), "city": (Site.city, None), "zip": (Site.zip_code, None)},
    default_sort="name",
    base=_sites_base,
    match=lambda session, text: Site.id.in_(sites_matching(text)),
    narrow=lambda query, filters: query,
)


def service_counts(session: DbSession, site_ids: list[int]) -> dict[int, tuple[int, int]]:
    """For each site: how many services it has that are not disconnected, and their monthly cost (one query)."""
    if not site_ids:
        return {}
    rows = session.execute(
        select(WirelineService.site_id, func.count(), func.coalesce(func.sum(WirelineService.monthly_cents), 0))
        .where(WirelineService.site_id.in_(site_ids), WirelineService.status != ServiceStatus.DISCONNECTED)
        .group_by(WirelineService.site_id)
    )
    return {site_id: (count, int(cost)) for site_id, count, cost in rows}
