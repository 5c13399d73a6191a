"""Order views: thin — parse the request, call app.orders.service, render."""

from __future__ import annotations

import functools
import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from app import clock, commands, params
from app.approvals import steps
from app.approvals.policies import KIND_LABELS
from app.choices import options
from app.extensions import db, htmx
from app.identifiers import phone_search_digits
from app.inventory import returns
from app.inventory.search import PEOPLE_FOUND, had_number, number_matches
from app.models import Device, Line, Order, OrderEvent, OrderStatus, User
from app.orders import conversation, lifecycle, service, types
from app.orders.attachments import AttachmentRefused
from app.orders.catalog_search import search_catalog
from app.orders.presenting import progress_steps
from app.orders.types import rules
from app.web.access import require
from app.web.auth.routes import safe_next
from app.web.orders import bp
from app.web.orders.conversation import TEMPLATE as CONVERSATION
from app.web.orders.conversation import conversation_context, uploads_of
from app.web.orders.forms import AnswerForm, CancelForm, CopyForm, MessageForm, MyOrdersFilter, SubmitForm, bind
from app.web.paging import kept_args, list_page

PAGE_SIZE = 25
PEOPLE_LISTED = 50  # the people the "Ordering for" list offers before anyone searches


def _employee_from_args() -> User:
    """The person the order is for: ?for=<id>, else the person ordering."""
    employee_id = params.arg_int(request.values, "for", minimum=1)
    if not employee_id or employee_id == current_user.id:
        return current_user
    employee = db.session.get(User, employee_id)
    if employee is None or not service.may_order_for(current_user, employee):
        abort(403)
    return employee


def _order_or_404(number: str, *loading) -> Order:
    order = db.session.scalar(_order_by_number(loading), {"number": number})
    if order is None or not service.may_view(order, current_user, db.session):
        abort(404)  # another person's order does not exist, as far as a guessed URL can tell
    return order


@bp.route("/new")
@require("order")
def new():
    """The order types by module (Mobile, Wireline), grouped as New, Modify and Delete requests, each available or
    not with the reason; `?q=` searches them and the catalog's device models (HTMX asks for the results alone as
    someone types)."""
    employee = _employee_from_args()
    wanted = request.args.get("type")
    if wanted in types.REGISTRY:  # a link that names the type (offboarding, a line page) goes straight to its form
        args: dict[str, Any] = {k: v for k, v in request.args.items() if k in ("for", "line")}
        return redirect(url_for("orders.start", code=wanted, **args))
    facts = rules.employee_facts(db.session, employee, current_user)
    line_id = params.arg_int(request.args, "line", minimum=1)
    keep: dict[str, Any] = {"for": employee.id} if employee.id != current_user.id else {}

    def start_url(order_type, **more: Any) -> str:
        args: dict[str, Any] = dict(keep)
        if line_id and order_type.needs_line:
            args["line"] = line_id
        return url_for("orders.start", code=order_type.code, **args, **more)

    found = search_catalog(db.session, request.args.get("q", ""), types.REGISTRY.values())
    availability = {t.code: t.available(facts) if t.available else None for t in types.REGISTRY.values()}
    modules = {
        module: {
            group: entries
            for group, order_types in types.by_group(module).items()
            if (entries := [(t, availability[t.code], start_url(t)) for t in order_types if t in found.order_types])
        }
        for module in types.modules()
    }
    device_types = [t for t in types.REGISTRY.values() if t.orders_a_device]
    devices = [
        (model, [(t, availability[t.code], start_url(t, device_model=model.id)) for t in device_types])
        for model in found.devices
    ]
    catalog = dict(modules={m: g for m, g in modules.items() if g}, devices=devices, found=found, keep=keep)
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        return render_block("orders/new.html", "catalog", **catalog)
    person_q = (request.args.get("person") or "").strip()[:100]
    # The "Ordering for" list: this person and the first PEOPLE_LISTED others by name (the helpdesk may order for
    # everyone in the company), or those the search found; the search box finds anyone else.
    people = service.orderable_people(db.session, current_user, limit=PEOPLE_LISTED + 1)
    more = len(people) > PEOPLE_LISTED + 1
    people = people[: PEOPLE_LISTED + 1]
    matches = service.orderable_people(db.session, current_user, person_q, limit=PEOPLE_FOUND) if person_q else []
    listed = matches if person_q else people
    if employee not in listed:
        listed = [employee, *listed]  # the person ordered for stays chosen
    return render_template(
        "orders/new.html",
        **catalog,
        employee=employee,
        people=people,
        listed=listed,
        more=more,
        q=person_q,
        line_id=line_id,
        matches=matches,
    )


@bp.route("/people")
@require("order")
def people():
    """People this person may order for, found as they type (the "Ordering for" search box)."""
    q = (request.args.get("person") or "").strip()[:100]
    matches = service.orderable_people(db.session, current_user, q, limit=PEOPLE_FOUND) if q else []
    return render_template("orders/_people.html", matches=matches, q=q)


@bp.route("/new/<code>", methods=["GET", "POST"])
@require("order")
def start(code: str):
    """The form for one order type; posts save a draft or go on to review."""
    order_type = types.REGISTRY.get(code) or abort(404)
    employee = _employee_from_args()
    return _order_form(order_type, employee, order=None)


@bp.route("/<number>/edit", methods=["GET", "POST"])
@require("order")
def edit(number: str):
    """Resume a draft."""
    order = _order_or_404(number)
    if order.status is not OrderStatus.DRAFT or order.requester_id != current_user.id:
        flash(f"{order.number} is no longer a draft.", "info")
        return redirect(url_for("orders.show", number=order.number))
    return _order_form(types.get(order.type), order.employee, order=order)


def _order_form(order_type, employee: User, order: Order | None):
    ctx = service.context(db.session, current_user, employee, order=order)
    refreshing = request.method == "POST" and request.args.get("refresh") == "1"
    formdata: MultiDict[str, str] | None
    if request.method == "POST":
        formdata = request.form
    elif order is not None:
        formdata = service.draft_formdata(order)
    else:
        formdata = _prefill(order_type)
    action = request.form.get("action", "review")
    checking = request.method == "GET" and order is not None and request.args.get("check") == "1"  # refused
    form, valid = bind(
        order_type,
        ctx,
        formdata,
        validate=checking or (request.method == "POST" and not refreshing and action == "review"),
    )
    if not form.form_token.data:
        form.form_token.data = uuid.uuid4().hex
    price = _price(order_type, ctx)
    page = dict(
        form=form,
        order_type=order_type,
        employee=employee,
        order=order,
        # Where the form posts, and its HTMX refreshes too: a refresh renders only the form's block, so the address
        # (with the person ordered for) is made here, once, for the page and its fragments alike.
        action=_form_action(order_type, employee, order),
        price=price,
        current_line=ctx.line,
        chosen_site=ctx.to_site or ctx.site,  # a wireline type's template shows the site or the service today
        chosen_service=ctx.service,
        chosen_model=ctx.model,  # its picture and key specs beside the price
        out_of_policy=ctx.out_of_policy,
        refresh={
            **{p.name: "price" for p in order_type.parts if p.priced},
            **{p.name: "form" for p in order_type.parts if p.dynamic},
        },
    )
    if refreshing:
        return render_block("orders/form.html", "form_body", **page)
    if request.method == "POST" and action == "save_draft":
        saved = service.save_draft(db.session, order_type, ctx, form, order=order, price=price)
        db.session.commit()
        flash(f"Draft {saved.number} saved. You can resume it from My orders.", "success")
        return redirect(url_for("orders.mine"))
    if request.method == "POST" and valid:
        saved = service.save_draft(db.session, order_type, ctx, form, order=order, price=price)
        db.session.commit()
        return redirect(url_for("orders.review", number=saved.number))
    status = 422 if request.method == "POST" and action != "find" else 200  # "find": a search box's button
    return render_template("orders/form.html", **page), status


def _form_action(order_type, employee: User, order: Order | None) -> str:
    if order is not None:
        return url_for("orders.edit", number=order.number)  # a draft knows whom it is for
    ordering_for: dict[str, Any] = {"for": employee.id} if employee.id != current_user.id else {}
    return url_for("orders.start", code=order_type.code, **ordering_for)


def _prefill(order_type):
    """`?line=` from a line page or an offboarding list preselects the line; `?device_model=` the device."""
    data: MultiDict[str, str] = MultiDict()
    if request.args.get("line") and order_type.needs_line:
        data.add("line", request.args["line"])
    device_model = params.arg_int(request.args, "device_model", minimum=1)
    if device_model and any(p.name == "device_model" for p in order_type.parts):
        data.add("device_model", str(device_model))  # a device found in the catalog search
    return data or None


def _price(order_type, ctx):
    try:
        return order_type.price(ctx)
    except (AttributeError, TypeError):  # not enough chosen yet to price it
        return None


@bp.route("/<number>/review", methods=["GET"])
@require("order")
def review(number: str):
    """The review page: what was entered, the price, and Submit order."""
    order = _order_or_404(number)
    if order.status is not OrderStatus.DRAFT or order.requester_id != current_user.id:
        return redirect(url_for("orders.show", number=order.number))  # only its author submits a draft
    form = SubmitForm(version=order.version)
    return render_template("orders/review.html", order=order, order_type=types.get(order.type), form=form)


@bp.route("/<number>/submit", methods=["POST"])
@require("order")
def submit(number: str):
    """Submit a reviewed draft (a second click changes nothing)."""
    order = _order_or_404(number)
    form = SubmitForm()
    try:
        submitted = commands.submit(db.session, order, current_user, expected_version=_version(form))
        commands.commit_or_conflict(db.session, order)
    except service.OrderRefused:
        db.session.rollback()  # the rules no longer hold (or never did): the form shows why, field by field
        flash("The order cannot be submitted as it is: see what needs changing below.", "error")
        return redirect(url_for("orders.edit", number=order.number, check=1))
    except (service.OrderError, lifecycle.TransitionError) as error:
        db.session.rollback()
        if order.status is not OrderStatus.DRAFT:  # submitted by the first click: show where it stands
            return redirect(url_for("orders.show", number=order.number))
        flash(str(error), "error")
        return redirect(url_for("orders.review", number=order.number))
    flash(f"Order {order.number} submitted." if submitted else f"{order.number} was already submitted.", "success")
    return redirect(url_for("orders.show", number=order.number))


def _version(form) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


@bp.route("/<number>/copy", methods=["POST"])
@require("order")
def copy(number: str):
    """Order again: a draft with this order's answers ("Change and resubmit" for a rejected order)."""
    original = _order_or_404(number)
    form = CopyForm()
    if not form.validate() or not service.may_order_for(current_user, original.employee):
        abort(403)
    try:
        draft = service.copy_as_draft(db.session, original, current_user)
    except service.OrderError as error:
        flash(str(error), "error")
        return redirect(url_for("orders.show", number=number))
    db.session.commit()
    flash(f"Draft {draft.number}, a copy of {number}: change what you need, then review and submit it.", "success")
    return redirect(url_for("orders.edit", number=draft.number))


@bp.route("/<number>/delete", methods=["POST"])
@require("order")
def delete(number: str):
    """Delete a draft."""
    order = _order_or_404(number)
    try:
        service.delete_draft(db.session, order, current_user)
        db.session.commit()
        flash(f"Draft {number} deleted.", "success")
    except service.OrderError as error:
        flash(str(error), "error")
    return redirect(url_for("orders.mine"))


@bp.route("/<number>")
@require("order")
def show(number: str):
    """The order page: progress, timeline, details, what the carrier reported."""
    order = _order_or_404(number, *ORDER_PAGE)
    if htmx and request.args.get("part") == "status":
        return render_block("orders/show.html", "status_panel", **_show_context(order))
    return order_page(order)


def order_page(order: Order, status: int = 200, **forms):
    """The order page, with any of its forms as posted (`answer_form`, `cancel_form`, `message_form`) to show
    what was typed and what is wrong with it."""
    return render_template("orders/show.html", **_show_context(order, **forms)), status


@functools.cache
def _order_by_number(loading: tuple) -> Select:
    """An order by its number, with what a page loads with it: built once per page (building costs more than
    running it)."""
    return select(Order).where(Order.number == bindparam("number")).options(*loading)


# What the order page shows, loaded with the order: a query per collection, none per event or per actor.
ORDER_PAGE = (
    joinedload(Order.requester),
    joinedload(Order.employee),
    joinedload(Order.carrier),
    joinedload(Order.cost_center),
    selectinload(Order.events).joinedload(OrderEvent.actor),
    selectinload(Order.events).selectinload(OrderEvent.attachments),
    selectinload(Order.shipments),
    selectinload(Order.reported_devices),
)


def _show_context(order: Order, **forms) -> dict:
    here = url_for("orders.show", number=order.number)
    return dict(
        **conversation_context(order, here, events=list(order.events), message_form=forms.get("message_form")),
        order_type=types.get(order.type),
        steps=progress_steps(order),
        cancel_form=forms.get("cancel_form") or CancelForm(version=order.version),
        answer_form=forms.get("answer_form") or AnswerForm(version=order.version),
        question=conversation.open_question(order),
        may_answer=conversation.may_answer(order, current_user),
        can_cancel=order.status in lifecycle.CANCELLABLE and service.may_change(order, current_user),
        can_copy=order.status in lifecycle.FINAL and service.may_order_for(current_user, order.employee),
        copy_form=CopyForm(),
        owed=returns.owed(db.session, order=order),
        approvals=steps.chain(db.session, order),
        kind_labels=KIND_LABELS,
        now=clock.now(),
        return_instructions=returns.instructions(),
        today=clock.today(),
    )


def _requester_action(number: str, form_class, form_key: str, act, success: str):
    """A requester's action on the order page: validate, act through the service, commit or explain."""
    order = _order_or_404(number, *ORDER_PAGE)
    form = form_class()
    if not form.validate():
        return order_page(order, 422, **{form_key: form})
    number = order.number or ""
    try:
        said = act(order, form)
        commands.commit_or_conflict(db.session, order)
        flash(said or success.format(number=number), "success")
    except AttachmentRefused as refused:
        db.session.rollback()
        form.files.errors = [str(refused)]
        return order_page(_order_or_404(number, *ORDER_PAGE), 422, **{form_key: form})
    except (service.OrderError, lifecycle.TransitionError) as error:
        db.session.rollback()
        flash(str(error), "error")
    except StaleDataError:  # someone else changed the order while this action was being written
        db.session.rollback()
        flash(f"{number} was changed by someone else a moment ago: reload it and try again.", "error")
    return redirect(url_for("orders.show", number=number))


@bp.route("/<number>/cancel", methods=["POST"])
@require("order")
def cancel(number: str):
    """Cancel an order that has not shipped, with a reason."""

    def act(order, form):
        commands.cancel(db.session, order, current_user, form.reason.data, expected_version=_version(form))
        if order.status is OrderStatus.CANCELLATION_REQUESTED:
            return f"{order.number} is already with the carrier: the carrier has been asked to cancel it."
        return None

    return _requester_action(number, CancelForm, "cancel_form", act, "Order {number} cancelled.")


@bp.route("/<number>/answer", methods=["POST"])
@require("order")
def answer(number: str):
    """Answer the question that holds the order (an approver's or the fulfilment team's), with files."""

    def act(order, form):
        question = conversation.open_question(order)
        from_team = question is not None and question.from_team
        commands.answer(
            db.session, order, current_user, form.answer.data, uploads_of(form.files), expected_version=_version(form)
        )
        return "Answer sent to the telecom team." if from_team else "Answer sent. The order is back with the approver."

    return _requester_action(number, AnswerForm, "answer_form", act, "Answer sent.")


@bp.route("/<number>/messages", methods=["POST"])
@require("order")
def write(number: str):
    """Write in the order's conversation, from the page the thread is on (back there after)."""
    order = _order_or_404(number)
    form = MessageForm()
    return_to = safe_next(form.next.data) if form.next.data else url_for("orders.show", number=number)
    if form.validate() and _written(order, form):
        if htmx and not htmx.boosted:
            return render_template(CONVERSATION, **conversation_context(order, return_to))
        flash("Message sent.", "success")
        return redirect(f"{return_to}#conversation-{order.id}")
    if htmx and not htmx.boosted:
        return render_template(CONVERSATION, **conversation_context(order, return_to, message_form=form)), 422
    # Without JavaScript: the order page, with the thread and what was typed, and the error beside the field.
    return order_page(_order_or_404(number, *ORDER_PAGE), 422, message_form=form)


def _written(order: Order, form: MessageForm) -> bool:
    """Write the message; False with the reason on the form's field when it cannot be."""
    try:
        commands.write(db.session, order, current_user, form.message.data, uploads_of(form.files))
        db.session.commit()
        return True
    except AttachmentRefused as refused:
        db.session.rollback()
        form.files.errors = [str(refused)]
    except service.OrderError as refused:
        db.session.rollback()
        form.message.errors = [str(refused)]
    return False


@bp.route("")
@require("order")
def mine():
    """My orders and those I placed for others: filter by status, search by number or phone number."""
    filters = MyOrdersFilter(request.args)
    filters.status.choices = options(
        [("", "Any status")] + [(s.value, s.label) for s in OrderStatus if s is not OrderStatus.DRAFT]
    )
    query = (
        select(Order)
        .where(or_(Order.requester_id == current_user.id, Order.employee_id == current_user.id))
        .where(Order.status != OrderStatus.DRAFT)
        # The page's rows first, then what they show (a query each): joined into the query instead, the
        # database would join every order of the person before keeping 25 (PostgreSQL hashes whole tables).
        .options(
            selectinload(Order.employee), selectinload(Order.line), selectinload(Order.device).joinedload(Device.model)
        )
        .order_by(Order.updated_at.desc(), Order.id.desc())
    )
    if filters.status.data in {s.value for s in OrderStatus}:
        query = query.where(Order.status == OrderStatus(filters.status.data))
    term = (filters.q.data or "").strip()
    if term:
        digits = phone_search_digits(term)
        conditions = [Order.number.ilike(f"%{term}%")]
        if len(digits) >= 3:
            conditions.append(Order.line_id.in_(select(Line.id).where(number_matches(term))))  # an index
            if formerly := had_number(db.session, term):  # a number the line had before
                conditions.append(Order.line_id.in_(formerly))
            conditions.append(Order.service_number.like(f"%{digits}%"))
        query = query.where(or_(*conditions))
    page = list_page(query, PAGE_SIZE)
    drafts = db.session.scalars(
        select(Order)
        .where(Order.requester_id == current_user.id, Order.status == OrderStatus.DRAFT)
        .options(joinedload(Order.employee))
        .order_by(Order.updated_at.desc())
    ).all()
    context = dict(
        page=page,
        drafts=drafts,
        types=types.REGISTRY,
        filters=filters,
        args=kept_args(),
    )
    if htmx and not htmx.boosted:
        return render_block("orders/mine.html", "results", **context)
    return render_template("orders/mine.html", **context)
