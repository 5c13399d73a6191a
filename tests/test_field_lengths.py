"""Every form field that is saved into a column allows no more characters than the column holds: a value the form
accepts is never refused by the database (PostgreSQL refuses what SQLite would keep), so it never ends in a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import String
from wtforms import Form
from wtforms.validators import Length

from app.models import Device, Line, Order, Shipment, Sim, Stipend
from app.orders.types import REGISTRY
from app.web.admin import catalog_kinds
from app.web.fulfilment import forms as console
from app.web.inventory import forms as inventory


def longest(field) -> int | None:
    """The most characters the field accepts, from its Length validator (None when it sets no limit)."""
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max is not None and v.max >= 0]
    return min(limits) if limits else None


def column_length(model, attribute: str) -> int | None:
    column = model.__table__.columns[attribute]
    return column.type.length if isinstance(column.type, String) else None


# Order-form answers that an order's completion writes into a column (the rest stay in the order's details).
ORDER_ANSWERS_TO_COLUMNS = [("suspend", "reason", Line, "suspend_reason")]
# The fulfilment console's fields and the columns they fill.
CONSOLE_TO_COLUMNS = [
    (console.PlacedForm, "carrier_reference", Order, "carrier_reference"),
    (console.ShipmentForm, "tracking_number", Shipment, "tracking_number"),
    (console.DeviceForm, "serial", Device, "serial"),
]


@pytest.mark.parametrize("code,name,model,attribute", ORDER_ANSWERS_TO_COLUMNS)
def test_order_answers_saved_in_a_column_fit_it(app, code, name, model, attribute):
    part_fields = {n: f for part in REGISTRY[code].parts for n, f in part.fields().items()}
    with app.test_request_context():
        form = type("Probe", (Form,), part_fields)()
        assert longest(form[name]) is not None, f"{code}.{name} sets no maximum length"
        assert longest(form[name]) <= column_length(model, attribute)


@pytest.mark.parametrize("form_class,name,model,attribute", CONSOLE_TO_COLUMNS)
def test_console_fields_fit_their_columns(app, form_class, name, model, attribute):
    with app.test_request_context():
        form = form_class(formdata=None, meta={"csrf": False})
        limit = longest(form[name])
        assert limit is not None, f"{form_class.__name__}.{name} sets no maximum length"
        assert limit <= column_length(model, attribute)


@pytest.mark.parametrize(
    "form_class,model",
    [
        (inventory.LineForm, Line),
        (inventory.DeviceForm, Device),
        (inventory.SimForm, Sim),
        (inventory.StipendForm, Stipend),
    ],
)
def test_inventory_fields_fit_their_columns(app, form_class, model):
    with app.test_request_context():
        form = form_class(formdata=None, meta={"csrf": False})
        for field in form:
            attribute = form.attribute(field.short_name)
            if attribute not in model.__table__.columns:
                continue
            size = column_length(model, attribute)
            # identifiers (number, IMEI, ICCID) are parsed to their one form; choices are the model's own values
            if size is not None and field.type in ("StringField", "TextAreaField"):
                limit = longest(field)
                assert limit is not None and limit <= size, (
                    f"{form_class.__name__}.{field.short_name}: {limit} > {size}"
                )


def test_catalog_fields_fit_their_columns(app):
    with app.test_request_context():
        for kind in catalog_kinds.KINDS.values():
            form = kind.form(formdata=None, meta={"csrf": False})
            for field in form:
                if field.short_name not in kind.model.__table__.columns:
                    continue
                size = column_length(kind.model, field.short_name)
                if size is not None and field.type in ("StringField", "TextAreaField"):
                    limit = longest(field)
                    assert limit is not None and limit <= size, f"{kind.model.__name__}.{field.short_name}"
