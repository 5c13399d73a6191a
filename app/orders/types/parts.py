"""The parts an order form is built from: each adds its fields, fills their choices, and reads the answer.

A type lists its parts in order; a part may rely on what earlier parts resolved (the plan list comes from the
carrier chosen before it). Parts know nothing of requests: they work on a WTForms form and an OrderContext.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import (
    BooleanField,
    DateField,
    Field,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from app import clock
from app.catalog.eligibility import eligible_items
from app.choices import PersonSearchField, label_of, options
from app.crypto import mask
from app.formatting import address, day, imei, money, phone
from app.identifiers import InvalidIdentifier, parse_phone
from app.inventory.search import people_found
from app.models import (
    Accessory,
    Carrier,
    Device,
    DeviceModel,
    DeviceStatus,
    Feature,
    Line,
    Plan,
    StipendTier,
    User,
)
from app.orders.types.base import OrderContext
from app.params import INT_MAX


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def add_error(field, message: str) -> None:
    """Errors found while reading the answers (fields hold a tuple until validated)."""
    field.errors = [*field.errors, message]


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes (each with its own label)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SecretTextInput(widgets.TextInput):
    """A secret typed in the clear (an account number is easier to get right that way) and, like a password, never
    sent back: a page that shows the form again shows it empty."""

    def __call__(self, field, **kwargs):
        kwargs["value"] = ""
        return super().__call__(field, **kwargs)


class Part:
    """One group of fields on an order form."""

    name = ""
    secret_fields: tuple[str, ...] = ()
    finding_fields: tuple[str, ...] = ()  # they help find a choice (a search box): not answers, neither kept nor shown
    dynamic = False  # choosing here changes other parts' choices: the form refreshes (HTMX) on change
    priced = False  # choosing here changes the price: the price summary refreshes (HTMX) on change

    def fields(self) -> dict[str, Field]:
        return {}

    def answers(self) -> list[str]:
        """The names of the fields whose values are the order's answers."""
        return [name for name in self.fields() if name not in self.finding_fields]

    def setup(self, form, ctx: OrderContext) -> None:
        """Fill choices from the context (what earlier parts resolved)."""

    def resolve(self, form, ctx: OrderContext) -> None:
        """Read the answers into the context."""

    def summary(self, form) -> list[tuple[str, str]]:
        """(label, text) pairs for the review page and the order page: what was entered, secrets masked."""
        rows = []
        for name in self.answers():
            f = form[name]
            if name in self.secret_fields:
                text = mask(f.data or "")
            elif isinstance(f, SelectMultipleField):
                chosen = {str(v) for v in (f.data or [])}
                text = ", ".join(c.label for c in f.choices if str(c.value) in chosen) or "None"
            elif isinstance(f, (SelectField, RadioField)):
                text = label_of(f, f.data)
            elif isinstance(f, DateField):
                text = day(f.data)
            else:
                text = (f.data or "").strip() if isinstance(f.data, str) else str(f.data or "")
            if text:
                rows.append((str(f.label.text), _plain(text)))
        return rows


def _plain(text: Any) -> str:
    return str(Markup(str(text)).striptags()) if isinstance(text, Markup) else str(text)


def with_policy(ctx: OrderContext, items: list, label) -> list[tuple[Any, str]]:
    """Choices for catalog items, each out-of-policy one marked with the reason (one query for all rules)."""
    decisions = eligible_items(ctx.session, ctx.employee, items) if items else {}
    pairs = []
    for item in items:
        decision = decisions.get(item)
        text = label(item)
        if decision is not None and not decision.eligible:
            text += f" — out of policy: {decision.reason}"
        pairs.append((item.id, text))
    return pairs


def note_policy(ctx: OrderContext, items: list) -> None:
    """Remember which chosen items are out of policy for this person (the order needs a justification)."""
    for item, decision in (eligible_items(ctx.session, ctx.employee, items) if items else {}).items():
        if not decision.eligible:
            ctx.out_of_policy.append((str(item), decision.reason))


def line_label(line: Line) -> str:
    device = f" · {line.device.model}" if line.device else ""
    status = "" if line.status.value == "active" else f" ({line.status.value.replace('_', ' ')})"
    return f"{phone(line.number)} · {line.carrier.name}{device}{status}"


class LinePart(Part):
    name = "line"
    dynamic = True

    def __init__(self, label: str = "Line", required: bool = True, include_unassigned: bool = False):
        self.label, self.required, self.include_unassigned = label, required, include_unassigned

    def fields(self):
        validators = [InputRequired("Choose a line.")] if self.required else [Optional()]
        return {"line": SelectField(self.label, coerce=_int, validators=validators, validate_choice=False)}

    def setup(self, form, ctx):
        query = select(Line).where(Line.status.in_(ctx.order_type.line_statuses))
        if self.include_unassigned and (ctx.requester.is_helpdesk):
            query = query.where((Line.employee_id == ctx.employee.id) | (Line.employee_id.is_(None)))
        else:
            query = query.where(Line.employee_id == ctx.employee.id)
        lines = ctx.session.scalars(query.order_by(Line.number)).all()
        form.line.choices = options([("", "Choose a line")] + [(ln.id, line_label(ln)) for ln in lines])
        form.line._lines = {ln.id: ln for ln in lines}

    def resolve(self, form, ctx):
        line = form.line._lines.get(form.line.data)
        if form.line.data and line is None:
            add_error(form.line, self._why_not_listed(form.line.data, ctx))
        ctx.line = line
        if line is not None:
            ctx.device = line.device
            ctx.carrier = line.carrier

    @staticmethod
    def _why_not_listed(line_id: int, ctx: OrderContext) -> str:
        line = ctx.session.get(Line, line_id)
        order_type = ctx.order_type
        if line is None or line.employee_id != ctx.employee.id or order_type is None:
            return "Choose one of the lines listed."
        allowed = " or ".join(s.value.replace("_", " ") for s in sorted(order_type.line_statuses))
        return f"This line is {line.status.value.replace('_', ' ')}: {order_type.name} applies only to {allowed} lines."


class CarrierPart(Part):
    name = "carrier"
    dynamic = True

    def __init__(self, label: str = "Carrier", other_than_line: bool = False, required: bool = True):
        self.label, self.other_than_line, self.required = label, other_than_line, required

    def fields(self):
        validators = [InputRequired("Choose a carrier.")] if self.required else [Optional()]
        return {"carrier": SelectField(self.label, coerce=_int, validators=validators, validate_choice=False)}

    def setup(self, form, ctx):
        carriers = ctx.session.scalars(select(Carrier).where(Carrier.active).order_by(Carrier.name)).all()
        if self.other_than_line and ctx.line is not None:
            carriers = [c for c in carriers if c.id != ctx.line.carrier_id]
        form.carrier.choices = options([("", "Choose a carrier")] + [(c.id, c.name) for c in carriers])
        form.carrier._rows = {c.id: c for c in carriers}

    def resolve(self, form, ctx):
        carrier = form.carrier._rows.get(form.carrier.data)
        if form.carrier.data and carrier is None:
            add_error(form.carrier, "Choose one of the carriers listed.")
        if carrier is not None:
            ctx.carrier = carrier


class PlanPart(Part):
    name = "plan"
    priced = True

    def __init__(self, label: str = "Plan", required: bool = True):
        self.label, self.required = label, required

    def fields(self):
        validators = [InputRequired("Choose a plan.")] if self.required else [Optional()]
        return {"plan": SelectField(self.label, coerce=_int, validators=validators, validate_choice=False)}

    def setup(self, form, ctx):
        plans = (
            []
            if ctx.carrier is None
            else ctx.session.scalars(
                select(Plan).where(Plan.carrier_id == ctx.carrier.id, Plan.active).order_by(Plan.monthly_cents)
            ).all()
        )
        empty = "Choose a carrier first" if ctx.carrier is None else "Choose a plan"
        form.plan.choices = options(
            [("", empty)] + with_policy(ctx, plans, lambda p: f"{p.name} · {money(p.monthly_cents)}/month")
        )
        form.plan._rows = {p.id: p for p in plans}

    def resolve(self, form, ctx):
        plan = form.plan._rows.get(form.plan.data)
        if form.plan.data and plan is None:
            add_error(form.plan, "Choose one of this carrier's plans.")
        ctx.plan = plan
        if plan is not None:
            note_policy(ctx, [plan])


class FeaturesPart(Part):
    name = "features"
    priced = True

    def __init__(self, label: str = "Features", start_from_line: bool = False):
        self.label, self.start_from_line = label, start_from_line

    def fields(self):
        return {
            "features": CheckboxListField(self.label, coerce=_int, validate_choice=False),
            "travel_starts_on": DateField("Dated features start on", validators=[Optional()]),
            "travel_ends_on": DateField("Dated features end on", validators=[Optional()]),
        }

    def setup(self, form, ctx):
        features = (
            []
            if ctx.carrier is None
            else ctx.session.scalars(
                select(Feature).where(Feature.carrier_id == ctx.carrier.id, Feature.active).order_by(Feature.name)
            ).all()
        )
        form.features.choices = options(
            [
                (f.id, f"{f.name} · {money(f.monthly_cents)}/month{' (dated)' if f.takes_dates else ''}")
                for f in features
            ]
        )
        form.features._rows = {f.id: f for f in features}
        if self.start_from_line and ctx.line is not None and not form.features.raw_data:
            form.features.data = [lf.feature_id for lf in ctx.line.features]

    def resolve(self, form, ctx):
        chosen = [form.features._rows[i] for i in (form.features.data or []) if i in form.features._rows]
        ctx.features = chosen
        dated = [f for f in chosen if f.takes_dates]
        start, end = form.travel_starts_on.data, form.travel_ends_on.data
        if dated and not start:
            add_error(form.travel_starts_on, f"{dated[0].name} needs a start date.")
        if dated and not end:
            add_error(form.travel_ends_on, f"{dated[0].name} needs an end date.")
        if start and end and end < start:
            add_error(form.travel_ends_on, "The end date is before the start date.")
        if start and start < ctx.today and dated:
            add_error(form.travel_starts_on, "The start date is in the past.")

    def summary(self, form):
        rows = super().summary(form)
        if not any(f.takes_dates for f in form.features._rows.values() if f.id in (form.features.data or [])):
            rows = [r for r in rows if r[0] not in ("Dated features start on", "Dated features end on")]
        return rows


class DeviceModelPart(Part):
    name = "device_model"
    priced = True

    def __init__(self, label: str = "Device", required: bool = True, empty: str = "Choose a device"):
        self.label, self.required, self.empty = label, required, empty

    def fields(self):
        validators = [InputRequired("Choose a device.")] if self.required else [Optional()]
        return {"device_model": SelectField(self.label, coerce=_int, validators=validators, validate_choice=False)}

    def setup(self, form, ctx):
        if ctx.carrier is None:  # a device found in the catalog search stays chosen until the carrier is
            chosen = form.device_model.data
            model = ctx.session.get(DeviceModel, chosen) if isinstance(chosen, int) and 0 < chosen <= INT_MAX else None
            models = [model] if model is not None and model.active else []
        else:
            models = [
                m
                for m in ctx.session.scalars(
                    select(DeviceModel).where(DeviceModel.active).order_by(DeviceModel.maker, DeviceModel.price_cents)
                ).unique()
                if ctx.carrier in m.carriers
            ]
        empty = "Choose a carrier first" if ctx.carrier is None else self.empty
        form.device_model.choices = options(
            [("", empty)] + with_policy(ctx, models, lambda m: f"{m} · {money(m.price_cents)}")
        )
        form.device_model._rows = {m.id: m for m in models}

    def resolve(self, form, ctx):
        model = form.device_model._rows.get(form.device_model.data)
        if form.device_model.data and model is None:
            add_error(form.device_model, "Choose a device this carrier supports.")
        ctx.model = model
        if model is not None:
            note_policy(ctx, [model])


class StockDevicePart(Part):
    name = "stock_device"
    dynamic = True

    def __init__(self, label: str = "In-stock device", required: bool = True):
        self.label, self.required = label, required

    def fields(self):
        validators = [InputRequired("Choose an in-stock device.")] if self.required else [Optional()]
        return {"stock_device": SelectField(self.label, coerce=_int, validators=validators, validate_choice=False)}

    def setup(self, form, ctx):
        devices = ctx.session.scalars(
            select(Device).where(Device.status == DeviceStatus.IN_STOCK).order_by(Device.id)
        ).all()
        if ctx.carrier is not None and ctx.line is not None:  # a swap: the device must work on the line's carrier
            devices = [d for d in devices if ctx.carrier in d.model.carriers]
        empty = "Choose a device" if self.required else "No device"
        form.stock_device.choices = options(
            [("", empty)] + [(d.id, f"{d.model} · IMEI {imei(d.imei) if d.imei else 'none'}") for d in devices]
        )
        form.stock_device._rows = {d.id: d for d in devices}

    def resolve(self, form, ctx):
        device = form.stock_device._rows.get(form.stock_device.data)
        if form.stock_device.data and device is None:
            add_error(form.stock_device, "That device is no longer in stock: choose another.")
        ctx.stock_device = device


class MyDevicePart(Part):
    name = "device"
    dynamic = True

    def fields(self):
        return {
            "device": SelectField(
                "Device", coerce=_int, validators=[InputRequired("Choose a device.")], validate_choice=False
            )
        }

    def setup(self, form, ctx):
        devices = ctx.session.scalars(
            select(Device)
            .options(joinedload(Device.model))  # each choice names its model
            .where(Device.employee_id == ctx.employee.id, Device.status == DeviceStatus.ASSIGNED)
        ).all()
        form.device.choices = options(
            [("", "Choose a device")] + [(d.id, f"{d.model} · IMEI {imei(d.imei)}") for d in devices]
        )
        form.device._rows = {d.id: d for d in devices}

    def resolve(self, form, ctx):
        ctx.device = form.device._rows.get(form.device.data)
        if ctx.device is not None:  # the carrier of the device's line ships what is ordered for it
            line = ctx.session.scalars(
                select(Line).options(joinedload(Line.carrier)).where(Line.device_id == ctx.device.id)
            ).first()
            ctx.carrier = line.carrier if line else ctx.carrier


class AccessoriesPart(Part):
    name = "accessories"
    priced = True

    def fields(self):
        return {
            "accessories": CheckboxListField("Accessories", coerce=_int, validate_choice=False),
            "quantity": IntegerField(
                "How many of each",
                default=1,
                validators=[
                    DataRequired("Enter how many of each accessory, from 1 to 10."),
                    NumberRange(1, 10, message="Enter how many of each accessory, from 1 to 10."),
                ],
            ),
        }

    def setup(self, form, ctx):
        accessories = ctx.session.scalars(
            select(Accessory)
            .options(selectinload(Accessory.fits))  # the models each fits, for all of them in one query
            .where(Accessory.active)
            .order_by(Accessory.name)
        ).all()
        if ctx.device is not None:
            accessories = [a for a in accessories if not a.fits or ctx.device.model in a.fits]
        form.accessories.choices = options(
            with_policy(ctx, accessories, lambda a: f"{a.name} · {money(a.price_cents)}")
        )
        form.accessories._rows = {a.id: a for a in accessories}

    def resolve(self, form, ctx):
        ctx.accessories = [
            form.accessories._rows[i] for i in (form.accessories.data or []) if i in form.accessories._rows
        ]
        ctx.quantity = form.quantity.data if isinstance(form.quantity.data, int) and form.quantity.data > 0 else 1
        note_policy(ctx, ctx.accessories)


US_STATE = Regexp(r"^[A-Za-z]{2}$", message="Enter the two-letter state, like NY.")
ZIP = Regexp(r"^\d{5}(-\d{4})?$", message="Enter a ZIP code like 10118 or 10118-0001.")


class ShippingPart(Part):
    name = "shipping"
    ADDRESS = ("ship_street", "ship_city", "ship_state", "ship_postal_code")

    def fields(self):
        return {
            "ship_to": RadioField(
                "Ship to",
                choices=options([("office", "My office"), ("other", "Another address")]),
                default="office",
                validators=[InputRequired("Choose where to ship.")],
            ),
            "ship_street": StringField("Street address", validators=[Optional(), Length(max=200)]),
            "ship_city": StringField("City", validators=[Optional(), Length(max=100)]),
            "ship_state": StringField("State", validators=[Optional(), US_STATE]),
            "ship_postal_code": StringField("ZIP code", validators=[Optional(), ZIP]),
        }

    def setup(self, form, ctx):
        office = ctx.employee.location
        form.ship_to.choices = options(
            [("office", f"Office: {office}" if office else "My office"), ("other", "Another address")]
        )

    def resolve(self, form, ctx):
        if form.ship_to.data == "other":
            for name, message in (
                ("ship_street", "Enter the street address."),
                ("ship_city", "Enter the city."),
                ("ship_state", "Enter the state."),
                ("ship_postal_code", "Enter the ZIP code."),
            ):
                if not (form[name].data or "").strip():
                    add_error(form[name], message)
        elif ctx.employee.location is None:
            add_error(form.ship_to, "There is no office on file for this person: enter another address.")

    def summary(self, form):
        if form.ship_to.data == "other":
            street, city, state, postal_code = (form[n].data for n in self.ADDRESS)
            return [("Ship to", address(street, city, f"{state or ''} {postal_code or ''}"))]
        return [("Ship to", label_of(form.ship_to, "office"))]


DAMAGE_CHOICES = [
    ("", "Choose what is wrong"),
    ("defect", "It stopped working or has a defect"),
    ("physical", "Physical damage (cracked, bent, broken)"),
    ("liquid", "Liquid damage"),
    ("battery", "Battery problem (drains, swells, will not charge)"),
]


class DamagePart(Part):
    name = "damage"

    def fields(self):
        return {
            "problem": SelectField(
                "What is wrong?",
                choices=options(DAMAGE_CHOICES),
                validators=[InputRequired("Choose what is wrong with the device.")],
            ),
            "problem_description": TextAreaField(
                "Describe the problem",
                validators=[DataRequired("Describe the problem for the carrier."), Length(max=1000)],
            ),
        }


WARRANTY_TERMS = (
    "Vendor warranties expire after the first year of ownership and do not cover physical or liquid damage or "
    "battery problems. Every warranty replacement is at the vendor's discretion, and a device returned under false "
    "pretences can cause a full device cost chargeback to the company's account. If the device does not meet these "
    "terms, order an Upgrade instead."
)


class WarrantyTermsPart(Part):
    """The vendor's terms, which the requester acknowledges; the acknowledgement is kept on the order."""

    name = "warranty_terms"

    def fields(self):
        return {
            "warranty_terms": BooleanField(
                "I have read the warranty terms above and the device meets them",
                description=WARRANTY_TERMS,
                validators=[DataRequired("Acknowledge the warranty terms, or order an Upgrade instead.")],
            )
        }

    def summary(self, form):
        return [("Warranty terms", "Acknowledged by the requester" if form.warranty_terms.data else "Not acknowledged")]


class AccountPart(Part):
    """The account the number moves from (a port or a transfer of liability). Its number and PIN are secrets:
    together they move a person's phone number away, so both are encrypted at rest, masked wherever they show
    and never emailed."""

    name = "account"
    secret_fields = ("account_number", "transfer_pin")

    def fields(self):
        return {
            "account_number": StringField(
                "Account number at the current carrier",
                validators=[DataRequired("Enter the account number."), Length(max=40)],
                widget=SecretTextInput(),
                render_kw={"autocomplete": "off"},
            ),
            "transfer_pin": PasswordField(
                "Transfer PIN",
                validators=[
                    DataRequired("Enter the transfer PIN from the current carrier."),
                    Regexp(r"^\d{4,10}$", message="A transfer PIN is 4 to 10 digits."),
                ],
            ),
            "billing_zip": StringField(
                "Billing ZIP code", validators=[DataRequired("Enter the billing ZIP code."), ZIP]
            ),
            "account_holder": StringField(
                "Account holder's name", validators=[DataRequired("Enter the account holder's name."), Length(max=120)]
            ),
        }


class DirectionPart(Part):
    name = "direction"
    dynamic = True

    def fields(self):
        return {
            "direction": RadioField(
                "Transfer",
                choices=options(
                    [
                        ("to_corporate", "From a personal account to the corporate account"),
                        ("to_personal", "From the corporate account to a personal account"),
                    ]
                ),
                validators=[InputRequired("Choose which way the line moves.")],
            )
        }


class PhoneNumberPart(Part):
    name = "phone_number"

    def __init__(self, label: str = "Phone number"):
        self.label = label

    def fields(self):
        return {"phone_number": StringField(self.label, validators=[Optional(), Length(max=30)])}

    def resolve(self, form, ctx):
        if (form.phone_number.data or "").strip():
            try:
                ctx.values["phone_number_e164"] = parse_phone(form.phone_number.data)
            except InvalidIdentifier as exc:
                add_error(form.phone_number, str(exc))


class TierPart(Part):
    name = "tier"
    priced = True

    def fields(self):
        return {
            "tier": SelectField(
                "Stipend tier", coerce=_int, validators=[InputRequired("Choose a tier.")], validate_choice=False
            )
        }

    def setup(self, form, ctx):
        tiers = ctx.session.scalars(
            select(StipendTier).where(StipendTier.active).order_by(StipendTier.monthly_cents)
        ).all()
        form.tier.choices = options(
            [("", "Choose a tier")] + [(t.id, f"{t.name} · {money(t.monthly_cents)}/month") for t in tiers]
        )
        form.tier._rows = {t.id: t for t in tiers}

    def resolve(self, form, ctx):
        ctx.tier = form.tier._rows.get(form.tier.data)


class NewEmployeePart(Part):
    """Whom a line goes to: anyone active in the company, found by searching (never a list of everyone: with a
    hundred thousand people it would weigh megabytes, and checking the order again at approval would load them
    all)."""

    name = "new_employee"
    finding_fields = ("new_employee_search",)

    def fields(self):
        return {
            "new_employee_search": PersonSearchField(
                "Find the person", feeds="new_employee", validators=[Optional(), Length(max=100)]
            ),
            "new_employee": SelectField(
                "Assign to",
                coerce=_int,
                validators=[InputRequired("Choose who the line goes to.")],
                validate_choice=False,
            ),
        }

    def setup(self, form, ctx):
        text = (form.new_employee_search.data or "").strip()[:100]
        found = people_found(ctx.session, text, chosen=form.new_employee.data, where=[User.active])
        form.new_employee_search.offer(form.new_employee, found.people, matched=found.matched)
        form.new_employee._rows = {p.id: p for p in found.people}

    def resolve(self, form, ctx):
        ctx.new_employee = form.new_employee._rows.get(form.new_employee.data)
        if form.new_employee.data is not None and ctx.new_employee is None:
            add_error(form.new_employee, "That person is no longer with the company: choose someone else.")


class AreaCodePart(Part):
    name = "area_code"

    def fields(self):
        return {
            "preferred_area_code": StringField(
                "Preferred area code",
                validators=[
                    Optional(),
                    Regexp(r"^[2-9]\d\d$", message="An area code is 3 digits and does not start with 0 or 1."),
                ],
            )
        }


class SimKindPart(Part):
    name = "sim_kind"

    def __init__(self, label: str = "SIM"):
        self.label = label

    def fields(self):
        return {
            "sim_kind": RadioField(
                self.label,
                choices=options([("physical", "Physical SIM card"), ("esim", "eSIM")]),
                default="physical",
                validators=[InputRequired("Choose a SIM type.")],
            )
        }


class ReasonPart(Part):
    name = "reason"

    def __init__(self, label: str = "Reason", required: bool = True, message: str = "Give a reason."):
        self.label, self.required, self.message = label, required, message

    def fields(self):
        validators = [DataRequired(self.message)] if self.required else [Optional()]
        return {"reason": TextAreaField(self.label, validators=[*validators, Length(max=500)])}


class EffectiveDatePart(Part):
    name = "effective_on"

    def __init__(self, label: str = "Effective date"):
        self.label = label

    def fields(self):
        return {
            "effective_on": DateField(self.label, validators=[InputRequired("Enter the date.")], default=clock.today)
        }

    def resolve(self, form, ctx):
        if form.effective_on.data and form.effective_on.data < ctx.today:
            add_error(form.effective_on, "The date is in the past: choose today or later.")


class PlannedEndPart(Part):
    """When a temporary change is planned to end (optional): a reminder goes out before that day."""

    name = "planned_end"

    def __init__(self, label: str = "Planned end (optional)"):
        self.label = label

    def fields(self):
        return {"planned_end": DateField(self.label, validators=[Optional()])}

    def resolve(self, form, ctx):
        if form.planned_end.data and form.planned_end.data <= ctx.today:
            add_error(form.planned_end, "The planned end is not in the future: choose a later day, or leave it empty.")


DISPOSITIONS = [
    ("", "Choose what happens to the device"),
    ("return_to_stock", "Return it to stock"),
    ("keep", "The employee keeps it"),
    ("recycle", "Recycle it (retire)"),
    ("lost_stolen", "It was lost or stolen"),
]


class DispositionPart(Part):
    name = "disposition"

    def fields(self):
        return {
            "disposition": SelectField(
                "Device",
                choices=options(DISPOSITIONS),
                validators=[InputRequired("Choose what happens to the device.")],
            )
        }


class JustificationPart(Part):
    name = "justification"

    def fields(self):
        return {
            "justification": TextAreaField(
                "Justification (needed only for out-of-policy choices)", validators=[Optional(), Length(max=1000)]
            )
        }


class NotesPart(Part):
    name = "notes"

    def fields(self):
        return {"notes": TextAreaField("Notes for the approver (optional)", validators=[Optional(), Length(max=1000)])}
