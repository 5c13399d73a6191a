"""The one place that formats money, phone numbers, IMEIs, ICCIDs, addresses and times for people (Jinja filters)."""

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from flask import Flask, current_app
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup


def money(cents: int | None) -> str:
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(int(cents)), 100)
    return f"{sign}${dollars:,}.{rest:02d}"


_MONEY = re.compile(r"(?P<dollars>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<cents>\d{0,2}))?")


def parse_money(text: str | None) -> int:
    """Dollars as people type them ("45", "45.5", "$1,299.00") → integer cents; ValueError for anything else.

    Negative amounts, more than two decimals and stray characters are refused: the caller words the message.
    """
    cleaned = (text or "").strip().removeprefix("$").strip()
    match = _MONEY.fullmatch(cleaned)
    if not cleaned or not match or not (match["dollars"] or match["cents"]):
        raise ValueError(f"not an amount of money: {text!r}")
    dollars = int((match["dollars"] or "0").replace(",", ""))
    cents = int((match["cents"] or "0").ljust(2, "0"))
    return dollars * 100 + cents


def money_input(cents: int | None) -> str:
    """Cents as a form shows them for editing: 4500 → '45.00' (no $ or thousands separators)."""
    if cents is None:
        return ""
    return f"{cents // 100}.{cents % 100:02d}"


def phone(e164: str | None) -> str:
    """+15550101234 → (555) 010-1234 in the national format of its country."""
    if not e164:
        return ""
    return _national(e164)


@lru_cache(maxsize=65_536)
def _national(e164: str) -> str:
    """The national format of a number (parsing with `phonenumbers` takes about 20 µs: a list of 50 lines drew
    a millisecond of them; a number's format never changes, so each is worked out once per process)."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def imei(value: str | None) -> str:
    """Group an IMEI as TAC-serial-check digit: 35-209900-176148-1."""
    if not value or len(value) != 15:
        return value or ""
    return f"{value[:2]}-{value[2:8]}-{value[8:14]}-{value[14]}"


def address(*parts: str | None) -> str:
    """An address on one line: its parts joined by commas, a missing part (no suite, no street) leaving no stray
    comma. 'Empire State Building', '350 Fifth Avenue', '', 'New York', 'NY 10118' →
    'Empire State Building, 350 Fifth Avenue, New York, NY 10118'."""
    return ", ".join(text for text in (" ".join((part or "").split()) for part in parts) if text)


def iccid(value: str | None) -> str:
    """A SIM's ICCID as it is written: its digits alone (spaces people typed taken out)."""
    return "".join((value or "").split())


NOWRAP = Markup('<span class="nowrap">%s</span>')  # `%` escapes what it is given


def unbroken(fn: Callable[..., str]) -> Callable[..., Any]:
    """The filter `fn` as templates use it: in an HTML page its value is never broken across two lines (class
    nowrap); in a plain-text email it is the text alone."""

    @pass_eval_context
    def filter_(eval_ctx: EvalContext, value: Any, *args: Any) -> str | Markup:
        text = fn(value, *args)
        if eval_ctx.autoescape and text:
            return NOWRAP % text
        return text

    return filter_


def local_time(value: datetime | None, fmt: str = "%b %d, %Y %I:%M %p") -> str:
    """Times are stored in UTC (naive) and shown in the company's time zone."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(current_app.config["COMPANY_TIMEZONE"])).strftime(fmt)


def day(value: date | None) -> str:
    return value.strftime("%b %d, %Y") if value else ""


def age(since: datetime | None, now: datetime) -> str:
    """How long something has waited, in words: 'less than a minute', '45 min', '5 h', '3 days'."""
    if since is None:
        return ""
    minutes = max(int((now - since).total_seconds() // 60), 0)
    if minutes < 1:
        return "less than a minute"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


def label(value: object) -> str:
    """An enum or code as words: 'pending_return' → 'Pending return'."""
    raw = getattr(value, "value", value)
    return str(raw).replace("_", " ").capitalize() if raw is not None else ""


FORM_HINT = re.compile(r"\s*\((?:optional|needed only [^)]*)\)$", re.IGNORECASE)


def without_hint(label: str) -> str:
    """A form's label as a record shows it: 'Features (optional)' → 'Features'."""
    return FORM_HINT.sub("", str(label))


def count(number: int, noun: str, plural: str | None = None) -> str:
    """'1 line', '3 lines', '0 SIMs': a number with its noun, singular for one."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def names(people: Iterable[object], limit: int = 5) -> str:
    """Names in a line, a long list cut short: 'Tara Ng, Tom Baker and 12 more' (people: names or anything with
    a name)."""
    every = [str(getattr(p, "name", p)) for p in people]
    if len(every) > limit:
        return f"{', '.join(every[:limit])} and {len(every) - limit} more"
    if len(every) > 1:
        return f"{', '.join(every[:-1])} and {every[-1]}"
    return every[0] if every else ""


def isodate(value: str | None) -> str:
    """A date kept as ISO text (an order's details, an event's data) as people read it: 'Jan 05, 2030'."""
    if not value:
        return ""
    try:
        return day(date.fromisoformat(value))
    except ValueError:
        return value


def register(app: Flask) -> None:
    filters: dict[str, Callable[..., Any]] = {
        "money": money,
        "money_input": money_input,
        "phone": unbroken(phone),
        "imei": unbroken(imei),
        "iccid": unbroken(iccid),
        "identifier": unbroken(str),  # an order number, a serial: "WO-000023" never breaks at its hyphen
        "local_time": local_time,
        "day": day,
        "isodate": isodate,
        "label": label,
        "count": count,
        "without_hint": without_hint,
        "names": names,
        "address": address,
    }
    for name, fn in filters.items():
        app.add_template_filter(fn, name)
    app.add_template_global(age, "age")
