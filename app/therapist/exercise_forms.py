"""The form for writing and editing a therapist's own exercise."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from app.forms import choices
from app.models import ExerciseVersion
from app.services import own_exercises as limits
from app.services.guides import RATING_MARKS

PROMPT_FIELDS = ("prompt1", "prompt2", "prompt3")
RATING_GROUPS = ("rating1", "rating2")
CADENCE_CHOICES = (
    ("once", "Once"),
    ("daily", "Daily"),
    ("weekly", "Weekly"),
    ("times_per_week", "Some days a week"),
    ("as_it_comes_up", "As it comes up (never due)"),
)
TIMES_MIN, TIMES_MAX = 2, 6
MOST_MIN, MOST_MAX = 1, 7  # as it comes up: logged once a day at most
# The marks a rating question can carry (services.guides.RATING_MARKS).
HIGHER_IS_WORSE = "A higher number means worse (such as resentment)"
ABOUT_SAFETY = "It asks about safety or fear"


def _text(value: str | None) -> str | None:
    """Trimmed, with a browser's CRLF line ends made plain, so an untouched textarea
    saves exactly the text it was filled with."""
    if value is None:
        return None
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _longest(limit: int, what: str) -> Length:
    return Length(max=limit, message=f"Keep {what} to {limit:,} characters or fewer.")


class WholeNumberField(IntegerField):
    """A whole number; blank means none, anything else that is not a number is explained."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip()
        if not raw:
            self.data = None
            return
        try:
            self.data = int(raw)
        except ValueError:
            self.data = None
            raise ValueError("Enter a whole number, like 5.") from None


def _prompt(label: str) -> StringField:
    return StringField(label, validators=[_longest(limits.PROMPT_MAX, "a prompt")],
                       filters=[_text])


def _label(label: str) -> StringField:
    return StringField(label, validators=[_longest(limits.RATING_LABEL_MAX, "a label")],
                       filters=[_text])


class ExerciseForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired(message="Give the exercise a title."),
                    _longest(limits.TITLE_MAX, "the title")],
        filters=[_text],
    )
    instructions = TextAreaField(
        "Instructions",
        validators=[DataRequired(message="Write the instructions partners will follow."),
                    _longest(limits.INSTRUCTIONS_MAX, "the instructions")],
        filters=[_text],
    )
    prompt1 = _prompt("First prompt")
    prompt2 = _prompt("Second prompt (optional)")
    prompt3 = _prompt("Third prompt (optional)")

    rating1_question = StringField(
        "Question", validators=[_longest(limits.RATING_QUESTION_MAX, "the question")],
        filters=[_text])
    rating1_min = WholeNumberField("Lowest value", default=0)
    rating1_max = WholeNumberField("Highest value", default=10)
    rating1_min_label = _label("Label for the lowest (optional)")
    rating1_max_label = _label("Label for the highest (optional)")
    rating1_higher_is_worse = BooleanField(HIGHER_IS_WORSE)
    rating1_about_safety = BooleanField(ABOUT_SAFETY)
    rating2_question = StringField(
        "Question", validators=[_longest(limits.RATING_QUESTION_MAX, "the question")],
        filters=[_text])
    rating2_min = WholeNumberField("Lowest value", default=0)
    rating2_max = WholeNumberField("Highest value", default=10)
    rating2_min_label = _label("Label for the lowest (optional)")
    rating2_max_label = _label("Label for the highest (optional)")
    rating2_higher_is_worse = BooleanField(HIGHER_IS_WORSE)
    rating2_about_safety = BooleanField(ABOUT_SAFETY)

    cadence = RadioField(
        "Suggested cadence",
        choices=choices(CADENCE_CHOICES),
        default="weekly",
        invalid_choice_message="Choose how often partners do this exercise.",
        validators=[DataRequired(message="Choose how often partners do this exercise.")],
    )
    times_per_week = WholeNumberField("Times a week")
    up_to_per_week = WholeNumberField("At most, times a week")
    minutes = WholeNumberField("About how many minutes it takes (optional)")
    # The exercise's safety marks (not versioned: every version given follows them).
    suited_to = RadioField("What it suits", choices=choices([
        ("joint", "Joint work: the partners do it together"),
        ("one", "One partner alone")]), default="joint",
        validators=[DataRequired(message="Choose what the exercise suits.")])
    unsafe_under_concern = BooleanField(
        "Not to be given while a safety concern is open (a safety hold, or a concerning "
        "answer to the private safety check)")
    submit = SubmitField("Save exercise")

    def marks(self) -> dict[str, Any]:
        """The safety marks chosen, as the guide data spells them."""
        return {"suited_to": self.suited_to.data,
                "unsafe_under_concern": bool(self.unsafe_under_concern.data)}

    def validate_times_per_week(self, field):
        if self.cadence.data != "times_per_week":
            field.errors[:] = []  # the field is not used: nothing typed in it matters
            return
        if field.process_errors:
            return
        if field.data is None:
            raise ValidationError(f"Say how many times a week: {TIMES_MIN} to {TIMES_MAX}.")
        if not TIMES_MIN <= field.data <= TIMES_MAX:
            raise ValidationError(
                f"Choose {TIMES_MIN} to {TIMES_MAX} times a week; "
                "for every day or once a week, choose Daily or Weekly."
            )

    def validate_up_to_per_week(self, field):
        if self.cadence.data != "as_it_comes_up":
            field.errors[:] = []  # the field is not used: nothing typed in it matters
            return
        if field.process_errors:
            return
        if field.data is None or not MOST_MIN <= field.data <= MOST_MAX:
            raise ValidationError(
                f"Say at most how many times a week: {MOST_MIN} to {MOST_MAX}.")

    def validate_minutes(self, field):
        if field.process_errors or field.data is None:
            return
        if not limits.MINUTES_MIN <= field.data <= limits.MINUTES_MAX:
            raise ValidationError(
                f"Minutes are between {limits.MINUTES_MIN} and {limits.MINUTES_MAX}."
            )

    def validate(self, extra_validators=None) -> bool:
        """The field rules, then those that span fields: prompts and rating questions."""
        super().validate(extra_validators)
        if not any(getattr(self, name).data for name in PROMPT_FIELDS):
            self.prompt1.errors.append("Write at least one reflection prompt.")
        for group in RATING_GROUPS:
            self._validate_rating(group)
        return not self.errors

    def _validate_rating(self, group: str) -> None:
        question, low, high, low_label, high_label = self._rating_fields(group)
        if not question.data:
            if low_label.data or high_label.data:
                question.errors.append("Write the question, or clear this rating's labels.")
            # An unused rating's numbers don't matter, whatever was typed.
            low.errors[:] = []
            high.errors[:] = []
            return
        for field, which in ((low, "lowest"), (high, "highest")):
            if field.errors:
                continue
            if field.data is None:
                field.errors.append(f"Enter the {which} value of the scale.")
            elif not limits.RATING_VALUE_MIN <= field.data <= limits.RATING_VALUE_MAX:
                field.errors.append(
                    f"Use a number from {limits.RATING_VALUE_MIN} to {limits.RATING_VALUE_MAX}."
                )
        if not low.errors and not high.errors and low.data >= high.data:
            high.errors.append("The highest value must be more than the lowest.")

    def _rating_fields(self, group: str) -> tuple:
        return tuple(
            getattr(self, f"{group}_{part}")
            for part in ("question", "min", "max", "min_label", "max_label")
        )

    def content(self) -> dict[str, Any]:
        """What was typed, shaped as services.guides.exercise_content() expects."""
        ratings = []
        for group in RATING_GROUPS:
            question, low, high, low_label, high_label = self._rating_fields(group)
            if question.data:
                ratings.append({
                    "question": question.data,
                    "min": low.data,
                    "max": high.data,
                    "min_label": low_label.data or "",
                    "max_label": high_label.data or "",
                    **{mark: getattr(self, f"{group}_{mark}").data for mark in RATING_MARKS},
                })
        cadence = self.cadence.data
        return {
            "title": self.title.data,
            "instructions": self.instructions.data,
            "prompts": [getattr(self, n).data for n in PROMPT_FIELDS if getattr(self, n).data],
            "ratings": ratings,
            "cadence": cadence,
            "times_per_week": self.times_per_week.data if cadence == "times_per_week" else None,
            "up_to_per_week": self.up_to_per_week.data if cadence == "as_it_comes_up" else None,
            "minutes": self.minutes.data,
            **self.marks(),
        }

    @staticmethod
    def data_from(version: ExerciseVersion) -> dict[str, Any]:
        """Initial values for editing: the version's text, field by field."""
        data: dict[str, Any] = {
            "title": version.title,
            "instructions": version.instructions,
            "cadence": version.cadence,
            "times_per_week": (version.times_per_week if version.cadence == "times_per_week"
                               else None),
            "up_to_per_week": (version.times_per_week if version.cadence == "as_it_comes_up"
                               else None),
            "minutes": version.minutes,
        }
        for name, prompt in zip(PROMPT_FIELDS, version.prompts, strict=False):
            data[name] = prompt
        for group, rating in zip(RATING_GROUPS, version.rating_questions, strict=False):
            data[f"{group}_question"] = rating["question"]
            data[f"{group}_min"] = rating["min"]
            data[f"{group}_max"] = rating["max"]
            data[f"{group}_min_label"] = rating.get("min_label", "")
            data[f"{group}_max_label"] = rating.get("max_label", "")
            for mark in RATING_MARKS:
                data[f"{group}_{mark}"] = bool(rating.get(mark))
        return data
