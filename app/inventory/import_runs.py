"""Running CSV imports: queue a checked batch once, run it all or nothing (in the worker: app.jobs.imports), and
report its progress through Redis.

Progress lives in Redis, not the database: the import's own transaction holds every row until the end, so
the page polling for progress could not see it there.
"""

from __future__ import annotations

import json
import logging
import uuid
from contextlib import suppress

from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import update

from app import clock
from app.database import DbSession, rows_changed
from app.inventory import imports
from app.models import ImportBatch, ImportStatus
from app.queue import enqueue, redis_connection

log = logging.getLogger(__name__)
PROGRESS_KEY = "dialtone:import:{}:progress"
RUN_JOB = "app.jobs.imports.run_import"


class QueueUnavailable(Exception):
    """The job could not be put on the queue (Redis is down); the batch is left as it was."""


def start_import(session: DbSession, batch: ImportBatch) -> bool:
    """Queue a checked batch for import, once: False when it is not waiting to be imported (a double click).
    Commits: the claim must be visible to the worker before its job exists."""
    job_id = f"import-{batch.id}-{uuid.uuid4().hex[:12]}"
    # Claimed and named in one write before the job exists: the import's long transaction then never has to
    # wait for this request, nor this request for it.
    claimed = rows_changed(
        session.execute(
            update(ImportBatch)
            .where(
                ImportBatch.id == batch.id, ImportBatch.status == ImportStatus.PREVIEWED, ImportBatch.error_count == 0
            )
            .values(status=ImportStatus.QUEUED, job_id=job_id)
        )
    )
    session.commit()
    if not claimed:
        return False
    try:
        enqueue(RUN_JOB, batch.id, job_id=job_id, job_timeout=3600)
    except RedisError as error:
        log.warning("Could not queue import %s: %s", batch.id, error)
        session.execute(
            update(ImportBatch).where(ImportBatch.id == batch.id).values(status=ImportStatus.PREVIEWED, job_id=None)
        )
        session.commit()
        raise QueueUnavailable from error
    return True


def run(session: DbSession, batch_id: int) -> dict:
    """Import a queued batch in one transaction; on any refusal or error nothing of it is kept. The job's whole
    unit of work: `session` is the worker's, which this commits (or rolls back) itself."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None or batch.status != ImportStatus.QUEUED:
        return {"skipped": True}
    batch.status, batch.started_at = ImportStatus.RUNNING, clock.now()
    session.commit()
    _report(batch_id, 0, batch.row_count)
    try:
        summary = imports.import_csv(
            session,
            batch.content,
            actor=batch.uploaded_by,
            source=f"import of {batch.filename}",
            progress=lambda done, total: _report(batch_id, done, total),
        )
        batch.status, batch.summary, batch.finished_at = ImportStatus.COMPLETED, summary, clock.now()
        session.commit()
        return summary
    except imports.ImportRefused as refused:
        session.rollback()
        _finish_failed(
            session,
            batch_id,
            "Since the preview, the inventory changed and some rows no longer pass their checks. Nothing was imported.",
            refused.checked,
        )
        return {"refused": refused.checked.error_count}
    except Exception:
        session.rollback()
        _finish_failed(session, batch_id, "The import stopped with an unexpected error. Nothing was imported.")
        raise


def _finish_failed(session: DbSession, batch_id: int, message: str, checked: imports.CheckedFile | None = None) -> None:
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        return
    batch.status, batch.failure, batch.finished_at = ImportStatus.FAILED, message, clock.now()
    if checked is not None:
        batch.errors, batch.error_count = checked.errors_kept(), checked.error_count
    session.commit()


def _report(batch_id: int, done: int, total: int) -> None:
    with suppress(RedisError):  # progress is a courtesy: the import goes on without it
        redis_connection().set(PROGRESS_KEY.format(batch_id), json.dumps([done, total]), ex=86_400)


def progress_of(batch: ImportBatch) -> tuple[int, int]:
    """(rows done, rows in all) of a queued or running import."""
    try:
        raw = redis_connection().get(PROGRESS_KEY.format(batch.id))
    except RedisError:
        raw = None
    if raw:
        done, total = json.loads(raw)
        return int(done), int(total)
    return 0, batch.row_count


def stalled(batch: ImportBatch) -> bool:
    """A queued or running import whose job has died (a killed worker): its transaction never committed."""
    if batch.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING) or not batch.job_id:
        return False
    try:
        status = Job.fetch(batch.job_id, connection=redis_connection()).get_status()
    except NoSuchJobError:
        return True
    except RedisError:
        return False
    return status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)
