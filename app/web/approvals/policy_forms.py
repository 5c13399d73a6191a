"""Forms for editing approval policies and trying them out."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.choices import PersonSearchField
from app.web.admin.forms import CheckboxListField, MoneyField


class OptionalMoneyField(MoneyField):
    """A threshold in dollars; blank means "no limit"."""

    def __init__(self, label: str, message: str, **kwargs) -> None:
        super().__init__(label, message, required=False, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and not valuelist[0].strip():
            self.data = None
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form) -> None:
        return None


MONEY = "Enter an amount like 150.00, or leave it blank for no limit."


class PolicyForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the policy a name."), Length(max=120)])
    priority = IntegerField(
        "Priority (lower is checked first)",
        default=100,
        validators=[
            InputRequired("Enter a priority, like 100."),
            NumberRange(0, 100000, "Enter a number from 0 to 100000."),
        ],
    )
    active = BooleanField("In use", default=True)
    order_types = CheckboxListField("Order types (none ticked: every type)", validate_choice=False)
    carrier_ids = CheckboxListField("Carriers (none ticked: every carrier)", coerce=int, validate_choice=False)
    min_one_time = OptionalMoneyField("One-time cost at least", MONEY)
    max_one_time = OptionalMoneyField("One-time cost at most", MONEY)
    min_monthly = OptionalMoneyField("Monthly cost at least", MONEY)
    max_monthly = OptionalMoneyField("Monthly cost at most", MONEY)
    out_of_policy = SelectField("Out-of-policy orders", default="any")
    modules = CheckboxListField("Modules (none ticked: both)", validate_choice=False)
    min_term_months = IntegerField(
        "Contract term at least (months; blank: any term)",
        validators=[Optional(), NumberRange(1, 120, "Enter a number of months from 1 to 120, or leave it blank.")],
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for low, high in (("min_one_time", "max_one_time"), ("min_monthly", "max_monthly")):
            lo, hi = self[low].data, self[high].data
            if lo is not None and hi is not None and lo > hi:
                self[high].errors = [*self[high].errors, "The upper limit is below the lower limit."]
                valid = False
        return valid


class StepForm(FlaskForm):
    approver_kind = SelectField("Approver", validators=[InputRequired("Choose who approves this step.")])
    user_search = PersonSearchField("Find the person", feeds="user_id", validators=[Optional(), Length(max=100)])
    user_id = SelectField("Named person", validators=[Optional()])
    group_id = SelectField("Group", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.approver_kind.data == "user" and not self.user_id.data:
            self.user_id.errors = [*self.user_id.errors, "Choose the person who approves this step."]
            valid = False
        if self.approver_kind.data == "group" and not self.group_id.data:
            self.group_id.errors = [*self.group_id.errors, "Choose the group that approves this step."]
            valid = False
        return valid


class TryItForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    order_number = StringField("An existing order number", validators=[Optional(), Length(max=20)])
    type = SelectField("Or describe one: order type", validators=[Optional()])
    employee_search = PersonSearchField("Find the person", feeds="employee", validators=[Optional(), Length(max=100)])
    employee = SelectField("Ordered for", validators=[Optional()])
    carrier = SelectField("Carrier", validators=[Optional()])
    one_time = OptionalMoneyField("One-time cost", MONEY)
    monthly = OptionalMoneyField("Monthly cost", MONEY)
    term_months = IntegerField(
        "Contract term (months)",
        validators=[Optional(), NumberRange(1, 120, "Enter a number of months from 1 to 120.")],
    )
    out_of_policy = BooleanField("Out of policy")
