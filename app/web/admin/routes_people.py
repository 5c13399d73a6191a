"""People views: the list with search, a person's page (edit, deactivate, offboard), the HR import."""

from __future__ import annotations

import base64
import binascii

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.admin.people import PeopleError, deactivate, offboarding_for, reactivate, update_person
from app.admin.people_import import MAX_BYTES, ImportPreview, apply_import, preview_import
from app.extensions import db, htmx
from app.models import CostCenter, Department, User
from app.web.access import require
from app.web.admin import bp
from app.web.admin.forms import ImportConfirmForm, ImportUploadForm, PersonForm
from app.web.paging import list_page

PAGE_SIZE = 50
STATUSES = {"all": "Everyone", "active": "Active only", "deactivated": "Deactivated only"}


def _person(person_id: int) -> User:
    person = db.session.get(User, person_id)
    if person is None:
        abort(404)
    return person


@bp.route("/people")
@require("admin")
def people():
    """Everyone, searchable by name, email, employee id or department."""
    q = request.args.get("q", "").strip()[:100]
    status = request.args.get("status", "all")
    status = status if status in STATUSES else "all"
    query = (
        select(User)
        .outerjoin(User.department)
        .options(
            joinedload(User.department),
            joinedload(User.manager),
            selectinload(User.groups),
            selectinload(User.role_rows),
        )
        .order_by(User.active.desc(), User.name)
    )
    for word in q.split():
        query = query.where(
            or_(
                User.name.icontains(word, autoescape=True),
                User.email.icontains(word, autoescape=True),
                User.employee_number.icontains(word, autoescape=True),
                Department.name.icontains(word, autoescape=True),
            )
        )
    if status != "all":
        query = query.where(User.active.is_(status == "active"))
    page = list_page(query, PAGE_SIZE)
    context = dict(page=page, q=q, status=status, statuses=STATUSES)
    if htmx and not htmx.history_restore_request:
        return render_block("admin/people/list.html", "results", **context)
    return render_template("admin/people/list.html", **context)


@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
@require("admin")
def person(person_id: int):
    """A person's page: edit who they are and where they sit; deactivate; what is left to offboard."""
    someone = _person(person_id)
    form = PersonForm(person=someone)
    finding = "find" in request.form  # the manager search's button: offer whom it found, save nothing
    if request.method == "GET":
        form.fill()
    elif not finding and form.validate():
        try:
            changed = update_person(
                db.session,
                someone,
                current_user,
                name=form.name.data,
                email=form.email.data,
                department=db.session.get(Department, form.department_id.data) if form.department_id.data else None,
                cost_center=db.session.get(CostCenter, form.cost_center_id.data) if form.cost_center_id.data else None,
                manager=form.manager(),
                roles=form.chosen_roles(),
                groups=form.chosen_groups(),
            )
            db.session.commit()
        except PeopleError as refused:
            db.session.rollback()
            form.form_errors.append(str(refused))
        except IntegrityError:
            db.session.rollback()
            form.form_errors.append("Someone else changed this person at the same moment. Reload and try again.")
        else:
            flash(f"Saved {someone.name}." if changed else "Nothing to save: no changes.", "success")
            return redirect(url_for("admin.person", person_id=someone.id))
    status = 422 if request.method == "POST" and not finding else 200
    return render_template(
        "admin/people/person.html",
        person=someone,
        form=form,
        offboarding=offboarding_for(db.session, someone) if not someone.active else None,
    ), status


@bp.route("/people/<int:person_id>/deactivate", methods=["POST"])
@require("admin")
def person_deactivate(person_id: int):
    """Deactivate: they can no longer sign in; their history stays. Then show what is left to offboard."""
    someone = _person(person_id)
    try:
        left = deactivate(db.session, someone, current_user)
    except PeopleError as refused:
        flash(str(refused), "error")
        return redirect(url_for("admin.person", person_id=someone.id))
    db.session.commit()
    message = f"Deactivated {someone.name}: they can no longer sign in."
    if left.needed:
        message += " See below what is left to offboard."
    flash(message, "success")
    return redirect(url_for("admin.person", person_id=someone.id, _anchor="offboarding" if left.needed else None))


@bp.route("/people/<int:person_id>/reactivate", methods=["POST"])
@require("admin")
def person_reactivate(person_id: int):
    """Let a deactivated person sign in again."""
    someone = _person(person_id)
    reactivate(db.session, someone, current_user)
    db.session.commit()
    flash(f"Reactivated {someone.name}: they can sign in again.", "success")
    return redirect(url_for("admin.person", person_id=someone.id))


# ---------------------------------------------------------------- the HR import
@bp.route("/people/import", methods=["GET", "POST"])
@require("admin")
def people_import():
    """Upload the HR file; answer with the preview: what each row would do, or why it is refused."""
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return render_template("admin/people/import.html", form=form, preview=None), (
            422 if form.is_submitted() else 200
        )
    upload = form.file.data
    if not upload or not getattr(upload, "filename", ""):
        form.file.errors = ["Choose the HR file (CSV) to upload."]
        return render_template("admin/people/import.html", form=form, preview=None), 422
    data = upload.read(MAX_BYTES + 1)
    preview = preview_import(db.session, data)
    return _preview_page(form, preview, data)


@bp.route("/people/import/confirm", methods=["POST"])
@require("admin")
def people_import_confirm():
    """Import the previewed file: everything is checked again, and nothing is saved unless every row is fine."""
    confirm = ImportConfirmForm()
    if not confirm.validate_on_submit():
        abort(400)
    try:
        data = base64.b64decode(confirm.csv.data or "", validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    preview = preview_import(db.session, data)
    if preview.ok:
        try:
            result = apply_import(db.session, preview, current_user)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            preview.problems.append(
                "Someone changed the same people at the same moment, so nothing was imported. Upload the file again."
            )
        else:
            flash(
                f"Imported {len(preview.rows)} people: {result.created} new, {result.updated} updated, "
                f"{result.unchanged} unchanged.",
                "success",
            )
            return redirect(url_for("admin.people"))
    return _preview_page(ImportUploadForm(formdata=None), preview, data)


def _preview_page(form: ImportUploadForm, preview: ImportPreview, data: bytes):
    # The file travels back with the Import button (no web process keeps uploads of its own); it is checked
    # again in full on import, so what comes back is never trusted more than a fresh upload.
    encoded = base64.b64encode(data).decode() if preview.ok else ""
    return render_template(
        "admin/people/import.html", form=form, preview=preview, confirm=ImportConfirmForm(formdata=None, csv=encoded)
    ), (200 if preview.ok else 422)
