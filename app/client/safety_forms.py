"""The private safety check's forms: one radio group per question of
app/services/safety_check.py's QUESTIONS, and the free text."""

from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms import choices
from app.services.safety_check import MAX_NOTE, NOTE_QUESTION, QUESTIONS


class SafetyCheckForm(FlaskForm):
    """The check: a field per question (q_<key>) and the note."""

    note = TextAreaField(NOTE_QUESTION, validators=[Length(max=MAX_NOTE)])

    def questions(self):
        return [getattr(self, f"q_{q.key}") for q in QUESTIONS]

    def answers(self) -> dict[str, str | None]:
        return {q.key: getattr(self, f"q_{q.key}").data or None for q in QUESTIONS}


for _question in QUESTIONS:
    setattr(SafetyCheckForm, f"q_{_question.key}", RadioField(
        _question.text,
        choices=choices((o.key, o.label) for o in _question.options),
        validators=[DataRequired(message="Please choose an answer (“I'd rather not say” "
                                         "is an answer too).")],
    ))


class AdditionForm(FlaskForm):
    text = TextAreaField(
        "What would you like to add?",
        validators=[DataRequired(message="Write what you want to add, or go back."),
                    Length(max=MAX_NOTE)],
    )
