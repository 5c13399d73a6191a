"""Forms of the inventory workspace: editing lines, devices, SIMs and stipends, and uploading a CSV to import.

Identifiers are checked by `app.identifiers` (the messages come from there); each form gives back its values,
parsed, for `app.inventory.editing.edit`, and keeps what was typed for showing the form again.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from app import formatting
from app.extensions import db
from app.identifiers import InvalidIdentifier, parse_iccid, parse_imei, parse_phone
from app.inventory.history import status_label
from app.models import (
    Carrier,
    CostCenter,
    DeviceModel,
    DeviceStatus,
    LineStatus,
    Plan,
    SimKind,
    StipendStatus,
    StipendTier,
)


class IdentifierField(StringField):
    """A phone number, IMEI or ICCID typed any way: `data` keeps what was typed, `value` the normalised form."""

    def __init__(self, label: str, parse: Callable[[str], str], optional: bool = False, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.parse = parse
        self.optional = optional
        self.value: str | None = None

    def pre_validate(self, form: Any) -> None:
        typed = (self.data or "").strip()
        if not typed and self.optional:
            self.value = None
            return
        try:
            self.value = self.parse(typed)
        except InvalidIdentifier as error:
            raise ValidationError(str(error)) from None


class DayField(DateField):
    """A date, with a message that says how to write one."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, format="%Y-%m-%d", **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = date.fromisoformat(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError("Enter the date as YYYY-MM-DD, like 2026-03-01.") from None


class MoneyField(StringField):
    """Dollars and cents as typed ('50', '$1,299.00'); `value` is the amount in cents."""

    value: int | None = None

    def pre_validate(self, form: Any) -> None:
        try:
            self.value = formatting.parse_money(self.data)
        except ValueError:
            raise ValidationError("Enter an amount like 50.00.") from None


def _optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


def _choices(pairs: Any) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _enum_choices(kind: type[enum.Enum]) -> list[SelectChoice]:
    return _choices((member.value, status_label(member)) for member in kind)


class RecordForm(FlaskForm):
    """A record's edit form: `version` is the version the editor saw, so a later save by someone else is caught."""

    version = HiddenField()
    noun = ""  # 'line', 'device'…: names the Save button

    def expected_version(self) -> int | None:
        return int(self.version.data) if str(self.version.data or "").isdigit() else None

    def editable(self) -> list[Any]:
        """The fields a person edits, in order (everything but the version and the CSRF token)."""
        return [f for f in self if f.short_name not in ("version", "csrf_token")]

    def values(self, names: list[str] | None = None) -> dict[str, Any]:
        """The parsed values of these fields (all by default), keyed by the record's attribute names."""
        chosen = names or [f.short_name for f in self.editable()]
        return {self.attribute(name): self.parsed(self[name]) for name in chosen}

    @staticmethod
    def attribute(name: str) -> str:
        return {"monthly": "monthly_cents"}.get(name, name)

    @staticmethod
    def parsed(f: Any) -> Any:
        if isinstance(f, (IdentifierField, MoneyField)):
            return f.value
        if isinstance(f, StringField):
            return (f.data or "").strip()
        return f.data

    def validate_fields(self, names: list[str]) -> bool:
        """Check only these fields (and the CSRF token): in-place editing sends one field."""
        ok = True
        for name in ["csrf_token", *names]:
            if name in self._fields and not self[name].validate(self):
                ok = False
        return ok


class LineForm(RecordForm):
    noun = "line"
    number = IdentifierField("Phone number", parse_phone)
    carrier = SelectField("Carrier", coerce=_optional_int, validators=[InputRequired("Choose the carrier.")])
    account_number = StringField("Account number", validators=[Length(max=40, message="At most 40 characters.")])
    plan = SelectField("Plan", coerce=_optional_int)
    employee = StringField("Employee email")
    cost_center = SelectField("Cost center", coerce=_optional_int)
    device = IdentifierField("Device IMEI", parse_imei, optional=True)
    status = SelectField("Status", choices=_enum_choices(LineStatus), coerce=LineStatus)
    activated_on = DayField("Activated on")
    suspended_on = DayField("Suspended on")
    suspend_reason = StringField("Suspension reason", validators=[Length(max=200, message="At most 200 characters.")])
    disconnected_on = DayField("Disconnected on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        carriers = db.session.scalars(select(Carrier).order_by(Carrier.name)).all()
        self.carrier.choices = _choices((c.id, c.name) for c in carriers)
        plans = db.session.scalars(select(Plan).join(Plan.carrier).order_by(Carrier.name, Plan.monthly_cents)).all()
        self.plan.choices = [SelectChoice("", "No plan")] + [
            SelectChoice(p.id, f"{p.name} ({formatting.money(p.monthly_cents)} a month)", optgroup=p.carrier.name)
            for p in plans
        ]
        self.cost_center.choices = _cost_center_choices()

    @staticmethod
    def initial(line: Any) -> dict[str, Any]:
        return {
            "number": formatting.phone(line.number),
            "carrier": line.carrier_id,
            "account_number": line.account_number,
            "plan": line.plan_id,
            "employee": line.employee.email if line.employee else "",
            "cost_center": line.cost_center_id,
            "device": line.device.imei if line.device else "",
            "status": line.status,
            "activated_on": line.activated_on,
            "suspended_on": line.suspended_on,
            "suspend_reason": line.suspend_reason,
            "disconnected_on": line.disconnected_on,
            "version": line.version,
        }


class DeviceForm(RecordForm):
    noun = "device"
    imei = IdentifierField("IMEI", parse_imei)
    serial = StringField("Serial number", validators=[Length(max=40, message="At most 40 characters.")])
    model = SelectField("Model", coerce=_optional_int, validators=[InputRequired("Choose the device model.")])
    status = SelectField("Status", choices=_enum_choices(DeviceStatus), coerce=DeviceStatus)
    employee = StringField("Employee email")
    purchased_on = DayField("Purchased on")
    activated_on = DayField("Activated on")
    warranty_ends_on = DayField("Warranty ends on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        models = db.session.scalars(select(DeviceModel).order_by(DeviceModel.maker, DeviceModel.name)).all()
        self.model.choices = _choices((m.id, str(m)) for m in models)

    @staticmethod
    def initial(device: Any) -> dict[str, Any]:
        return {
            "imei": device.imei or "",
            "serial": device.serial,
            "model": device.model_id,
            "status": device.status,
            "employee": device.employee.email if device.employee else "",
            "purchased_on": device.purchased_on,
            "activated_on": device.activated_on,
            "warranty_ends_on": device.warranty_ends_on,
            "version": device.version,
        }


class SimForm(RecordForm):
    noun = "SIM"
    iccid = IdentifierField("ICCID", parse_iccid)
    kind = SelectField("Kind", choices=_choices([("physical", "Physical SIM"), ("esim", "eSIM")]), coerce=SimKind)
    line = IdentifierField("Line number", parse_phone, optional=True)
    active = BooleanField("Active")
    activated_on = DayField("Activated on")

    @staticmethod
    def initial(sim: Any) -> dict[str, Any]:
        return {
            "iccid": sim.iccid,
            "kind": sim.kind,
            "line": formatting.phone(sim.line.number) if sim.line else "",
            "active": sim.active,
            "activated_on": sim.activated_on,
            "version": sim.version,
        }


class StipendForm(RecordForm):
    noun = "stipend"
    tier = SelectField("Tier", coerce=_optional_int, validators=[InputRequired("Choose the stipend tier.")])
    monthly = MoneyField("Monthly amount")
    status = SelectField("Status", choices=_enum_choices(StipendStatus), coerce=StipendStatus)
    starts_on = DayField("Starts on", validators=[InputRequired("Enter the date the stipend starts.")])
    ends_on = DayField("Ends on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tiers = db.session.scalars(select(StipendTier).order_by(StipendTier.monthly_cents)).all()
        self.tier.choices = _choices((t.id, f"{t.name} ({formatting.money(t.monthly_cents)} a month)") for t in tiers)

    @staticmethod
    def initial(stipend: Any) -> dict[str, Any]:
        return {
            "tier": stipend.tier_id,
            "monthly": formatting.money_input(stipend.monthly_cents),
            "status": stipend.status,
            "starts_on": stipend.starts_on,
            "ends_on": stipend.ends_on,
            "version": stipend.version,
        }


def _cost_center_choices() -> list[tuple[Any, str]]:
    centers = db.session.scalars(select(CostCenter).order_by(CostCenter.code)).all()
    return _choices([("", "None")] + [(c.id, str(c)) for c in centers])


class ImportForm(FlaskForm):
    file = FileField("CSV file of lines and devices")
