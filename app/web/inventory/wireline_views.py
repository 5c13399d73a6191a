"""Inventory › Sites and Wireline: the lists (search by circuit ID, number, site or address), a site with its
services, a service with its history, and the helpdesk's service form."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db, htmx
from app.inventory import wireline, wireline_search
from app.inventory.history import history_of
from app.inventory.search import ListSpec
from app.models import Carrier, ServiceKind, ServiceStatus, Site, WirelineService
from app.web.access import require
from app.web.inventory import bp
from app.web.inventory.list_views import PAGE_SIZE, FilterChoice, _enum_options, _rows
from app.web.inventory.rendering import page_or_block
from app.web.inventory.wireline_forms import ServiceForm, save_form
from app.web.paging import list_page


def _list(spec: ListSpec, endpoint: str, template: str, **extra: Any):
    filters = spec.read(request.args)
    query, counted = spec.page_queries(db.session, filters)
    page = list_page(query, PAGE_SIZE, counted)
    spec.with_rows(db.session, page.items)
    response = make_response(
        page_or_block(template, "rows", "results", page=page, filters=filters, list_name=spec.name, **extra)
    )
    if htmx and htmx.target == "results":  # the address bar gets a clean, shareable URL
        response.headers["HX-Push-Url"] = url_for(endpoint, **filters.args(cursor=request.args.get("cursor")))
    return response


@bp.route("/sites")
@require("inventory")
def sites():
    """The company's sites: search by name or address, with how many services each has and what they cost."""
    counts = lambda items: wireline_search.service_counts(db.session, [s.id for s in items])  # noqa: E731
    return _list(wireline_search.SITES, "inventory.sites", "inventory/sites.html", choices=list, counts=counts)


def _service_choices() -> list[FilterChoice]:
    return [
        FilterChoice("kind", "Service", _enum_options(ServiceKind, "Every service")),
        FilterChoice("status", "Status", _enum_options(ServiceStatus, "Any status")),
        FilterChoice("carrier", "Carrier", _rows(Carrier, Carrier.name, lambda c: c.name, "All carriers")),
        FilterChoice("site", "Site", _rows(Site, Site.name, lambda s: s.name, "All sites")),
    ]


@bp.route("/wireline")
@require("inventory")
def services():
    """Every wireline service: find one by its circuit ID, a number, its site or address; filter and sort."""
    return _list(wireline_search.SERVICES, "inventory.services", "inventory/services.html", choices=_service_choices)


@bp.route("/sites/<int:site_id>")
@require("inventory")
def site(site_id: int):
    """A site: its address, contact and installers' hours, its services, and its history."""
    found = db.session.scalar(select(Site).where(Site.id == site_id).options(joinedload(Site.contact)))
    if found is None:
        abort(404)
    services = db.session.scalars(
        select(WirelineService)
        .where(WirelineService.site_id == found.id)
        .options(joinedload(WirelineService.carrier), selectinload(WirelineService.numbers))
        .order_by(WirelineService.status, WirelineService.kind, WirelineService.id)
    ).all()
    return render_template(
        "inventory/site.html", site=found, services=services, history=history_of(db.session, found, limit=50)
    )


@bp.route("/wireline/<int:service_id>")
@require("inventory")
def service(service_id: int):
    """A wireline service: what it is, its numbers, cost and contract, and every change to it."""
    found = db.session.scalar(
        select(WirelineService)
        .where(WirelineService.id == service_id)
        .options(
            joinedload(WirelineService.site),
            joinedload(WirelineService.carrier),
            selectinload(WirelineService.numbers),
        )
    )
    if found is None:
        abort(404)
    return render_template("inventory/service.html", service=found, history=history_of(db.session, found))


@bp.route("/wireline/new", methods=["GET", "POST"])
@require("inventory")
def service_new():
    """Record a service the company has at a site."""
    return _service_form(WirelineService())


@bp.route("/wireline/<int:service_id>/edit", methods=["GET", "POST"])
@require("inventory")
def service_edit(service_id: int):
    """Change a service: every changed field goes into its history."""
    found = db.session.get(WirelineService, service_id)
    if found is None:
        abort(404)
    return _service_form(found)


def _service_form(service: WirelineService):
    new = service.id is None
    if request.method == "GET":
        data = ServiceForm.initial(service) if not new else {"site_id": request.args.get("site_id", "")}
        return render_template("inventory/service_form.html", form=ServiceForm(data=data), service=service)
    form = ServiceForm()
    actor = current_user._get_current_object()
    outcome = save_form(
        form,
        lambda values, version: wireline.save_service(
            db.session, service, values, actor=actor, expected_version=version
        ),
        lambda: db.session.get_one(WirelineService, service.id).version,
    )
    if outcome.saved:
        flash("Service added." if new else "Service saved.", "success")
        return redirect(url_for("inventory.service", service_id=service.id))
    if not new:
        service = db.session.get_one(WirelineService, service.id)
    page = render_template(
        "inventory/service_form.html", form=form, service=service, problems=outcome.problems, conflict=outcome.conflict
    )
    return page, 409 if outcome.conflict else 422
