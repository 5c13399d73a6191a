"""The framework floor: a minimal Flask app whose one view renders a template (a layout and a table, no
database, no session) to a page of a given size. Timed the same way as the real pages, it is what any Flask page
of that size costs; each page is reported as a ratio to the floor of its own size.

For information, the database floor: the same view, but first one `SELECT 1` through Flask-SQLAlchemy on the
benchmark's own database, with the application's engine options (on PostgreSQL: the pool's connection check,
the transaction's BEGIN and its ROLLBACK come with it). It is what any page that touches the database costs."""

from __future__ import annotations

import time

from flask import Flask, render_template
from jinja2 import DictLoader
from werkzeug.test import EnvironBuilder

from bench.common import percentile

TEMPLATES = {
    "layout.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{% block title %}{% endblock %} · Floor</title>
<link rel="stylesheet" href="/static/app.css"><script src="/static/htmx.min.js" defer></script></head>
<body><header><nav><ul>{% for item in nav %}<li><a href="{{ item.href }}">{{ item.label }}</a></li>{% endfor %}</ul>
</nav></header><main>{% block content %}{% endblock %}</main><footer><small>Floor</small></footer></body></html>""",
    "page.html": """{% extends "layout.html" %}{% block title %}Rows{% endblock %}{% block content %}
<h1>Rows</h1><table><thead><tr><th>Number</th><th>Type</th><th>For</th><th>Status</th><th>Updated</th></tr></thead>
<tbody>{% for row in rows %}<tr id="row-{{ row.id }}"><td><a href="/rows/{{ row.id }}">{{ row.number }}</a></td>
<td>{{ row.kind|title }}</td><td>{{ row.name }}</td>
<td><span class="status status-{{ row.status }}">{{ row.status|replace('_', ' ')|capitalize }}</span></td>
<td>{{ row.updated }}</td></tr>{% endfor %}</tbody></table>{% endblock %}""",
}


def floor_app(database_url: str | None = None) -> Flask:
    """The floor's app; with `database_url`, each request first runs one query on that database."""
    app = Flask("floor")
    app.jinja_loader = DictLoader(TEMPLATES)
    nav = [{"href": f"/section/{i}", "label": f"Section {i}"} for i in range(8)]
    touch = _database(app, database_url) if database_url else (lambda: None)

    @app.route("/rows/<int:count>")
    def rows(count: int):
        """A page of `count` table rows."""
        touch()
        items = [
            {
                "id": i,
                "number": f"WO-{i:06d}",
                "kind": "change_plan",
                "name": "Erin Park",
                "status": "pending_approval",
                "updated": "Nov 26, 2026 09:15 AM",
            }
            for i in range(count)
        ]
        return render_template("page.html", rows=items, nav=nav)

    return app


def _database(app: Flask, database_url: str):
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import text

    from app.config import _engine_options

    app.config.update(SQLALCHEMY_DATABASE_URI=database_url, SQLALCHEMY_ENGINE_OPTIONS=_engine_options(database_url))
    database = SQLAlchemy(app)
    one = text("SELECT 1")
    return lambda: database.session.execute(one).scalar()


class Floor:
    """Floors by page size, measured once each (`database_url`: the database floor of that database)."""

    def __init__(self, requests: int, database_url: str | None = None) -> None:
        self.app = floor_app(database_url)
        self.requests = requests
        base, per_100 = self._size(0), self._size(100)
        self.base, self.per_row = base, (per_100 - base) / 100
        self.measured: dict[int, dict] = {}

    def _size(self, rows: int) -> int:
        return len(self.app.test_client().get(f"/rows/{rows}").data)

    def rows_for(self, size: int) -> int:
        return max(0, round((size - self.base) / self.per_row))

    def measure(self, size: int) -> dict:
        """p50 and p95 of the floor for a page of `size` bytes."""
        rows = self.rows_for(size)
        if rows not in self.measured:
            environ = EnvironBuilder(path=f"/rows/{rows}").get_environ()
            times, got = [], 0
            for i in range(self.requests + 20):
                started = time.perf_counter()
                body = self.app(dict(environ), lambda status, headers, exc_info=None: None)
                got = sum(len(chunk) for chunk in body)
                body.close()
                if i >= 20:  # the first requests warm the template cache
                    times.append(time.perf_counter() - started)
            self.measured[rows] = {
                "p50_ms": percentile(times, 0.5) * 1000,
                "p95_ms": percentile(times, 0.95) * 1000,
                "bytes": got,
            }
        return self.measured[rows]
