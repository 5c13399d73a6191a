"""What a database does with the statements code sends it: the statements caught as they go, and PostgreSQL's
plan of one of them (with the parameters it was sent with)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from app.extensions import db

Sent = list[tuple[str, Any]]  # (SQL, parameters) as the driver got them


@contextmanager
def statements_sent() -> Iterator[Sent]:
    """Every statement the app's engine sends inside the block."""
    sent: Sent = []

    def keep(_conn, _cursor, sql, params, *_args) -> None:
        sent.append((sql, params))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)


def postgres_plan(sql: str, params: Any, *, without: tuple[str, ...] = ()) -> str:
    """PostgreSQL's plan of a statement, in the session's transaction, with plan types turned off for it
    (`without=("sort",)`: a test's few rows would be read whole or sorted, where many would not)."""
    connection = db.session.connection()
    for kind in without:
        connection.exec_driver_sql(f"SET LOCAL enable_{kind} = off")
    return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql, params))


def plans_of(run: Callable[[], object], *, without: tuple[str, ...] = ()) -> list[str]:
    """The plans of every statement `run` sends."""
    with statements_sent() as sent:
        run()
    return [postgres_plan(sql, params, without=without) for sql, params in sent]
