from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from app.forms import choices, timezone_choices
from app.services.policies import say


def _name(label: str) -> StringField:
    return StringField(
        label,
        validators=[DataRequired(message="Enter a name."), Length(max=200)],
        filters=[lambda value: value.strip() if value else value],
    )


def _email(label: str) -> EmailField:
    return EmailField(
        label,
        validators=[
            DataRequired(message="Enter an email address."),
            Email(message="Enter an email address like name@example.com.",
                  check_deliverability=False),
            Length(max=254),
        ],
        filters=[lambda value: value.strip() if value else value],
    )


class NewCoupleForm(FlaskForm):
    name = StringField(
        "Couple's name, as you will see it",
        validators=[DataRequired(message="Give the couple a name."), Length(max=200)],
        filters=[lambda value: value.strip() if value else value],
    )
    partner1_name = _name("First partner's name")
    partner1_email = _email("First partner's email")
    partner2_name = _name("Second partner's name")
    partner2_email = _email("Second partner's email")
    timezone = SelectField("The couple's timezone", choices=[], validate_choice=True)
    policy = RadioField(
        "Confidentiality policy",
        choices=choices(
            [
                ("limited", say("therapist.policy_limited")),
                ("open", say("therapist.policy_open")),
            ]
        ),
        default="limited",
        validators=[DataRequired(message="Choose a policy.")],
    )
    completion_sharing = RadioField(
        "What partners see of each other's homework",
        choices=choices(
            [
                ("shared", say("therapist.completion_shared")),
                ("not_shared", say("therapist.completion_not_shared")),
            ]
        ),
        default="shared",
        validators=[DataRequired(message="Choose what partners see of each other's homework.")],
    )
    submit = SubmitField("Create and send invitations")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()

    def validate_partner2_email(self, field):
        if (self.partner1_email.data or "").lower() == (field.data or "").lower():
            raise ValidationError("The two partners need different email addresses.")
