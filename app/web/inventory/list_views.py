"""The inventory lists (lines, devices, SIMs, stipends, employees): search, filter, sort, page, export CSV."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, make_response, request, url_for
from sqlalchemy import select

from app import clock
from app.extensions import db, htmx
from app.inventory import exports, search
from app.inventory.history import status_label
from app.models import (
    Carrier,
    CostCenter,
    Department,
    DeviceModel,
    DeviceStatus,
    LineStatus,
    SimKind,
    StipendStatus,
    StipendTier,
)
from app.web.access import require
from app.web.inventory import bp
from app.web.inventory.rendering import page_or_block
from app.web.paging import list_page

PAGE_SIZE = 50


@dataclass(frozen=True)
class FilterChoice:
    """A drop-down of the filter form: its name, its visible label, its options (the first one: all)."""

    name: str
    label: str
    options: list[tuple[str, str]]


def _enum_options(kind: type[enum.Enum], everything: str) -> list[tuple[str, str]]:
    return [("", everything)] + [(m.value, status_label(m)) for m in kind]


def _rows(model: type[Any], order: Any, text: Any, everything: str) -> list[tuple[str, str]]:
    return [("", everything)] + [(str(r.id), text(r)) for r in db.session.scalars(select(model).order_by(order))]


def filter_choices(name: str) -> list[FilterChoice]:
    """The drop-downs each list offers, with the options there are today."""
    if name == "lines":
        return [
            FilterChoice("carrier", "Carrier", _rows(Carrier, Carrier.name, lambda c: c.name, "All carriers")),
            FilterChoice("status", "Status", _enum_options(LineStatus, "Any status")),
            FilterChoice(
                "department", "Department", _rows(Department, Department.name, lambda d: d.name, "All departments")
            ),
            FilterChoice("cost_center", "Cost center", _rows(CostCenter, CostCenter.code, str, "All cost centers")),
        ]
    if name == "devices":
        return [
            FilterChoice("status", "Status", _enum_options(DeviceStatus, "Any status")),
            FilterChoice("model", "Model", _rows(DeviceModel, DeviceModel.maker, str, "All models")),
        ]
    if name == "sims":
        return [
            FilterChoice(
                "kind",
                "Kind",
                [("", "Physical and eSIM")] + [(k.value, "eSIM" if k is SimKind.ESIM else "Physical") for k in SimKind],
            ),
            FilterChoice(
                "state", "State", [("", "Active and inactive"), ("active", "Active"), ("inactive", "Inactive")]
            ),
        ]
    if name == "stipends":
        return [
            FilterChoice("tier", "Tier", _rows(StipendTier, StipendTier.monthly_cents, str, "All tiers")),
            FilterChoice("status", "Status", _enum_options(StipendStatus, "Any status")),
        ]
    return [
        FilterChoice(
            "department", "Department", _rows(Department, Department.name, lambda d: d.name, "All departments")
        ),
        FilterChoice("cost_center", "Cost center", _rows(CostCenter, CostCenter.code, str, "All cost centers")),
    ]


def _list_page(name: str) -> Response:
    spec = search.LISTS[name]
    filters = spec.read(request.args)
    query, counted = spec.page_queries(db.session, filters)
    page = list_page(query, PAGE_SIZE, counted)
    spec.with_rows(db.session, page.items)
    context: dict[str, Any] = {
        "page": page,
        "filters": filters,
        "list_name": name,
        "choices": lambda: filter_choices(name),
    }  # only the whole page draws the form
    if name == "devices":
        context["lines_by_device"] = search.live_lines_by_device(db.session, (d.id for d in page.items))
    if name == "employees":
        context["line_counts"] = search.live_line_counts(db.session, (u.id for u in page.items))
    response = make_response(page_or_block(f"inventory/{name}.html", "rows", "results", **context))
    if htmx and htmx.target == "results":  # the address bar gets a clean, shareable URL (no empty filters)
        response.headers["HX-Push-Url"] = url_for(
            f"inventory.{name}", **filters.args(cursor=request.args.get("cursor"))
        )
    return response


@bp.route("/lines")
@require("inventory")
def lines():
    """Every line: search as you type, filter, sort, page."""
    return _list_page("lines")


@bp.route("/devices")
@require("inventory")
def devices():
    """Every device."""
    return _list_page("devices")


@bp.route("/sims")
@require("inventory")
def sims():
    """Every SIM."""
    return _list_page("sims")


@bp.route("/stipends")
@require("inventory")
def stipends():
    """Every stipend enrolment."""
    return _list_page("stipends")


@bp.route("/employees")
@require("inventory")
def employees():
    """Every employee, with how many lines they have."""
    return _list_page("employees")


@bp.route("/<any(lines, devices, sims, stipends, employees):name>.csv")
@require("inventory")
def export(name: str) -> Response:
    """The list as it is filtered, searched and sorted now, as CSV (every row, not only one page)."""
    spec = search.LISTS[name]
    query = spec.export_query(db.session, spec.read(request.args))
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy

    def body() -> Iterator[str]:
        # Streamed after the request has ended, in an app context (and database session) of its own.
        with app.app_context():
            yield from exports.write_csv(db.session, name, db.session.scalars(query))

    filename = f"{name}-{clock.today().isoformat()}.csv"
    return Response(body(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})
