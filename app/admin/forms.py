from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from app.forms import choices, timezone_choices
from app.models.accounts import PAPER_SIZES


def _strip(value):
    return value.strip() if value else value


class RolesMixin:
    therapist = BooleanField("Therapist", default=True)
    admin = BooleanField("Admin")

    def selected_roles(self) -> set[str]:
        return {role for role in ("therapist", "admin") if getattr(self, role).data}

    def validate_admin(self, field):
        if not self.selected_roles():
            raise ValidationError("Choose therapist, admin or both.")


class InviteClinicianForm(RolesMixin, FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(message="Enter the clinician's name."), Length(max=200)],
        filters=[_strip],
    )
    email = EmailField(
        "Email",
        validators=[
            DataRequired(message="Enter an email address."),
            Email(message="Enter an email address like name@example.com.",
                  check_deliverability=False),
            Length(max=254),
        ],
        filters=[_strip],
    )
    submit = SubmitField("Send the invitation")


class RolesForm(RolesMixin, FlaskForm):
    therapist = BooleanField("Therapist")
    submit = SubmitField("Save roles")


_NOT_A_THERAPIST = "Choose an active therapist of the practice."


class MoveCoupleForm(FlaskForm):
    therapist_id = SelectField(
        "Therapist",
        coerce=int,
        choices=[],
        invalid_value_message=_NOT_A_THERAPIST,
        invalid_choice_message=_NOT_A_THERAPIST,
    )
    submit = SubmitField("Move")

    def __init__(self, *args, therapists=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.therapist_id.choices = choices((str(t.id), t.name) for t in therapists)


class SettingsForm(FlaskForm):
    name = StringField(
        "Practice name",
        validators=[DataRequired(message="Give the practice a name."), Length(
            max=200, message="Keep the name under 200 characters.")],
        filters=[_strip],
    )
    paper_size = RadioField(
        "Paper size for reports",
        choices=choices((size, size) for size in PAPER_SIZES),
        invalid_choice_message="Choose A4 or Letter.",
        validators=[DataRequired(message="Choose A4 or Letter.")],
    )
    default_timezone = SelectField(
        "Default timezone for new accounts",
        choices=[],
        invalid_choice_message="Choose a timezone from the list.",
    )
    submit = SubmitField("Save settings")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_timezone.choices = timezone_choices()


class CrisisLineForm(FlaskForm):
    """A crisis line as typed; app.services.crisis checks it (and says what is wrong)."""

    name = StringField("Name of the line", filters=[_strip])
    number = StringField("Phone number", filters=[_strip])
    hours = StringField("When it answers", filters=[_strip])
    url = StringField("Web address", filters=[_strip])
    submit = SubmitField("Add the line")


class SafetySettingsForm(FlaskForm):
    """The local emergency number and where the portal's quick exit leads."""

    emergency_number = StringField("Local emergency number", filters=[_strip])
    quick_exit_url = StringField("Quick exit goes to", filters=[_strip])
    submit = SubmitField("Save")


class MoveLineForm(FlaskForm):
    direction = SelectField("Direction", choices=choices([("up", "Up"), ("down", "Down")]),
                            invalid_choice_message="Choose up or down.")
