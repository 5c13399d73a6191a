"""Order forms: one form class per type, built from the type's parts, plus the small forms around orders."""
from __future__ import annotations

from functools import cache

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.orders.types.base import OrderContext, OrderType


class OrderFormBase(FlaskForm):
    form_token = HiddenField()  # one token per form: posting it twice updates one draft, never makes two


@cache
def form_class(order_type: OrderType) -> type[OrderFormBase]:
    fields = {}
    for part in order_type.parts:
        fields.update(part.fields())
    return type(f"{order_type.code.title().replace('_', '')}Form", (OrderFormBase,), fields)


def bind(order_type: OrderType, ctx: OrderContext, formdata, *, validate: bool) -> tuple[OrderFormBase, bool]:
    """Build the form for `ctx`, fill its choices part by part, and (when asked) check it and the type's rules.

    Returns the form and whether everything is valid. Without `validate` (an HTMX refresh as someone types)
    no errors are shown: only the choices and the price follow what was picked.
    """
    form = form_class(order_type)(formdata=formdata)
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


class CancelForm(FlaskForm):
    version = HiddenField()
    reason = TextAreaField("Reason for cancelling", validators=[DataRequired("Say why you are cancelling."),
                                                                Length(max=500)])


class AnswerForm(FlaskForm):
    version = HiddenField()
    answer = TextAreaField("Your answer", validators=[DataRequired("Write your answer."), Length(max=2000)])


class SubmitForm(FlaskForm):
    version = HiddenField()


class MyOrdersFilter(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    q = StringField("Search by order number or phone number", validators=[Optional(), Length(max=40)])
    status = SelectField("Status", validators=[Optional()])
