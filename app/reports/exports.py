"""The reports as CSV files (stdlib csv): each report's columns, and a response that streams the rows a chunk
at a time (a long orders list is never held in memory)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask, Response, current_app

from app.formatting import local_time, money_input
from app.inventory.exports import cell  # the one place that keeps spreadsheet formulas out of exports
from app.orders.types import REGISTRY

Column = tuple[str, Callable[[Any], Any]]
CSV_TIME = "%Y-%m-%d %H:%M"


def _name(person: Any) -> str:
    return person.name if person is not None else ""


ORDER_COLUMNS: list[Column] = [
    ("number", lambda o: o.number),
    ("type", lambda o: REGISTRY[o.type].name if o.type in REGISTRY else o.type),
    ("status", lambda o: o.status.label),
    ("for", lambda o: _name(o.employee)),
    ("requested_by", lambda o: _name(o.requester)),
    ("department", lambda o: o.employee.department.name if o.employee.department else ""),
    ("carrier", lambda o: o.carrier.name if o.carrier else ""),
    ("cost_center", lambda o: o.cost_center.code if o.cost_center else ""),
    ("one_time", lambda o: money_input(o.one_time_cents)),
    ("monthly", lambda o: money_input(o.monthly_cents)),
    ("submitted_at", lambda o: local_time(o.submitted_at, CSV_TIME)),
    ("approved_at", lambda o: local_time(o.approved_at, CSV_TIME)),
    ("completed_at", lambda o: local_time(o.completed_at, CSV_TIME)),
]

TURNAROUND_COLUMNS: list[Column] = [
    ("approver", lambda r: r.approver),
    ("decided", lambda r: r.decided),
    ("approved", lambda r: r.approved),
    ("rejected", lambda r: r.rejected),
    ("median_hours", lambda r: f"{r.median_hours:.1f}"),
]

COST_CENTER_COLUMNS: list[Column] = [
    ("cost_center", lambda r: r.code),
    ("name", lambda r: r.name),
    ("active_lines", lambda r: r.lines),
    ("monthly_cost", lambda r: money_input(r.monthly_cents)),
]


def rows_as_csv(columns: list[Column], records: Iterable[Any], chunk: int = 500) -> Iterator[str]:
    """The header, then the records, as pieces of CSV text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for header, _ in columns])
    for count, record in enumerate(records, start=1):
        writer.writerow([cell(get(record)) for _, get in columns])
        if count % chunk == 0:
            yield _drain(out)
    yield _drain(out)


def _drain(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def csv_response(filename: str, columns: list[Column], records: Callable[[], Iterable[Any]]) -> Response:
    """A CSV download of `records()`, called as the rows stream out: after the view has returned, so in an app
    context (and database session) of its own."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy

    def body() -> Iterator[str]:
        with app.app_context():
            yield from rows_as_csv(columns, records())

    return Response(body(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})
