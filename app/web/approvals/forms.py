"""Forms for deciding approvals."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app import clock
from app.choices import PersonSearchField


class ApproveForm(FlaskForm):
    comment = TextAreaField("Comment (optional)", validators=[Optional(), Length(max=1000)])


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Reason for rejecting",
        validators=[DataRequired("Give the reason for rejecting: the requester will see it."), Length(max=1000)],
    )


class QuestionForm(FlaskForm):
    question = TextAreaField(
        "Question for the requester",
        validators=[DataRequired("Write the question for the requester."), Length(max=1000)],
    )


class InboxFilter(FlaskForm):
    class Meta:
        csrf = False

    type = SelectField("Order type", validators=[Optional()])
    requester = SelectField("Requester", validators=[Optional()])


class DelegationForm(FlaskForm):
    delegate_search = PersonSearchField(
        "Find your delegate", feeds="delegate", validators=[Optional(), Length(max=100)]
    )
    delegate = SelectField(
        "Delegate (someone who may approve)",
        validators=[DataRequired("Choose who decides for you while you are away.")],
        validate_choice=False,  # checked below, with words that say who may be chosen
    )
    starts_on = DateField("Away from", validators=[InputRequired("Enter the first day you are away.")])
    ends_on = DateField("Back on (last day away)", validators=[InputRequired("Enter the last day you are away.")])

    def validate_delegate(self, field) -> None:
        if field.data and field.data not in {str(choice.value) for choice in field.choices}:
            raise ValidationError(
                "Choose someone who may approve: a manager, a member of an approval group or an administrator."
            )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.starts_on.data and self.ends_on.data and self.ends_on.data < self.starts_on.data:
            self.ends_on.errors = [*self.ends_on.errors, "The last day is before the first day."]
            valid = False
        if self.ends_on.data and self.ends_on.data < clock.today():
            self.ends_on.errors = [*self.ends_on.errors, "These dates are in the past."]
            valid = False
        return valid
