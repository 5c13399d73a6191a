"""The audit log of administrative changes: one helper writes every entry, in the change's own transaction."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect

from app.database import DbSession
from app.models import AuditEntry, User

# Never written to the log, even as "changed from … to …".
SECRET_FIELDS = {"webhook_secret_encrypted", "api_secret_encrypted", "password_hash", "data"}

VERBS = {
    "create": "added",
    "update": "changed",
    "retire": "retired",
    "restore": "restored",
    "rotate_secret": "webhook secret rotated",
    "deactivate": "deactivated",
    "reactivate": "reactivated",
    "import": "imported",
    "remove": "removed",
}


def record_audit(session: DbSession, actor: User | None, action: str, target: object, **details: Any) -> AuditEntry:
    """Add an audit entry (who, what, to what, details) to the session; the caller's commit saves it with
    the change itself, so a change is never saved without its entry nor an entry without its change."""
    if actor is not None and hasattr(actor, "_get_current_object"):  # Flask-Login's current_user proxy
        actor = actor._get_current_object()
    entry = AuditEntry(
        actor=actor,
        action=action,
        target=str(target)[:200],
        details={key: _plain(value) for key, value in details.items()},
    )
    session.add(entry)
    return entry


def action_label(action: str) -> str:
    """'device_model.create' → 'Device model added'."""
    noun, _, verb = action.partition(".")
    return f"{noun.replace('_', ' ').capitalize()} {VERBS.get(verb, verb.replace('_', ' '))}".strip()


def snapshot(obj: object, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The object's column values (secrets left out) plus `extra`, as plain JSON values, for `changes`."""
    values = {
        attr.key: _plain(getattr(obj, attr.key))
        for attr in inspect(obj).mapper.column_attrs
        if attr.key not in SECRET_FIELDS and attr.key != "id"
    }
    values.update({key: _plain(value) for key, value in (extra or {}).items()})
    return values


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for what differs."""
    return {key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set) else items
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
