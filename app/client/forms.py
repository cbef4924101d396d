from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SubmitField
from wtforms.validators import DataRequired

from app.forms import choices

COMPLETION_CHOICES = choices([("done", "Done"), ("partly", "Partly"), ("not_done", "Not done")])
VISIBILITY_CHOICES = choices([
    ("therapist", "Only my therapist"),
    ("partner", "My therapist and my partner"),
])


class EntryForm(FlaskForm):
    """Completion, visibility and the submission id; answers and ratings are read per prompt."""

    completion = RadioField(
        "Did you do it?", choices=COMPLETION_CHOICES,
        validators=[DataRequired(message="Say whether you did it.")],
    )
    visibility = RadioField("Who can read what you wrote", choices=VISIBILITY_CHOICES,
                            default="therapist")
    submission = HiddenField()
    submit = SubmitField("Save")
