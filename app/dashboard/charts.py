"""Geometry of the dashboard's server-drawn SVG bar charts: where each row sits and how long each bar (or stacked
segment) is. Rows are laid out in pixels and lengths in percent of the width, so the SVG needs no viewBox:
its text keeps its real size on a phone while the bars stretch to whatever width there is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ROW_HEIGHT = 44  # a line of text (label and value), then the bar
TEXT_BASELINE = 15
BAR_Y = 21
BAR_HEIGHT = 16
MIN_PERCENT = 0.6  # a value above zero always shows as a sliver


@dataclass(frozen=True)
class DrawnBar:
    item: Any  # the figure's Bar (or Week)
    y: int
    percent: float


@dataclass(frozen=True)
class Segment:
    series: int  # index of the series: its colour class and legend entry
    label: str
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class DrawnStack:
    week: Any
    y: int
    segments: tuple[Segment, ...]


def chart_height(rows: int) -> int:
    return max(rows, 1) * ROW_HEIGHT


def _percent(value: float, largest: float) -> float:
    if value <= 0 or largest <= 0:
        return 0.0
    return round(max(value / largest * 100, MIN_PERCENT), 2)


def bar_rows(bars: Sequence[Any]) -> list[DrawnBar]:
    """One row per bar; the largest value spans the full width."""
    largest = max((bar.value for bar in bars), default=0)
    return [DrawnBar(bar, i * ROW_HEIGHT, _percent(bar.value, largest)) for i, bar in enumerate(bars)]


def stacked_rows(weekly: Any) -> list[DrawnStack]:
    """One row per week; its segments (one per series with orders that week) side by side, scaled so the
    busiest week spans the full width."""
    largest = max((week.total for week in weekly.weeks), default=0)
    rows = []
    for i, week in enumerate(weekly.weeks):
        x, segments = 0.0, []
        for s, series in enumerate(weekly.series):
            count = series.counts[i]
            if count:
                width = min(_percent(count, largest), round(100 - x, 2))
                segments.append(Segment(s, series.label, count, round(x, 2), width))
                x += width
        rows.append(DrawnStack(week, i * ROW_HEIGHT, tuple(segments)))
    return rows


GEOMETRY = {
    "bar_rows": bar_rows,
    "stacked_rows": stacked_rows,
    "chart_height": chart_height,
    "TEXT_BASELINE": TEXT_BASELINE,
    "BAR_Y": BAR_Y,
    "BAR_HEIGHT": BAR_HEIGHT,
}
