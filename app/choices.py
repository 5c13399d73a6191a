"""Choices for select, radio and checkbox fields, in the form WTForms 3.3+ expects."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms.fields.choices import SelectChoice


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """[(value, label), …] → SelectChoice objects."""
    return [SelectChoice(value, str(label)) for value, label in pairs]


def label_of(field, value: Any) -> str:
    """The label of the option whose value is `value` ('' when none)."""
    return next((c.label for c in field.choices if str(c.value) == str(value)), "")
