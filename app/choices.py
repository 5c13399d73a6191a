"""Choices for select, radio and checkbox fields, in the form WTForms 3.3+ expects."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import SearchField
from wtforms.fields.choices import SelectChoice


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """[(value, label), …] → SelectChoice objects."""
    return [SelectChoice(value, str(label)) for value, label in pairs]


def label_of(field, value: Any) -> str:
    """The label of the option whose value is `value` ('' when none)."""
    return next((c.label for c in field.choices if str(c.value) == str(value)), "")


SEARCH_HINT = "Any word of their name or email, or their employee number; then choose below."


class PersonSearchField(SearchField):
    """A search box that finds the people offered by the select named `feeds` (a company has too many people to
    list them all). Drawn by the `person_search` macro: it asks as one types, and has a button that finds them
    without JavaScript."""

    def __init__(self, label: str, feeds: str, **kwargs: Any) -> None:
        kwargs.setdefault("description", SEARCH_HINT)
        super().__init__(label, **kwargs)
        self.feeds = feeds
        self.found_nobody = False

    def offer(self, select: Any, people: Iterable[Any], *, matched: bool, empty: str = "Choose a person") -> None:
        """Give the select this box feeds the people to offer (`empty` first, then each as "Name · email"), and
        remember whether what was typed found nobody (the macro says so beside the box)."""
        select.choices = [SelectChoice("", empty)] + [SelectChoice(p.id, f"{p.name} · {p.email}") for p in people]
        self.found_nobody = bool((self.data or "").strip()) and not matched
