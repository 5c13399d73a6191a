"""Company settings: reading and changing them, upgrade eligibility per person, and the company logo."""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app

from app import file_types
from app.database import DbSession
from app.models import SETTING_DEFAULTS, Setting, StoredFile, User, get_setting
from app.models.catalog import SETTINGS_READ

LOGO_PATH = "/company/logo/{file_id}"  # served by app/admin/branding.py; emails need it without a request
LOGO_MAX_BYTES = 512 * 1024
# What an uploaded logo may be, told by its first bytes (app.file_types).
LOGO_TYPES = frozenset({"image/png", "image/jpeg", "image/gif"})


def set_setting(session: DbSession, key: str, value: Any) -> bool:
    """Store a company setting (the caller commits). True when the value changed. Unknown keys are refused."""
    if key not in SETTING_DEFAULTS:
        raise KeyError(f"No company setting called {key!r}")
    session.info.pop(SETTINGS_READ, None)  # what get_setting read in this transaction is no longer true
    row = session.get(Setting, key)
    if row is None:
        if value == SETTING_DEFAULTS[key]:
            return False
        session.add(Setting(key=key, value=value))
        return True
    if row.value == value:
        return False
    row.value = value
    return True


def upgrade_months_for(user: User) -> int:
    """Months after activation before `user` may upgrade a device: the shortest wait among their groups'
    overrides (the most generous rule wins), else the company-wide setting."""
    overrides = [g.upgrade_eligibility_months for g in user.groups if g.upgrade_eligibility_months is not None]
    return min(overrides) if overrides else int(get_setting("upgrade_eligibility_months"))


def upgrade_eligible_from(user: User, activated_on: date) -> date:
    """The first day `user` may upgrade a device activated on `activated_on`."""
    return add_months(activated_on, upgrade_months_for(user))


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (Jan 31 + 1 month → Feb 28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# ---------------------------------------------------------------- the company logo
class LogoRefused(ValueError):
    """The upload is not a logo we will store; the message says why, for the person who uploaded it."""


@dataclass(frozen=True)
class Logo:
    file_id: int
    content_type: str


def logo_type(data: bytes) -> str:
    """The image type of an upload, or LogoRefused."""
    if not data:
        raise LogoRefused("The file is empty. Choose a PNG, JPEG or GIF image.")
    if len(data) > LOGO_MAX_BYTES:
        raise LogoRefused(f"The logo must be {LOGO_MAX_BYTES // 1024} KB or smaller.")
    content_type = file_types.sniff(data)
    if content_type in LOGO_TYPES:
        return content_type
    raise LogoRefused("Upload a PNG, JPEG or GIF image.")


def set_company_logo(session: DbSession, data: bytes, filename: str, uploaded_by: User | None) -> StoredFile:
    """Store a new company logo in the database and make it current (the previous one is deleted)."""
    content_type = logo_type(data)
    stored = StoredFile(
        filename=filename[:200] or "logo",
        content_type=content_type,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=uploaded_by,
    )
    session.add(stored)
    session.flush()
    _delete_current_logo(session)
    set_setting(session, "company_logo_file_id", stored.id)
    return stored


def remove_company_logo(
    session: DbSession,
) -> bool:
    """No logo any more; True when there was one."""
    had = _delete_current_logo(session)
    set_setting(session, "company_logo_file_id", None)
    return had


def _delete_current_logo(session: DbSession) -> bool:
    file_id = get_setting("company_logo_file_id")
    current = session.get(StoredFile, file_id) if file_id else None
    if current is not None:
        session.delete(current)
    return current is not None


def company_logo_url(absolute: bool = False) -> str | None:
    """Where the current logo is served (None: no logo). `absolute` gives a full URL for emails (BASE_URL)."""
    file_id = get_setting("company_logo_file_id")
    if not file_id:
        return None
    path = LOGO_PATH.format(file_id=file_id)
    return current_app.config["BASE_URL"] + path if absolute else path
