"""How inventory pages word things: field labels and values, edit conflicts, links to orders (template helpers)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import url_for

from app import formatting
from app.inventory.history import field_label as history_label
from app.inventory.history import readable, status_label
from app.inventory.wireline import numbers_text
from app.orders.types import REGISTRY
from app.web.inventory import bp

# The colour a status badge gives as a second cue to its words (its tone: a CSS class of status-badge).
STATUS_TONES = {
    "active": "ok",
    "assigned": "ok",
    "in_stock": "info",
    "suspended": "warn",
    "pending_return": "warn",
    "in_repair": "warn",
    "disconnected": "bad",
    "lost_stolen": "bad",
    "transferred_out": "muted",
    "returned_to_vendor": "muted",
    "retired": "muted",
    "ended": "muted",
}


def status_tone(status: Any) -> str:
    return STATUS_TONES.get(getattr(status, "value", status), "info")


def field_label(kind: Any, name: str) -> str:
    """A form field's label, as the page and the in-place editor show it."""
    return getattr(kind.form, name).args[0]


def in_sentence(label: str) -> str:
    """A label inside a sentence: 'Serial number' → 'serial number', but 'IMEI' stays 'IMEI'."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def shown(attribute: str, value: Any) -> str:
    """A record's value for a page: dates as 'Nov 27, 2026', blanks as 'Not recorded'."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return formatting.day(value)
    return readable(attribute, value) or "Not recorded"


def field_text(kind: Any, record: Any, name: str) -> str:
    attribute = kind.form.attribute(name)
    return shown(attribute, getattr(record, attribute))


def conflict_text(conflict: Any, noun: str) -> str:
    """'Hana Kim changed this device at Nov 27, 2026 10:42 AM, after you opened it.'"""
    who = conflict.changed_by.name if conflict.changed_by else "Someone"
    when = f" at {formatting.local_time(conflict.changed_at)}" if conflict.changed_at else ""
    return f"{who} changed this {noun}{when}, after you opened it."


def order_href(order: Any) -> str:
    """The order's page."""
    return url_for("orders.show", number=order.number) if order.number else url_for("orders.mine")


def order_type_name(code: str) -> str:
    found = REGISTRY.get(code)
    return found.name if found else formatting.label(code)


@bp.context_processor
def inventory_helpers() -> dict[str, Any]:
    return {
        "field_label": field_label,
        "in_sentence": in_sentence,
        "field_text": field_text,
        "conflict_text": conflict_text,
        "order_href": order_href,
        "order_type_name": order_type_name,
        "history_label": history_label,
        "status_label": status_label,
        "status_tone": status_tone,
        "numbers_text": lambda numbers: numbers_text([n.number for n in numbers]),
    }
