"""Admin forms: one per catalog list, people, settings, the HR import. Every message says what to type."""

from __future__ import annotations

import itertools
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import func, or_, select
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.admin.people import would_loop
from app.catalog import pictures
from app.catalog.carriers import set_api_secret
from app.catalog.eligibility import audience_of
from app.choices import PersonSearchField, options
from app.commands import lost
from app.database import DbSession
from app.extensions import db
from app.formatting import money_input, parse_money
from app.inventory.search import people_found
from app.models import (
    Accessory,
    Carrier,
    CostCenter,
    Department,
    DeviceModel,
    Feature,
    FulfilmentMode,
    Group,
    Plan,
    PlanKind,
    Role,
    StipendTier,
    User,
)
from app.orders.types.rules import WIRELINE_ORDERERS
from app.params import to_int


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _too_long(n: int) -> Length:
    return Length(max=n, message=f"Use at most {n} characters.")


def _options(pairs: Any) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, text) for value, text in pairs]


def _id_or_none(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    number = to_int(str(value), minimum=1)
    return number if number is not None else -1  # not an id: no choice has it, so the field refuses it


# ---------------------------------------------------------------- fields
class MoneyField(StringField):
    """Dollars typed (45, 45.00, $1,299.99), integer cents kept; what was typed is shown back on errors."""

    def __init__(self, label: str, message: str, required: bool = True, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.message = message
        self.required = required
        if required:
            self.flags.required = True

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        if not valuelist[0].strip():
            self.data = None if self.required else 0
            return
        try:
            self.data = parse_money(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(self.message) from None

    def pre_validate(self, form: FlaskForm) -> None:
        if self.data is None and self.required and not self.process_errors:
            raise StopValidation(self.message)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return money_input(self.data)


T = TypeVar("T")


class WholeNumberField(StringField):
    """A whole number between `low` and `high`; one message for blank (when required), junk and out of range."""

    def __init__(self, label: str, message: str, low: int, high: int, required: bool = True, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.message, self.low, self.high, self.required = message, low, high, required
        if required:
            self.flags.required = True

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        text = valuelist[0].strip().replace(",", "")
        if not text:
            self.data = None
            return
        if not text.isdigit() or not self.low <= int(text) <= self.high:
            self.data = None
            raise ValueError(self.message)
        self.data = int(text)

    def pre_validate(self, form: FlaskForm) -> None:
        if self.data is None and self.required and not self.process_errors:
            raise StopValidation(self.message)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of labelled checkboxes (drawn as a fieldset by the admin macros)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choice_error(message: str):
    """SelectField's own "Not a valid choice" replaced by a message that says what to do."""

    def check(form: FlaskForm, field: SelectField) -> None:
        if field.data in (None, "", []):
            raise StopValidation(message)

    return check


# ---------------------------------------------------------------- the catalog
class CatalogForm(FlaskForm):
    """A catalog item's form. `item` is the item being edited (None when adding). Subclasses say how to
    fill the form from an item (`fill`), make new items (`build`) and change one (`apply`)."""

    def __init__(self, *args: Any, item: Any = None, **kwargs: Any) -> None:
        self.item = item
        super().__init__(*args, **kwargs)
        self.load_choices()

    @property
    def creating(self) -> bool:
        return self.item is None

    def load_choices(self) -> None:
        pass

    def fill(self, item: Any) -> None:
        raise NotImplementedError

    def build(self) -> list[Any]:
        item = self.new_item()
        self.apply(item)
        return [item]

    def new_item(self) -> Any:
        raise NotImplementedError

    def apply(self, item: Any) -> None:
        raise NotImplementedError

    def save_files(self, session: DbSession, items: list[Any], uploaded_by: User) -> None:
        """Store what was uploaded with the form for these items (a device model's picture); most forms have none."""

    def _other(self, model: type[Any], *conditions: Any) -> Any:
        """Another row of `model` matching `conditions` (the item being edited does not count)."""
        query = select(model).where(*conditions)
        if self.item is not None:
            query = query.where(model.id != self.item.id)
        return db.session.scalars(query.limit(1)).first()


def given(value: T | None) -> T:
    """A value its field's validators made sure of (a required field, read after validation)."""
    if value is None:
        raise ValueError("a required field was read before the form was validated")
    return value


def _carrier_choices(current: Carrier | None) -> list[SelectChoice]:
    carriers = db.session.scalars(select(Carrier).order_by(Carrier.name)).all()
    return _options(
        [("", "Choose a carrier")]
        + [(c.id, c.name if c.active else f"{c.name} (retired)") for c in carriers if c.active or c == current]
    )


class AudienceForm(CatalogForm):
    """A catalog item that can be limited to some departments, groups or roles ("Who may order it")."""

    AUDIENCE_FIELDS = ("departments", "groups", "roles")
    departments = CheckboxListField("Departments", coerce=int)
    groups = CheckboxListField("Groups", coerce=int)
    roles = CheckboxListField("Roles", choices=_options((r.value, r.value.capitalize()) for r in Role))

    def load_choices(self) -> None:
        super().load_choices()
        self._departments = {d.id: d for d in db.session.scalars(select(Department).order_by(Department.name))}
        self._groups = {g.id: g for g in db.session.scalars(select(Group).order_by(Group.name))}
        self.departments.choices = _options((d.id, d.name) for d in self._departments.values())
        self.groups.choices = _options((g.id, g.name) for g in self._groups.values())

    def fill_audience(self, item: Any) -> None:
        audience = audience_of(db.session, item)
        self.departments.data = [d.id for d in audience.departments]
        self.groups.data = [g.id for g in audience.groups]
        self.roles.data = [r.value for r in audience.roles]

    def audience(self) -> dict[str, list[Any]]:
        """The chosen audience, as `set_audience` takes it."""
        return {
            "departments": [self._departments[i] for i in self.departments.data or []],
            "groups": [self._groups[i] for i in self.groups.data or []],
            "roles": [Role(r) for r in self.roles.data or []],
        }


class CarrierForm(CatalogForm):
    name = StringField("Name", validators=[DataRequired("Enter the carrier's name."), _too_long(120)], filters=[_strip])
    code = StringField(
        "Code",
        description="Lowercase letters, digits and hyphens, like northwind.",
        validators=[
            DataRequired("Enter a short code, like northwind."),
            _too_long(40),
            Regexp(r"^[a-z0-9][a-z0-9-]*$", message="Use lowercase letters, digits and hyphens, like northwind."),
        ],
        filters=[_lower],
    )
    fulfilment_mode = RadioField(
        "Fulfillment",
        default=FulfilmentMode.MANUAL.value,
        choices=_options(
            [
                (FulfilmentMode.SIMULATED.value, "Simulated carrier (for demonstrations and testing)"),
                (FulfilmentMode.MANUAL.value, "Manual: the fulfillment team places orders in the carrier's portal"),
                (FulfilmentMode.API.value, "API: the portal sends orders and cancellations to the carrier's endpoint"),
            ]
        ),
        validators=[DataRequired("Choose how orders reach this carrier.")],
    )
    api_url = StringField(
        "Order endpoint URL",
        description="API mode: where orders are sent, like https://api.carrier.example/orders.",
        validators=[_too_long(500)],
        filters=[_strip],
    )
    api_secret = PasswordField(
        "API signing secret",
        description="API mode: the secret shared with the carrier that signs what the portal sends. "
        "Leave it empty to keep the one on file.",
        validators=[_too_long(200)],
    )
    api_timeout_seconds = WholeNumberField(
        "API timeout (seconds)",
        "Enter the timeout as a whole number of seconds from 1 to 60, like 10.",
        1,
        60,
        required=False,
        description="API mode: how long to wait for the carrier's answer before trying again later.",
    )
    reactivation_window_days = WholeNumberField(
        "Reactivation window (days)",
        "Enter the reactivation window as a whole number of days from 0 to 365, like 30.",
        0,
        365,
        description="How long after a disconnection a line can still be restored.",
    )
    early_upgrade_fee = MoneyField(
        "Early-upgrade charge",
        "Enter the early-upgrade charge like 150.00, or leave it empty for none.",
        required=False,
        description="Optional: what this carrier charges to upgrade a device before the line is eligible.",
    )
    account_number = StringField("Account number", validators=[Optional(), _too_long(40)], filters=[_strip])

    def validate_code(self, field: StringField) -> None:
        if self._other(Carrier, Carrier.code == field.data):
            raise ValidationError(f"A carrier with code {field.data} already exists.")

    def validate_name(self, field: StringField) -> None:
        if self._other(Carrier, func.lower(Carrier.name) == field.data.lower()):
            raise ValidationError(f"A carrier called {field.data} already exists.")

    def validate_api_url(self, field: StringField) -> None:
        if field.data:
            parts = urlsplit(field.data)
            if parts.scheme not in ("http", "https") or not parts.hostname or " " in field.data:
                raise ValidationError(
                    "Enter the endpoint as an http:// or https:// address, like https://api.carrier.example/orders."
                )
        elif self.fulfilment_mode.data == FulfilmentMode.API.value:
            raise ValidationError("Enter the carrier's order endpoint: API mode sends orders there.")

    def validate_api_secret(self, field: PasswordField) -> None:
        has_one = self.item is not None and bool(self.item.api_secret_encrypted)
        if self.fulfilment_mode.data == FulfilmentMode.API.value and not field.data and not has_one:
            raise ValidationError("Enter the signing secret agreed with the carrier: API mode signs every request.")

    def fill(self, item: Carrier) -> None:
        self.name.data, self.code.data = item.name, item.code
        self.fulfilment_mode.data = item.fulfilment_mode.value
        self.api_url.data = item.api_url
        self.api_timeout_seconds.data = item.api_timeout_seconds
        self.reactivation_window_days.data = item.reactivation_window_days
        self.early_upgrade_fee.data = item.early_upgrade_fee_cents
        self.account_number.data = item.account_number

    def new_item(self) -> Carrier:
        return Carrier()

    def apply(self, item: Carrier) -> None:
        item.name, item.code = self.name.data, self.code.data
        item.fulfilment_mode = FulfilmentMode(self.fulfilment_mode.data)
        item.reactivation_window_days = given(self.reactivation_window_days.data)
        item.early_upgrade_fee_cents = self.early_upgrade_fee.data or 0
        item.account_number = self.account_number.data or ""
        item.api_url = self.api_url.data or ""
        item.api_timeout_seconds = self.api_timeout_seconds.data or item.api_timeout_seconds or 10
        if self.api_secret.data:
            set_api_secret(item, self.api_secret.data)


PLAN_KINDS = [
    (PlanKind.VOICE_DATA.value, "Voice and data"),
    (PlanKind.VOICE.value, "Voice only"),
    (PlanKind.DATA.value, "Data only"),
]


class PlanForm(AudienceForm):
    carrier_id = SelectField("Carrier", coerce=_id_or_none, validators=[_choice_error("Choose a carrier.")])
    name = StringField(
        "Name",
        validators=[DataRequired("Enter the plan's name, like Business Unlimited."), _too_long(120)],
        filters=[_strip],
    )
    kind = SelectField("Type", choices=_options(PLAN_KINDS), default=PlanKind.VOICE_DATA.value)
    data_gb = WholeNumberField(
        "Data (GB)",
        "Enter the data allowance as a whole number of GB, like 10, or leave it empty for unlimited data.",
        1,
        100_000,
        required=False,
        description="Leave empty for unlimited data or a voice-only plan.",
    )
    monthly_price = MoneyField("Monthly price", "Enter a monthly price like 45.00.")
    employee_share = MoneyField(
        "Employee pays each month",
        "Enter what the employee pays each month, like 10.00, or leave it empty.",
        required=False,
        description="Optional: the employee's share of the monthly price.",
    )

    def load_choices(self) -> None:
        super().load_choices()
        self.carrier_id.choices = _carrier_choices(self.item.carrier if self.item else None)

    def validate_name(self, field: StringField) -> None:
        if self.carrier_id.data and self._other(
            Plan, Plan.carrier_id == self.carrier_id.data, func.lower(Plan.name) == field.data.lower()
        ):
            carrier = db.session.get(Carrier, self.carrier_id.data)
            raise ValidationError(
                f"{carrier.name if carrier else 'The carrier'} already has a plan called {field.data}."
            )

    def validate_employee_share(self, field: MoneyField) -> None:
        if self.monthly_price.data is not None and field.data and field.data > self.monthly_price.data:
            raise ValidationError("The employee cannot pay more than the monthly price.")

    def fill(self, item: Plan) -> None:
        self.carrier_id.data, self.name.data, self.kind.data = item.carrier_id, item.name, item.kind.value
        self.data_gb.data, self.monthly_price.data = item.data_gb, item.monthly_cents
        self.employee_share.data = item.employee_share_cents
        self.fill_audience(item)

    def new_item(self) -> Plan:
        return Plan()

    def apply(self, item: Plan) -> None:
        item.carrier_id, item.name, item.kind = self.carrier_id.data, self.name.data, PlanKind(self.kind.data)
        item.data_gb, item.monthly_cents = self.data_gb.data, given(self.monthly_price.data)
        item.employee_share_cents = self.employee_share.data or 0


class FeatureForm(CatalogForm):
    carrier_id = SelectField("Carrier", coerce=_id_or_none, validators=[_choice_error("Choose a carrier.")])
    name = StringField(
        "Name",
        validators=[DataRequired("Enter the feature's name, like Mobile hotspot."), _too_long(120)],
        filters=[_strip],
    )
    code = StringField(
        "Code",
        description="Lowercase letters, digits and underscores, like intl_travel.",
        validators=[
            DataRequired("Enter a short code, like intl_travel."),
            _too_long(40),
            Regexp(r"^[a-z0-9][a-z0-9_]*$", message="Use lowercase letters, digits and underscores, like intl_travel."),
        ],
        filters=[_lower],
    )
    monthly_price = MoneyField("Monthly price", "Enter a monthly price like 10.00, or 0 for a free feature.")
    takes_dates = BooleanField("Takes start and end dates (like international travel)")

    def load_choices(self) -> None:
        self.carrier_id.choices = _carrier_choices(self.item.carrier if self.item else None)

    def validate_code(self, field: StringField) -> None:
        if self.carrier_id.data and self._other(
            Feature, Feature.carrier_id == self.carrier_id.data, Feature.code == field.data
        ):
            carrier = db.session.get(Carrier, self.carrier_id.data)
            raise ValidationError(
                f"{carrier.name if carrier else 'The carrier'} already has a feature with code {field.data}."
            )

    def fill(self, item: Feature) -> None:
        self.carrier_id.data, self.name.data, self.code.data = item.carrier_id, item.name, item.code
        self.monthly_price.data, self.takes_dates.data = item.monthly_cents, item.takes_dates

    def new_item(self) -> Feature:
        return Feature()

    def apply(self, item: Feature) -> None:
        item.carrier_id, item.name, item.code = self.carrier_id.data, self.name.data, self.code.data
        item.monthly_cents, item.takes_dates = given(self.monthly_price.data), self.takes_dates.data


DEVICE_KINDS = [("phone", "Phone"), ("tablet", "Tablet"), ("hotspot", "Hotspot")]
STORAGE_MESSAGE = "Enter storage sizes in GB as whole numbers separated by commas, like 128, 256."


def _split(text: str | None) -> list[str]:
    seen: dict[str, None] = {}
    for part in (text or "").split(","):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return list(seen)


class DeviceModelForm(AudienceForm):
    """Adding a model can add several variants at once: one per storage size and colour given."""

    maker = StringField(
        "Maker", validators=[DataRequired("Enter the maker, like Apple."), _too_long(80)], filters=[_strip]
    )
    name = StringField(
        "Model", validators=[DataRequired("Enter the model, like iPhone 16."), _too_long(120)], filters=[_strip]
    )
    kind = SelectField("Kind", choices=_options(DEVICE_KINDS), default="phone")
    storage = StringField("Storage (GB)", filters=[_strip])
    colors = StringField("Colours", filters=[_strip])
    price = MoneyField("Price", "Enter a price like 799.00.")
    employee_share = MoneyField(
        "Employee pays",
        "Enter what the employee pays toward the device, like 100.00, or leave it empty.",
        required=False,
        description="Optional: the employee's share of the price.",
    )
    carriers = CheckboxListField("Carriers that support it", coerce=int)
    esim = BooleanField("Supports eSIM", default=True)
    specs = StringField(
        "Key specs",
        description="Optional: a few words each, separated by commas, like 6.1-inch screen, 5G, dual camera.",
        validators=[_too_long(200)],
        filters=[_strip],
    )
    picture = FileField(
        "Picture",
        description=f"Optional: {pictures.ACCEPTED_WORDS} of {pictures.MAX_BYTES // 1024} KB or less, shown to people "
        "who search the catalog and order it. A new one replaces the picture it has.",
        render_kw={"accept": pictures.ACCEPT},
    )
    remove_picture = BooleanField("Remove its picture")

    def load_choices(self) -> None:
        super().load_choices()
        self._picture: tuple[bytes, str] | None = None
        if self.item is None or self.item.picture_id is None:
            del self.remove_picture  # nothing to remove
        current = set(self.item.carriers) if self.item else set()
        self._carriers = {
            c.id: c for c in db.session.scalars(select(Carrier).order_by(Carrier.name)) if c.active or c in current
        }
        self.carriers.choices = _options(
            (c.id, c.name if c.active else f"{c.name} (retired)") for c in self._carriers.values()
        )
        several = "One, or several separated by commas to add a variant of each"
        self.storage.description = (
            f"{several}, like 128, 256." if self.creating else "Leave empty when it does not apply."
        )
        self.colors.description = (
            f"{several}, like Black, White." if self.creating else "Leave empty when it does not apply."
        )

    def storage_sizes(self) -> list[int | None]:
        return [int(s) for s in _split(self.storage.data)] or [None]

    def color_names(self) -> list[str]:
        return _split(self.colors.data) or [""]

    def validate_storage(self, field: StringField) -> None:
        sizes = _split(field.data)
        if not all(s.isdigit() and 0 < int(s) <= 100_000 for s in sizes):
            raise ValidationError(STORAGE_MESSAGE)
        if not self.creating and len(sizes) > 1:
            raise ValidationError("A saved variant has one storage size: add other sizes as a new device model.")

    def validate_colors(self, field: StringField) -> None:
        names = _split(field.data)
        if any(len(n) > 40 for n in names):
            raise ValidationError("Use at most 40 characters for each colour.")
        if not self.creating and len(names) > 1:
            raise ValidationError("A saved variant has one colour: add other colours as a new device model.")

    def validate_carriers(self, field: CheckboxListField) -> None:
        if not field.data:
            raise ValidationError("Choose at least one carrier that supports it.")

    def validate_employee_share(self, field: MoneyField) -> None:
        if self.price.data is not None and field.data and field.data > self.price.data:
            raise ValidationError("The employee cannot pay more than the price.")

    def validate_picture(self, field: FileField) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            return
        data = upload.read(pictures.MAX_BYTES + 1)
        try:
            pictures.picture_type(data)
        except pictures.PictureRefused as refused:
            raise ValidationError(str(refused)) from None
        self._picture = (data, upload.filename)

    def save_files(self, session: DbSession, items: list[DeviceModel], uploaded_by: User) -> None:
        if self._picture is not None:
            pictures.set_picture(session, items, *self._picture, uploaded_by=uploaded_by)
        elif "remove_picture" in self._fields and self.remove_picture.data:
            for item in items:
                pictures.remove_picture(session, item)

    def validate_name(self, field: StringField) -> None:
        if self.storage.errors or self.colors.errors or not self.maker.data:
            return
        existing = db.session.scalars(
            select(DeviceModel).where(
                func.lower(DeviceModel.maker) == self.maker.data.lower(),
                func.lower(DeviceModel.name) == field.data.lower(),
            )
        ).all()
        taken = {(m.storage_gb, m.color.lower()) for m in existing if m is not self.item}
        for size, color in itertools.product(self._storage_or_empty(), self.color_names()):
            if (size, color.lower()) in taken:
                variant = DeviceModel(maker=self.maker.data, name=field.data, storage_gb=size, color=color)
                raise ValidationError(f"{variant} already exists.")

    def _storage_or_empty(self) -> list[int | None]:
        sizes = _split(self.storage.data)
        return [int(s) for s in sizes if s.isdigit()] or [None]

    def fill(self, item: DeviceModel) -> None:
        self.maker.data, self.name.data, self.kind.data = item.maker, item.name, item.kind
        self.storage.data = str(item.storage_gb) if item.storage_gb else ""
        self.colors.data, self.price.data = item.color, item.price_cents
        self.employee_share.data, self.esim.data = item.employee_share_cents, item.esim
        self.specs.data = item.specs
        self.carriers.data = [c.id for c in item.carriers]
        self.fill_audience(item)

    def build(self) -> list[DeviceModel]:
        variants = []
        for size, color in itertools.product(self.storage_sizes(), self.color_names()):
            variant = DeviceModel()
            self.apply(variant)
            variant.storage_gb, variant.color = size, color
            variants.append(variant)
        return variants

    def apply(self, item: DeviceModel) -> None:
        item.maker, item.name, item.kind = self.maker.data, self.name.data, self.kind.data
        item.storage_gb, item.color = self.storage_sizes()[0], self.color_names()[0]
        item.price_cents, item.employee_share_cents = given(self.price.data), self.employee_share.data or 0
        item.esim, item.specs = self.esim.data, self.specs.data or ""
        item.carriers = [self._carriers[i] for i in self.carriers.data]


class AccessoryForm(AudienceForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Enter the accessory's name, like Rugged case."), _too_long(120)],
        filters=[_strip],
    )
    kind = StringField(
        "Kind",
        description="Like case, charger, battery, headset or mount.",
        validators=[DataRequired("Enter the kind of accessory, like case."), _too_long(40)],
        filters=[_strip],
    )
    price = MoneyField("Price", "Enter a price like 49.99.")
    employee_share = MoneyField(
        "Employee pays",
        "Enter what the employee pays toward it, like 10.00, or leave it empty.",
        required=False,
        description="Optional: the employee's share of the price.",
    )
    fits = CheckboxListField(
        "Fits these device models", coerce=int, description="Leave all unticked when it fits every model."
    )

    def load_choices(self) -> None:
        super().load_choices()
        current = set(self.item.fits) if self.item else set()
        models = db.session.scalars(
            select(DeviceModel).order_by(DeviceModel.maker, DeviceModel.name, DeviceModel.storage_gb, DeviceModel.color)
        )
        self._models = {m.id: m for m in models if m.active or m in current}
        self.fits.choices = _options((m.id, str(m) if m.active else f"{m} (retired)") for m in self._models.values())

    def validate_name(self, field: StringField) -> None:
        if self._other(Accessory, func.lower(Accessory.name) == field.data.lower()):
            raise ValidationError(f"An accessory called {field.data} already exists.")

    def validate_employee_share(self, field: MoneyField) -> None:
        if self.price.data is not None and field.data and field.data > self.price.data:
            raise ValidationError("The employee cannot pay more than the price.")

    def fill(self, item: Accessory) -> None:
        self.name.data, self.kind.data, self.price.data = item.name, item.kind, item.price_cents
        self.employee_share.data = item.employee_share_cents
        self.fits.data = [m.id for m in item.fits]
        self.fill_audience(item)

    def new_item(self) -> Accessory:
        return Accessory()

    def apply(self, item: Accessory) -> None:
        item.name, item.kind, item.price_cents = self.name.data, self.kind.data.lower(), given(self.price.data)
        item.employee_share_cents = self.employee_share.data or 0
        item.fits = [self._models[i] for i in self.fits.data or []]


class StipendTierForm(CatalogForm):
    name = StringField(
        "Name", validators=[DataRequired("Enter the tier's name, like Standard."), _too_long(80)], filters=[_strip]
    )
    monthly_amount = MoneyField("Monthly amount", "Enter a monthly amount like 50.00.")

    def validate_name(self, field: StringField) -> None:
        if self._other(StipendTier, func.lower(StipendTier.name) == field.data.lower()):
            raise ValidationError(f"A stipend tier called {field.data} already exists.")

    def validate_monthly_amount(self, field: MoneyField) -> None:
        if field.data == 0:
            raise ValidationError("Enter a monthly amount greater than 0, like 50.00.")

    def fill(self, item: StipendTier) -> None:
        self.name.data, self.monthly_amount.data = item.name, item.monthly_cents

    def new_item(self) -> StipendTier:
        return StipendTier()

    def apply(self, item: StipendTier) -> None:
        item.name, item.monthly_cents = self.name.data, given(self.monthly_amount.data)


# ---------------------------------------------------------------- people
class PersonForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the person's name."), _too_long(120)], filters=[_strip])
    email = StringField(
        "Email",
        validators=[
            DataRequired("Enter the person's email address."),
            Email("Enter an email address like name@example.com."),
            _too_long(254),
        ],
        filters=[_lower],
    )
    department_id = SelectField("Department", coerce=_id_or_none)
    cost_center_id = SelectField("Cost center", coerce=_id_or_none)
    manager_search = PersonSearchField("Find the manager", feeds="manager_id", validators=[Optional(), _too_long(100)])
    manager_id = SelectField(
        "Manager", coerce=_id_or_none, description="Approvals go up the management chain from here."
    )
    roles = CheckboxListField(
        "Roles",
        choices=_options((r.value, r.value.capitalize()) for r in Role),
        description="Everyone can order; managers approve for their reports.",
    )
    groups = CheckboxListField("Groups", coerce=int)

    def __init__(self, *args: Any, person: User, **kwargs: Any) -> None:
        self.person = person
        super().__init__(*args, **kwargs)
        self.department_id.choices = _options(
            [("", "No department")]
            + [(d.id, d.name) for d in db.session.scalars(select(Department).order_by(Department.name))]
        )
        self.cost_center_id.choices = _options(
            [("", "No cost center")]
            + [(c.id, str(c)) for c in db.session.scalars(select(CostCenter).order_by(CostCenter.code))]
        )
        # The manager now (or the one chosen) and those the search found: never a list of everyone.
        search = self.manager_search.data or ""
        chosen = self.manager_id.data if self.is_submitted() else person.manager_id
        may_manage = [User.id != person.id, or_(User.active.is_(True), User.id == person.manager_id)]
        found = people_found(db.session, search, chosen=chosen, where=may_manage)
        self._managers = {u.id: u for u in found.people}
        self.manager_search.offer(
            self.manager_id, found.people, matched=found.matched, empty="No manager (top of the chain)"
        )
        self._groups = {g.id: g for g in db.session.scalars(select(Group).order_by(Group.name))}
        self.groups.choices = _options((g.id, g.name) for g in self._groups.values())

    def fill(self) -> None:
        p = self.person
        self.name.data, self.email.data = p.name, p.email
        self.department_id.data, self.cost_center_id.data, self.manager_id.data = (
            p.department_id,
            p.cost_center_id,
            p.manager_id,
        )
        self.roles.data = sorted(r.value for r in p.roles)
        self.groups.data = [g.id for g in p.groups]

    def validate_email(self, field: StringField) -> None:
        other = db.session.scalar(select(User).where(func.lower(User.email) == field.data, User.id != self.person.id))
        if other is not None:
            raise ValidationError(f"{other.name} already uses {field.data}.")

    def validate_manager_id(self, field: SelectField) -> None:
        manager = self._managers.get(field.data) if field.data else None
        if manager is not None and would_loop(self.person, manager):
            raise ValidationError(
                f"{manager.name} reports to {self.person.name}, so {self.person.name} cannot "
                f"report to {manager.name}: the management chain would loop."
            )

    def manager(self) -> User | None:
        return self._managers.get(self.manager_id.data) if self.manager_id.data else None

    def chosen_groups(self) -> list[Group]:
        return [self._groups[i] for i in self.groups.data or []]

    def chosen_roles(self) -> set[Role]:
        return {Role(r) for r in self.roles.data or []}


class ImportUploadForm(FlaskForm):
    file = FileField(
        "HR file (CSV)",
        description="Columns: employee id, name, email, manager email, department, "
        "cost center. The first row names the columns.",
    )


class ImportConfirmForm(FlaskForm):
    csv = HiddenField()


# ---------------------------------------------------------------- settings
HOURS = "a whole number of hours from 1 to 720"


class SettingsForm(FlaskForm):
    company_name = StringField(
        "Company name", validators=[DataRequired("Enter the company's name."), _too_long(120)], filters=[_strip]
    )
    logo = FileField(
        "Logo", description="A PNG, JPEG or GIF image of 512 KB or less, shown beside the company name and in emails."
    )
    order_number_prefix = StringField(
        "Order number prefix",
        description="Up to 8 letters, digits or hyphens, like WO-.",
        validators=[
            DataRequired("Enter an order number prefix, like WO-."),
            Regexp(r"^[A-Za-z0-9-]{1,8}$", message="Use up to 8 letters, digits or hyphens, like WO-."),
        ],
        filters=[_strip],
    )
    upgrade_eligibility_months = WholeNumberField(
        "Upgrade eligibility (months)",
        "Enter a whole number of months from 0 to 60, like 24.",
        0,
        60,
        description="Months after a device's activation before its line can be upgraded.",
    )
    approval_reminder_hours = WholeNumberField(
        "Remind approvers after (hours)", f"Enter the reminder time as {HOURS}, like 24.", 1, 720
    )
    approval_escalation_hours = WholeNumberField(
        "Escalate to the approver's manager after (hours)", f"Enter the escalation time as {HOURS}, like 72.", 1, 720
    )

    lost_stolen_approval = RadioField(
        "A line reported lost or stolen is suspended",
        choices=options(lost.APPROVAL_CHOICES),
        validators=[InputRequired("Choose how a line reported lost or stolen is approved.")],
    )
    wireline_orderers = RadioField(
        "Who may order wireline services",
        choices=options(WIRELINE_ORDERERS.items()),
        validators=[InputRequired("Choose who may order wireline services.")],
    )

    def validate_approval_escalation_hours(self, field: WholeNumberField) -> None:
        reminder = self.approval_reminder_hours.data
        if field.data is not None and reminder is not None and field.data <= reminder:
            raise ValidationError(f"Escalate later than the reminder: more than {reminder} hours.")


def settings_form_class(groups: list[Group]) -> type[SettingsForm]:
    """The settings form with one "upgrade months" override field per group (named group_<id>)."""
    fields = {
        f"group_{g.id}": WholeNumberField(
            g.name,
            f"Enter the months for {g.name} as a whole number from 0 to 60, or leave it empty.",
            0,
            60,
            required=False,
        )
        for g in groups
    }
    return type("CompanySettingsForm", (SettingsForm,), fields)
