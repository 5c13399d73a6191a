"""Who may do what: the one place role checks live (views use `require`, templates use `can`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from app.models import Role, Sim, User

# Each area of the portal and who may enter it.
AREAS: dict[str, Callable[[User], bool]] = {
    "order": lambda u: True,
    "approve": lambda u: u.is_approver,
    "inventory": lambda u: u.is_helpdesk,
    "fulfillment": lambda u: u.is_fulfillment,
    "dashboard": lambda u: u.is_fulfillment or u.has_role(Role.ADMIN),
    "admin": lambda u: u.is_admin,
}


def can(area: str, user: User | None = None) -> bool:
    user = user if user is not None else current_user
    return bool(user and user.is_authenticated and AREAS[area](user))


def require(area: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: login required, then 403 unless the person may enter `area`."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not can(area):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def owner_id(record: Any) -> int | None:
    """Whose inventory record this is: the employee of a line, device or stipend, the line's for a SIM."""
    if isinstance(record, User):
        return record.id
    if isinstance(record, Sim):
        return record.line.employee_id if record.line is not None else None
    return getattr(record, "employee_id", None)


def may_view(record: Any, user: User | None = None) -> bool:
    """Helpdesk and admins see every inventory record; everyone else only their own."""
    user = user if user is not None else current_user
    if can("inventory", user):
        return True
    return bool(user and user.is_authenticated and owner_id(record) == user.id)


def viewable_or_404(record: Any) -> Any:
    """The record, if the person may see it; 404 otherwise, so a guessed URL does not even confirm it exists."""
    if record is None or not may_view(record):
        abort(404)
    return record
