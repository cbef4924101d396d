from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(
        "Email", validators=[DataRequired(message="Enter your email address."), Length(max=254)]
    )
    password = PasswordField(
        "Password", validators=[DataRequired(message="Enter your password."), Length(max=1024)]
    )
    submit = SubmitField("Log in")


class EmptyForm(FlaskForm):
    """CSRF only, for POST buttons."""

    submit = SubmitField("Submit")
