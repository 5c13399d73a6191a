"""Devices owed back: the team's list of devices that orders replaced and that have not come back, with a return
or a loss (and its charge) recorded from each row."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app import clock, formatting
from app.extensions import db
from app.inventory import returns
from app.models import Device, DeviceStatus
from app.web.access import require
from app.web.fulfilment import bp
from app.web.fulfilment.forms import LostForm, ReturnedForm
from app.web.paging import list_page

PAGE_SIZE = 50


def _page(status: int = 200, *, failed: int | None = None, returned: ReturnedForm | None = None, lost=None):
    page = list_page(returns.owed_query(), PAGE_SIZE)
    return render_template(
        "fulfilment/returns.html",
        page=page,
        today=clock.today(),
        failed=failed,
        returned_form=returned or ReturnedForm(formdata=None),
        lost_form=lost or LostForm(formdata=None),
    ), status


@bp.route("/returns")
@require("fulfillment")
def owed_back():
    """Devices still owed back, the longest overdue first."""
    return _page()


def _owed_device(device_id: int) -> Device:
    device = db.session.get(Device, device_id)
    if device is None:
        abort(404)
    return device


@bp.route("/returns/<int:device_id>/returned", methods=["POST"])
@require("fulfillment")
def record_return(device_id: int):
    device = _owed_device(device_id)
    form = ReturnedForm()
    if not form.validate():
        return _page(422, failed=device.id, returned=form)
    try:
        returns.record_return(db.session, device, current_user, to=DeviceStatus(form.to.data))
    except returns.ReturnError as refused:
        flash(str(refused), "error")
        return redirect(url_for("fulfilment.owed_back"))
    db.session.commit()
    flash(f"Recorded: {returns.described(device)} came back.", "success")
    return redirect(url_for("fulfilment.owed_back"))


@bp.route("/returns/<int:device_id>/lost", methods=["POST"])
@require("fulfillment")
def record_lost(device_id: int):
    device = _owed_device(device_id)
    form = LostForm()
    charge = None
    if form.validate():
        try:
            charge = formatting.parse_money(form.charge.data)
        except ValueError:
            form.charge.errors = ["Enter the charge in dollars, e.g. 450.00 (no negative amounts)."]
    if charge is None:
        return _page(422, failed=device.id, lost=form)
    try:
        returns.record_lost(db.session, device, current_user, charge_cents=charge)
    except returns.ReturnError as refused:
        form.charge.errors = [str(refused)]
        return _page(422, failed=device.id, lost=form)
    db.session.commit()
    flash(f"Recorded: {returns.described(device)} was lost; the charge is {formatting.money(charge)}.", "success")
    return redirect(url_for("fulfilment.owed_back"))
