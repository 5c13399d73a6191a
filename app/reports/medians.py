"""Medians of elapsed times, taken in the database: per group, how many values and the middle one or two, so no
row per record comes back. The one place where SQLite and PostgreSQL differ: PostgreSQL has ordered-set
aggregates, SQLite has window functions only, and each keeps times its own way.

The middle values come back as whole microseconds and the median is made of them here exactly as
`statistics.median` makes it of the hours (the mean of the middle two), so a figure is the same to the last bit
whether it was taken in the database or from every record in Python."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    case,
    cast,
    func,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.sql.elements import KeyedColumnElement

UPPER_HAIR = 1e-10


def microseconds_between(
    dialect: str, start: SQLColumnExpression[Any], end: SQLColumnExpression[Any]
) -> ColumnElement[int]:
    """`end - start` in whole microseconds, exactly (SQLite's date functions keep milliseconds only)."""
    if dialect == "postgresql":
        # date_part's seconds are a float8 (EXTRACT's are a numeric, a third slower to work out): exact to the
        # microsecond once multiplied and rounded, for anything under some thirty years (2**53 µs is 285 years).
        return cast(func.date_part("epoch", end - start) * 1_000_000, BigInteger)
    return (_sqlite_seconds(end) - _sqlite_seconds(start)) * 1_000_000 + _sqlite_fraction(end) - _sqlite_fraction(start)


def _sqlite_seconds(at: SQLColumnExpression[Any]) -> ColumnElement[int]:
    # The stored text up to the seconds ("YYYY-MM-DD HH:MM:SS"): strftime would round a fraction to milliseconds.
    return cast(func.strftime("%s", func.substr(type_coerce(at, String), 1, 19)), Integer)


def _sqlite_fraction(at: SQLColumnExpression[Any]) -> ColumnElement[int]:
    # The six digits after the seconds (none when the text stops at the seconds, as CURRENT_TIMESTAMP writes it).
    text = type_coerce(at, String)
    padded = func.substr(text.concat("000000"), 21, 6)
    return case((func.substr(text, 20, 1) == ".", cast(padded, Integer)), else_=0)


def median_rows(dialect: str, keys: Sequence[KeyedColumnElement[Any]], value: ColumnElement[int]) -> Select:
    """Per group of `keys` (rows where `value` is known): the keys, how many values, the lower
    and the upper middle value (the same one when the count is odd)."""
    known = value.is_not(None)
    if dialect == "postgresql":
        # Both middle values from one sort of each group: percentile_disc(f) takes the value at position ⌈f·n⌉,
        # so 0.5 gives the lower middle and 0.5 plus a hair the one after it when n is even, the same one when n is
        # odd (the hair must be under 1/n: 1e-10 holds up to ten billion values).
        both = func.percentile_disc(array([0.5, 0.5 + UPPER_HAIR])).within_group(value)
        middles = type_coerce(both, ARRAY(BigInteger))
        labelled = [key.label(f"key_{i}") for i, key in enumerate(keys)]
        grouped = select(*labelled, func.count().label("n"), middles.label("middle")).where(known).group_by(*keys)
        g = grouped.subquery("middles")
        return select(*(g.c[key.name] for key in labelled), g.c.n, g.c.middle[1], g.c.middle[2])
    ranked = select(
        *(key.label(f"key_{i}") for i, key in enumerate(keys)),
        value.label("value"),
        func.row_number().over(partition_by=list(keys), order_by=value).label("position"),
        func.count().over(partition_by=list(keys)).label("n"),
    ).where(known)
    r = ranked.subquery("ranked")
    group = [r.c[f"key_{i}"] for i in range(len(keys))]
    middle = (r.c.position * 2 >= r.c.n, r.c.position * 2 <= r.c.n + 2)  # n odd: one row; n even: two
    return select(*group, func.max(r.c.n), func.min(r.c.value), func.max(r.c.value)).where(*middle).group_by(*group)


def median_hours(lower: int, upper: int) -> float:
    """The median in hours of a group whose middle values are `lower` and `upper` microseconds."""
    return (_hours(lower) + _hours(upper)) / 2


def _hours(microseconds: int) -> float:
    return timedelta(microseconds=int(microseconds)).total_seconds() / 3600
