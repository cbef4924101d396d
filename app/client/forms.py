from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField
from wtforms.validators import DataRequired

from app.forms import choices
from app.services.measures import CSI4_ITEMS
from app.services.policies import say

COMPLETION_CHOICES = choices([("done", "Done"), ("partly", "Partly"), ("not_done", "Not done")])
# A practice logged apart from the due days was done: there is no "not done" to log.
PRACTICE_CHOICES = choices([("done", "Done"), ("partly", "Partly")])
VISIBILITY_CHOICES = choices([
    ("therapist", say("choice.therapist")),
    ("partner", say("choice.partner")),
])


class EntryForm(FlaskForm):
    """Completion and visibility; answers and ratings are read per prompt."""

    completion = RadioField(
        "Did you do it?", choices=COMPLETION_CHOICES,
        validators=[DataRequired(message="Say whether you did it.")],
    )
    visibility = RadioField("Who can read what you wrote", choices=VISIBILITY_CHOICES,
                            default="therapist")
    submit = SubmitField("Save")


def _csi4_field(item) -> RadioField:
    return RadioField(
        item.text,
        choices=choices((str(score), label) for score, label in enumerate(item.answers)),
        validators=[DataRequired(message="Please answer this question.")],
    )


class Csi4Form(FlaskForm):
    """The four CSI-4 items, exactly as the validated scale words them."""

    item_1 = _csi4_field(CSI4_ITEMS[0])
    item_2 = _csi4_field(CSI4_ITEMS[1])
    item_3 = _csi4_field(CSI4_ITEMS[2])
    item_4 = _csi4_field(CSI4_ITEMS[3])
    submit = SubmitField("Send my answers")

    def items(self):
        return [self.item_1, self.item_2, self.item_3, self.item_4]

    def answers(self) -> list[int | None]:
        return [int(f.data) if f.data not in (None, "") else None for f in self.items()]
