"""Forms of sites (Admin) and wireline services (Inventory): what was typed is kept for showing the form again;
`values()` gives the parsed values for app.inventory.wireline, whose errors come back keyed by the same names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from app.extensions import db
from app.identifiers import InvalidIdentifier
from app.inventory.editing import EditRefused, StaleEdit
from app.inventory.history import status_label
from app.inventory.wireline import numbers_text, parse_numbers
from app.models import Carrier, ServiceKind, ServiceStatus, Site, WirelineService
from app.web.inventory.forms import DayField, MoneyField


class VersionedForm(FlaskForm):
    """`version` is the version the editor saw, so a later save by someone else is caught."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        return int(self.version.data) if str(self.version.data or "").isdigit() else None

    def editable(self) -> list[Any]:
        return [f for f in self if f.short_name not in ("version", "csrf_token")]

    def attach(self, errors: dict[str, str]) -> list[str]:
        """Each error next to its field; what has no field is returned for the top of the form."""
        elsewhere = []
        for name, message in errors.items():
            if name in self._fields and name not in ("version", "csrf_token"):
                self[name].errors = [*self[name].errors, message]
            else:
                elsewhere.append(message)
        return elsewhere


@dataclass
class SaveOutcome:
    saved: bool
    problems: list[str] = field(default_factory=list)  # for the top of the form (the rest are next to their fields)
    conflict: StaleEdit | None = None  # someone saved first: shown beside the form, whose next save replaces theirs


def save_form(
    form: VersionedForm,
    save: Callable[[dict[str, Any], int | None], object],
    current_version: Callable[[], int],
) -> SaveOutcome:
    """Validate the form and save its values as of the version the editor saw: committed when saved, rolled back
    and explained when the domain refuses them or someone saved first."""
    if not form.validate():
        return SaveOutcome(False)
    try:
        save(form.values(), form.expected_version())
    except EditRefused as refused:
        db.session.rollback()
        return SaveOutcome(False, problems=form.attach(refused.errors))
    except StaleEdit as stale:
        db.session.rollback()
        form.version.data = current_version()
        return SaveOutcome(False, conflict=stale)
    db.session.commit()
    return SaveOutcome(True)


class SiteForm(VersionedForm):
    name = StringField("Site name", validators=[Length(max=120)])
    street = StringField("Street address", validators=[Length(max=200)])
    unit = StringField("Suite or floor", validators=[Length(max=60)])
    city = StringField("City", validators=[Length(max=100)])
    state = StringField("State", validators=[Length(max=2, message="Use the state's two-letter code, like NY.")])
    zip_code = StringField("ZIP code", validators=[Length(max=10)])
    contact_email = StringField("Site contact's email", validators=[Length(max=254)])
    hours = TextAreaField("Opening hours for installers", validators=[Length(max=2000)])

    @classmethod
    def initial(cls, site: Site) -> dict[str, Any]:
        return {
            "name": site.name,
            "street": site.street,
            "unit": site.unit,
            "city": site.city,
            "state": site.state,
            "zip_code": site.zip_code,
            "contact_email": site.contact.email if site.contact else "",
            "hours": site.hours,
            "version": site.version,
        }

    def values(self) -> dict[str, Any]:
        return {f.short_name: (f.data or "").strip() for f in self.editable()}


class NumbersField(TextAreaField):
    """Telephone numbers as a list or ranges; `value` is the E.164 numbers."""

    value: list[str] = []

    def pre_validate(self, form: Any) -> None:
        try:
            self.value = parse_numbers(self.data or "")
        except InvalidIdentifier as error:
            raise ValidationError(str(error)) from None


def _carriers() -> list[SelectChoice]:
    return [SelectChoice(str(c.id), c.name) for c in db.session.scalars(select(Carrier).order_by(Carrier.name))]


def _sites() -> list[SelectChoice]:
    return [SelectChoice(str(s.id), s.name) for s in db.session.scalars(select(Site).order_by(Site.name))]


class ServiceForm(VersionedForm):
    site_id = SelectField("Site", validate_choice=False)
    kind = SelectField("Service", choices=[SelectChoice(k.value, status_label(k)) for k in ServiceKind])
    carrier_id = SelectField("Carrier", validate_choice=False)
    status = SelectField("Status", choices=[SelectChoice(s.value, status_label(s)) for s in ServiceStatus])
    circuit_id = StringField("Circuit ID", validators=[Length(max=60)])
    bandwidth_mbps = IntegerField(
        "Bandwidth (Mbps)", validators=[Optional(), NumberRange(min=1, message="Enter a number above 0.")]
    )
    channels = IntegerField("Channels", validators=[Optional(), NumberRange(min=1, message="Enter a number above 0.")])
    numbers = NumbersField("Telephone numbers")
    monthly_cents = MoneyField("Monthly cost")
    term_months = IntegerField(
        "Contract term (months)", validators=[Optional(), NumberRange(min=1, message="Enter a number above 0.")]
    )
    installed_on = DayField("Installed on")
    contract_ends_on = DayField("Contract ends on")
    equipment = StringField("Equipment (router, ONT)", validators=[Length(max=200)])
    disconnected_on = DayField("Disconnected on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_id.choices = _sites()
        self.carrier_id.choices = _carriers()

    @classmethod
    def initial(cls, service: WirelineService) -> dict[str, Any]:
        from app import formatting

        return {
            "site_id": str(service.site_id),
            "kind": service.kind.value,
            "carrier_id": str(service.carrier_id),
            "status": service.status.value,
            "circuit_id": service.circuit_id,
            "bandwidth_mbps": service.bandwidth_mbps,
            "channels": service.channels,
            "numbers": numbers_text([n.number for n in service.numbers]),
            "monthly_cents": formatting.money(service.monthly_cents).lstrip("$"),
            "term_months": service.term_months,
            "installed_on": service.installed_on,
            "contract_ends_on": service.contract_ends_on,
            "equipment": service.equipment,
            "disconnected_on": service.disconnected_on,
            "version": service.version,
        }

    def values(self) -> dict[str, Any]:
        return {
            "site_id": int(self.site_id.data) if str(self.site_id.data or "").isdigit() else None,
            "kind": ServiceKind(self.kind.data),
            "carrier_id": int(self.carrier_id.data) if str(self.carrier_id.data or "").isdigit() else None,
            "status": ServiceStatus(self.status.data),
            "circuit_id": (self.circuit_id.data or "").strip(),
            "bandwidth_mbps": self.bandwidth_mbps.data,
            "channels": self.channels.data,
            "numbers": self.numbers.value,
            "monthly_cents": self.monthly_cents.value or 0,
            "term_months": self.term_months.data,
            "installed_on": self.installed_on.data,
            "contract_ends_on": self.contract_ends_on.data,
            "equipment": (self.equipment.data or "").strip(),
            "disconnected_on": self.disconnected_on.data,
        }
