"""Forms for giving homework."""

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import NearToday, choices
from app.services.schedule import WEEKDAY_NAMES


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AssignForm(FlaskForm):
    mode = RadioField("Who does it", default="both",
                      validators=[DataRequired(message="Choose who does it.")])
    start = DateField("Starting on", validators=[
        DataRequired(message="Choose a start date."),
        NearToday(before=366, after=366, message="Choose a start date within a year of today."),
    ])
    cadence = RadioField("How often", validators=[DataRequired(message="Choose how often.")])
    times_per_week = SelectField(
        "Times a week", choices=choices((str(n), str(n)) for n in range(2, 7)), default="3"
    )
    weekdays = CheckboxesField(
        "On these days", choices=choices((str(i), name) for i, name in enumerate(WEEKDAY_NAMES))
    )
    up_to = SelectField(
        "Up to how many times a week",
        choices=choices([("1", "Once")] + [(str(n), f"{n} times") for n in range(2, 8)]),
        default="3",
    )
    ends = RadioField(
        "Until",
        choices=choices([("never", "Until I end it"), ("date", "Until a date"),
                         ("count", "A number of times")]),
        default="never",
    )
    end_date = DateField("End date", validators=[
        Optional(),
        NearToday(before=366, after=5 * 366,
                  message="Choose an end date within five years of today."),
    ])
    max_occurrences = IntegerField(
        "Number of times",
        validators=[Optional(), NumberRange(min=1, max=365, message="From 1 to 365 times.")],
    )
    note = TextAreaField(
        "A personal note for the couple (optional)",
        validators=[Length(max=2000, message="At most 2,000 characters.")],
    )
    # Giving a whole step: which of its exercises (the form's choices are the step's).
    exercises = CheckboxesField("Exercises to give")
    submit = SubmitField("Give this homework")

    def __init__(self, *args, partners=(), whole_step=False, exercises=(), **kwargs):
        super().__init__(*args, **kwargs)
        if whole_step:
            self.exercises.choices = choices((str(e.id), e.current.title) for e in exercises)
        elif hasattr(self, "exercises"):
            del self.exercises
        if self.mode is not None:
            modes = [("both", "Both partners, each on their own")]
            modes += [(f"one:{p.user_id}", f"Only {p.user.name}") for p in partners]
            modes.append(("joint", "Together, as a joint exercise"))
            self.mode.choices = choices(modes)
        cadences = [("suggested", "Each exercise's suggested rhythm")] if whole_step else []
        cadences += [("once", "Once"), ("daily", "Every day"), ("weekly", "Once a week"),
                     ("times_per_week", "Some days each week"),
                     ("as_it_comes_up", "As it comes up: logged when it happens, never due")]
        self.cadence.choices = choices(cadences)
        if not self.cadence.data:
            self.cadence.data = "suggested" if whole_step else None

    def validate_end_date(self, field):
        if self.ends.data == "date":
            if not field.data:
                raise ValidationError("Choose the end date.")
            if self.start.data and field.data < self.start.data:
                raise ValidationError("The end date comes before the start date.")

    def validate_max_occurrences(self, field):
        if self.ends.data == "count" and not field.data:
            raise ValidationError("Say how many times.")

    def validate_ends(self, field):
        if field.data == "count" and self.cadence.data == "as_it_comes_up":
            raise ValidationError(
                "“As it comes up” has no number of times to count down: choose until a "
                "date, or until you end it.")

    def validate_exercises(self, field):
        if not field.data:
            raise ValidationError("Choose at least one exercise of the step.")

    def validate_weekdays(self, field):
        if self.cadence.data == "times_per_week":
            wanted = int(self.times_per_week.data or 0)
            if len(field.data or []) not in (0, wanted):
                raise ValidationError(
                    f"Choose {wanted} days, or none to spread them through the week."
                )


class EditAssignmentForm(AssignForm):
    """The schedule and note of an existing assignment; who does it stays as it was."""

    mode = None
    start = DateField("New schedule from", validators=[
        DataRequired(message="Choose from when."),
        NearToday(before=366, after=366, message="Choose a date within a year of today."),
    ])
    submit = SubmitField("Save the new schedule")
