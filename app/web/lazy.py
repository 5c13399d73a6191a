"""A template value worked out only when a template shows it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import escape


class Lazy:
    """A template value worked out only if the template shows it: the layout shows the company's name, but a
    fragment (the inbox badge, polled by every open page) does not, and need not pay a query for it."""

    def __init__(self, compute: Callable[[], Any]) -> None:
        self._compute = compute
        self._known = False
        self._value: Any = None

    @property
    def value(self) -> Any:
        if not self._known:
            self._value, self._known = self._compute(), True
        return self._value

    def __str__(self) -> str:
        return "" if self.value is None else str(self.value)

    def __html__(self) -> str:
        return str(escape(str(self)))

    def __bool__(self) -> bool:
        return bool(self.value)

    def __eq__(self, other: object) -> bool:
        return self.value == (other.value if isinstance(other, Lazy) else other)

    __hash__ = None  # type: ignore[assignment]
