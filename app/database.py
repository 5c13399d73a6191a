"""The database beneath the domain: engine set-up (SQLite gets WAL, a busy timeout and foreign keys), and work
that waits for a transaction's commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import CursorResult, Result, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)

# What domain functions take: a session, or the app's scoped session that stands for the current one.
DbSession = Session | scoped_session[Any]


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - exercised by every test
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if not str(engine.url.database or "").startswith(":memory:") and engine.url.database:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


# ---------------------------------------------------------------- work that waits for the commit
# Some things must happen only once a transaction is committed (asking the worker to hand an approved order to
# its carrier: the job must find the order approved). Domain code registers them with `after_commit`; they run
# when the whole transaction commits (not a savepoint), and are forgotten when it rolls back. What they start
# may fail (Redis down): each is also found later by a periodic sweep, so they are a speed-up, never the record.
AFTER_COMMIT = "dialtone.after_commit"
NEW_EVENTS = "dialtone.new_events"  # the order events written in this transaction (app.notifications.outbox)


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (the rowcount of the cursor behind its result)."""
    return cast(CursorResult[Any], result).rowcount


def after_commit(session: DbSession, callback: Callable[[], None]) -> None:
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


def install_after_commit(session: Any) -> None:
    """Listen on `session` (the app's scoped session); safe to call more than once."""
    for name, listener in (("after_commit", _run_callbacks), ("after_soft_rollback", _forget_callbacks)):
        if not event.contains(session, name, listener):
            event.listen(session, name, listener)


def _run_callbacks(session: Session) -> None:
    if session.in_nested_transaction():
        return
    for callback in session.info.pop(AFTER_COMMIT, []):
        try:
            callback()
        except Exception:  # noqa: BLE001 - a lost speed-up; the sweeps do the work later
            log.exception("Work after a commit failed; the periodic sweep will do it")


def _forget_callbacks(session: Session, previous_transaction: Any) -> None:
    if not previous_transaction.nested:
        session.info.pop(AFTER_COMMIT, None)
