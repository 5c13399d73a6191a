"""Admin › Sites: the company's locations, added and edited by admins (the address checked, a contact named)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.inventory import wireline
from app.models import Site
from app.web.access import require
from app.web.admin import bp
from app.web.inventory.wireline_forms import SiteForm, save_form
from app.web.paging import list_page

PAGE_SIZE = 50


@bp.route("/sites")
@require("admin")
def sites():
    """Every site, with a way to add one and to edit each."""
    query = select(Site).options(joinedload(Site.contact)).order_by(Site.name, Site.id)
    page = list_page(query, PAGE_SIZE)
    return render_template("admin/sites.html", page=page)


@bp.route("/sites/new", methods=["GET", "POST"])
@require("admin")
def site_new():
    """Add a site."""
    return _site_form(Site())


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
@require("admin")
def site_edit(site_id: int):
    """Edit a site's name, address, contact and hours."""
    found = db.session.get(Site, site_id)
    if found is None:
        abort(404)
    return _site_form(found)


def _site_form(site: Site):
    new = site.id is None
    if request.method == "GET":
        form = SiteForm(data=SiteForm.initial(site) if not new else {})
        return render_template("admin/site_form.html", form=form, site=site)
    form = SiteForm()
    actor = current_user._get_current_object()
    outcome = save_form(
        form,
        lambda values, version: wireline.save_site(db.session, site, values, actor=actor, expected_version=version),
        lambda: db.session.get_one(Site, site.id).version,
    )
    if outcome.saved:
        flash(f"{site.name} {'added' if new else 'saved'}.", "success")
        return redirect(url_for("inventory.site", site_id=site.id))
    if not new:
        site = db.session.get_one(Site, site.id)
    page = render_template(
        "admin/site_form.html", form=form, site=site, problems=outcome.problems, conflict=outcome.conflict
    )
    return page, 409 if outcome.conflict else 422
