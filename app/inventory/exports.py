"""Inventory lists as CSV files: the columns of each list, written a row at a time (50,000 lines stream out
without being held in memory). The lines export has the import's columns first, so it can be imported back."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from app import formatting
from app.database import DbSession
from app.inventory import search

Column = tuple[str, Callable[[Any, dict], Any]]


def _active_iccid(line: Any) -> str:
    return next((s.iccid for s in line.sims if s.active), "")


def _email(person: Any) -> str:
    return person.email if person else ""


COLUMNS: dict[str, list[Column]] = {
    "lines": [
        ("phone_number", lambda r, x: r.number),
        ("carrier", lambda r, x: r.carrier.code),
        ("account_number", lambda r, x: r.account_number),
        ("plan", lambda r, x: r.plan.name if r.plan else ""),
        ("line_status", lambda r, x: r.status.value),
        ("employee_email", lambda r, x: _email(r.employee)),
        ("cost_center", lambda r, x: r.cost_center.code if r.cost_center else ""),
        ("activated_on", lambda r, x: r.activated_on),
        ("imei", lambda r, x: r.device.imei if r.device else ""),
        ("serial", lambda r, x: r.device.serial if r.device else ""),
        ("device_model", lambda r, x: f"{r.device.model.maker} {r.device.model.name}" if r.device else ""),
        ("iccid", lambda r, x: _active_iccid(r)),
        ("employee_name", lambda r, x: r.employee.name if r.employee else ""),
        ("department", lambda r, x: r.employee.department.name if r.employee and r.employee.department else ""),
        ("monthly_cost", lambda r, x: formatting.money_input(r.monthly_cents)),
        ("suspended_on", lambda r, x: r.suspended_on),
        ("disconnected_on", lambda r, x: r.disconnected_on),
    ],
    "devices": [
        ("imei", lambda r, x: r.imei or ""),
        ("serial", lambda r, x: r.serial),
        ("device_model", lambda r, x: str(r.model)),
        ("device_status", lambda r, x: r.status.value),
        ("employee_email", lambda r, x: _email(r.employee)),
        ("phone_number", lambda r, x: x["lines"][r.id].number if r.id in x["lines"] else ""),
        ("purchased_on", lambda r, x: r.purchased_on),
        ("activated_on", lambda r, x: r.activated_on),
        ("warranty_ends_on", lambda r, x: r.warranty_ends_on),
    ],
    "sims": [
        ("iccid", lambda r, x: r.iccid),
        ("kind", lambda r, x: r.kind.value),
        ("phone_number", lambda r, x: r.line.number if r.line else ""),
        ("employee_email", lambda r, x: _email(r.line.employee) if r.line else ""),
        ("active", lambda r, x: "yes" if r.active else "no"),
        ("activated_on", lambda r, x: r.activated_on),
    ],
    "stipends": [
        ("employee_email", lambda r, x: r.employee.email),
        ("employee_name", lambda r, x: r.employee.name),
        ("tier", lambda r, x: r.tier.name),
        ("monthly_amount", lambda r, x: formatting.money_input(r.monthly_cents)),
        ("status", lambda r, x: r.status.value),
        ("starts_on", lambda r, x: r.starts_on),
        ("ends_on", lambda r, x: r.ends_on),
    ],
    "employees": [
        ("employee_email", lambda r, x: r.email),
        ("employee_name", lambda r, x: r.name),
        ("employee_number", lambda r, x: r.employee_number or ""),
        ("department", lambda r, x: r.department.name if r.department else ""),
        ("cost_center", lambda r, x: r.cost_center.code if r.cost_center else ""),
        ("live_lines", lambda r, x: x["line_counts"].get(r.id, 0)),
    ],
}


def _extras(session: DbSession, name: str, records: list[Any]) -> dict[str, Any]:
    """What a chunk of rows needs beyond its own query, in one query per chunk."""
    if name == "devices":
        return {"lines": search.live_lines_by_device(session, (r.id for r in records))}
    if name == "employees":
        return {"line_counts": search.live_line_counts(session, (r.id for r in records))}
    return {}


_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?\d[\d .]*$")
# What a spreadsheet may skip or fold before it decides a cell is a formula: spaces, zero-width and direction
# marks, the byte-order mark, the soft hyphen; and full-width signs ("＝", "＋") that it reads as "=" and "+".
_INVISIBLE = re.compile(r"^[\s\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+")


def cell(value: Any) -> str:
    """A value for a spreadsheet: text that would run as a formula is quoted (phone numbers stay as they are)."""
    text = "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))
    if _NUMBER.match(text):
        return text
    bare = _INVISIBLE.sub("", text)
    if _FORMULA.match(text) or (bare and _FORMULA.match(unicodedata.normalize("NFKC", bare[0]))):
        return "'" + text
    return text


def write_csv(session: DbSession, name: str, records: Iterable[Any], chunk: int = 500) -> Iterator[str]:
    """The header, then the rows, as CSV text pieces."""
    columns = COLUMNS[name]
    out = io.StringIO()
    writer = csv.writer(out)

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    writer.writerow([header for header, _ in columns])
    yield flush()
    iterator = iter(records)
    while batch := list(islice(iterator, chunk)):
        extras = _extras(session, name, batch)
        for record in batch:
            writer.writerow([cell(get(record, extras)) for _, get in columns])
        yield flush()
