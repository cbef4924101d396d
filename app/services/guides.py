"""The guide library: loading the built-in guides and reading them back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Exercise, ExerciseVersion, Guide, Step
from app.models.guides import CADENCES, SUITED_TO
from app.services import DomainError

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "guides" / "data"
BUILTIN_ORDER = ("save-your-relationship", "reigniting-love")
# Marks a rating question may carry: its high end means worse (resentment), so a rating
# that falls is one that got better; it asks about safety or fear, so the couple handout
# never offers a difference on it as a topic.
RATING_MARKS = ("higher_is_worse", "about_safety")


@dataclass
class LoadResult:
    guides: int = 0
    steps: int = 0
    exercises: int = 0
    new_versions: int = 0
    changed: list[str] = field(default_factory=list)


def exercise_content(data: dict[str, Any]) -> dict[str, Any]:
    """The versioned part of an exercise, validated and normalised."""
    title = str(data.get("title", "")).strip()
    instructions = str(data.get("instructions", "")).strip()
    prompts = [str(p).strip() for p in data.get("prompts") or []]
    cadence = data.get("cadence")
    times = data.get("times_per_week")
    most = data.get("up_to_per_week")  # as it comes up: at most this many times a week
    if not title or not instructions:
        raise DomainError("An exercise needs a title and instructions")
    if not 1 <= len(prompts) <= 3 or not all(prompts):
        raise DomainError(f"{title}: an exercise has one to three reflection prompts")
    if cadence not in CADENCES:
        raise DomainError(f"{title}: cadence must be one of {', '.join(CADENCES)}")
    if (cadence == "times_per_week") != (times is not None):
        raise DomainError(f"{title}: times_per_week goes with the times_per_week cadence only")
    if times is not None and not 1 <= int(times) <= 7:
        raise DomainError(f"{title}: times_per_week is between 1 and 7")
    if (cadence == "as_it_comes_up") != (most is not None):
        raise DomainError(f"{title}: up_to_per_week goes with the as_it_comes_up cadence only")
    if most is not None:
        if not 1 <= int(most) <= 7:
            raise DomainError(f"{title}: up_to_per_week is between 1 and 7")
        times = most  # kept where "N times a week" keeps its N
    ratings = []
    for rating in data.get("ratings") or []:
        low, high = int(rating.get("min", 0)), int(rating.get("max", 10))
        question = str(rating.get("question", "")).strip()
        if not question or low >= high:
            raise DomainError(f"{title}: a rating question needs a text and min < max")
        entry = {
            "question": question,
            "min": low,
            "max": high,
            "min_label": str(rating.get("min_label", "")).strip(),
            "max_label": str(rating.get("max_label", "")).strip(),
        }
        # Marks kept only when set, so an exercise without them keeps its version.
        for mark in RATING_MARKS:
            if rating.get(mark):
                entry[mark] = True
        ratings.append(entry)
    minutes = data.get("minutes")
    return {
        "title": title,
        "instructions": instructions,
        "prompts": prompts,
        "rating_questions": ratings,
        "cadence": cadence,
        "times_per_week": int(times) if times is not None else None,
        "minutes": int(minutes) if minutes is not None else None,
    }


def exercise_marks(data: dict[str, Any]) -> dict[str, Any]:
    """The marks of the exercise itself (not versioned: every version follows them):
    what it suits (joint work, or one partner alone) and whether it must not be given
    while a safety concern is open."""
    suited_to = data.get("suited_to", "joint")
    if suited_to not in SUITED_TO:
        raise DomainError(f"{data.get('title', '')}: suited_to is joint or one")
    return {"suited_to": suited_to,
            "is_unsafe_under_concern": bool(data.get("unsafe_under_concern", False))}


def content_hash(content: dict[str, Any]) -> str:
    """A stable fingerprint of an exercise's versioned content."""
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def add_version_if_changed(exercise: Exercise, content: dict[str, Any]) -> ExerciseVersion | None:
    """Append a version when the content differs from the current one; else None."""
    digest = content_hash(content)
    if exercise.versions and exercise.current.content_hash == digest:
        return None
    version = ExerciseVersion(
        number=len(exercise.versions) + 1, content_hash=digest, **content
    )
    exercise.versions.append(version)
    return version


def read_guide_file(path: Path) -> dict[str, Any]:
    """Parse one guide data file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data.get("slug") or not data.get("steps"):
        raise DomainError(f"{path.name}: a guide file needs a slug and steps")
    return data


def load_guide(data: dict[str, Any], *, position: int = 0, result: LoadResult) -> Guide:
    """Create or update one guide from its data; unchanged text adds nothing."""
    guide = db.session.scalar(
        sa.select(Guide)
        .where(Guide.slug == data["slug"], Guide.practice_id.is_(None))
        .options(selectinload(Guide.steps).selectinload(Step.exercises))
    )
    if guide is None:
        guide = Guide(slug=data["slug"], title=data["title"])
        db.session.add(guide)
    guide.title = data["title"].strip()
    guide.summary = (data.get("summary") or "").strip()
    guide.context = data.get("context")
    guide.position = position
    result.guides += 1

    steps_by_slug = {step.slug: step for step in guide.steps}
    for step_position, step_data in enumerate(data["steps"], start=1):
        step = steps_by_slug.get(step_data["slug"])
        if step is None:
            step = Step(slug=step_data["slug"], position=step_position, title=step_data["title"])
            guide.steps.append(step)
        step.position = step_position
        step.title = step_data["title"].strip()
        step.summary = (step_data.get("summary") or "").strip()
        result.steps += 1

        exercises_by_slug = {exercise.slug: exercise for exercise in step.exercises}
        for exercise_position, exercise_data in enumerate(step_data["exercises"], start=1):
            exercise = exercises_by_slug.get(exercise_data["slug"])
            if exercise is None:
                exercise = Exercise(slug=exercise_data["slug"], versions=[])
                step.exercises.append(exercise)
            exercise.position = exercise_position
            for mark, value in exercise_marks(exercise_data).items():
                setattr(exercise, mark, value)
            result.exercises += 1
            if add_version_if_changed(exercise, exercise_content(exercise_data)):
                result.new_versions += 1
                result.changed.append(f"{data['slug']}/{exercise_data['slug']}")
    db.session.flush()
    return guide


def load_builtin_guides(directory: Path = BUILTIN_DIR) -> LoadResult:
    """Load every built-in guide; safe to run again (new text becomes a new version)."""
    result = LoadResult()
    files = sorted(directory.glob("*.yaml"))
    datas = [read_guide_file(path) for path in files]
    order = {slug: index for index, slug in enumerate(BUILTIN_ORDER)}
    datas.sort(key=lambda d: order.get(d["slug"], len(order)))
    for position, data in enumerate(datas):
        load_guide(data, position=position, result=result)
    return result


def list_guides() -> list[Guide]:
    """The built-in guides in library order, with steps and exercises loaded."""
    return list(
        db.session.scalars(
            sa.select(Guide)
            .where(Guide.practice_id.is_(None))
            .options(selectinload(Guide.steps).selectinload(Step.exercises))
            .order_by(Guide.position, Guide.title)
        )
    )


def guide_by_slug(slug: str) -> Guide | None:
    """One built-in guide with its steps, exercises and their versions."""
    return db.session.scalar(
        sa.select(Guide)
        .where(Guide.slug == slug, Guide.practice_id.is_(None))
        .options(
            selectinload(Guide.steps)
            .selectinload(Step.exercises)
            .selectinload(Exercise.versions)
        )
    )
