"""Importing lines and devices from a CSV file (the kind a carrier's portal exports): every row is checked
first, with each error named by row and column; then every row is applied in one transaction, or none.

A row is one line of service, matched by its number among active and suspended lines (created when none
matches), with the device on it (matched by IMEI) and its SIM (matched by ICCID). A blank cell leaves what
is recorded as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import formatting
from app.database import DbSession
from app.identifiers import InvalidIdentifier, make_iccid, make_imei, parse_iccid, parse_imei, parse_phone
from app.inventory.history import apply_changes, records_created
from app.models import (
    Carrier,
    CostCenter,
    Device,
    DeviceModel,
    DeviceStatus,
    Line,
    LineStatus,
    Plan,
    Sim,
    SimKind,
    User,
)

COLUMNS = (
    "phone_number",
    "carrier",
    "account_number",
    "plan",
    "line_status",
    "employee_email",
    "cost_center",
    "activated_on",
    "imei",
    "serial",
    "device_model",
    "iccid",
)
REQUIRED_COLUMNS = ("phone_number", "carrier")
# Other names carriers' portals use for the same columns.
ALIASES = {
    "number": "phone_number",
    "phone": "phone_number",
    "wireless_number": "phone_number",
    "mobile_number": "phone_number",
    "mdn": "phone_number",
    "status": "line_status",
    "email": "employee_email",
    "employee": "employee_email",
    "model": "device_model",
    "sim": "iccid",
    "serial_number": "serial",
    "activation_date": "activated_on",
    "plan_name": "plan",
    "account": "account_number",
}
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
ERRORS_KEPT = 500
CHUNK = 500
LIVE = (LineStatus.ACTIVE, LineStatus.SUSPENDED)


class ImportFileError(ValueError):
    """The file as a whole cannot be read as a CSV of lines (the message says why and what to do)."""


class ImportRefused(Exception):
    """Rows have errors: nothing was imported."""

    def __init__(self, checked: CheckedFile) -> None:
        super().__init__(f"{checked.error_count} errors")
        self.checked = checked


@dataclass
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class PlannedRow:
    """One checked row: what it will create or change."""

    row: int
    number: str
    carrier: Carrier
    account_number: str
    plan: Plan | None
    status: LineStatus | None
    employee: User | None
    cost_center: CostCenter | None
    activated_on: date | None
    imei: str | None
    serial: str
    model: DeviceModel | None
    iccid: str | None
    line: Line | None = None  # the live line with this number, if there is one
    device: Device | None = None  # the device with this IMEI, if there is one
    sim: Sim | None = None  # the SIM with this ICCID, if there is one


@dataclass
class CheckedFile:
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    row_count: int = 0

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def ok(self) -> bool:
        return self.row_count > 0 and not self.errors

    def plan_summary(self) -> dict[str, int]:
        """What importing would do: lines and devices to create and to update."""
        return {
            "lines_created": sum(1 for r in self.rows if r.line is None),
            "lines_updated": sum(1 for r in self.rows if r.line is not None),
            "devices_created": sum(1 for r in self.rows if r.imei and r.device is None),
            "devices_updated": sum(1 for r in self.rows if r.device is not None),
            "sims_created": sum(1 for r in self.rows if r.iccid and r.sim is None),
        }

    def errors_kept(self) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self.errors[:ERRORS_KEPT]]


# ------------------------------------------------------------------ reading the file
def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without the BOM spreadsheets add)."""
    if not data.strip():
        raise ImportFileError("The file is empty. Download the template, fill it in and upload it again.")
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it into smaller files.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError("The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8”.") from None
    if "\x00" in text:  # no database stores it, and no spreadsheet writes it: not a CSV file
        row = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportFileError(
            f"The file contains a NUL character (on line {row}): it is not a CSV text file. Save it from your "
            "spreadsheet as “CSV UTF-8” and upload it again."
        )
    return text


def read_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header's columns (named as this importer names them) and each non-blank row with its row number."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("The file is empty. Download the template, fill it in and upload it again.") from None
    except csv.Error as error:
        raise ImportFileError(f"The file is not a readable CSV: {error}.") from None
    columns = [_column_name(name) for name in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ImportFileError(
            f"The file has no {' or '.join(missing)} column. The first row must name the "
            f"columns, as in the template: {', '.join(COLUMNS)}."
        )
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for index, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            rows.append(
                (
                    index,
                    {
                        col: (cells[i].strip() if i < len(cells) else "")
                        for i, col in enumerate(columns)
                        if col in COLUMNS
                    },
                )
            )
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows; split it into smaller files.")
    except csv.Error as error:
        raise ImportFileError(f"The file is not a readable CSV (near row {reader.line_num}): {error}.") from None
    return columns, rows


def _column_name(name: str) -> str:
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    return ALIASES.get(key, key)


# ------------------------------------------------------------------ checking
class _Known:
    """What the rows refer to, loaded in a few queries for the whole file (never a query per row)."""

    def __init__(self, session: DbSession, rows: list[tuple[int, dict[str, str]]]) -> None:
        self.parse = {
            "phone_number": _remembering(parse_phone),
            "imei": _remembering(parse_imei),
            "iccid": _remembering(parse_iccid),
        }
        self.carriers: dict[str, Carrier] = {}
        for carrier in session.scalars(select(Carrier)):
            self.carriers[carrier.code.lower()] = carrier
            self.carriers[carrier.name.lower()] = carrier
        self.plans = {(p.carrier_id, p.name.lower()): p for p in session.scalars(select(Plan))}
        self.cost_centers = {c.code.lower(): c for c in session.scalars(select(CostCenter))}
        self.models: dict[str, list[DeviceModel]] = {}
        for model in session.scalars(select(DeviceModel)):
            for name in {f"{model.maker} {model.name}".lower(), str(model).lower()}:
                self.models.setdefault(name, []).append(model)
        emails = {r.get("employee_email", "").lower() for _, r in rows} - {""}
        self.people = {
            u.email.lower(): u
            for u in _in_chunks(session, emails, lambda chunk: select(User).where(func.lower(User.email).in_(chunk)))
        }
        numbers = {_quiet(self.parse["phone_number"], r.get("phone_number", "")) for _, r in rows} - {None}
        self.lines = {
            line.number: line
            for line in _in_chunks(
                session,
                numbers,
                lambda chunk: (
                    select(Line).where(Line.number.in_(chunk), Line.status.in_(LIVE)).options(joinedload(Line.employee))
                ),
            )
        }
        imeis = {_quiet(self.parse["imei"], r.get("imei", "")) for _, r in rows} - {None}
        self.devices = {
            d.imei: d
            for d in _in_chunks(
                session,
                imeis,
                lambda chunk: select(Device).where(Device.imei.in_(chunk)).options(joinedload(Device.model)),
            )
        }
        device_ids = {d.id for d in self.devices.values()}
        self.lines_by_device = {
            line.device_id: line
            for line in _in_chunks(
                session,
                device_ids,
                lambda chunk: (
                    select(Line)
                    .where(Line.device_id.in_(chunk), Line.status.in_(LIVE))
                    .options(joinedload(Line.employee))
                ),
            )
        }
        iccids = {_quiet(self.parse["iccid"], r.get("iccid", "")) for _, r in rows} - {None}
        self.sims = {
            s.iccid: s
            for s in _in_chunks(
                session,
                iccids,
                lambda chunk: (
                    select(Sim).where(Sim.iccid.in_(chunk)).options(joinedload(Sim.line).joinedload(Line.employee))
                ),
            )
        }


def _in_chunks(
    session: DbSession, values: Iterable[Any], query: Callable[[list[Any]], Any], size: int = 500
) -> Iterator[Any]:
    items = list(values)
    for start in range(0, len(items), size):
        yield from session.scalars(query(items[start : start + size])).unique()


def _remembering(parse: Callable[[str], str]) -> Callable[[str], str]:
    """`parse`, remembering each answer (a file's numbers are read twice: to look them up, then per row)."""
    answers: dict[str, tuple[str | None, InvalidIdentifier | None]] = {}

    def parse_once(value: str) -> str:
        if value not in answers:
            try:
                answers[value] = (parse(value), None)
            except InvalidIdentifier as refused:
                answers[value] = (None, refused)
        parsed, error = answers[value]
        if error is not None:
            raise error
        assert parsed is not None  # parsed, since it was not refused
        return parsed

    return parse_once


def _quiet(parse: Callable[[str], str], value: str) -> str | None:
    try:
        return parse(value) if value else None
    except InvalidIdentifier:
        return None


def check_csv(session: DbSession, text: str) -> CheckedFile:
    """Check every row against the rules and the inventory as it is now (ImportFileError for a bad file)."""
    _, rows = read_rows(text)
    known = _Known(session, rows)
    checked = CheckedFile(row_count=len(rows))
    seen: dict[str, dict[str, int]] = {"phone_number": {}, "imei": {}, "iccid": {}}
    for row_number, cells in rows:
        planned, errors = _check_row(row_number, cells, known, seen)
        checked.errors.extend(errors)
        if planned is not None:
            checked.rows.append(planned)
    if not rows:
        checked.errors.append(RowError(1, "", "", "The file has a header but no rows to import."))
    return checked


def _check_row(
    row: int, cells: dict[str, str], known: _Known, seen: dict[str, dict[str, int]]
) -> tuple[PlannedRow | None, list[RowError]]:
    check = _RowCheck(row, cells, known, seen)
    line = check.line_part()
    device = check.device_part(line.get("line"))
    if check.errors or line.get("number") is None or line.get("carrier") is None:
        return None, check.errors
    return PlannedRow(row=row, **line, **device), check.errors


class _RowCheck:
    """The checks of one row, each error named by its column."""

    def __init__(self, row: int, cells: dict[str, str], known: _Known, seen: dict[str, dict[str, int]]) -> None:
        self.row, self.cells, self.known, self.seen = row, cells, known, seen
        self.errors: list[RowError] = []

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row, column, self.cells.get(column, ""), message))

    def identifier(self, column: str) -> str | None:
        """A phone number, IMEI or ICCID: valid, and in no other row of the file."""
        value = self.cells.get(column, "")
        if not value:
            return None
        try:
            parsed = self.known.parse[column](value)
        except InvalidIdentifier as error:
            self.fail(column, str(error))
            return None
        if parsed in self.seen[column]:
            self.fail(column, f"Row {self.seen[column][parsed]} has this {_label(column)} too: each may appear once.")
            return None
        self.seen[column][parsed] = self.row
        return parsed

    def found(self, column: str, table: dict[Any, Any], key: Any, message: str) -> Any:
        """What a cell names, looked up; None (and `message`) when it names nothing known."""
        if not self.cells.get(column):
            return None
        value = table.get(key)
        if value is None:
            self.fail(column, message)
        return value

    def line_part(self) -> dict[str, Any]:
        cells, known = self.cells, self.known
        if not cells.get("phone_number"):
            self.fail("phone_number", "Enter the line's phone number.")
        number = self.identifier("phone_number")
        carrier = known.carriers.get(cells.get("carrier", "").lower())
        if carrier is None:
            names = ", ".join(sorted({c.code for c in known.carriers.values()}))
            self.fail(
                "carrier",
                f"Enter the carrier: one of {names}."
                if not cells.get("carrier")
                else f"There is no carrier called “{cells['carrier']}”; use one of {names}.",
            )
        plan = None
        if carrier is not None:
            plan = self.found(
                "plan",
                known.plans,
                (carrier.id, cells.get("plan", "").lower()),
                f"{carrier.name} has no plan called “{cells.get('plan')}”.",
            )
        status = None
        if cells.get("line_status"):
            try:
                status = LineStatus(cells["line_status"].lower().replace(" ", "_"))
            except ValueError:
                self.fail("line_status", "Use active, suspended, disconnected or transferred_out.")
        activated_on = None
        if cells.get("activated_on"):
            try:
                activated_on = date.fromisoformat(cells["activated_on"])
            except ValueError:
                self.fail("activated_on", "Write the date as YYYY-MM-DD, like 2026-03-01.")
        return {
            "number": number,
            "carrier": carrier,
            "account_number": cells.get("account_number", ""),
            "plan": plan,
            "status": status,
            "activated_on": activated_on,
            "line": known.lines.get(number) if number else None,
            "employee": self.found(
                "employee_email",
                known.people,
                cells.get("employee_email", "").lower(),
                f"No one has the email {cells.get('employee_email')}.",
            ),
            "cost_center": self.found(
                "cost_center",
                known.cost_centers,
                cells.get("cost_center", "").lower(),
                f"There is no cost center {cells.get('cost_center')}.",
            ),
        }

    def device_part(self, line: Line | None) -> dict[str, Any]:
        cells, known = self.cells, self.known
        imei = self.identifier("imei")
        device = known.devices.get(imei) if imei else None
        holder = known.lines_by_device.get(device.id) if device is not None else None
        if holder is not None and holder is not line:
            self.fail("imei", f"IMEI {formatting.imei(imei)} is the device of {_whose(holder)}.")
        serial = cells.get("serial", "")
        if len(serial) > 40:
            self.fail("serial", "A serial number has at most 40 characters.")
        model = None
        if cells.get("device_model"):
            matches = known.models.get(cells["device_model"].lower(), [])
            if len(matches) == 1:
                model = matches[0]
            else:
                self.fail(
                    "device_model",
                    f"There is no device model called “{cells['device_model']}”."
                    if not matches
                    else f"More than one model is called “{cells['device_model']}”; add the storage and colour.",
                )
        elif imei and device is None:
            self.fail("device_model", "Enter the device model: this IMEI is new, so the device will be added.")
        if not cells.get("imei") and (serial or cells.get("device_model")) and (line is None or line.device is None):
            self.fail("imei", "Enter the device's IMEI: a serial or model alone cannot add a device.")
        iccid = self.identifier("iccid")
        sim = known.sims.get(iccid) if iccid else None
        if sim is not None and sim.line is not None and sim.line is not line:
            self.fail("iccid", f"ICCID {iccid} is the SIM of {_whose(sim.line)}.")
        return {"imei": imei, "serial": serial, "model": model, "device": device, "iccid": iccid, "sim": sim}


def _label(column: str) -> str:
    return {"phone_number": "phone number", "imei": "IMEI", "iccid": "ICCID"}.get(column, column)


def _whose(line: Line) -> str:
    owner = f"{line.employee.name}'s" if line.employee else "an unassigned"
    return f"{owner} line {formatting.phone(line.number)}"


# ------------------------------------------------------------------ importing
def import_csv(
    session: DbSession,
    text: str,
    *,
    actor: User | None,
    source: str = "CSV import",
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Check the file again (the inventory may have changed since the preview), then apply every row.

    Raises ImportRefused, having changed nothing, when any row has an error. The caller commits.
    """
    checked = check_csv(session, text)
    if not checked.ok:
        raise ImportRefused(checked)
    summary = {
        "lines_created": 0,
        "lines_updated": 0,
        "devices_created": 0,
        "devices_updated": 0,
        "sims_created": 0,
        "sims_updated": 0,
        "rows": checked.row_count,
    }
    total = len(checked.rows)
    for start in range(0, total, CHUNK):
        created: list[Any] = []
        for planned in checked.rows[start : start + CHUNK]:
            _apply_row(session, planned, actor, summary, created)
        session.flush()  # one batch of INSERTs for the chunk's new records
        records_created(session, created, actor=actor, note=f"created by {source}")
        if progress is not None:
            progress(min(start + CHUNK, total), total)
    session.flush()
    return summary


def _apply_row(
    session: DbSession, planned: PlannedRow, actor: User | None, summary: dict[str, int], created: list[Any]
) -> None:
    line = planned.line
    employee = planned.employee or (line.employee if line is not None else None)
    if line is None:
        line = Line(
            number=planned.number,
            carrier=planned.carrier,
            account_number=planned.account_number,
            plan=planned.plan,
            status=planned.status or LineStatus.ACTIVE,
            employee=planned.employee,
            cost_center=planned.cost_center or (employee.cost_center if employee else None),
            activated_on=planned.activated_on,
        )
        session.add(line)
        created.append(line)
        summary["lines_created"] += 1
    else:
        if apply_changes(
            session,
            line,
            _given(
                {
                    "carrier": planned.carrier,
                    "account_number": planned.account_number,
                    "plan": planned.plan,
                    "status": planned.status,
                    "employee": planned.employee,
                    "cost_center": planned.cost_center,
                    "activated_on": planned.activated_on,
                }
            ),
            actor=actor,
        ):
            summary["lines_updated"] += 1

    device = planned.device
    if planned.imei and device is None:
        device = Device(
            imei=planned.imei,
            serial=planned.serial,
            model=planned.model,
            status=DeviceStatus.ASSIGNED if employee else DeviceStatus.IN_STOCK,
            employee=employee,
            activated_on=planned.activated_on,
        )
        session.add(device)
        created.append(device)
        summary["devices_created"] += 1
    else:
        device = device or line.device
        now_assigned = planned.employee is not None and device is not None and device.status == DeviceStatus.IN_STOCK
        if device is not None and apply_changes(
            session,
            device,
            _given(
                {
                    "serial": planned.serial,
                    "model": planned.model,
                    "employee": planned.employee,
                    "status": DeviceStatus.ASSIGNED if now_assigned else None,
                }
            ),
            actor=actor,
        ):
            summary["devices_updated"] += 1
    if device is not None and line.device is not device:
        if line.id is None:
            line.device = device
        else:
            apply_changes(session, line, {"device": device}, actor=actor)

    if planned.iccid:
        if planned.sim is None:
            sim = Sim(iccid=planned.iccid, kind=SimKind.PHYSICAL, line=line, activated_on=planned.activated_on)
            session.add(sim)
            created.append(sim)
            summary["sims_created"] += 1
        elif planned.sim.line is not line:
            apply_changes(session, planned.sim, {"line": line}, actor=actor)
            summary["sims_updated"] += 1


def _given(values: dict[str, Any]) -> dict[str, Any]:
    """Only what the row gives: a blank cell leaves the record's value as it is."""
    return {k: v for k, v in values.items() if v not in (None, "")}


# ------------------------------------------------------------------ the template
def template_csv() -> str:
    """A CSV to fill in: the columns, and one example row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(
        [
            "(212) 555-0199",
            "northwind",
            "NW-88120045",
            "Business Unlimited",
            "active",
            "employee@example.com",
            "CC-1100",
            "2026-01-15",
            make_imei("35391110", 999999),
            "AP00999999",
            "Apple iPhone 16",
            make_iccid("01260", 999999),
        ]
    )
    return out.getvalue()
