"""Importing lines and devices from CSV: upload, preview each row's errors, import all or nothing, progress."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.inventory import import_runs as jobs
from app.inventory import imports
from app.models import ImportBatch, ImportStatus
from app.web.access import require
from app.web.inventory import bp
from app.web.inventory.forms import ImportForm
from app.web.inventory.rendering import page_or_block


@bp.route("/import", methods=["GET", "POST"])
@require("inventory")
def import_upload():
    """Upload a CSV of lines and devices; it is checked at once and the preview shows each row's errors."""
    form = ImportForm()
    if form.validate_on_submit():
        try:
            text, checked = _read(form.file.data)
        except imports.ImportFileError as problem:
            form.file.errors = [str(problem)]
        else:
            batch = ImportBatch(
                filename=form.file.data.filename[-200:],
                content=text,
                uploaded_by=current_user._get_current_object(),
                row_count=checked.row_count,
                error_count=checked.error_count,
                errors=checked.errors_kept(),
                summary=checked.plan_summary(),
            )
            db.session.add(batch)
            db.session.commit()
            return redirect(url_for("inventory.import_batch", batch_id=batch.id))
    recent = db.session.scalars(
        select(ImportBatch).options(joinedload(ImportBatch.uploaded_by)).order_by(ImportBatch.id.desc()).limit(10)
    ).all()
    return render_template("inventory/import.html", form=form, recent=recent), 422 if form.is_submitted() else 200


def _read(upload: Any) -> tuple[str, imports.CheckedFile]:
    """The uploaded file's text, checked row by row (ImportFileError when it is not a CSV of lines)."""
    if upload is None or not upload.filename:
        raise imports.ImportFileError("Choose a CSV file to upload.")
    if not upload.filename.lower().endswith(".csv"):
        raise imports.ImportFileError("Choose a .csv file: in your spreadsheet, use Save as → CSV.")
    text = imports.decode(upload.read(imports.MAX_BYTES + 1))
    return text, imports.check_csv(db.session, text)


@bp.route("/import/template.csv")
@require("inventory")
def import_template() -> Response:
    """A CSV with the columns the import reads, and an example row."""
    return Response(
        imports.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="dialtone-lines-template.csv"'},
    )


@bp.route("/import/<int:batch_id>")
@require("inventory")
def import_batch(batch_id: int):
    """A batch: its preview, its progress while it imports (polled), or its summary."""
    batch = db.session.get(ImportBatch, batch_id) or abort(404)
    running = batch.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    done, total = jobs.progress_of(batch) if running else (batch.row_count, batch.row_count)
    return page_or_block(
        "inventory/import_batch.html",
        "status",
        "import-status",
        batch=batch,
        running=running and not jobs.stalled(batch),
        stalled=jobs.stalled(batch),
        done=done,
        total=total,
        columns=imports.COLUMNS,
    )


@bp.route("/import/<int:batch_id>/run", methods=["POST"])
@require("inventory")
def import_run(batch_id: int):
    """Import every row of a checked batch, or none (the worker does it; the page shows progress)."""
    batch = db.session.get(ImportBatch, batch_id) or abort(404)
    if batch.error_count:
        flash("Fix the errors in the file and upload it again: a file with errors is not imported.", "error")
    else:
        try:
            if not jobs.start_import(db.session, batch):
                flash("This file is already being imported.", "info")
        except jobs.QueueUnavailable:
            flash(
                "The import could not be started because the job queue is unavailable. Try again in a minute.", "error"
            )
    return redirect(url_for("inventory.import_batch", batch_id=batch_id))
