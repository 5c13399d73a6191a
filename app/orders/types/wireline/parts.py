"""The parts wireline order forms are built from: a site, a service at a site, the kind of service and its
capacity, the contract term, the carrier's quote, the requested install date, numbers to add or remove, and the
voice features. Like the mobile parts, each adds its fields, fills its choices and reads the answer."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.choices import options
from app.formatting import money, parse_money
from app.identifiers import InvalidIdentifier
from app.inventory.history import status_label
from app.inventory.wireline import CIRCUITS, WITH_NUMBERS, parse_numbers
from app.models import ServiceKind, ServiceStatus, Site, WirelineService
from app.orders.types.base import OrderContext
from app.orders.types.parts import Part, _int, add_error

TERMS = (12, 24, 36, 60)
HUNT_GROUPS = [
    ("", "No hunt group"),
    ("linear", "Linear (always the first free line first)"),
    ("circular", "Circular (round robin)"),
    ("simultaneous", "Simultaneous (ring every line)"),
]
VOICE = frozenset({ServiceKind.POTS, ServiceKind.SIP_TRUNK, ServiceKind.TOLL_FREE})


def service_label(service: WirelineService) -> str:
    """'New York HQ · Business internet · 12.KXGS.123456..NW · 500 Mbps'."""
    capacity = (
        f" · {service.bandwidth_mbps} Mbps"
        if service.bandwidth_mbps
        else (f" · {service.channels} channels" if service.channels else "")
    )
    ident = f" · {service.circuit_id}" if service.circuit_id else ""
    return f"{service.site.name} · {status_label(service.kind)}{ident}{capacity} · {service.carrier.name}"


class SitePart(Part):
    """A site of the company: where a new service goes (`site`), or where a service moves to (`to_site`)."""

    dynamic = True

    def __init__(self, name: str = "site", label: str = "Site"):
        self.name, self.label = name, label

    def fields(self):
        return {
            self.name: SelectField(
                self.label, coerce=_int, validators=[InputRequired("Choose the site.")], validate_choice=False
            )
        }

    def setup(self, form, ctx):
        sites = ctx.session.scalars(select(Site).order_by(Site.name)).all()
        form[self.name].choices = options([("", "Choose a site")] + [(s.id, f"{s.name} · {s.city}") for s in sites])
        form[self.name]._rows = {s.id: s for s in sites}

    def resolve(self, form, ctx):
        site = form[self.name]._rows.get(form[self.name].data)
        if form[self.name].data and site is None:
            add_error(form[self.name], "Choose one of the sites listed.")
        if self.name == "to_site":
            ctx.to_site = site
        else:
            ctx.site = site


class ServicePart(Part):
    """An active wireline service (of some kinds only, when the type changes what only they have)."""

    name = "service"
    dynamic = True

    def __init__(self, label: str = "Service", kinds: frozenset[ServiceKind] | None = None):
        self.label, self.kinds = label, kinds

    def fields(self):
        return {
            "service": SelectField(
                self.label, coerce=_int, validators=[InputRequired("Choose the service.")], validate_choice=False
            )
        }

    def setup(self, form, ctx):
        query = (
            select(WirelineService)
            .options(joinedload(WirelineService.site), joinedload(WirelineService.carrier))
            .join(Site, Site.id == WirelineService.site_id)
            .where(WirelineService.status == ServiceStatus.ACTIVE)
            .order_by(Site.name, WirelineService.kind, WirelineService.id)
        )
        if self.kinds:
            query = query.where(WirelineService.kind.in_(self.kinds))
        services = ctx.session.scalars(query).all()
        form.service.choices = options([("", "Choose a service")] + [(s.id, service_label(s)) for s in services])
        form.service._rows = {s.id: s for s in services}

    def resolve(self, form, ctx):
        service = form.service._rows.get(form.service.data)
        if form.service.data and service is None:
            add_error(form.service, self._why_not_listed(ctx, form.service.data))
        ctx.service = service
        if service is not None:
            ctx.site = service.site
            ctx.carrier = service.carrier

    def _why_not_listed(self, ctx: OrderContext, service_id: int) -> str:
        service = ctx.session.get(WirelineService, service_id)
        if service is None:
            return "Choose one of the services listed."
        if service.status is not ServiceStatus.ACTIVE:
            return f"This service is {status_label(service.status).lower()}: only an active service can be changed."
        return f"A {status_label(service.kind).lower()} cannot be changed this way."


class ServiceKindPart(Part):
    name = "kind"
    dynamic = True

    def fields(self):
        kinds = [("", "Choose the kind of service")] + [(k.value, status_label(k)) for k in ServiceKind]
        return {
            "kind": SelectField(
                "Kind of service", choices=options(kinds), validators=[InputRequired("Choose the kind of service.")]
            )
        }


def kind_of(ctx: OrderContext) -> ServiceKind | None:
    """The kind ordered (a new service), else the kind of the service changed."""
    value = ctx.values.get("kind")
    if value in {k.value for k in ServiceKind}:
        return ServiceKind(value)
    return ctx.service.kind if ctx.service is not None else None


class CapacityPart(Part):
    """Bandwidth for a circuit, channels for a SIP trunk (each checked against the kind by the type's rules)."""

    name = "capacity"

    def __init__(self, bandwidth_label: str = "Bandwidth (Mbps)", channels_label: str = "Channels (SIP trunk)"):
        self.bandwidth_label, self.channels_label = bandwidth_label, channels_label

    def fields(self):
        number = NumberRange(1, 100_000, message="Enter a whole number from 1 to 100,000.")
        return {
            "bandwidth_mbps": IntegerField(self.bandwidth_label, validators=[Optional(), number]),
            "channels": IntegerField(self.channels_label, validators=[Optional(), number]),
        }


class TermPart(Part):
    name = "term"

    def fields(self):
        return {
            "term_months": SelectField(
                "Contract term",
                coerce=_int,
                choices=options([("", "Choose the term")] + [(t, f"{t} months") for t in TERMS]),
                validators=[InputRequired("Choose the contract term.")],
                validate_choice=False,
            )
        }

    def resolve(self, form, ctx):
        if form.term_months.data and form.term_months.data not in TERMS:
            add_error(form.term_months, "Choose one of the terms listed.")


class QuotePart(Part):
    """The carrier's quote, as the person ordering has it: the monthly cost (and a one-time charge). Kept as typed;
    its cents go in `ctx.values` (`monthly_quote_cents`, `one_time_quote_cents`) for the price and the effect."""

    name = "quote"
    priced = True

    def __init__(self, monthly_label: str = "Monthly cost quoted by the carrier", required: bool = True):
        self.monthly_label, self.required = monthly_label, required

    def fields(self):
        monthly = [InputRequired("Enter the monthly cost the carrier quoted, like 450.00.")] if self.required else []
        return {
            "monthly_quote": StringField(self.monthly_label, validators=[*monthly, Optional(), Length(max=20)]),
            "one_time_quote": StringField(
                "One-time charge (installation), if any", validators=[Optional(), Length(max=20)]
            ),
        }

    def resolve(self, form, ctx):
        for name in ("monthly_quote", "one_time_quote"):
            text = (form[name].data or "").strip()
            if not text:
                continue
            try:
                ctx.values[f"{name}_cents"] = parse_money(text)
            except ValueError:
                add_error(form[name], "Enter an amount like 450.00.")

    def summary(self, form):
        rows = []
        for name in ("monthly_quote", "one_time_quote"):
            text = (form[name].data or "").strip()
            try:
                shown = money(parse_money(text)) if text else ""
            except ValueError:
                shown = text
            if shown:
                rows.append((str(form[name].label.text), shown))
        return rows


class InstallDatePart(Part):
    name = "install"

    def __init__(self, label: str = "Requested install date"):
        self.label = label

    def fields(self):
        return {
            "install_on": DateField(self.label, validators=[InputRequired("Enter the date you want it installed.")])
        }

    def resolve(self, form, ctx):
        if form.install_on.data and form.install_on.data <= ctx.today:
            add_error(form.install_on, "Choose a day after today: the carrier needs time to install.")


class NumbersPart(Part):
    """How many numbers to add (the carrier assigns them) and which to remove (one per line, or a range)."""

    name = "numbers"

    def fields(self):
        return {
            "numbers_to_add": IntegerField(
                "How many numbers to add",
                validators=[Optional(), NumberRange(1, 1000, message="Enter how many, from 1 to 1,000.")],
            ),
            "numbers_to_remove": TextAreaField(
                "Numbers to remove (one per line, or a range like (212) 555-0100 - 0109)",
                validators=[Optional(), Length(max=5000)],
            ),
        }

    def resolve(self, form, ctx):
        try:
            ctx.values["numbers_removed"] = parse_numbers(form.numbers_to_remove.data or "")
        except InvalidIdentifier as exc:
            add_error(form.numbers_to_remove, str(exc))


class VoiceFeaturesPart(Part):
    name = "voice_features"

    def fields(self):
        return {
            "hunt_group": SelectField("Hunt group", choices=options(HUNT_GROUPS), validators=[Optional()]),
            "caller_id_name": StringField(
                "Caller ID name (up to 15 letters, digits or spaces)",
                validators=[Optional(), Length(max=15, message="A caller ID name is at most 15 characters.")],
            ),
        }

    def setup(self, form, ctx):
        service = ctx.service
        if service is not None and not form.hunt_group.raw_data and not form.caller_id_name.raw_data:
            form.hunt_group.data, form.caller_id_name.data = service.hunt_group, service.caller_id_name

    def resolve(self, form, ctx):
        name = (form.caller_id_name.data or "").strip()
        if name and not all(c.isascii() and (c.isalnum() or c in " .,&'-") for c in name):
            add_error(form.caller_id_name, "Use letters, digits, spaces and . , & ' - only.")


class DatePart(Part):
    """A date the change happens on (today or later)."""

    def __init__(self, name: str, label: str, message: str):
        self.name, self.label, self.message = name, label, message

    def fields(self):
        return {self.name: DateField(self.label, validators=[InputRequired(self.message)])}

    def resolve(self, form, ctx):
        value = form[self.name].data
        if value and value < ctx.today:
            add_error(form[self.name], "The date is in the past: choose today or later.")


__all__ = ["CIRCUITS", "VOICE", "WITH_NUMBERS"]
