"""Column types shared by the models."""

import enum

from sqlalchemy import Enum


def enum_column(cls: type[enum.Enum]) -> Enum:
    """A portable enum column that stores each member's value (a plain string, no native DB enum)."""
    return Enum(cls, native_enum=False, length=30, values_callable=lambda e: [m.value for m in e])
