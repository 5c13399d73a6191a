"""The fulfilment console: queues of orders, and on an order the actions that record what the carrier did."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app import commands
from app.extensions import db
from app.fulfilment import outbound, records, secrets, updates
from app.fulfilment.carriers import carrier_of
from app.inventory import returns
from app.models import CarrierRequest, CarrierUpdate, Order, OrderStatus
from app.orders import lifecycle, service, types
from app.orders.lifecycle import Party
from app.orders.presenting import progress_steps
from app.web.access import require
from app.web.fulfilment import bp
from app.web.fulfilment.forms import (
    CancellationAnswerForm,
    CancelWithCarrierForm,
    CompleteForm,
    DeviceForm,
    FocForm,
    InstalledForm,
    InstallForm,
    JeopardyForm,
    NumberForm,
    PlacedForm,
    ProblemForm,
    RetryUpdatesForm,
    RevealForm,
    SendAgainForm,
    SetAsideUpdatesForm,
    ShipmentForm,
    SurveyForm,
    TurnedUpForm,
)
from app.web.orders.conversation import conversation_context

QUEUES = {
    "To place with the carrier": (OrderStatus.APPROVED,),
    "With the carrier": (OrderStatus.WITH_CARRIER,),
    "Shipped, awaiting activation": (OrderStatus.SHIPPED,),
    "Needs attention": (OrderStatus.NEEDS_ATTENTION,),
    "Cancellation asked of the carrier": (OrderStatus.CANCELLATION_REQUESTED,),
}
ATTENTION = "Needs attention"


@bp.route("")
@require("fulfillment")
def console():
    """Orders to place, with the carrier, shipped, and needing attention (oldest first): held by a problem, or
    with a carrier update that could not be applied (whatever their status)."""
    failing = updates.orders_with_failed_updates()
    # Carrier orders on their way, and any order held for attention (an internal one too: someone must act).
    orders = db.session.scalars(
        select(Order)
        .where(
            (
                Order.status.in_([s for group in QUEUES.values() for s in group])
                & (Order.type.in_(types.carrier_types()) | (Order.status == OrderStatus.NEEDS_ATTENTION))
            )
            | Order.id.in_(failing)
        )
        .options(joinedload(Order.carrier), joinedload(Order.employee), joinedload(Order.line))
        .order_by(Order.approved_at, Order.id)
        .limit(500)
    ).all()
    failed = set(db.session.scalars(failing.where(CarrierUpdate.order_id.in_([o.id for o in orders]))))
    queues: dict[str, list[Order]] = {name: [] for name in QUEUES}
    for order in orders:
        name = ATTENTION if order.id in failed else next(n for n, s in QUEUES.items() if order.status in s)
        queues[name].append(order)
    return render_template(
        "fulfilment/console.html",
        queues=queues,
        failed=failed,
        owed_count=returns.owed_count(db.session),
        unsent=outbound.unsent(db.session),
        retry_delays=outbound.RETRY_DELAYS,
    )


@bp.route("/carrier-requests/<int:request_id>/send-again", methods=["POST"])
@require("fulfillment")
def send_again(request_id: int):
    """Send an order or a cancellation to the carrier's API now: one waiting for its next try, or one refused or
    given up on (its tries start afresh, with the same idempotency key)."""
    if not SendAgainForm().validate():  # only the CSRF token to check
        abort(400)
    carrier_request = db.session.get(CarrierRequest, request_id)
    if carrier_request is None:
        abort(404)
    number = carrier_request.order.number
    try:
        commands.send_again_now(db.session, carrier_request, current_user._get_current_object())
        db.session.commit()
    except (records.FulfilmentError, StaleDataError) as refused:
        db.session.rollback()
        flash(
            str(refused) if isinstance(refused, records.FulfilmentError) else f"{number} changed: try again.", "error"
        )
    else:
        flash(f"{number} is being sent to {carrier_of(carrier_request.order).name} now.", "success")
    return redirect(url_for("fulfilment.console", _anchor="sending"))


def _order_or_404(number: str) -> Order:
    order = db.session.scalar(select(Order).where(Order.number == number))
    if order is None or not (
        types.REGISTRY[order.type].carrier_fulfilled or order.status is OrderStatus.NEEDS_ATTENTION
    ):
        abort(404)
    return order


FORMS: dict[str, type[FlaskForm]] = {
    "placed": PlacedForm,
    "shipment": ShipmentForm,
    "device": DeviceForm,
    "number": NumberForm,
    "complete": CompleteForm,
    "problem": ProblemForm,
    "cancel": CancelWithCarrierForm,
    "cancelled": CancellationAnswerForm,
    "too_late": CancellationAnswerForm,
    "retry": RetryUpdatesForm,
    "set_aside": SetAsideUpdatesForm,
    # wireline milestones
    "foc": FocForm,
    "site_survey": SurveyForm,
    "install_scheduled": InstallForm,
    "installed": InstalledForm,
    "turned_up": TurnedUpForm,
    "jeopardy": JeopardyForm,
}
# Where a clash found when completing is shown: the field that recorded the fact, with what it recorded.
FACT_FIELDS = {"service_number": "number", "imei": "device", "iccid": "device"}


def _page(order: Order, status: int = 200, revealed: list[tuple[str, str]] | None = None, **bound):
    forms = {name: bound.get(name) or cls(formdata=None) for name, cls in FORMS.items()}
    carrier_requests = outbound.requests_of(db.session, order)
    return render_template(
        "fulfilment/order.html",
        **conversation_context(order, url_for("fulfilment.order", number=order.number)),
        order_type=types.get(order.type),
        steps=progress_steps(order),
        forms=forms,
        missing=types.get(order.type).missing_reports(order),
        open=order.status in lifecycle.IN_FULFILMENT,
        failed_updates=updates.failed_updates(db.session, order),
        carrier_requests=carrier_requests,
        sendable={r.id for r in carrier_requests if outbound.can_send_again(r)},
        has_secrets=order.status in lifecycle.IN_FULFILMENT and secrets.has_secrets(order),
        reveal_form=bound.get("reveal") or RevealForm(formdata=None),
        revealed=revealed,
        shown_seconds=secrets.SHOWN_SECONDS,
    ), status


@bp.route("/orders/<number>")
@require("fulfillment")
def order(number: str):
    """One order in fulfilment, with every action the team can take."""
    return _page(_order_or_404(number))


@bp.route(
    "/orders/<number>/<any("
    "placed, shipment, device, number, complete, problem, cancel, cancelled, too_late, retry, set_aside, "
    "foc, site_survey, install_scheduled, installed, turned_up, jeopardy"
    "):action>",
    methods=["POST"],
)
@require("fulfillment")
def act(number: str, action: str):
    """Record what the carrier did (each action validates its fields like the carrier API)."""
    order = _order_or_404(number)
    form = FORMS[action]()
    if not form.validate():
        return _page(order, 422, **{action: form})
    try:
        message = _perform(order, action, form)
        db.session.commit()
    except records.InvalidReport as invalid:
        db.session.rollback()
        return _page(_order_or_404(number), 422, **_with_errors(action, invalid.errors))
    except (records.FulfilmentError, lifecycle.TransitionError, service.OrderError) as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("fulfilment.order", number=number))
    except StaleDataError:  # someone else changed the order while this was being written
        db.session.rollback()
        flash(f"{number} was changed by someone else a moment ago: check it and try again.", "error")
        return redirect(url_for("fulfilment.order", number=number))
    flash(message, "success")
    return redirect(url_for("fulfilment.order", number=number))


@bp.route("/orders/<number>/reveal", methods=["POST"])
@require("fulfillment")
def reveal(number: str):
    """Show a port's account number and PIN once, for a minute, to someone who gives their password again."""
    order = _order_or_404(number)
    form = RevealForm()
    valid = form.validate()
    if valid and not current_user.check_password(form.password.data):
        form.password.errors = ["That is not your password: the account number and PIN stay hidden."]
        valid = False
    if not valid:
        return _page(order, 422, reveal=form)
    try:
        shown = secrets.reveal(db.session, order, current_user._get_current_object())
    except secrets.SecretsGone as gone:
        flash(str(gone), "error")
        return redirect(url_for("fulfilment.order", number=number))
    db.session.commit()
    response = make_response(_page(order, revealed=shown))
    response.headers["Cache-Control"] = "no-store"
    return response


def _with_errors(action: str, errors: dict[str, str]) -> dict:
    """The forms to show again, each error next to its field: on the action's own form (with what was typed),
    or, for a fact recorded earlier that completing found in use, on the form that records that fact."""
    forms = {action: FORMS[action]()}
    forms[action].validate()
    for name, text in errors.items():
        field_name = name.split(".")[-1]
        form = forms[action]
        if field_name not in form._fields and field_name in FACT_FIELDS:
            forms[action].form_errors.append(f"Not completed: {text} Record the right one, then complete.")
            form = forms.setdefault(FACT_FIELDS[field_name], FORMS[FACT_FIELDS[field_name]](formdata=None))
        if field_name in form._fields:
            form[field_name].errors = [*form[field_name].errors, text]
        else:
            form.form_errors.append(text)
    return forms


MILESTONE_WORDS = {
    "foc": "The FOC date",
    "site_survey": "The site survey",
    "install_scheduled": "The install date and window",
    "installed": "Installed",
    "turned_up": "Turned up",
    "jeopardy": "The jeopardy",
}


def _perform(order: Order, action: str, form) -> str:
    session, me = db.session, current_user._get_current_object()
    if action == "placed":
        commands.record_placed(session, order, me, form.carrier_reference.data)
        return f"{order.number} marked as placed with {carrier_of(order).name}."
    if action == "shipment":
        commands.record_shipment(session, order, me, form.shipping_carrier.data, form.tracking_number.data)
        return f"Shipment added to {order.number}."
    if action == "device":
        commands.record_device(
            session, order, me, imei=form.imei.data or "", serial=form.serial.data or "", iccid=form.iccid.data or ""
        )
        return f"Device recorded on {order.number}."
    if action == "number":
        commands.record_number(session, order, me, form.service_number.data)
        return f"Phone number recorded on {order.number}."
    if action in MILESTONE_WORDS:
        payload = {name: f.data for name, f in form._fields.items() if name != "csrf_token"}
        commands.record_wireline_milestone(session, order, me, action, payload)
        return f"{MILESTONE_WORDS[action]} recorded on {order.number}."
    if action == "complete":
        commands.complete(session, order, me)
        return f"{order.number} completed; the inventory is updated."
    if action == "problem":
        commands.flag_problem(
            session, order, me, form.message.data, question=form.question.data or "", refused=form.refused.data
        )
        return f"{order.number} flagged: it needs attention."
    if action == "retry":
        count = commands.retry_carrier_updates(session, order, me)
        return f"{count} carrier update{'s' if count != 1 else ''} of {order.number} will be applied again."
    if action == "set_aside":
        count = commands.set_aside_carrier_updates(session, order, me)
        return f"{count} carrier update{'s' if count != 1 else ''} of {order.number} set aside."
    if action in ("cancelled", "too_late"):
        commands.answer_cancellation(session, order, me, action == "cancelled", form.note.data or "")
        return (
            f"{order.number} cancelled by the carrier."
            if action == "cancelled"
            else f"{order.number} goes on: too late to cancel."
        )
    commands.cancel(session, order, me, form.reason.data or "", party=Party.FULFILMENT)
    if order.status is OrderStatus.CANCELLATION_REQUESTED:
        return f"{order.number}: cancellation asked of {carrier_of(order).name}. Record its answer here."
    return f"{order.number} cancelled."
