"""Order forms on the pages: each type's form (built from its parts, with CSRF), and the small forms around orders."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.choices import options
from app.orders import attachments
from app.orders.conversation import MAX_MESSAGE
from app.orders.types import forms as types_forms
from app.orders.types.base import OrderContext, OrderType


class OrderPageForm(FlaskForm):
    """An order type's form on the page: the domain's form, with CSRF."""

    form_token = HiddenField()  # one token per form: posting it twice updates one draft, never makes two


def bind(order_type: OrderType, ctx: OrderContext, formdata, *, validate: bool) -> tuple[FlaskForm, bool]:
    """The type's form for the page (see app.orders.types.forms.bind)."""
    return types_forms.bind(order_type, ctx, formdata, validate=validate, base=OrderPageForm)


class CancelForm(FlaskForm):
    version = HiddenField()
    reason = TextAreaField(
        "Reason for cancelling", validators=[DataRequired("Say why you are cancelling."), Length(max=500)]
    )


ATTACH_LABEL = "Attach photos or PDFs (optional)"
ATTACH_HINT = (
    f"Up to {attachments.MAX_FILES} files: {attachments.ACCEPTED_WORDS}, "
    f"{attachments.MAX_BYTES // (1024 * 1024)} MB each at most."
)
ACCEPT = "image/png,image/jpeg,image/gif,image/webp,application/pdf"


class AnswerForm(FlaskForm):
    version = HiddenField()
    answer = TextAreaField("Your answer", validators=[DataRequired("Write your answer."), Length(max=MAX_MESSAGE)])
    files = MultipleFileField(ATTACH_LABEL)


class MessageForm(FlaskForm):
    """A message in the order's conversation, from wherever the thread is shown (`next`: back there)."""

    message = TextAreaField("Message", validators=[DataRequired("Write your message."), Length(max=MAX_MESSAGE)])
    files = MultipleFileField(ATTACH_LABEL)
    next = HiddenField()


class SubmitForm(FlaskForm):
    version = HiddenField()


class MyOrdersFilter(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    q = StringField("Search by order number or phone number", validators=[Optional(), Length(max=40)])
    status = SelectField("Status", validators=[Optional()])


class CopyForm(FlaskForm):
    """Order again from a past order (CSRF only)."""


class LostForm(FlaskForm):
    """Report a line's phone lost or stolen: the line is suspended (app.commands.lost)."""

    kind = RadioField(
        "What happened to the phone?",
        choices=options([("lost", "It was lost"), ("stolen", "It was stolen")]),
        validators=[InputRequired("Say whether the phone was lost or stolen.")],
    )
    lost_on = DateField("When did it happen?", validators=[InputRequired("Enter the day it happened.")])
    what_happened = TextAreaField(
        "Where and how (optional)",
        description="For example: left in a taxi in Chicago. The police report number if there is one.",
        validators=[Optional(), Length(max=400, message="Keep it to 400 characters.")],
    )
    files = MultipleFileField(
        "Police report or photos (optional)",
        description=f"Up to {attachments.MAX_FILES} files: {attachments.ACCEPTED_WORDS}, "
        f"{attachments.MAX_BYTES // (1024 * 1024)} MB each at most.",
    )
