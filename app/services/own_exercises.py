"""A therapist's own exercises: a personal library of versioned exercises.

An own exercise is an Exercise with an owner and no step. Its text lives in immutable,
numbered versions, so editing adds a version and an assignment keeps the version it was
given; archiving hides an exercise from the library and never deletes it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Exercise, ExerciseVersion, User
from app.services import DomainError
from app.services.guides import add_version_if_changed, exercise_content, exercise_marks
from app.services.scoping import NotVisible

# Limits shared with the form (app/therapist/exercise_forms.py), so the CLI or a job
# calling this module can't store what the pages would refuse.
TITLE_MAX = 200
INSTRUCTIONS_MAX = 5000
PROMPT_MAX = 300
PROMPTS_MAX = 3
RATING_QUESTION_MAX = 200
RATING_LABEL_MAX = 40
RATINGS_MAX = 2
RATING_VALUE_MIN, RATING_VALUE_MAX = -100, 100
MINUTES_MIN, MINUTES_MAX = 1, 240


def own_exercise_for_therapist(exercise_id: int, user: User) -> Exercise:
    """One of the therapist's own exercises (archived ones included)."""
    exercise = db.session.get(Exercise, exercise_id)
    if (
        exercise is None
        or not user.is_therapist
        or exercise.step_id is not None
        or exercise.owner_id != user.id
    ):
        raise NotVisible("exercises", exercise_id)
    return exercise


def own_exercises(therapist: User, include_archived: bool = False) -> list[Exercise]:
    """The therapist's own exercises by title, with their versions (two queries in all)."""
    query = sa.select(Exercise).where(
        Exercise.owner_id == therapist.id, Exercise.step_id.is_(None)
    )
    if not include_archived:
        query = query.where(Exercise.is_archived.is_(False))
    # Exercise.versions loads "selectin": one more query for all of them, whatever the count.
    exercises = list(db.session.scalars(query))
    return sorted(exercises, key=lambda e: (e.current.title.casefold(), e.id))


def create_own_exercise(therapist: User, data: dict[str, Any]) -> Exercise:
    """A new exercise in the therapist's library, at version 1."""
    if not therapist.is_therapist:
        raise DomainError("Only a therapist can write exercises.")
    content = _own_content(data)
    exercise = Exercise(owner_id=therapist.id, step_id=None, versions=[],
                        **exercise_marks(data))
    add_version_if_changed(exercise, content)
    db.session.add(exercise)
    db.session.flush()
    return exercise


def update_own_exercise(
    therapist: User, exercise: Exercise, data: dict[str, Any]
) -> ExerciseVersion | None:
    """Save an edit as a new version; None when nothing changed. Earlier versions, and
    the assignments pointing at them, are left exactly as they were."""
    _check_owner(therapist, exercise)
    if exercise.is_archived:
        raise DomainError("This exercise is archived, so it can no longer be edited.")
    content = _own_content(data)
    _lock_versions(exercise)
    version = add_version_if_changed(exercise, content)
    db.session.flush()
    return version


def mark_own_exercise(therapist: User, exercise: Exercise, data: dict[str, Any]) -> bool:
    """Set the exercise's safety marks (what it suits; not while a safety concern is open):
    the exercise's, not a version's, so no version is added. False if they were so."""
    _check_owner(therapist, exercise)
    marks = exercise_marks(data)
    if all(getattr(exercise, mark) == value for mark, value in marks.items()):
        return False
    for mark, value in marks.items():
        setattr(exercise, mark, value)
    db.session.flush()
    return True


def archive_own_exercise(therapist: User, exercise: Exercise) -> None:
    """Take an exercise out of the library; it and its versions stay for what was assigned."""
    _check_owner(therapist, exercise)
    if exercise.is_archived:
        raise DomainError("This exercise is already archived.")
    exercise.is_archived = True
    db.session.flush()


def _check_owner(therapist: User, exercise: Exercise) -> None:
    if not therapist.is_therapist or exercise.step_id is not None or (
        exercise.owner_id != therapist.id
    ):
        raise DomainError("Only the therapist who wrote an exercise can change it.")


def _lock_versions(exercise: Exercise) -> None:
    """Hold the exercise's row (PostgreSQL) and re-read its versions, so two saves at once
    (a double click) can't both claim the next number: the second sees the first's text."""
    db.session.execute(
        sa.select(Exercise.id).where(Exercise.id == exercise.id).with_for_update()
    )
    db.session.refresh(exercise, ["versions"])


def _own_content(data: dict[str, Any]) -> dict[str, Any]:
    """exercise_content() plus the limits of the personal library."""
    content = exercise_content(data)
    problems = []
    if len(content["title"]) > TITLE_MAX:
        problems.append(f"the title is at most {TITLE_MAX} characters")
    if len(content["instructions"]) > INSTRUCTIONS_MAX:
        problems.append(f"the instructions are at most {INSTRUCTIONS_MAX} characters")
    if len(content["prompts"]) > PROMPTS_MAX or any(
        len(p) > PROMPT_MAX for p in content["prompts"]
    ):
        problems.append(f"up to {PROMPTS_MAX} prompts of at most {PROMPT_MAX} characters")
    ratings = content["rating_questions"]
    if len(ratings) > RATINGS_MAX:
        problems.append(f"at most {RATINGS_MAX} rating questions")
    for rating in ratings:
        if len(rating["question"]) > RATING_QUESTION_MAX:
            problems.append(f"a rating question is at most {RATING_QUESTION_MAX} characters")
        if max(len(rating["min_label"]), len(rating["max_label"])) > RATING_LABEL_MAX:
            problems.append(f"a rating label is at most {RATING_LABEL_MAX} characters")
        if not RATING_VALUE_MIN <= rating["min"] < rating["max"] <= RATING_VALUE_MAX:
            problems.append(
                f"a rating scale runs between {RATING_VALUE_MIN} and {RATING_VALUE_MAX}"
            )
    minutes = content["minutes"]
    if minutes is not None and not MINUTES_MIN <= minutes <= MINUTES_MAX:
        problems.append(f"minutes are between {MINUTES_MIN} and {MINUTES_MAX}")
    if problems:
        raise DomainError("This exercise can't be saved: " + "; ".join(problems) + ".")
    return content
