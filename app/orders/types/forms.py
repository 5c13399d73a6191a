"""An order type's form, built from its parts, and the check of what was entered against its rules.

The same form serves the page (with CSRF, in app.web.orders.forms) and the domain, which binds it to what a
draft holds to run every rule again at submit and at the final approval."""

from __future__ import annotations

from typing import Any

from wtforms import Form, HiddenField

from app.orders.types.base import OrderContext, OrderType


class OrderFormBase(Form):
    form_token = HiddenField()  # one token per form: posting it twice updates one draft, never makes two


_FORM_CLASSES: dict[tuple[OrderType, type[Form]], type[Form]] = {}


def form_class(order_type: OrderType, base: type[Form] = OrderFormBase) -> type[Form]:
    """The type's form class on `base`, built once from its parts."""
    key = (order_type, base)
    if key not in _FORM_CLASSES:
        fields = {}
        for part in order_type.parts:
            fields.update(part.fields())
        _FORM_CLASSES[key] = type(f"{order_type.code.title().replace('_', '')}Form", (base,), fields)
    return _FORM_CLASSES[key]


def bind(
    order_type: OrderType, ctx: OrderContext, formdata: Any, *, validate: bool, base: type[Form] = OrderFormBase
) -> tuple[Form, bool]:
    """Build the form for `ctx`, fill its choices part by part, and (when asked) check it and the type's rules.

    Returns the form and whether everything is valid. Without `validate` (an HTMX refresh as someone types)
    no errors are shown: only the choices and the price follow what was picked.
    """
    form = form_class(order_type, base)(formdata=formdata)
    ctx.order_type = order_type
    for part in order_type.parts:
        part.setup(form, ctx)
        part.resolve(form, ctx)
    found = {name: list(f.errors) for name, f in form._fields.items() if f.errors}
    if not validate:
        for f in form:
            f.errors = []
        return form, False
    valid = form.validate()
    for name, errors in found.items():
        form[name].errors = list(form[name].errors) + [e for e in errors if e not in form[name].errors]
    ctx.values.update({name: f.data for name, f in form._fields.items() if name != "csrf_token"})
    for name, message in order_type.check(ctx).items():
        target = form[name] if name in form._fields else None
        if target is not None and not target.errors:
            target.errors = [message]
        elif target is None:
            form.form_errors.append(message)
    valid = valid and not any(f.errors for f in form) and not form.form_errors
    return form, valid


def errors_of(form: Form) -> dict[str, str]:
    """The form's errors, one per field ("" for the form's own), as commands report them."""
    errors = {name: str(f.errors[0]) for name, f in form._fields.items() if f.errors}
    if form.form_errors:
        errors.setdefault("", str(form.form_errors[0]))
    return errors
