"""The order's conversation on the pages that show it (the order page, the approver's panel, the fulfilment
console): the thread kept up to date as people write, writing with files attached, and the files served to those
who may see the order."""

from __future__ import annotations

from io import BytesIO

from flask import Response, abort, request, send_file, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from app import params
from app.extensions import db
from app.models import Order, OrderAttachment, OrderEvent
from app.orders import attachments, conversation, service
from app.orders.attachments import Upload
from app.web.access import require
from app.web.orders import bp
from app.web.orders.forms import ACCEPT, ATTACH_HINT, MessageForm

TEMPLATE = "orders/_conversation.html"


def uploads_of(field) -> list[Upload]:
    """The files a form's file field carried (an empty file input sends one nameless, empty part)."""
    found = []
    for storage in field.data or []:
        if storage is None or not getattr(storage, "filename", ""):
            continue
        found.append(Upload(storage.filename, storage.read()))
    return found


def conversation_context(
    order: Order, return_to: str, *, events: list[OrderEvent] | None = None, message_form: MessageForm | None = None
) -> dict:
    """What the conversation partial shows: the thread (from `events` when the page loaded them with their
    authors and attachments, else read now), and the form to write, for those who take part."""
    thread = conversation.entries(events) if events is not None else conversation.thread(db.session, order)
    form = message_form or MessageForm(formdata=None, next=return_to)
    return dict(
        order=order,
        thread=thread,
        last_entry=thread[-1].id if thread else 0,
        may_write=conversation.may_write(db.session, order, current_user),
        message_form=form,
        describe_attachment=attachments.describe,
        attach_hint=ATTACH_HINT,
        attach_accept=ACCEPT,
    )


def _order(number: str) -> Order:
    order = db.session.scalar(db.select(Order).where(Order.number == number))
    if order is None or not service.may_view(order, current_user, db.session):
        abort(404)
    return order


@bp.route("/<number>/conversation")
@require("order")
def conversation_entries(number: str):
    """The thread's entries, for an open page that keeps up: 204 (nothing to change) when none is newer than
    `after`, the event id of the newest the page shows."""
    order = _order(number)
    after = params.arg_int(request.args, "after", minimum=0) or 0
    if not conversation.thread(db.session, order, after):
        return Response(status=204)
    return render_block(TEMPLATE, "entries", **conversation_context(order, url_for("orders.show", number=number)))


@bp.route("/<number>/attachments/<int:attachment_id>")
@require("order")
def attachment(number: str, attachment_id: int):
    """A file of the conversation, to those who may see the order: images shown, PDFs downloaded, nothing run."""
    order = _order(number)
    found = db.session.get(OrderAttachment, attachment_id)
    if found is None or found.order_id != order.id:
        abort(404)
    try:
        data = attachments.read(found)
    except FileNotFoundError:
        abort(410)
    response = send_file(
        BytesIO(data),
        mimetype=found.content_type,
        as_attachment=not found.is_image,  # a PDF can carry scripts: saved, not opened in the portal's origin
        download_name=found.filename,
        etag=found.sha256,
        max_age=3600,
        conditional=True,
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
