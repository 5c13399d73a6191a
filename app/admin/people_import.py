"""Importing employees from the HR system's CSV file: every row read and checked first (the preview), then
applied all or nothing: people created or updated, with their departments, cost centers and managers.

Rows are numbered as a spreadsheet shows them (the header is row 1), and every refusal names its row.
People who are not in the file are left as they are.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.admin.audit import record_audit
from app.database import DbSession
from app.models import CostCenter, Department, User

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000

# Our name for each column, and the headings HR files use for it (compared without case, spaces or punctuation).
COLUMNS: dict[str, tuple[str, ...]] = {
    "employee_id": ("employee id", "employee number", "employee no", "employee"),
    "name": ("name", "full name", "employee name"),
    "email": ("email", "email address", "work email"),
    "manager_email": ("manager email", "manager email address", "manager"),
    "department": ("department", "dept"),
    "cost_center": ("cost center", "cost centre", "cost center code", "cost centre code"),
}
COLUMN_WORDS = {
    "employee_id": "employee id",
    "name": "name",
    "email": "email",
    "manager_email": "manager email",
    "department": "department",
    "cost_center": "cost center",
}

Key = tuple[str, int]  # a person in the resulting company: ("user", id) for someone known, ("row", n) for a new one


class ImportRefused(ValueError):
    """The file has errors: nothing was imported."""


@dataclass
class ImportRow:
    number: int
    employee_id: str = ""
    name: str = ""
    email: str = ""
    manager_email: str = ""
    department: str = ""
    cost_center: str = ""
    errors: list[str] = field(default_factory=list)
    person: User | None = None  # the person it updates; None: a new person
    changes: list[str] = field(default_factory=list)  # what it changes for that person, in words
    manager_unreadable: bool = False  # the manager email is not an email address (said once, not twice)

    @property
    def who(self) -> str:
        return self.name or self.email or "no name"

    @property
    def action(self) -> str:
        if self.errors:
            return "Refused"
        if self.person is None:
            return "New"
        return "Update" if self.changes else "No change"

    def named(self, message: str) -> str:
        return f"Row {self.number} ({self.who}): {message}"


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # about the file as a whole
    new_departments: list[str] = field(default_factory=list)
    new_cost_centers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems and not any(row.errors for row in self.rows)

    @property
    def errors(self) -> list[str]:
        """Every reason the file is refused, each naming its row."""
        return self.problems + [row.named(e) for row in self.rows for e in row.errors]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


# ---------------------------------------------------------------- reading and checking
def preview_import(session: DbSession, data: bytes) -> ImportPreview:
    """Read the file and check every row against the file itself and the people already in Dialtone."""
    preview = ImportPreview()
    text = _decode(data, preview)
    if text is None:
        return preview
    rows = _read_rows(text, preview)
    if preview.problems:
        return preview
    preview.rows = rows
    people = list(
        session.scalars(select(User).options(joinedload(User.department), joinedload(User.cost_center))).unique().all()
    )
    _check_values(rows)
    _match_people(rows, people)
    keys, names = _check_managers(rows, people)
    _check_loops(rows, people, keys, names)
    _describe_changes(session, rows, preview, people)
    return preview


def _decode(data: bytes, preview: ImportPreview) -> str | None:
    if len(data) > MAX_BYTES:
        preview.problems.append(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: import it in parts.")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        preview.problems.append('The file is not UTF-8 text. In your spreadsheet, save it as "CSV UTF-8".')
        return None


def _squash(heading: str) -> str:
    return "".join(ch for ch in heading.lower() if ch.isalnum())


def _read_rows(text: str, preview: ImportPreview) -> list[ImportRow]:
    records = list(csv.reader(io.StringIO(text, newline="")))
    while records and not any(cell.strip() for cell in records[0]):
        records.pop(0)
    if not records:
        preview.problems.append("The file is empty: it needs a row of column names, then one row per person.")
        return []
    wanted = {_squash(h): name for name, headings in COLUMNS.items() for h in headings}
    positions: dict[str, int] = {}
    for index, heading in enumerate(records[0]):
        name = wanted.get(_squash(heading))
        if name and name not in positions:
            positions[name] = index
    missing = [COLUMN_WORDS[name] for name in COLUMNS if name not in positions]
    if missing:
        preview.problems.append("The first row must name the columns; missing: " + ", ".join(missing) + ".")
        return []
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        values = {name: (record[i].strip() if i < len(record) else "") for name, i in positions.items()}
        rows.append(
            ImportRow(
                number=number,
                employee_id=values.get("employee_id", ""),
                name=values.get("name", ""),
                email=values.get("email", ""),
                manager_email=values.get("manager_email", ""),
                department=values.get("department", ""),
                cost_center=values.get("cost_center", ""),
            )
        )
    if not rows:
        preview.problems.append("The file has column names but no people.")
    elif len(rows) > MAX_ROWS:
        preview.problems.append(f"The file has {len(rows)} people: import at most {MAX_ROWS} at a time.")
    return rows


def _valid_email(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


# Line breaks and other control characters (NUL among them) in a cell: a name with a line break makes every
# email to that person fail (an address header cannot hold one), and no database stores a NUL.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _check_values(rows: list[ImportRow]) -> None:
    first_row_of: dict[tuple[str, str], int] = {}
    for row in rows:
        for column in ("employee_id", "name", "email", "manager_email", "department", "cost_center"):
            if CONTROL.search(getattr(row, column)):
                row.errors.append(
                    f"the {COLUMN_WORDS[column]} contains a line break or another control character: "
                    "keep each value on one line."
                )
                setattr(row, column, CONTROL.sub(" ", getattr(row, column)))  # shown, never stored
        for column in ("employee_id", "name", "email"):
            if not getattr(row, column):
                row.errors.append(f"the {COLUMN_WORDS[column]} is empty.")
        if row.email:
            email = _valid_email(row.email)
            if email is None:
                row.errors.append(f"“{row.email}” is not a valid email address.")
            else:
                row.email = email
        if row.manager_email:
            manager_email = _valid_email(row.manager_email)
            if manager_email is None:
                row.errors.append(f"the manager email “{row.manager_email}” is not a valid email address.")
                row.manager_unreadable = True
            else:
                row.manager_email = manager_email
                if manager_email == row.email:
                    row.errors.append("a person cannot be their own manager.")
        for column in ("email", "employee_id"):
            value = getattr(row, column).lower()
            if not value:
                continue
            earlier = first_row_of.setdefault((column, value), row.number)
            if earlier != row.number:
                row.errors.append(f"{COLUMN_WORDS[column]} {getattr(row, column)} is also on row {earlier}.")
        if len(row.name) > 120:
            row.errors.append("the name is longer than 120 characters.")


def _match_people(rows: list[ImportRow], people: list[User]) -> None:
    """Find the person each row updates: by employee id, else by email; refuse rows that mix up two people."""
    by_number = {p.employee_number: p for p in people if p.employee_number}
    by_email = {p.email.lower(): p for p in people}
    for row in rows:
        by_id = by_number.get(row.employee_id)
        owner = by_email.get(row.email)
        if by_id is not None:
            row.person = by_id
            if owner is not None and owner is not by_id:
                row.errors.append(
                    f"the email {row.email} belongs to {owner.name} "
                    f"(employee {owner.employee_number or 'without an id'}), not to employee "
                    f"{row.employee_id}."
                )
        elif owner is not None:
            if owner.employee_number and owner.employee_number != row.employee_id:
                row.errors.append(
                    f"the email {row.email} belongs to {owner.name}, whose employee id is "
                    f"{owner.employee_number}, not {row.employee_id}."
                )
            else:
                row.person = owner
    claimed: dict[int, ImportRow] = {}
    for row in rows:
        if row.person is not None:
            earlier = claimed.setdefault(row.person.id, row)
            if earlier is not row:
                row.errors.append(f"row {earlier.number} is also {row.person.name}: one row per person.")


def _key(row: ImportRow) -> Key:
    return ("user", row.person.id) if row.person is not None else ("row", row.number)


def _check_managers(rows: list[ImportRow], people: list[User]) -> tuple[dict[str, Key], dict[Key, str]]:
    """Every manager email must be someone in the file or in Dialtone, and active."""
    keys: dict[str, Key] = {p.email.lower(): ("user", p.id) for p in people}
    names: dict[Key, str] = {("user", p.id): p.name for p in people}
    active = {("user", p.id): p.active for p in people}
    for row in rows:
        if row.email:
            keys[row.email] = _key(row)
            names[_key(row)] = row.who
            active[_key(row)] = row.person.active if row.person is not None else True
    for row in rows:
        if not row.manager_email or row.manager_email == row.email or row.manager_unreadable:
            continue
        manager = keys.get(row.manager_email)
        if manager is None:
            row.errors.append(f"the manager email {row.manager_email} is not in the file or in Dialtone.")
        elif not active.get(manager, True):
            row.errors.append(f"the manager {names[manager]} ({row.manager_email}) is deactivated.")
    return keys, names


def _check_loops(rows: list[ImportRow], people: list[User], keys: dict[str, Key], names: dict[Key, str]) -> None:
    """Walk up each row's chain in the company as it would be after the import; refuse rows in a loop."""
    manager_of: dict[Key, Key | None] = {
        ("user", p.id): ("user", p.manager_id) if p.manager_id else None for p in people
    }
    for row in rows:
        if row.email:
            manager_of[_key(row)] = keys.get(row.manager_email) if row.manager_email else None
    for row in rows:
        start = _key(row)
        chain, current = [start], manager_of.get(start)
        while current is not None and current not in chain:
            chain.append(current)
            current = manager_of.get(current)
        if current == start and len(chain) > 1:
            path = " → ".join(names.get(k, "?") for k in [*chain, start])
            row.errors.append(f"the management chain loops: {path}.")


def _describe_changes(session: DbSession, rows: list[ImportRow], preview: ImportPreview, people: list[User]) -> None:
    departments = {d.name.lower(): d for d in session.scalars(select(Department))}
    cost_centers = _cost_center_lookup(session)
    new_departments: dict[str, str] = {}
    new_cost_centers: dict[str, str] = {}
    emails_by_id = {p.id: p.email.lower() for p in people}
    for row in rows:
        if row.department and row.department.lower() not in departments:
            new_departments.setdefault(row.department.lower(), row.department)
        if row.cost_center and row.cost_center.lower() not in cost_centers:
            new_cost_centers.setdefault(row.cost_center.lower(), row.cost_center)
        person = row.person
        if person is None or row.errors:
            continue
        manager_email = emails_by_id.get(person.manager_id) if person.manager_id else ""
        department = person.department.name if person.department else ""
        current_cc = person.cost_center
        same_cc = (not row.cost_center and current_cc is None) or (
            current_cc is not None and row.cost_center.lower() in {current_cc.code.lower(), current_cc.name.lower()}
        )
        for word, old, new in (
            ("name", person.name, row.name),
            ("email", person.email.lower(), row.email),
            ("employee id", person.employee_number or "", row.employee_id),
            ("department", department.lower(), row.department.lower()),
            ("manager", manager_email or "", row.manager_email),
        ):
            if old != new:
                row.changes.append(word)
        if not same_cc:
            row.changes.append("cost center")
    preview.new_departments = sorted(new_departments.values(), key=str.lower)
    preview.new_cost_centers = sorted(new_cost_centers.values(), key=str.lower)


def _cost_center_lookup(session: DbSession) -> dict[str, CostCenter]:
    """Cost centers by code and by name (lowercase): HR files give either."""
    lookup: dict[str, CostCenter] = {}
    for cc in session.scalars(select(CostCenter)):
        lookup.setdefault(cc.name.lower(), cc)
        lookup[cc.code.lower()] = cc
    return lookup


# ---------------------------------------------------------------- applying
def apply_import(session: DbSession, preview: ImportPreview, actor: User) -> ImportResult:
    """Create and update everyone in the file, then their managers; the caller commits (all or nothing)."""
    if not preview.ok:
        raise ImportRefused("The file has errors, so nothing was imported: " + " ".join(preview.errors[:3]))
    departments = {d.name.lower(): d for d in session.scalars(select(Department))}
    cost_centers = _cost_center_lookup(session)
    for name in preview.new_departments:
        departments[name.lower()] = Department(name=name)
        session.add(departments[name.lower()])
    for code in preview.new_cost_centers:
        cost_centers[code.lower()] = CostCenter(code=code[:40], name=code[:120])
        session.add(cost_centers[code.lower()])
    people_by_email: dict[str, User] = {}
    created, updated, unchanged = [], [], 0
    for row in preview.rows:
        person = row.person
        if person is None:
            person = User(active=True)
            session.add(person)
            created.append(row.email)
        elif row.changes:
            updated.append(row.email)
        else:
            unchanged += 1
        person.employee_number, person.name, person.email = row.employee_id, row.name, row.email
        person.department = departments[row.department.lower()] if row.department else None
        person.cost_center = cost_centers[row.cost_center.lower()] if row.cost_center else None
        people_by_email[row.email] = person
    session.flush()
    for row in preview.rows:
        manager = None
        if row.manager_email:
            manager = people_by_email.get(row.manager_email) or session.scalar(
                select(User).where(User.email == row.manager_email)
            )
        # By id, not through the relationship: a file may have two people change places, which the ORM would
        # refuse to write (a circle of rows), and which the org chart settles before the commit.
        people_by_email[row.email].manager_id = manager.id if manager is not None else None
    details: dict[str, Any] = {"created": created, "updated": updated, "unchanged": unchanged}
    if preview.new_departments:
        details["new_departments"] = preview.new_departments
    if preview.new_cost_centers:
        details["new_cost_centers"] = preview.new_cost_centers
    record_audit(session, actor, "people.import", f"{len(preview.rows)} rows from the HR file", **details)
    session.flush()
    for person in people_by_email.values():
        session.expire(person, ["manager", "reports"])  # read again from the ids just written
    return ImportResult(created=len(created), updated=len(updated), unchanged=unchanged)
