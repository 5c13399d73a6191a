"""Long lists, paged by where the last page ended (keyset pagination), not by how many rows to skip.

Page 1,001 of the orders costs what page 1 costs: the link to the next page carries the sort key of the last row
shown ("submitted before 10:31:05, number below 1234"), and the database seeks to it through the index that
serves the sort, instead of reading and throwing away 50,000 rows (OFFSET). The link also carries the position,
so a page still says where it is ("51–100 of 1,234").

Counts are exact up to COUNT_LIMIT and say "more than 10,000" past it: counting every match on every request
would read the whole index each time.

The sort comes from the query's own ORDER BY, which must end with a unique column (the id), as every list's does.
When the ORDER BY is anything but expressions and their directions (NULLS LAST, say), the pages fall back to an
offset (still correct: the cursor knows the position).
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select, tuple_, type_coerce
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.types import NullType

from app.database import DbSession

COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class SortKey:
    expression: ColumnElement[Any]
    descending: bool


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (or before) the row whose sort key is `values`, at `start` (1-based)."""

    direction: str  # "after" | "before"
    start: int
    values: tuple[Any, ...]


@dataclass
class Page:
    items: list[Any]
    start: int
    per_page: int
    total: int  # exact when `exact`, else COUNT_LIMIT
    exact: bool
    next_cursor: str | None
    prev_cursor: str | None  # None on the first page; "" when the previous page is the first
    has_next: bool
    has_prev: bool

    @property
    def end(self) -> int:
        return self.start + len(self.items) - 1

    @property
    def total_text(self) -> str:
        """'1,234' or 'more than 10,000'."""
        return f"{self.total:,}" if self.exact else f"more than {self.total:,}"

    @property
    def position(self) -> str:
        """'51–100 of 1,234', 'None', or '1–50 of more than 10,000'."""
        if not self.items:
            return "None"
        return f"{self.start:,}–{self.end:,} of {self.total_text}"


# ---------------------------------------------------------------- the sort
def sort_keys(query: Select[Any]) -> list[SortKey] | None:
    """The query's ORDER BY as plain (expression, direction) pairs; None when one is anything else."""
    keys = []
    for clause in query._order_by_clauses:  # noqa: SLF001 - SQLAlchemy keeps no public reader of a select's sort
        if isinstance(clause, UnaryExpression):
            if clause.modifier not in (operators.desc_op, operators.asc_op):
                return None  # NULLS FIRST/LAST and the like: not served by a seek here
            element = clause.element
            if isinstance(element, UnaryExpression):
                return None
            keys.append(SortKey(element, clause.modifier is operators.desc_op))
        else:
            keys.append(SortKey(clause, False))
    return keys or None


def _not_null(expression: ColumnElement[Any]) -> bool:
    """A column declared NOT NULL (anything else may be NULL, an outer join's column or a function's result)."""
    return isinstance(expression, sa.Column) and not expression.nullable


def _past(keys: list[SortKey], values: tuple[Any, ...], *, backwards: bool, nulls_high: bool) -> ColumnElement[bool]:
    """Rows after `values` in the order of `keys` (before them with `backwards`). NULL sorts above every value on
    PostgreSQL (`nulls_high`) and below on SQLite; the conditions say so, since a comparison with NULL is never
    true."""
    bound = [bindparam(None, value, type_=key.expression.type) for key, value in zip(keys, values, strict=True)]
    simple = all(_not_null(key.expression) for key in keys) and len({key.descending for key in keys}) == 1
    if simple:  # one direction, no NULL: a row comparison, which an index serves as a range
        rows_below = keys[0].descending != backwards
        left, right = tuple_(*(key.expression for key in keys)), tuple_(*bound)
        return left < right if rows_below else left > right

    def beyond(i: int) -> ColumnElement[bool]:
        key, value = keys[i].expression, values[i]
        below = keys[i].descending != backwards
        if value is None:  # past NULL: the values on the other side of it, if NULL is not at that end
            return key.is_not(None) if below == nulls_high else sa.false()
        strictly = key < bound[i] if below else key > bound[i]
        return or_(strictly, key.is_(None)) if below != nulls_high else strictly

    def same(i: int) -> ColumnElement[bool]:
        return keys[i].expression.is_(None) if values[i] is None else keys[i].expression == bound[i]

    either = [and_(*(same(j) for j in range(i)), beyond(i)) for i in range(len(keys))]
    condition = or_(*either)
    first, below = keys[0].expression, keys[0].descending != backwards
    if values[0] is not None and below == nulls_high:  # the first key's range, for the index to seek
        condition = and_(first <= bound[0] if below else first >= bound[0], condition)
    return condition


def _reversed(keys: list[SortKey]) -> list[ColumnElement[Any]]:
    return [key.expression.asc() if key.descending else key.expression.desc() for key in keys]


# ---------------------------------------------------------------- the cursor in a link
def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    if isinstance(value, enum.Enum):
        return {"enum": value.name}
    return value


def _typed(value: Any, key: SortKey) -> Any:
    if not isinstance(value, dict):
        return value
    if "dt" in value:
        return datetime.fromisoformat(value["dt"])
    if "d" in value:
        return date.fromisoformat(value["d"])
    if "dec" in value:
        return Decimal(value["dec"])
    if "enum" in value:
        enum_class = getattr(key.expression.type, "enum_class", None)
        if enum_class is None:
            raise ValueError("an enum value for a column that is not an enum")
        return enum_class[value["enum"]]
    raise ValueError("an unknown value in a cursor")


def encode(cursor: Cursor) -> str:
    text = json.dumps([cursor.direction, cursor.start, [_plain(v) for v in cursor.values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(raw: str | None, keys: list[SortKey] | None) -> Cursor | None:
    """The cursor of a link; None (the first page) for anything malformed, as a hand-edited URL may be."""
    if not raw or len(raw) > 2000:
        return None
    try:
        direction, start, values = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if direction not in ("after", "before") or not isinstance(start, int) or not 1 <= start <= 10**9:
            return None
        if not isinstance(values, list) or (values and (keys is None or len(values) != len(keys))):
            return None
        typed = tuple(_typed(v, key) for v, key in zip(values, keys or [], strict=False))
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        return None
    return Cursor(direction, start, typed)


def _as_stored(session: DbSession, keys: list[SortKey]) -> list[SortKey]:
    """The keys read and compared as the database stores them. SQLite keeps a time as text, not always in one format
    ("…09:00:00" from CURRENT_TIMESTAMP, "…09:00:00.000000" from SQLAlchemy): the cursor holds the stored text and
    compares it as text, the order SQLite sorts by. PostgreSQL's values are compared as what they are."""
    if session.get_bind().dialect.name != "sqlite":
        return keys
    return [SortKey(type_coerce(key.expression, NullType()), key.descending) for key in keys]


def cursor_at(session: DbSession, query: Select[Any], position: int) -> str | None:
    """The cursor of the page that starts at `position` (1-based), as the Next page link before it carries it;
    None for the first page or past the end. (For benchmarks and tests: people get there by following links.)"""
    keys = sort_keys(query)
    if position <= 1 or keys is None:
        return None
    keys = _as_stored(session, keys)
    labelled = query.add_columns(*(key.expression.label(f"_sort_{i}") for i, key in enumerate(keys)))
    row = session.execute(labelled.offset(position - 2).limit(1)).first()
    return None if row is None else encode(Cursor("after", position, tuple(row[1:])))


# ---------------------------------------------------------------- a page
def bounded_count(session: DbSession, query: Select[Any], limit: int = COUNT_LIMIT) -> tuple[int, bool]:
    """How many rows the query has, reading at most limit + 1 of them: (count, exact)."""
    counted = session.scalar(select(func.count()).select_from(query.order_by(None).limit(limit + 1).subquery()))
    return (int(counted or 0), True) if (counted or 0) <= limit else (limit, False)


def keyset_page(
    session: DbSession,
    query: Select[Any],
    *,
    cursor: str | None,
    per_page: int,
    count_limit: int = COUNT_LIMIT,
    counted: Select[Any] | None = None,
) -> Page:
    """One page of the query's rows (its first column: the entity listed), from the cursor of a link. The total is
    counted from `counted` when given: the same rows, found in the way that is cheaper to count."""
    keys = sort_keys(query)
    at = decode(cursor, keys)
    start = at.start if at else 1
    dialect = session.get_bind().dialect.name
    if keys:
        keys = _as_stored(session, keys)
    labelled = query.add_columns(*(key.expression.label(f"_sort_{i}") for i, key in enumerate(keys or [])))
    seek = at is not None and keys is not None and bool(at.values)
    nulls_high = dialect == "postgresql"

    if at is None:
        rows = session.execute(labelled.limit(per_page + 1)).unique().all()
        has_next, has_prev, rows = len(rows) > per_page, False, rows[:per_page]
    elif not seek:  # no sort to seek by: the position says how far to skip
        rows = session.execute(labelled.offset(start - 1).limit(per_page + 1)).unique().all()
        has_next, has_prev, rows = len(rows) > per_page, start > 1, rows[:per_page]
    elif at.direction == "after":
        assert keys is not None
        found = labelled.where(_past(keys, at.values, backwards=False, nulls_high=nulls_high)).limit(per_page + 1)
        rows = session.execute(found).unique().all()
        has_next, has_prev, rows = len(rows) > per_page, True, rows[:per_page]
    else:
        assert keys is not None
        found = (
            labelled.where(_past(keys, at.values, backwards=True, nulls_high=nulls_high))
            .order_by(None)
            .order_by(*_reversed(keys))
            .limit(per_page + 1)
        )
        backwards = session.execute(found).unique().all()
        has_prev, has_next = len(backwards) > per_page, True
        rows = list(reversed(backwards[:per_page]))
        if not has_prev:
            start = 1
    total, exact = bounded_count(session, query if counted is None else counted, count_limit)
    items = [row[0] for row in rows]
    width = len(keys or [])

    def values(row: Any) -> tuple[Any, ...]:
        return tuple(row[1 : 1 + width])

    next_cursor = encode(Cursor("after", start + len(rows), values(rows[-1]))) if has_next and rows else None
    prev_cursor: str | None = None
    if has_prev and rows:
        prev_cursor = "" if start - per_page <= 1 else encode(Cursor("before", start - per_page, values(rows[0])))
    return Page(items, start, per_page, total, exact, next_cursor, prev_cursor, has_next, has_prev)
