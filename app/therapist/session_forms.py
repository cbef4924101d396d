"""Forms for scheduling and recording sessions, and for asking for a report."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.forms import NearToday, choices
from app.services.sessions import MAX_NOTES, MAX_SHORT, MAX_SUMMARY


def _text(label: str, limit: int) -> TextAreaField:
    return TextAreaField(label, validators=[Length(max=limit,
                                                   message=f"At most {limit:,} characters.")])


class ScheduleSessionForm(FlaskForm):
    date = DateField("Date", validators=[
        DataRequired(message="Choose the session's date."),
        NearToday(before=366, after=2 * 366,
                  message="Choose a date within a year before or two years after today."),
    ])
    time = TimeField("Time", validators=[DataRequired(message="Choose the session's time.")])
    request_measure = BooleanField("Ask both partners to answer the CSI-4 before it",
                                   default=True)
    submit = SubmitField("Schedule the session")


class RecordSessionForm(FlaskForm):
    duration = IntegerField(
        "Duration (minutes)",
        validators=[InputRequired(message="Enter the duration in minutes."),
                    NumberRange(min=1, max=600, message="From 1 to 600 minutes.")],
        default=50,
    )
    attendance = RadioField("Who attended", default="both",
                            validators=[DataRequired(message="Choose who attended.")])
    focus = _text("Focus of the session", MAX_SHORT)
    homework_reviewed = _text("Homework reviewed", MAX_SHORT)
    clinician_notes = _text("Clinician notes (only you see these)", MAX_NOTES)
    couple_summary = _text("Summary for the couple (printed on their handout)", MAX_SUMMARY)
    submit = SubmitField("Save the session record")

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        options = [("both", "Both partners")]
        options += [(f"partner_{p.position}", f"{p.user.name} only")
                    for p in sorted(partners, key=lambda p: p.position)]
        self.attendance.choices = choices(options)


class ReportForm(FlaskForm):
    audience = RadioField(
        "Report for",
        choices=choices([("clinician", "Clinician report (everything, for you)"),
                         ("couple", "Couple handout (only what both partners may see)")]),
        default="clinician",
        validators=[InputRequired(message="Choose who the report is for.")],
    )
    submit = SubmitField("Create the PDF")
