"""Report a line's phone lost or stolen: one short form; the line is suspended and a replacement offered next."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app import clock, commands, formatting
from app.commands.lost import AT_ONCE, LossReport, suspended_at_once
from app.extensions import db
from app.models import Line, get_setting
from app.orders import service
from app.orders.attachments import AttachmentRefused
from app.web.access import require
from app.web.orders import bp
from app.web.orders.conversation import uploads_of
from app.web.orders.forms import LostForm

ATTACHED = "Attached when the loss was reported."


def _line_or_404(line_id: int) -> Line:
    line = db.session.get(Line, line_id)
    if line is None or line.employee is None or not service.may_order_for(current_user, line.employee):
        abort(404)
    return line


@bp.route("/lost/<int:line_id>", methods=["GET", "POST"])
@require("order")
def report_lost(line_id: int):
    """The short form: lost or stolen, when, where and how; files (a police report) go on the order."""
    line = _line_or_404(line_id)
    form = LostForm()
    if not form.is_submitted():
        form.lost_on.data = clock.today()
    elif form.validate():
        report = LossReport(form.kind.data, form.lost_on.data, form.what_happened.data or "")
        try:
            order = commands.report_lost(db.session, line, current_user, report)
            uploads = uploads_of(form.files)
            if uploads:
                commands.write(db.session, order, current_user, ATTACHED, uploads)
            db.session.commit()
        except service.OrderRefused as refused:
            db.session.rollback()
            _show_errors(form, refused.errors)
        except AttachmentRefused as refused:
            db.session.rollback()
            form.files.errors = [str(refused)]
        except service.OrderError as refused:
            db.session.rollback()
            form.form_errors.append(str(refused))
        else:
            number = formatting.phone(line.number)
            if suspended_at_once(order):
                flash(f"{number} is suspended. Order a replacement device next.", "success")
            else:
                flash(f"Reported: the suspension of {number} waits for approval ({order.number}).", "success")
            return redirect(url_for("orders.show", number=order.number))
    status = 422 if form.errors or form.form_errors else 200
    at_once = get_setting("lost_stolen_approval") == AT_ONCE
    return render_template("orders/lost.html", form=form, line=line, approved_at_once=at_once), status


def _show_errors(form: LostForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        if name in form._fields:
            form[name].errors = [message]
        else:
            form.form_errors.append(message)
