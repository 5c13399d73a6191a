"""Fulfilment console forms: each action validates its fields the way the carrier API does."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.choices import options

SHIPPING = options(
    [("", "Choose the shipping carrier"), ("UPS", "UPS"), ("FedEx", "FedEx"), ("USPS", "USPS"), ("DHL", "DHL")]
)


class PlacedForm(FlaskForm):
    carrier_reference = StringField(
        "Carrier's order reference", validators=[DataRequired("Enter the carrier's order reference."), Length(max=80)]
    )


class ShipmentForm(FlaskForm):
    shipping_carrier = SelectField(
        "Shipping carrier", choices=SHIPPING, validators=[DataRequired("Choose the shipping carrier.")]
    )
    tracking_number = StringField(
        "Tracking number", validators=[DataRequired("Enter the tracking number."), Length(max=40)]
    )


class DeviceForm(FlaskForm):
    imei = StringField("IMEI", validators=[Optional()])
    serial = StringField("Serial number", validators=[Optional(), Length(max=40)])
    iccid = StringField("ICCID", validators=[Optional()])


class NumberForm(FlaskForm):
    service_number = StringField("New phone number", validators=[DataRequired("Enter the phone number.")])


class CompleteForm(FlaskForm):
    pass


# Wireline milestones: each form's fields are named as the carrier API names them (app.fulfilment.wireline).
class FocForm(FlaskForm):
    foc_date = DateField("FOC date the carrier committed to", validators=[Optional()])


class SurveyForm(FlaskForm):
    survey_date = DateField("Site survey on", validators=[Optional()])


class InstallForm(FlaskForm):
    install_date = DateField("Install on", validators=[Optional()])
    install_window = StringField("Window, like 08:00–12:00", validators=[Optional(), Length(max=40)])


class InstalledForm(FlaskForm):
    installed_date = DateField("Installed on (blank: today)", validators=[Optional()])


class TurnedUpForm(FlaskForm):
    circuit_id = StringField("Circuit ID", validators=[Optional(), Length(max=60)])
    ip_block = StringField("IP block, like 203.0.113.8/29", validators=[Optional(), Length(max=43)])
    numbers = TextAreaField("Numbers (one per line, or a range)", validators=[Optional(), Length(max=5000)])


class JeopardyForm(FlaskForm):
    new_date = DateField("New date", validators=[Optional()])
    reason = TextAreaField("Reason for the delay", validators=[Optional(), Length(max=500)])


class RetryUpdatesForm(FlaskForm):
    pass


class SetAsideUpdatesForm(FlaskForm):
    pass


class SendAgainForm(FlaskForm):
    """Send to the carrier's API now (only the CSRF token to check)."""


class ProblemForm(FlaskForm):
    message = TextAreaField(
        "What is the problem?", validators=[DataRequired("Describe the problem."), Length(max=2000)]
    )
    question = TextAreaField("Question for the requester (optional)", validators=[Optional(), Length(max=1000)])
    refused = BooleanField("The carrier refused the order (the requester is told, with what to do next)")


class CancellationAnswerForm(FlaskForm):
    note = TextAreaField("What the carrier said (optional)", validators=[Optional(), Length(max=1000)])


class CancelWithCarrierForm(FlaskForm):
    reason = TextAreaField(
        "Reason for cancelling", validators=[DataRequired("Give the reason for cancelling."), Length(max=1000)]
    )


RETURNED_TO = options(
    [("in_stock", "Back to stock"), ("retired", "Retired (recycled)"), ("returned_to_vendor", "Sent to the vendor")]
)


class ReturnedForm(FlaskForm):
    """A device owed back has come back: where it goes now."""

    to = SelectField("Where it goes", choices=RETURNED_TO, validators=[DataRequired("Choose where the device goes.")])


class LostForm(FlaskForm):
    """A device owed back will not come back: the company's charge for it."""

    charge = StringField("Charge for the lost device", validators=[DataRequired("Enter the charge, e.g. 450.00.")])


class RevealForm(FlaskForm):
    """Revealing a port's account number and PIN asks for the person's password again."""

    password = PasswordField("Your password", validators=[DataRequired("Enter your password to reveal them.")])
