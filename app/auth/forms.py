from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from app.forms import timezone_choices


class SignInForm(FlaskForm):
    email = EmailField(
        "Email", validators=[DataRequired(message="Enter your email address."), Length(max=254)]
    )
    password = PasswordField(
        "Password", validators=[DataRequired(message="Enter your password."), Length(max=1024)]
    )
    submit = SubmitField("Sign in")


class EmptyForm(FlaskForm):
    """CSRF only, for POST buttons."""

    submit = SubmitField("Submit")


class NewPasswordMixin:
    password = PasswordField(
        "New password",
        validators=[DataRequired(message="Choose a password."), Length(max=1024)],
    )
    confirm = PasswordField(
        "Type it again",
        validators=[
            DataRequired(message="Type the password again."),
            EqualTo("password", message="The two passwords are not the same."),
        ],
    )


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    timezone = SelectField("Your timezone", choices=[], validate_choice=True)
    accepts_policy = BooleanField(
        "I have read how privacy works in our couple's space, and I accept it"
    )
    submit = SubmitField("Create my account")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class ResetRequestForm(FlaskForm):
    email = EmailField(
        "Email", validators=[DataRequired(message="Enter your email address."), Length(max=254)]
    )
    submit = SubmitField("Send me a link")


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    submit = SubmitField("Save my new password")


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current = PasswordField(
        "Current password",
        validators=[DataRequired(message="Enter your current password."), Length(max=1024)],
    )
    submit = SubmitField("Change password")
