"""Keyset pagination: walking a list page by page, forward and back, shows each row once and in order, as an offset
would, whatever the sort's directions; a deep page seeks (its statement has no OFFSET, and the database uses the
sort's index); counts stop at a bound; a malformed cursor is the first page."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.models import AuditEntry, User
from app.paging import decode, keyset_page, sort_keys
from tests.support.databases import USE_POSTGRES

START = datetime(2026, 3, 2, 9, 0)


@pytest.fixture
def entries(app):
    """137 audit entries, several at the same moment (the id breaks the tie), a third without an actor."""
    with app.app_context():
        actor = db.session.scalar(select(User).order_by(User.id))
        db.session.add_all(
            AuditEntry(
                at=START + timedelta(minutes=i // 3),
                action=f"action-{i % 7}",
                actor_id=None if i % 3 == 0 else actor.id,
            )
            for i in range(137)
        )
        db.session.commit()
    return app


def walk(query, per_page: int) -> tuple[list[int], list[str], list[int]]:
    """Follow the Next links to the end, then the Previous links back: (ids forward, positions, ids backward)."""
    forward, positions, pages = [], [], []
    page = keyset_page(db.session, query, cursor=None, per_page=per_page)
    while True:
        pages.append(page)
        forward += [e.id for e in page.items]
        positions.append(page.position)
        if not page.has_next:
            break
        page = keyset_page(db.session, query, cursor=page.next_cursor, per_page=per_page)
    backward = []
    while page.has_prev:
        page = keyset_page(db.session, query, cursor=page.prev_cursor or None, per_page=per_page)
        backward = [e.id for e in page.items] + backward
    return forward, positions, backward


SORTS = {
    "newest first": lambda: (AuditEntry.at.desc(), AuditEntry.id.desc()),
    "oldest first": lambda: (AuditEntry.at.asc(), AuditEntry.id.asc()),
    "mixed directions": lambda: (AuditEntry.action.asc(), AuditEntry.at.desc(), AuditEntry.id.desc()),
    "a column with NULLs": lambda: (AuditEntry.actor_id.asc(), AuditEntry.id.asc()),
}


@pytest.mark.parametrize("sort", sorted(SORTS))
def test_walking_the_pages_shows_every_row_once_in_order_and_back(entries, sort):
    with entries.app_context():
        query = select(AuditEntry).order_by(*SORTS[sort]())
        everything = [e.id for e in db.session.scalars(query)]
        forward, positions, backward = walk(query, per_page=20)
        assert forward == everything
        assert positions[0] == "1–20 of 137" and positions[1] == "21–40 of 137" and positions[-1] == "121–137 of 137"
        assert backward == everything[: len(backward)] and len(backward) == 120  # back to the first page, in order


def test_times_the_database_wrote_itself_page_like_the_others(entries):
    """Rows stamped by the database's own clock (SQLite writes them without microseconds) mixed with the app's."""
    with entries.app_context():
        db.session.execute(AuditEntry.__table__.insert(), [{"action": f"by-the-database-{i}"} for i in range(45)])
        db.session.commit()
        query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        forward, _, backward = walk(query, per_page=20)
        assert forward == [e.id for e in db.session.scalars(query)] and len(forward) == 182
        assert backward == forward[: len(backward)]


def test_a_deep_page_seeks_instead_of_skipping(entries):
    with entries.app_context():
        query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        second = keyset_page(db.session, query, cursor=None, per_page=20)
        statements: list[tuple[str, object]] = []
        listen = lambda conn, cursor, sql, params, *args: statements.append((sql, params))  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            page = keyset_page(db.session, query, cursor=second.next_cursor, per_page=20)
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        assert page.start == 21 and len(page.items) == 20
        assert len(statements) == 2  # the page and its bounded count
        # SQLite writes "LIMIT ? OFFSET ?" for a limit alone: the offset it is given is 0, nothing is skipped
        assert all("OFFSET" not in sql.upper() or list(params)[-1] == 0 for sql, params in statements)
        assert "<" in statements[0][0]  # it seeks: WHERE (at, id) < (…)


def test_counts_stop_at_their_bound(entries):
    with entries.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        page = keyset_page(db.session, query, cursor=None, per_page=20, count_limit=100)
        assert (page.total, page.exact, page.position) == (100, False, "1–20 of more than 100")
        exact = keyset_page(db.session, query, cursor=None, per_page=20, count_limit=137)
        assert (exact.total, exact.exact) == (137, True)


@pytest.mark.parametrize("raw", ["", "garbage", "eyJ4IjoxfQ", "W10", '["after",0,[]]', "%%%", "x" * 3000])
def test_a_malformed_cursor_is_the_first_page(entries, raw):
    with entries.app_context():
        query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        assert decode(raw, sort_keys(query)) is None
        page = keyset_page(db.session, query, cursor=raw, per_page=20)
        assert page.start == 1 and not page.has_prev


@pytest.mark.skipif(not USE_POSTGRES, reason="the plan of PostgreSQL is the one that matters at scale")
def test_postgresql_seeks_a_deep_page_through_the_sorts_index(entries):
    with entries.app_context():
        query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        second = keyset_page(db.session, query, cursor=None, per_page=20)
        statements: list[tuple[str, object]] = []
        listen = lambda conn, cursor, sql, params, *args: statements.append((sql, params))  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            keyset_page(db.session, query, cursor=second.next_cursor, per_page=20)
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        sql, params = statements[0]  # the page's own statement, as it was sent
        connection = db.session.connection()
        connection.exec_driver_sql("SET enable_seqscan = off")  # 137 rows: without it, reading them all is cheaper
        plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql, params))
        assert "Index Cond: (at <=" in plan or "Index Cond: (ROW(at, id) <" in plan, plan  # a seek, not a skip
