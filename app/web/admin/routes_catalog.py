"""Catalog views, written once for every kind in catalog_kinds.KINDS: list and search, add, edit in place,
retire and restore; plus the carrier webhook secret, which is shown once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from app import params
from app.admin.audit import changes, record_audit, snapshot
from app.catalog.carriers import rotate_webhook_secret
from app.catalog.eligibility import audience_of, audiences_for, set_audience
from app.extensions import db, htmx
from app.fulfilment import outbound
from app.models import Carrier, FulfilmentMode
from app.web.access import require
from app.web.admin import bp
from app.web.admin.catalog_kinds import KINDS, CatalogKind
from app.web.admin.forms import CatalogForm

LIST = "admin/catalog/list.html"
PAGE_SIZE = 50
STATUSES = {"all": "All", "active": "Active only", "retired": "Retired only"}
RACE = "Someone else saved a conflicting change at the same moment. Check the list and try again."


@dataclass(frozen=True)
class ListState:
    """What the list shows (search text, status, page): kept in every link and form of the page."""

    q: str = ""
    status: str = "all"
    page: int = 1

    @classmethod
    def from_request(cls) -> ListState:
        status = request.args.get("status", "all")
        return cls(
            q=request.args.get("q", "").strip()[:100],
            status=status if status in STATUSES else "all",
            page=params.page(request.args),
        )

    def params(self, page: bool = True) -> dict[str, Any]:
        values: dict[str, Any] = {"q": self.q or None, "status": None if self.status == "all" else self.status}
        if page and self.page > 1:
            values["page"] = self.page
        return {k: v for k, v in values.items() if v is not None}


def _kind(slug: str) -> CatalogKind:
    kind = KINDS.get(slug)
    if kind is None:
        abort(404)
    return kind


def _item(kind: CatalogKind, item_id: int) -> Any:
    item = db.session.get(kind.model, item_id, options=kind.options)
    if item is None:
        abort(404)
    return item


def _fragment() -> bool:
    """An HTMX request for part of a page (a history restore wants the whole page)."""
    return bool(htmx) and not htmx.history_restore_request


def _inline_ids(form: CatalogForm, kind: CatalogKind, item: Any) -> CatalogForm:
    """Several rows can be open for editing at once: give each row's fields ids of their own."""
    for field in form:
        field.id = f"{kind.slug}-{item.id}-{field.name}"
    return form


def _list_page(
    kind: CatalogKind, state: ListState, edit_item: Any = None, form: CatalogForm | None = None, status: int = 200
):
    model = kind.model
    query = select(model).options(*kind.options).order_by(model.active.desc(), *kind.order_by)
    if state.q:
        query = query.where(kind.search(state.q))
    if state.status != "all":
        query = query.where(model.active.is_(state.status == "active"))
    page = db.paginate(query, page=state.page, per_page=PAGE_SIZE, error_out=False)
    items = list(page.items)
    if edit_item is not None and edit_item not in items:
        items.insert(0, edit_item)  # the row being edited stays on screen whatever the search
    context = dict(
        kind=kind,
        state=state,
        page=page,
        items=items,
        edit_item=edit_item,
        form=form,
        audiences=audiences_for(db.session, items) if kind.has_audience else {},
        statuses=STATUSES,
    )
    if _fragment():
        return render_block(LIST, "results", **context), status
    return render_template(LIST, **context), status


def _row(kind: CatalogKind, item: Any, state: ListState, form: CatalogForm | None = None, status: int = 200):
    """One row of the list, as shown or as being edited: what HTMX swaps in place."""
    audiences = audiences_for(db.session, [item]) if kind.has_audience else {}
    return render_block(
        LIST, "row", kind=kind, item=item, state=state, edit_item=item if form else None, form=form, audiences=audiences
    ), status


@bp.route("/catalog/<kind>")
@require("admin")
def catalog_list(kind: str):
    """A catalog list with search; `?edit=<id>` opens that row for editing (in place, JavaScript or not)."""
    spec, state = _kind(kind), ListState.from_request()
    edit_id = params.arg_int(request.args, "edit", minimum=1)
    if edit_id is None:
        return _list_page(spec, state)
    item = _item(spec, edit_id)
    form = _inline_ids(spec.form(item=item, formdata=None), spec, item)
    form.fill(item)
    if _fragment():
        return _row(spec, item, state, form)
    return _list_page(spec, state, edit_item=item, form=form)


@bp.route("/catalog/<kind>/new", methods=["GET", "POST"])
@require("admin")
def catalog_new(kind: str):
    """Add an item (a device model can be added in several storage and colour variants at once)."""
    spec = _kind(kind)
    form = spec.form()
    if form.validate_on_submit():
        items = form.build()
        db.session.add_all(items)
        form.save_files(db.session, items, current_user._get_current_object())
        db.session.flush()
        secret = rotate_webhook_secret(items[0]) if spec.issues_secret else None
        for item in items:
            record_audit(
                db.session, current_user, f"{spec.action}.create", spec.label(item), **snapshot(item, _links(item))
            )
            if spec.has_audience:
                _save_audience(spec, item, form)
        if _commit(form):
            names = ", ".join(spec.label(i) for i in items)
            if secret:
                return _secret_page(items[0], secret, created=True)
            flash(
                f"Added {spec.noun} {names}."
                if len(items) == 1
                else f"Added {len(items)} {spec.plural.lower()}: {names}.",
                "success",
            )
            return redirect(url_for("admin.catalog_list", kind=spec.slug))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/catalog/new.html", kind=spec, form=form), status


@bp.route("/catalog/<kind>/<int:item_id>", methods=["GET", "POST"])
@require("admin")
def catalog_item(kind: str, item_id: int):
    """GET: the row as shown (HTMX's Cancel). POST: save the row's form; errors come back beside the fields."""
    spec, state = _kind(kind), ListState.from_request()
    item = _item(spec, item_id)
    if request.method == "GET":
        if _fragment():
            return _row(spec, item, state)
        return redirect(url_for("admin.catalog_list", kind=spec.slug, edit=item.id, **state.params()))
    form = _inline_ids(spec.form(item=item), spec, item)
    if form.validate():
        before = snapshot(item, _links(item))
        form.apply(item)
        form.save_files(db.session, [item], current_user._get_current_object())
        db.session.flush()
        diff = changes(before, snapshot(item, _links(item)))
        if diff:
            record_audit(db.session, current_user, f"{spec.action}.update", spec.label(item), changes=diff)
        if spec.has_audience:
            _save_audience(spec, item, form)
        if _commit(form):
            flash(f"Saved {spec.noun} {spec.label(item)}.", "success")
            if _fragment():
                return _row(spec, item, state)
            return redirect(url_for("admin.catalog_list", kind=spec.slug, **state.params()))
    if _fragment():
        return _row(spec, item, state, form, status=422)
    return _list_page(spec, state, edit_item=item, form=form, status=422)


@bp.route("/catalog/<kind>/<int:item_id>/retire", methods=["POST"])
@require("admin")
def catalog_retire(kind: str, item_id: int):
    """Retire an item: no longer offered, kept on the lines and orders that have it."""
    return _set_active(kind, item_id, active=False)


@bp.route("/catalog/<kind>/<int:item_id>/restore", methods=["POST"])
@require("admin")
def catalog_restore(kind: str, item_id: int):
    """Offer a retired item again."""
    return _set_active(kind, item_id, active=True)


def _set_active(kind: str, item_id: int, active: bool):
    spec, state = _kind(kind), ListState.from_request()
    item = _item(spec, item_id)
    if item.active != active:
        item.active = active
        record_audit(db.session, current_user, f"{spec.action}.{'restore' if active else 'retire'}", spec.label(item))
        db.session.commit()
    flash(f"{'Restored' if active else 'Retired'} {spec.noun} {spec.label(item)}.", "success")
    if _fragment():
        return _row(spec, item, state)
    return redirect(url_for("admin.catalog_list", kind=spec.slug, **state.params()))


@bp.route("/catalog/carriers/<int:item_id>/webhook-secret", methods=["GET", "POST"])
@require("admin")
def carrier_webhook_secret(item_id: int):
    """GET: what rotating the secret does, and the button. POST: a new secret, shown this once."""
    carrier = _item(KINDS["carriers"], item_id)
    if request.method == "GET":
        return render_template("admin/catalog/rotate_secret.html", carrier=carrier, form=CatalogForm())
    form = CatalogForm()
    if not form.validate():  # only the CSRF token to check
        abort(400)
    secret = rotate_webhook_secret(carrier)
    record_audit(db.session, current_user, "carrier.rotate_secret", carrier.name)
    db.session.commit()
    return _secret_page(carrier, secret, created=False)


@bp.route("/catalog/carriers/<int:item_id>/test-order", methods=["POST"])
@require("admin")
def carrier_test_order(item_id: int):
    """Send the carrier's API a test order and show what it answered (API mode only)."""
    carrier = _item(KINDS["carriers"], item_id)
    if not CatalogForm().validate():  # only the CSRF token to check
        abort(400)
    if carrier.fulfilment_mode is not FulfilmentMode.API:
        abort(404)
    answer = outbound.send_test_order(carrier)
    record_audit(db.session, current_user, "carrier.test_order", carrier.name, answer=answer.message[:200])
    db.session.commit()
    return render_template("admin/catalog/test_order.html", carrier=carrier, answer=answer)


def _secret_page(carrier: Carrier, secret: str, created: bool):
    """The only time a webhook secret is shown; never cached, never flashed (flashes live in the cookie)."""
    response = make_response(
        render_template("admin/catalog/secret.html", carrier=carrier, secret=secret, created=created)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _links(item: Any) -> dict[str, list[str]]:
    """Many-to-many links (a model's carriers, an accessory's models) by name, for the audit log."""
    return {
        rel.key: sorted(str(other) for other in getattr(item, rel.key))
        for rel in inspect(item).mapper.relationships
        if rel.secondary is not None
    }


def _save_audience(spec: CatalogKind, item: Any, form: Any) -> None:
    before = audience_of(db.session, item).short()
    if set_audience(db.session, item, **form.audience()):
        record_audit(
            db.session,
            current_user,
            "eligibility.update",
            f"{spec.noun.capitalize()} {spec.label(item)}",
            who_may_order=[before, audience_of(db.session, item).short()],
        )


def _commit(form: CatalogForm) -> bool:
    """Commit, or (when a unique rule was broken by someone saving at the same moment) say so on the form."""
    try:
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        form.form_errors.append(RACE)
        return False
