"""Who may do what: the one place role checks live (views use `require`, templates use `can`)."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import abort
from flask_login import current_user, login_required

from app.models import Role, User

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
