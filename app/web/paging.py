"""A list page of the request: the cursor its link carries (see app.paging), and the query string its other links
keep."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import Select

from app.extensions import db
from app.paging import Page, keyset_page


def list_page(query: Select[Any], per_page: int, counted: Select[Any] | None = None) -> Page:
    """The page of `query` the request's link asks for (the first without a cursor); `counted` gives its total
    when that is cheaper to count another way (the same rows)."""
    return keyset_page(db.session, query, cursor=request.args.get("cursor"), per_page=per_page, counted=counted)


def kept_args() -> dict[str, str]:
    """The request's filters, without its place in the list: a link to another page, or a new filter, adds its own."""
    return {k: v for k, v in request.args.items() if k not in ("page", "cursor") and v}
