"""The one place that formats money, phone numbers, IMEIs and times for people (Jinja filters)."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import phonenumbers
from flask import Flask, current_app


def money(cents: int | None) -> str:
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(int(cents)), 100)
    return f"{sign}${dollars:,}.{rest:02d}"


def phone(e164: str | None) -> str:
    """+15550101234 → (555) 010-1234 in the national format of its country."""
    if not e164:
        return ""
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


def local_time(value: datetime | None, fmt: str = "%b %d, %Y %I:%M %p") -> str:
    """Times are stored in UTC (naive) and shown in the company's time zone."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(ZoneInfo(current_app.config["COMPANY_TIMEZONE"])).strftime(fmt)


def day(value: date | None) -> str:
    return value.strftime("%b %d, %Y") if value else ""


def label(value: object) -> str:
    """An enum or code as words: 'pending_return' → 'Pending return'."""
    raw = getattr(value, "value", value)
    return str(raw).replace("_", " ").capitalize() if raw is not None else ""


def register(app: Flask) -> None:
    for name, fn in {"money": money, "phone": phone, "imei": imei, "local_time": local_time, "day": day,
                     "label": label}.items():
        app.add_template_filter(fn, name)
