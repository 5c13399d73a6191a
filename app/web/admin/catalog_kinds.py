"""The catalog lists as a table: for each kind of item, its model, form, columns and search.

The views in routes_catalog.py are written once against this table; adding a kind of catalog item is one
entry here and one form class in forms.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import joinedload, selectinload

from app.formatting import label, money
from app.models import Accessory, Carrier, DeviceModel, Feature, FulfilmentMode, Plan, StipendTier
from app.web.admin import forms


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], str]
    numeric: bool = False


@dataclass(frozen=True)
class CatalogKind:
    slug: str  # in the URL: /admin/catalog/<slug>
    action: str  # in the audit log: <action>.create, <action>.retire…
    model: type[Any]
    noun: str  # "device model": "Add device model", "Save device model"
    plural: str  # "Device models": the page heading
    form: type[forms.CatalogForm]
    columns: tuple[Column, ...]
    search: Callable[[str], ColumnElement[bool]]  # what was typed → the WHERE clause
    order_by: tuple[Any, ...]
    options: tuple[Any, ...] = ()  # eager loading, so a page of rows is a fixed number of queries
    has_audience: bool = False  # "Who may order it" (app.catalog.eligibility)
    issues_secret: bool = False  # a webhook secret is made on creation and shown once
    retire_note: str = ""
    describe: Callable[[Any], str] = str  # names an item in buttons, messages and the audit log
    intro: str = ""

    def label(self, item: Any) -> str:
        return self.describe(item)


def _search(*columns: Any, carrier_of: Any = None) -> Callable[[str], ColumnElement[bool]]:
    """Every word typed is in one of these columns (or the item's carrier's name), ignoring case;
    so "apple 16 black" finds Apple iPhone 16 128 GB Black. % and _ match themselves."""

    def where(text: str) -> ColumnElement[bool]:
        clauses = []
        for word in text.split():
            options = [column.icontains(word, autoescape=True) for column in columns]
            if carrier_of is not None:
                options.append(carrier_of.has(Carrier.name.icontains(word, autoescape=True)))
            clauses.append(or_(*options))
        return and_(*clauses)

    return where


def _fulfilment(carrier: Carrier) -> str:
    """How orders reach the carrier; for API mode, with the host they are sent to."""
    if carrier.fulfilment_mode is FulfilmentMode.API:
        return f"API ({urlsplit(carrier.api_url).hostname or 'no endpoint'})"
    return label(carrier.fulfilment_mode)


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def _with_carrier(item: Plan | Feature) -> str:
    return f"{item.name} ({item.carrier.name})"


def _data(plan: Plan) -> str:
    if plan.data_gb:
        return f"{plan.data_gb} GB"
    return "Unlimited" if plan.kind.value != "voice" else "None"


KINDS: dict[str, CatalogKind] = {
    kind.slug: kind
    for kind in (
        CatalogKind(
            slug="carriers",
            action="carrier",
            model=Carrier,
            noun="carrier",
            plural="Carriers",
            form=forms.CarrierForm,
            issues_secret=True,
            intro="The wireless carriers the company buys service from, and how orders reach them.",
            columns=(
                Column("Name", lambda c: c.name),
                Column("Code", lambda c: c.code),
                Column("Fulfillment", _fulfilment),
                Column("Reactivation window", lambda c: f"{c.reactivation_window_days} days", numeric=True),
                Column("Early-upgrade charge", lambda c: money(c.early_upgrade_fee_cents), numeric=True),
                Column("Webhook secret", lambda c: "Set" if c.webhook_secret_encrypted else "Not set"),
            ),
            search=_search(Carrier.name, Carrier.code),
            order_by=(Carrier.name,),
            retire_note="A retired carrier's plans and features can no longer be ordered; its lines keep them.",
        ),
        CatalogKind(
            slug="plans",
            action="plan",
            model=Plan,
            noun="plan",
            plural="Plans",
            form=forms.PlanForm,
            has_audience=True,
            describe=_with_carrier,
            intro="Voice and data plans, by carrier, with their monthly price.",
            columns=(
                Column("Name", lambda p: p.name),
                Column("Carrier", lambda p: p.carrier.name),
                Column("Type", lambda p: dict(forms.PLAN_KINDS)[p.kind.value]),
                Column("Data", _data),
                Column("Monthly price", lambda p: money(p.monthly_cents), numeric=True),
                Column("Employee pays", lambda p: money(p.employee_share_cents), numeric=True),
            ),
            search=_search(Plan.name, carrier_of=Plan.carrier),
            order_by=(Plan.name, Plan.carrier_id),
            options=(joinedload(Plan.carrier),),
        ),
        CatalogKind(
            slug="features",
            action="feature",
            model=Feature,
            noun="feature",
            plural="Features",
            form=forms.FeatureForm,
            describe=_with_carrier,
            intro="Add-ons to a line, by carrier; some apply between two dates, like international travel.",
            columns=(
                Column("Name", lambda f: f.name),
                Column("Code", lambda f: f.code),
                Column("Carrier", lambda f: f.carrier.name),
                Column("Monthly price", lambda f: money(f.monthly_cents), numeric=True),
                Column("Takes dates", lambda f: _yes_no(f.takes_dates)),
            ),
            search=_search(Feature.name, Feature.code, carrier_of=Feature.carrier),
            order_by=(Feature.name, Feature.carrier_id),
            options=(joinedload(Feature.carrier),),
        ),
        CatalogKind(
            slug="device-models",
            action="device_model",
            model=DeviceModel,
            noun="device model",
            plural="Device models",
            form=forms.DeviceModelForm,
            has_audience=True,
            intro="Phones, tablets and hotspots: one row per storage size and colour.",
            columns=(
                Column("Device", str),
                Column("Kind", lambda m: m.kind.capitalize()),
                Column("Price", lambda m: money(m.price_cents), numeric=True),
                Column("Employee pays", lambda m: money(m.employee_share_cents), numeric=True),
                Column("Carriers", lambda m: ", ".join(sorted(c.name for c in m.carriers))),
                Column("eSIM", lambda m: _yes_no(m.esim)),
                Column("Picture", lambda m: _yes_no(m.picture_id is not None)),
            ),
            search=_search(DeviceModel.maker, DeviceModel.name, DeviceModel.color, DeviceModel.kind, DeviceModel.specs),
            order_by=(DeviceModel.maker, DeviceModel.name, DeviceModel.storage_gb, DeviceModel.color),
            options=(selectinload(DeviceModel.carriers),),
            retire_note="Devices of a retired model stay on their lines.",
        ),
        CatalogKind(
            slug="accessories",
            action="accessory",
            model=Accessory,
            noun="accessory",
            plural="Accessories",
            form=forms.AccessoryForm,
            has_audience=True,
            intro="Cases, chargers, batteries and headsets, and the device models they fit.",
            columns=(
                Column("Name", lambda a: a.name),
                Column("Kind", lambda a: a.kind.capitalize()),
                Column("Price", lambda a: money(a.price_cents), numeric=True),
                Column("Employee pays", lambda a: money(a.employee_share_cents), numeric=True),
                Column("Fits", lambda a: ", ".join(str(m) for m in a.fits) if a.fits else "Every model"),
            ),
            search=_search(Accessory.name, Accessory.kind),
            order_by=(Accessory.name,),
            options=(selectinload(Accessory.fits),),
        ),
        CatalogKind(
            slug="stipend-tiers",
            action="stipend_tier",
            model=StipendTier,
            noun="stipend tier",
            plural="Stipend tiers",
            form=forms.StipendTierForm,
            intro="What the stipend program reimburses each month, by tier.",
            columns=(
                Column("Name", lambda t: t.name),
                Column("Monthly amount", lambda t: money(t.monthly_cents), numeric=True),
            ),
            search=_search(StipendTier.name),
            order_by=(StipendTier.monthly_cents,),
            retire_note="People enrolled in a retired tier keep it until their stipend ends.",
        ),
    )
}
