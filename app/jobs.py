"""RQ job functions: thin, each one an app context around a domain call."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

_app = None


def _application():
    """One app per worker process, created on first use (the worker imports this module, not the app)."""
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


def in_app_context(func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from flask import has_app_context

        if has_app_context():
            return func(*args, **kwargs)
        with _application().app_context():
            return func(*args, **kwargs)

    return wrapper


@in_app_context
def ping(note: str = "") -> dict[str, Any]:
    """A trivial job that proves the worker reaches the database: counts the users."""
    from app.extensions import db
    from app.models import User

    return {"users": db.session.query(User).count(), "note": note}
