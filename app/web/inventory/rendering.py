"""Rendering inventory pages: a page and its HTMX fragments from one template (the fragment is a block of it),
and ids in URLs that no row could have answered with 404."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template
from jinja2_fragments.flask import render_block

from app.extensions import htmx
from app.web.inventory import bp


def page_or_block(template: str, block: str, target: str, **context: Any) -> str:
    """The block alone when HTMX asks to fill the element `target`; the whole page otherwise (a plain GET, a
    pushed URL reloaded, or HTMX restoring history)."""
    if htmx and htmx.target == target and not htmx.history_restore_request:
        return render_block(template, block, **context)
    return render_template(template, **context)


@bp.url_value_preprocessor
def ids_in_range(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """An id no row can have (past a 32-bit integer) is simply not found, rather than a database error."""
    for name, value in (values or {}).items():
        if name.endswith("_id") and isinstance(value, int) and value > 2**31 - 1:
            abort(404)
