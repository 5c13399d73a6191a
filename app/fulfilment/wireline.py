"""What a carrier reports on a wireline order, milestone by milestone: acknowledged (records.mark_placed), the
firm order commitment (FOC) date, the site survey, the install scheduled (a date and a window), installed, tested
and turned up (the circuit ID, IP block or numbers), a jeopardy (a delay: a new date and the reason), completed
(records.complete). Each is validated here, kept in the order's details (WIRELINE_FACTS) and written on the
timeline; the first one places the order with the carrier. The caller commits."""

from __future__ import annotations

import ipaddress
from datetime import date
from typing import Any

from app import clock, formatting
from app.database import DbSession
from app.fulfilment.records import FulfilmentError, InvalidReport, check_allowed
from app.identifiers import InvalidIdentifier
from app.inventory.wireline import numbers_text, parse_numbers
from app.models import EventKind, Order, OrderStatus, User
from app.orders import lifecycle
from app.orders.lifecycle import Party
from app.orders.types import REGISTRY, WIRELINE
from app.orders.types.base import WIRELINE_FACTS

E = EventKind
MILESTONES: dict[str, EventKind] = {
    "foc": E.FOC,
    "site_survey": E.SITE_SURVEY,
    "install_scheduled": E.INSTALL_SCHEDULED,
    "installed": E.INSTALLED,
    "turned_up": E.TURNED_UP,
    "jeopardy": E.JEOPARDY,
}
# What each milestone must carry, and may carry besides.
NEEDS: dict[str, tuple[str, ...]] = {
    "foc": ("foc_date",),
    "site_survey": ("survey_date",),
    "install_scheduled": ("install_date", "install_window"),
    "installed": (),
    "turned_up": (),
    "jeopardy": ("new_date", "reason"),
}
FIELDS = ("foc_date", "survey_date", "install_date", "install_window", "installed_date", "new_date", "reason",
          "circuit_id", "ip_block", "numbers")  # fmt: skip
MESSAGES = {
    "foc_date": "Give the FOC date the carrier committed to.",
    "survey_date": "Give the date of the site survey.",
    "install_date": "Give the install date.",
    "install_window": "Give the install window, like 08:00–12:00.",
    "new_date": "Give the new date.",
    "reason": "Say why the order is delayed.",
}


def is_wireline(order: Order) -> bool:
    order_type = REGISTRY.get(order.type)
    return order_type is not None and order_type.module == WIRELINE


def parse_milestone(milestone: str | None, payload: dict[str, Any]) -> dict[str, Any]:
    """The milestone's fields, validated (dates as ISO strings, numbers as E.164); InvalidReport names each bad
    field the way the API reports it."""
    if milestone not in MILESTONES:
        raise InvalidReport({"status": f"Must be one of: {', '.join(MILESTONES)}."})
    values, errors = parse_fields(payload)
    for name in NEEDS[milestone]:
        if name not in values and name not in errors:
            errors[name] = MESSAGES[name]
    if milestone == "turned_up" and not errors and not {"circuit_id", "ip_block", "numbers"} & set(values):
        errors["circuit_id"] = "Give the circuit ID, the IP block or the numbers the carrier turned up."
    if errors:
        raise InvalidReport(errors)
    return values


def parse_fields(payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The wireline fields present in `payload`, validated: (values, {field: what is wrong})."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in FIELDS:
        raw = payload.get(name)
        if raw is None or raw == "" or raw == []:
            continue
        try:
            values[name] = _parse(name, raw)
        except (ValueError, TypeError, InvalidIdentifier) as exc:
            errors[name] = str(exc)
    return values, errors


TURNED_UP_FACTS = {"circuit_id": "circuit_id", "ip_block": "ip_block", "numbers": "numbers"}


def facts_of(values: dict[str, Any]) -> dict[str, Any]:
    """The service facts among reported values, keyed as the order keeps them (for what a completion needs)."""
    return {key: values[name] for name, key in TURNED_UP_FACTS.items() if name in values}


def _parse(name: str, raw: Any) -> Any:
    if name.endswith("_date"):
        if isinstance(raw, date):
            return raw.isoformat()
        if not isinstance(raw, str):
            raise ValueError("Must be a date like 2026-03-14.")
        try:
            return date.fromisoformat(raw.strip()).isoformat()
        except ValueError:
            raise ValueError("Must be a date like 2026-03-14.") from None
    if name == "numbers":
        text = "\n".join(raw) if isinstance(raw, list) and all(isinstance(n, str) for n in raw) else raw
        if not isinstance(text, str):
            raise ValueError("Must be a list of telephone numbers.")
        return parse_numbers(text)
    if not isinstance(raw, str):
        raise ValueError("Must be a string.")
    text = raw.strip()
    if name == "ip_block":
        try:
            return str(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"“{text[:50]}” is not an IP block like 203.0.113.8/29.") from None
    limits = {"circuit_id": 60, "install_window": 40, "reason": 500}
    if not text or len(text) > limits[name]:
        raise ValueError(f"Give 1 to {limits[name]} characters.")
    return text


def record_milestone(
    session: DbSession,
    order: Order,
    milestone: str,
    values: dict[str, Any],
    actor: User | None,
    *,
    party: Party = Party.CARRIER,
) -> None:
    """Keep what the carrier reported at `milestone` on the order, and note it on the timeline."""
    if not is_wireline(order):
        raise FulfilmentError(f"{order.number} is not a wireline order: it has no {milestone.replace('_', ' ')}.")
    check_allowed(order, None)
    if order.status is OrderStatus.COMPLETED:
        raise FulfilmentError(f"{order.number} is completed: nothing more can be recorded on it.")
    facts = dict(order.details.get(WIRELINE_FACTS) or {})
    stored = {
        "foc_date": "foc_on",
        "survey_date": "survey_on",
        "install_date": "install_on",
        "install_window": "install_window",
        "installed_date": "installed_on",
        "circuit_id": "circuit_id",
        "ip_block": "ip_block",
        "numbers": "numbers",
    }
    for name, key in stored.items():
        if name in values:
            facts[key] = values[name]
    if milestone == "installed":
        facts.setdefault("installed_on", values.get("installed_date") or clock.today().isoformat())
    if milestone == "jeopardy":
        facts["install_on"] = values["new_date"]  # the date everyone now waits for
        facts["jeopardy"] = {"new_on": values["new_date"], "reason": values["reason"]}
    facts.setdefault("milestones", [])
    facts["milestones"] = [*facts["milestones"], milestone]
    order.details = {**order.details, WIRELINE_FACTS: facts}
    if order.status is OrderStatus.APPROVED and lifecycle.allowed(order, E.PLACE, party):
        lifecycle.transition(session, order, E.PLACE, actor, party=party, comment="Acknowledged by the carrier.")
    lifecycle.record(session, order, MILESTONES[milestone], actor, comment=describe(milestone, values), data=values)


# What the order keeps (its WIRELINE_FACTS) under the names the carrier API reads them back by (those it reports).
READ_BACK = {
    "foc_on": "foc_date",
    "survey_on": "survey_date",
    "install_on": "install_date",
    "install_window": "install_window",
    "installed_on": "installed_date",
    "circuit_id": "circuit_id",
    "ip_block": "ip_block",
    "numbers": "numbers",
}


def read_back(order: Order) -> dict[str, Any] | None:
    """The wireline milestones and facts recorded on the order, as the carrier API reads them back (the names a
    carrier reports them by; the install date is the one a jeopardy moved it to); None for a mobile order."""
    if not is_wireline(order):
        return None
    facts = order.details.get(WIRELINE_FACTS) or {}
    found: dict[str, Any] = {"milestones": list(facts.get("milestones") or [])}
    found.update({name: facts[key] for key, name in READ_BACK.items() if facts.get(key)})
    jeopardy = facts.get("jeopardy")
    if jeopardy:
        found["jeopardy"] = {"new_date": jeopardy["new_on"], "reason": jeopardy["reason"]}
    return found


def describe(milestone: str, values: dict[str, Any]) -> str:
    """The timeline's words for a milestone."""

    def day(name: str) -> str:
        return formatting.day(date.fromisoformat(values[name]))

    if milestone == "foc":
        return f"Firm order commitment: the carrier commits to {day('foc_date')}."
    if milestone == "site_survey":
        return f"Site survey on {day('survey_date')}."
    if milestone == "install_scheduled":
        return f"Install scheduled on {day('install_date')}, {values['install_window']}."
    if milestone == "installed":
        return "Installed" + (f" on {day('installed_date')}." if "installed_date" in values else ".")
    if milestone == "turned_up":
        said = [f"circuit ID {values['circuit_id']}"] if values.get("circuit_id") else []
        if values.get("ip_block"):
            said.append(f"IP block {values['ip_block']}")
        if values.get("numbers"):
            said.append(f"numbers {numbers_text(values['numbers'])}")
        return "Tested and turned up: " + ", ".join(said) + "."
    return f"Jeopardy: delayed to {day('new_date')}. {values['reason']}"
