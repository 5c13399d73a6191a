"""Values from query strings and forms that are not typed into a form field (a page number, an id, a date in a
filter), parsed in one place with bounds. A malformed or out-of-range value falls back to the default: a
hand-edited URL shows a wider list, never an error page.

Python's `str.isdigit()` is true for "²" and "١٢", which `int()` then refuses or reads as 12; a number of twenty
digits overflows PostgreSQL's integers; the year 9999 overflows the day after it. So: ASCII digits only, within
the range the database and the calendar can take.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

INT_MAX = 2**31 - 1  # an integer column's range (PostgreSQL `integer`)
MAX_PAGE = 100_000  # far past any list, and within what a database offset can take
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)  # days the portal's filters take


def to_int(raw: object, *, minimum: int = 0, maximum: int = INT_MAX) -> int | None:
    """`raw` as an integer within [minimum, maximum], or None (absent, blank, not ASCII digits, out of range)."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not digits or len(digits) > 12 or not digits.isascii() or not digits.isdigit():
        return None
    value = -int(digits) if negative else int(digits)
    return value if minimum <= value <= maximum else None


def to_date(raw: object, *, earliest: date = EARLIEST, latest: date = LATEST) -> date | None:
    """`raw` (YYYY-MM-DD) as a day within [earliest, latest], or None."""
    if not isinstance(raw, str) or not raw.strip().isascii():
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        return None
    return day if earliest <= day <= latest else None


def arg_int(args: Mapping[str, str], name: str, default: int | None = None, **bounds: int) -> int | None:
    """The integer argument `name` of a query string (or form), within bounds, else `default`."""
    value = to_int(args.get(name), **bounds)
    return default if value is None else value


def page(args: Mapping[str, str]) -> int:
    """The page a list is asked for: 1 unless a page between 1 and MAX_PAGE is given."""
    return arg_int(args, "page", 1, minimum=1, maximum=MAX_PAGE) or 1


def ids(values: list[str]) -> list[int]:
    """The ids among `values` (a form's repeated field), others left out."""
    return [value for value in (to_int(v, minimum=1) for v in values) if value is not None]
