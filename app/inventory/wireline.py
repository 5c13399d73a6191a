"""Sites and their wireline services, edited by hand: the address checked, the service's rules, its telephone
numbers typed as a list or a range, edits made on a stale copy refused, and every change in the history."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app import formatting
from app.database import DbSession
from app.identifiers import InvalidIdentifier, parse_phone
from app.inventory.addresses import AddressProblems, check_address
from app.inventory.editing import RESOLVERS, EditRefused, StaleEdit
from app.inventory.history import apply_changes, last_change, record_change, record_created
from app.models import (
    Carrier,
    InventoryChange,
    Location,
    ServiceKind,
    ServiceStatus,
    Site,
    User,
    WirelineNumber,
    WirelineService,
)

MAX_NUMBERS = 1000  # a range of DIDs larger than this is a typing mistake, not a trunk
CIRCUITS = (ServiceKind.INTERNET, ServiceKind.DEDICATED_INTERNET, ServiceKind.MPLS, ServiceKind.SD_WAN)
WITH_NUMBERS = (ServiceKind.POTS, ServiceKind.SIP_TRUNK, ServiceKind.TOLL_FREE)


# ------------------------------------------------------------------ telephone numbers
def parse_numbers(text: str) -> list[str]:
    """Numbers typed one per line or separated by commas, each a number or a range: '(212) 555-0100 - 0119',
    '212-555-0100 to 212-555-0119' → the E.164 numbers, sorted, each once. InvalidIdentifier says what is wrong."""
    found: set[str] = set()
    for part in (p.strip() for p in re.split(r"[,;\n]+", text or "")):
        if not part:
            continue
        bounds = re.split(r"\s+(?:-|–|to)\s+|\s*–\s*", part, maxsplit=1)
        first = parse_phone(bounds[0])
        if len(bounds) == 1:
            found.add(first)
            continue
        found.update(_range(first, bounds[1].strip(), part))
        if len(found) > MAX_NUMBERS:
            break
    if len(found) > MAX_NUMBERS:
        raise InvalidIdentifier(f"That is more than {MAX_NUMBERS:,} numbers; enter a smaller range.")
    return sorted(found)


def _range(first: str, last_typed: str, typed: str) -> list[str]:
    """The numbers from `first` to the last one, which may be given whole or by its last digits ('0119')."""
    last_digits = re.sub(r"\D", "", last_typed)
    if not last_digits:
        raise InvalidIdentifier(f"“{typed}” does not end with a number.")
    last = parse_phone(last_typed) if len(last_digits) >= 10 else first[: -len(last_digits)] + last_digits
    if len(last_digits) < 10 and len(last_digits) > 4:
        raise InvalidIdentifier(f"End the range “{typed}” with the last four digits or the whole number.")
    if last[:-4] != first[:-4]:
        raise InvalidIdentifier(f"The range “{typed}” must stay within one exchange (the same first six digits).")
    start, end = int(first[-4:]), int(last[-4:])
    if end < start:
        raise InvalidIdentifier(f"The range “{typed}” ends before it starts.")
    return [f"{first[:-4]}{n:04d}" for n in range(start, end + 1)]


def numbers_text(numbers: list[str]) -> str:
    """Numbers as people read them, consecutive ones as a range: '(212) 555-0100 – 0119, (212) 555-0150'."""
    out: list[str] = []
    ordered = sorted(numbers)
    i = 0
    while i < len(ordered):
        j = i
        while (
            j + 1 < len(ordered)
            and ordered[j + 1][:-4] == ordered[i][:-4]
            and int(ordered[j + 1][-4:]) == int(ordered[j][-4:]) + 1
        ):
            j += 1
        shown = formatting.phone(ordered[i])
        out.append(shown if j == i else f"{shown} – {ordered[j][-4:]}")
        i = j + 1
    return ", ".join(out)


# ------------------------------------------------------------------ sites
def save_site(
    session: DbSession, site: Site, values: dict[str, Any], *, actor: User, expected_version: int | None = None
) -> list[InventoryChange]:
    """Create or change a site as typed (name, street, unit, city, state, zip_code, contact_email, hours), or refuse
    with EditRefused naming each field's problem. The caller commits."""
    _check_version(session, site, expected_version)
    errors: dict[str, str] = {}
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = "Enter the site's name, like Boston branch office."
    elif session.scalar(select(Site.id).where(Site.name == name, Site.id != (site.id or -1))) is not None:
        errors["name"] = f"There is already a site called {name}."
    try:
        address = check_address(
            values.get("street", ""), values.get("unit", ""), values.get("city", ""), values.get("state", ""),
            values.get("zip_code", ""),
        )  # fmt: skip
    except AddressProblems as problems:
        errors.update(problems.errors)
    contact_id = None
    try:
        contact = RESOLVERS["employee"](session, (values.get("contact_email") or "").strip())
        contact_id = contact.id if contact is not None else None
        if contact is not None and not contact.active:
            errors["contact_email"] = f"{contact.name} has left the company: name someone who works here."
    except ValueError as error:
        errors["contact_email"] = str(error)
    if errors:
        raise EditRefused(errors)
    new = site.id is None
    changes = _write(
        session,
        site,
        {
            "name": name,
            "street": address.street,
            "unit": address.unit,
            "city": address.city,
            "state": address.state,
            "zip_code": address.zip_code,
            "contact_id": contact_id,
            "hours": (values.get("hours") or "").strip(),
        },
        actor=actor,
    )
    if new:
        record_created(session, site, actor=actor, note="site added")
    return changes


def sites_for_offices(session: DbSession, *, actor: User | None = None) -> list[Site]:
    """A site for each office (people's location) that has none yet: its street line split into street and
    suite or floor where usaddress can; the new sites, flushed."""
    made = []
    have = set(session.scalars(select(Site.location_id).where(Site.location_id.is_not(None))))
    for office in session.scalars(select(Location).order_by(Location.id)):
        if office.id in have:
            continue
        try:
            found = check_address(office.street, "", office.city, office.state, office.postal_code)
            street, unit = found.street, found.unit
        except AddressProblems:
            street, unit = office.street, ""  # kept as it was: an admin corrects it on the site's page
        site = Site(
            name=office.name,
            street=street,
            unit=unit,
            city=office.city,
            state=office.state.upper()[:2],
            zip_code=office.postal_code[:10],
            location=office,
        )
        session.add(site)
        session.flush()
        record_created(session, site, actor=actor, note="site made from the office")
        made.append(site)
    return made


# ------------------------------------------------------------------ services
def save_service(
    session: DbSession, service: WirelineService, values: dict[str, Any], *, actor: User,
    expected_version: int | None = None,
) -> list[InventoryChange]:  # fmt: skip
    """Create or change a service as typed, or refuse with EditRefused. `values` holds parsed form values:
    site_id, kind, carrier_id, circuit_id, bandwidth_mbps, channels, numbers (a list of E.164 numbers),
    monthly_cents, term_months, contract_ends_on, installed_on, equipment, status, disconnected_on.
    A contract end left blank is the install date plus the term. The caller commits."""
    _check_version(session, service, expected_version)
    values = dict(values)
    numbers = sorted(set(values.pop("numbers", None) or []))
    if values.get("contract_ends_on") is None and values.get("installed_on") and values.get("term_months"):
        values["contract_ends_on"] = add_months(values["installed_on"], values["term_months"])
    errors = dict(_service_rules(session, service, values, numbers))
    if errors:
        raise EditRefused(errors)
    new = service.id is None
    changes = _write(session, service, values, actor=actor)
    before = [n.number for n in service.numbers]
    if before != numbers:
        service.numbers = [n for n in service.numbers if n.number in numbers] + [
            WirelineNumber(number=n) for n in numbers if n not in before
        ]
        changes.append(
            record_change(
                session, service, "numbers", numbers_text(before) or None, numbers_text(numbers) or None, actor=actor
            )
        )
    if new:
        record_created(session, service, actor=actor, note="service added")
    return changes


def _service_rules(session: DbSession, service: WirelineService, values: dict[str, Any], numbers: list[str]):
    kind, status = values.get("kind"), values.get("status")
    if values.get("site_id") is None or session.get(Site, values["site_id"]) is None:
        yield "site_id", "Choose the site the service is at."
    if values.get("carrier_id") is None or session.get(Carrier, values["carrier_id"]) is None:
        yield "carrier_id", "Choose the carrier."
    if kind in CIRCUITS and status is not ServiceStatus.PENDING and not (values.get("circuit_id") or "").strip():
        yield "circuit_id", "Enter the carrier's circuit ID (a pending service may have none yet)."
    if kind in CIRCUITS and not values.get("bandwidth_mbps"):
        yield "bandwidth_mbps", "Enter the bandwidth in Mbps, like 500."
    if kind is ServiceKind.SIP_TRUNK and not values.get("channels"):
        yield "channels", "Enter how many channels (concurrent calls) the trunk has."
    if kind in WITH_NUMBERS and not numbers:
        yield "numbers", "Enter the service's telephone number, or its range of numbers."
    for name in ("bandwidth_mbps", "channels", "term_months"):
        if values.get(name) is not None and values[name] <= 0:
            yield name, "Enter a number above 0, or leave it blank."
    if (values.get("monthly_cents") or 0) < 0:
        yield "monthly_cents", "Enter a monthly cost of $0.00 or more."
    installed, ends = values.get("installed_on"), values.get("contract_ends_on")
    if installed and ends and ends < installed:
        yield "contract_ends_on", "The contract cannot end before the service was installed."
    if status is ServiceStatus.DISCONNECTED and values.get("disconnected_on") is None:
        yield "disconnected_on", "Enter the date the service was disconnected."
    if numbers:
        taken = session.execute(
            select(WirelineNumber.number, WirelineService)
            .join(WirelineService, WirelineService.id == WirelineNumber.service_id)
            .where(
                WirelineNumber.number.in_(numbers),
                WirelineService.id != (service.id or -1),
                WirelineService.status != ServiceStatus.DISCONNECTED,
            )
            .limit(1)
        ).first()
        if taken is not None and status is not ServiceStatus.DISCONNECTED:
            number, other = taken
            yield "numbers", f"{formatting.phone(number)} is already a number of {describe_service(other)}."


def describe_service(service: WirelineService) -> str:
    """'the SIP trunk SIP-0042 at New York HQ'."""
    from app.inventory.history import status_label

    ident = f" {service.circuit_id}" if service.circuit_id else ""
    return f"the {status_label(service.kind)}{ident} at {service.site.name}"


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


# ------------------------------------------------------------------ shared
def _check_version(session: DbSession, record: Any, expected_version: int | None) -> None:
    if record.id is not None and expected_version is not None and record.version != expected_version:
        change = last_change(session, record)
        raise StaleEdit(change.actor if change else None, change.at if change else None)


def _write(session: DbSession, record: Any, values: dict[str, Any], *, actor: User) -> list[InventoryChange]:
    """A new record is written whole (its history says it was added); a change, field by field."""
    if record.id is None:
        for name, value in values.items():
            setattr(record, name, value)
        session.add(record)
        session.flush()
        return []
    try:
        with session.begin_nested():  # a refused write leaves the caller's transaction as it was
            return apply_changes(session, record, values, actor=actor)
    except StaleDataError:  # saved by someone else between our check and our write
        session.expire(record)
        change = last_change(session, record)
        raise StaleEdit(change.actor if change else None, change.at if change else None) from None
