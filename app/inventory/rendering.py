"""One template for a page and its HTMX fragments: the fragment is a block of the page's template."""
from __future__ import annotations

from typing import Any

from flask import render_template
from jinja2_fragments.flask import render_block

from app.extensions import htmx


def page_or_block(template: str, block: str, target: str, **context: Any) -> str:
    """The block alone when HTMX asks to fill the element `target`; the whole page otherwise (a plain GET, a
    pushed URL reloaded, or HTMX restoring history)."""
    if htmx and htmx.target == target and not htmx.history_restore_request:
        return render_block(template, block, **context)
    return render_template(template, **context)
