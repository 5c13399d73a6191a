"""One template serves a page and its HTMX fragment: the whole page on a plain GET, one block for HTMX."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from jinja2_fragments.flask import render_block

from app import clock
from app.extensions import htmx
from app.reports.filters import ReportFilter, default_period


def page_or_fragment(template: str, block: str, **context: Any) -> str:
    if htmx and not htmx.boosted:
        return render_block(template, block, **context)
    return render_template(template, **context)


def filters_from(args, *, fields: tuple[str, ...] | None = None, with_default_period: bool = False) -> ReportFilter:
    """The request's filters (only `fields` of them, when given), in the company's time zone."""
    tz = current_app.config["COMPANY_TIMEZONE"]
    if fields is not None:
        args = {key: args[key] for key in fields if key in args}
    period = default_period(clock.today()) if with_default_period else None
    return ReportFilter.from_args(args, tz=tz, default_period=period)
