"""The inventory record pages (line, device, SIM, stipend, employee), their edit forms, editing in place, and
an employee's own lines and devices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import clock, params
from app.extensions import db, htmx
from app.inventory import editing, returns
from app.inventory.history import history_of, readable
from app.models import (
    Device,
    DeviceAccessory,
    DeviceStatus,
    InventoryChange,
    Line,
    LineFeature,
    Order,
    OrderStatus,
    Sim,
    Stipend,
    User,
)
from app.orders import lifecycle
from app.web.access import require, viewable_or_404
from app.web.inventory import bp
from app.web.inventory.forms import DeviceForm, LineForm, RecordForm, SimForm, StipendForm
from app.web.inventory.rendering import page_or_block


@dataclass(frozen=True)
class RecordKind:
    """An editable kind of record: where it lives, its form, and the fields that can be edited in place."""

    plural: str  # in URLs: /inventory/lines/…
    noun: str
    model: type
    form: type[RecordForm]
    inline: tuple[str, ...]

    def url(self, record: Any) -> str:
        return url_for(f"inventory.{self.noun.lower()}", **{f"{self.noun.lower()}_id": record.id})


KINDS = {
    "lines": RecordKind("lines", "line", Line, LineForm, ("account_number", "plan", "cost_center", "activated_on")),
    "devices": RecordKind("devices", "device", Device, DeviceForm, ("serial", "imei", "status", "warranty_ends_on")),
    "sims": RecordKind("sims", "SIM", Sim, SimForm, ("kind", "active", "activated_on")),
    "stipends": RecordKind("stipends", "stipend", Stipend, StipendForm, ("tier", "monthly", "ends_on")),
}


def title_of(record: Any) -> str:
    """How a page names a record: '(212) 555-0100', 'Apple iPhone 16 128 GB Black', 'Erin Park's stipend'."""
    return {
        Line: lambda r: readable("number", r.number) or "",
        Device: lambda r: str(r.model),
        Sim: lambda r: f"SIM {r.iccid}",
        Stipend: lambda r: f"{r.employee.name}'s stipend",
    }[type(record)](record)


PAST_ORDERS = 20  # finished orders a record page lists, newest first (a line can gather hundreds over the years)


def _orders(*conditions: Any) -> tuple[list[Order], list[Order]]:
    """Orders matching the conditions (drafts left out): every open one, and the latest finished ones."""

    def found(*narrowing: Any, limit: int | None = None) -> list[Order]:
        return list(
            db.session.scalars(
                select(Order)
                .where(*conditions, *narrowing)
                .options(joinedload(Order.requester), joinedload(Order.employee), joinedload(Order.line))
                .order_by(Order.created_at.desc(), Order.id.desc())
                .limit(limit)
            )
        )

    return (
        found(Order.status.in_(lifecycle.OPEN)),
        found(Order.status.not_in([*lifecycle.OPEN, OrderStatus.DRAFT]), limit=PAST_ORDERS),
    )


# ------------------------------------------------------------------ pages
@bp.route("/lines/<int:line_id>")
@require("order")
def line(line_id: int):
    """A line: service, plan and features, device and SIM, employee, orders and change history."""
    found = viewable_or_404(
        db.session.scalar(
            select(Line)
            .where(Line.id == line_id)
            .options(
                joinedload(Line.carrier),
                joinedload(Line.plan),
                joinedload(Line.cost_center),
                joinedload(Line.employee).joinedload(User.department),
                joinedload(Line.device).joinedload(Device.model),
                selectinload(Line.features).joinedload(LineFeature.feature),
                selectinload(Line.sims),
            )
        )
    )
    open_orders, past_orders = _orders(Order.line_id == found.id)
    return page_or_block(
        "inventory/line.html",
        "history",
        "history",
        line=found,
        kinds=KINDS,
        open_orders=open_orders,
        past_orders=past_orders,
        history=history_of(db.session, found, found.device, *found.sims),
    )


@bp.route("/devices/<int:device_id>")
@require("order")
def device(device_id: int):
    """A device: identity, status, warranty, the lines it has been on, accessories, orders, history."""
    found = viewable_or_404(
        db.session.scalar(
            select(Device)
            .where(Device.id == device_id)
            .options(
                joinedload(Device.model),
                joinedload(Device.employee),
                selectinload(Device.accessories).joinedload(DeviceAccessory.accessory),
            )
        )
    )
    # The orders that concern the device: those made for it, and those whose completion changed it (its history
    # says which); the lines it has been on come from the same orders, and the line it is on now.
    moved_by = select(InventoryChange.order_id).where(
        InventoryChange.record_type == "device",
        InventoryChange.record_id == found.id,
        InventoryChange.order_id.is_not(None),
    )
    concerning = (Order.device_id == found.id) | Order.id.in_(moved_by)
    on_lines = db.session.scalars(
        select(Line)
        .where((Line.device_id == found.id) | Line.id.in_(select(Order.line_id).where(concerning)))
        .options(joinedload(Line.carrier), joinedload(Line.employee))
        .order_by(Line.id.desc())
    ).all()
    open_orders, past_orders = _orders(concerning)
    return page_or_block(
        "inventory/device.html",
        "history",
        "history",
        device=found,
        kinds=KINDS,
        on_lines=on_lines,
        open_orders=open_orders,
        past_orders=past_orders,
        history=history_of(db.session, found),
    )


@bp.route("/sims/<int:sim_id>")
@require("order")
def sim(sim_id: int):
    """A SIM: ICCID, kind, its line, history."""
    found = viewable_or_404(
        db.session.scalar(select(Sim).where(Sim.id == sim_id).options(joinedload(Sim.line).joinedload(Line.employee)))
    )
    return page_or_block(
        "inventory/sim.html", "history", "history", sim=found, kinds=KINDS, history=history_of(db.session, found)
    )


@bp.route("/stipends/<int:stipend_id>")
@require("order")
def stipend(stipend_id: int):
    """A stipend enrolment: tier, amount, dates, history."""
    found = viewable_or_404(
        db.session.scalar(
            select(Stipend)
            .where(Stipend.id == stipend_id)
            .options(joinedload(Stipend.employee), joinedload(Stipend.tier))
        )
    )
    return page_or_block(
        "inventory/stipend.html",
        "history",
        "history",
        stipend=found,
        kinds=KINDS,
        history=history_of(db.session, found),
    )


@bp.route("/employees/<int:employee_id>")
@require("order")
def employee(employee_id: int):
    """An employee: their lines, devices, stipend and orders."""
    person = viewable_or_404(
        db.session.scalar(
            select(User)
            .where(User.id == employee_id)
            .options(joinedload(User.department), joinedload(User.cost_center), joinedload(User.manager))
        )
    )
    return render_template(
        "inventory/employee.html",
        person=person,
        **_holdings(person),
        orders=sum(_orders(Order.employee_id == person.id), []),
        history=history_of(db.session, person),
    )


def _holdings(person: User) -> dict[str, Any]:
    """A person's lines (with plan, features, device and SIMs), devices and stipends, in four queries."""
    lines = db.session.scalars(
        select(Line)
        .where(Line.employee_id == person.id)
        .options(
            joinedload(Line.carrier),
            joinedload(Line.plan),
            joinedload(Line.device).joinedload(Device.model),
            selectinload(Line.features).joinedload(LineFeature.feature),
            selectinload(Line.sims),
        )
        .order_by(Line.status, Line.number)
    ).all()
    devices = db.session.scalars(
        select(Device).where(Device.employee_id == person.id).options(joinedload(Device.model)).order_by(Device.id)
    ).all()
    stipends = db.session.scalars(
        select(Stipend)
        .where(Stipend.employee_id == person.id)
        .options(joinedload(Stipend.tier))
        .order_by(Stipend.starts_on.desc())
    ).all()
    on_lines = {ln.device_id for ln in lines if ln.device_id}
    return {
        "owed": [d for d in devices if d.status is DeviceStatus.PENDING_RETURN],
        "return_instructions": returns.instructions(),
        "today": clock.today(),
        "lines": lines,
        "devices": devices,
        "stipends": stipends,
        "loose_devices": [d for d in devices if d.id not in on_lines],
    }


@bp.route("/mine")
@require("order")
def mine():
    """My lines and devices: what I have, what it costs, and a way to order a change."""
    return render_template("inventory/mine.html", **_holdings(current_user))


# ------------------------------------------------------------------ editing
def _kind_and_record(plural: str, record_id: int) -> tuple[RecordKind, Any]:
    kind = KINDS[plural]
    record = db.session.get(kind.model, record_id)
    if record is None:
        abort(404)
    return kind, record


def _attach(form: RecordForm, errors: dict[str, str]) -> list[str]:
    """Put each error next to its field; what has no field on this form is returned for the top of the form."""
    elsewhere: list[str] = []
    for attribute, message in errors.items():
        name = next((f.short_name for f in form.editable() if form.attribute(f.short_name) == attribute), None)
        if name is None:
            elsewhere.append(message)
        else:
            form[name].errors = [*form[name].errors, message]
    return elsewhere


def _save(kind: RecordKind, record: Any, form: RecordForm, names: list[str] | None) -> dict[str, Any]:
    """Validate and save; what went wrong, if anything: {'refused': [...]} or {'conflict': StaleEdit}."""
    try:
        changes = editing.edit(
            db.session,
            record,
            form.values(names),
            actor=current_user._get_current_object(),
            expected_version=form.expected_version(),
        )
    except editing.EditRefused as refused:
        db.session.rollback()
        return {"refused": _attach(form, refused.errors)}
    except editing.StaleEdit as stale:
        db.session.rollback()
        fresh = db.session.get(kind.model, record.id)
        form.version.data = fresh.version if fresh is not None else None  # a second save replaces theirs
        return {"conflict": stale}
    db.session.commit()
    return {"changes": changes}


@bp.route("/<any(lines, devices, sims, stipends):plural>/<int:record_id>/edit", methods=["GET", "POST"])
@require("inventory")
def edit(plural: str, record_id: int):
    """The full edit form of a line, device, SIM or stipend."""
    kind, record = _kind_and_record(plural, record_id)
    back = _back(kind, record)
    if request.method == "GET":
        form = kind.form(data=kind.form.initial(record))
        return render_template(
            "inventory/edit.html", form=form, kind=kind, record=record, title=title_of(record), back=back
        )
    form = kind.form()
    outcome: dict[str, Any] = {"refused": []}
    if form.validate():
        outcome = _save(kind, record, form, None)
        if "changes" in outcome:
            flash(
                f"{kind.noun.capitalize()} saved."
                if outcome["changes"]
                else "Nothing changed: there was nothing new to save.",
                "success",
            )
            return redirect(back)
    record = db.session.get(kind.model, record_id)
    conflict = outcome.get("conflict")
    now = _current_values(kind, record, form) if conflict else {}
    return render_template(
        "inventory/edit.html",
        form=form,
        kind=kind,
        record=record,
        title=title_of(record),
        back=back,
        problems=outcome.get("refused", []),
        conflict=conflict,
        now=now,
    ), 409 if conflict else 422


def _back(kind: RecordKind, record: Any) -> str:
    """Where the form returns to: the page it was opened from (a line page for its device), else the record's."""
    target = request.values.get("next", "")
    if target.startswith("/inventory/") and not target.startswith("//") and "\\" not in target:
        return target
    return kind.url(record)


def _current_values(kind: RecordKind, record: Any, form: RecordForm) -> dict[str, str]:
    """The saved value of each field that differs from what was typed (shown beside it after a conflict)."""
    current = kind.form(formdata=None, data=kind.form.initial(record))
    differ = {}
    for f in form.editable():
        saved = current[f.short_name]
        if str(saved._value() if hasattr(saved, "_value") else saved.data) != str(
            f._value() if hasattr(f, "_value") else f.data
        ):
            attribute = form.attribute(f.short_name)
            differ[f.short_name] = readable(attribute, getattr(record, attribute)) or "blank"
    return differ


@bp.route("/<any(lines, devices, sims, stipends):plural>/<int:record_id>/fields/<name>", methods=["GET", "POST"])
@require("inventory")
def inline_field(plural: str, record_id: int, name: str):
    """One field of a record, shown, or edited in place (HTMX); without JavaScript the Edit link is the form."""
    kind, record = _kind_and_record(plural, record_id)
    if name not in kind.inline:
        abort(404)
    prefix = f"{plural}{record_id}"
    if request.method == "GET":
        if "edit" not in request.args:
            return _field(kind, record, name)
        seen = params.arg_int(request.args, "version", minimum=1) or record.version
        return _field(kind, record, name, kind.form(prefix=prefix, data={**kind.form.initial(record), "version": seen}))
    form = kind.form(prefix=prefix)
    outcome: dict[str, Any] = {"refused": []}
    if form.validate_fields([name]):
        outcome = _save(kind, record, form, [name])
    if "changes" not in outcome:
        record = db.session.get(kind.model, record_id)
        status = 409 if "conflict" in outcome else 422
        return _field(
            kind, record, name, form, problems=outcome.get("refused", []), conflict=outcome.get("conflict")
        ), status
    label = form[name].label.text
    flash(f"{label} saved." if outcome["changes"] else f"{label} is unchanged.", "success")
    if not htmx:
        return redirect(kind.url(record))
    response = make_response(_field(kind, record, name))
    response.headers["HX-Trigger"] = "inventory-changed"  # the page's history reloads itself
    return response


def _field(kind: RecordKind, record: Any, name: str, form: RecordForm | None = None, **context: Any) -> str:
    return render_template("inventory/_field.html", kind=kind, record=record, name=name, form=form, **context)
