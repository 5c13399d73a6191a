"""The one clock every rule reads: `now()` (naive UTC, as times are stored) and `today()` (the company's date).

The app holds one clock (`app.extensions["clock"]`), made from its settings; domain code asks `clock.now()` and
`clock.today()` and never the system. By default it is the system's time. `CLOCK_START` (an ISO time in UTC)
starts it at a fixed moment which then runs on at the normal pace; `CLOCK_ANCHOR` (seconds since the epoch) is
the real moment that corresponds to, so that every process of one run (web, workers) reads the same time. Tests
run on such a clock, and a test may freeze it or move it on.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from app.config import DEFAULT_TIMEZONE


class Clock:
    """The time now, and the company's date; fixed or running from a given start when told so."""

    def __init__(self, tz: str = DEFAULT_TIMEZONE, start: datetime | None = None, anchor: float | None = None) -> None:
        self.zone = ZoneInfo(tz)
        self._start = start
        self._anchor = time.time() if anchor is None else anchor
        self._frozen: datetime | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Clock:
        start = settings.get("CLOCK_START")
        anchor = settings.get("CLOCK_ANCHOR")
        return cls(
            settings.get("COMPANY_TIMEZONE") or DEFAULT_TIMEZONE,
            start=datetime.fromisoformat(start) if isinstance(start, str) and start else None,
            anchor=float(anchor) if anchor else None,
        )

    def now(self) -> datetime:
        """Naive UTC, as every time is stored."""
        if self._frozen is not None:
            return self._frozen
        if self._start is not None:
            return self._start + timedelta(seconds=time.time() - self._anchor)
        return datetime.now(UTC).replace(tzinfo=None)

    def today(self) -> date:
        """The date at the company (its time zone), which is what dates people choose mean."""
        return self.date_of(self.now())

    def date_of(self, moment: datetime) -> date:
        """The company's date at a stored (naive UTC) moment."""
        return moment.replace(tzinfo=UTC).astimezone(self.zone).date()

    def freeze(self, at: datetime | None = None) -> datetime:
        """Stop the clock (at `at`, or where it is); returns the moment it shows."""
        self._frozen = at if at is not None else self.now()
        return self._frozen

    def advance(self, **delta: float) -> datetime:
        """Move a frozen clock on (`advance(days=3)`), or freeze it that far ahead."""
        return self.freeze(self.now() + timedelta(**delta))

    @contextmanager
    def frozen_at(self, moment: datetime) -> Iterator[datetime]:
        """Show `moment` until the block ends, then go back to what it showed (running or frozen) before."""
        saved = (self._start, self._anchor, self._frozen)
        self._frozen = moment
        try:
            yield moment
        finally:
            self._start, self._anchor, self._frozen = saved

    def run(self) -> None:
        """Let a frozen clock run again, from where it showed."""
        if self._frozen is not None:
            self._start, self._anchor, self._frozen = self._frozen, time.time(), None


_system = Clock.from_settings(os.environ)  # the process's clock outside an app: the same settings


def current() -> Clock:
    """The app's clock (the system's outside an app)."""
    if has_app_context():
        return current_app.extensions.get("clock", _system)
    return _system


def now() -> datetime:
    return current().now()


def today() -> date:
    return current().today()
