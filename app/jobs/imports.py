"""The worker's job for CSV imports (queued by app.inventory.import_runs.start_import)."""

from __future__ import annotations

from app.extensions import db
from app.inventory import import_runs
from app.jobs import in_app_context


@in_app_context
def run_import(batch_id: int) -> dict:
    """Import a queued batch in one transaction; on any refusal or error nothing of it is kept."""
    return import_runs.run(db.session, batch_id)
