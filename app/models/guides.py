"""Guides -> steps -> exercises, whose text lives in immutable numbered versions.

An assignment points at an ExerciseVersion, so a partner always sees the text
the exercise had when it was given; editing adds a version and changes nothing
already assigned. A therapist's own exercise is an Exercise with an owner and no step.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.accounts import User
from app.models.base import Base, TimestampMixin, one_of, utcnow

CADENCES = ("once", "daily", "weekly", "times_per_week", "as_it_comes_up")
# What an exercise suits: work the partners do together, or one partner on their own.
SUITED_TO = ("joint", "one")

# times_per_week holds N for "N times a week" and for "as it comes up, up to N times a
# week" (logged once a day at most, so at most 7); no other cadence has one.
# IS NOT NULL matters: a CHECK that evaluates to NULL passes.
CADENCE_CHECK = (
    "(cadence IN ('times_per_week', 'as_it_comes_up') AND times_per_week IS NOT NULL"
    " AND times_per_week BETWEEN 1 AND 7)"
    " OR (cadence NOT IN ('times_per_week', 'as_it_comes_up') AND times_per_week IS NULL)"
)


class Guide(TimestampMixin, Base):
    __tablename__ = "guides"
    __table_args__ = (sa.CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    # None for the built-in library; a practice's own guides name their practice.
    practice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    # Background for the therapist (e.g. why relationships break down): {title, intro, items}.
    context: Mapped[dict[str, Any] | None]
    position: Mapped[int] = mapped_column(default=0)

    steps: Mapped[list[Step]] = relationship(
        back_populates="guide", order_by="Step.position", cascade="all, delete-orphan"
    )


class Step(TimestampMixin, Base):
    __tablename__ = "steps"
    __table_args__ = (
        sa.UniqueConstraint("guide_id", "slug"),
        sa.CheckConstraint("position >= 1", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(sa.ForeignKey("guides.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(100))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")

    guide: Mapped[Guide] = relationship(back_populates="steps")
    exercises: Mapped[list[Exercise]] = relationship(
        back_populates="step", order_by="Exercise.position"
    )


class Exercise(TimestampMixin, Base):
    __tablename__ = "exercises"
    __table_args__ = (
        sa.UniqueConstraint("step_id", "slug"),
        # Either part of a guide's step or a therapist's own, never both or neither.
        sa.CheckConstraint(
            "(step_id IS NULL AND owner_id IS NOT NULL)"
            " OR (step_id IS NOT NULL AND owner_id IS NULL)",
            name="step_xor_owner",
        ),
        sa.CheckConstraint(one_of("suited_to", SUITED_TO), name="suited_to_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int | None] = mapped_column(sa.ForeignKey("steps.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    slug: Mapped[str | None] = mapped_column(sa.String(100))
    position: Mapped[int] = mapped_column(default=0)
    is_archived: Mapped[bool] = mapped_column(default=False)
    # Marks of the exercise itself, not of a version: an assignment of an older version
    # follows them. Whether it suits joint work or one partner alone, and whether it must
    # not be given while a safety concern is open (a hold, or a concerning answer).
    suited_to: Mapped[str] = mapped_column(sa.String(10), default="joint",
                                           server_default="joint")
    is_unsafe_under_concern: Mapped[bool] = mapped_column(default=False,
                                                          server_default=sa.false())

    step: Mapped[Step | None] = relationship(back_populates="exercises")
    owner: Mapped[User | None] = relationship()
    versions: Mapped[list[ExerciseVersion]] = relationship(
        back_populates="exercise", order_by="ExerciseVersion.number", lazy="selectin"
    )

    @property
    def current(self) -> ExerciseVersion:
        """The newest version: what a new assignment would use."""
        return self.versions[-1]


class ExerciseVersion(Base):
    """The text of an exercise at one moment; never changed once written."""

    __tablename__ = "exercise_versions"
    __table_args__ = (
        sa.UniqueConstraint("exercise_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        sa.CheckConstraint(one_of("cadence", CADENCES), name="cadence_valid"),
        sa.CheckConstraint(CADENCE_CHECK, name="times_per_week_matches_cadence"),
        sa.CheckConstraint("minutes IS NULL OR minutes > 0", name="minutes_positive"),
        sa.CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(sa.ForeignKey("exercises.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    instructions: Mapped[str] = mapped_column(sa.Text)
    # ["What did you notice ...?", ...] — one to three reflection questions.
    prompts: Mapped[list[Any]]
    # [{"question", "min", "max", "min_label", "max_label"}, ...]
    rating_questions: Mapped[list[Any]]
    cadence: Mapped[str] = mapped_column(sa.String(20))
    # N of "N times a week", or of "as it comes up, up to N times a week".
    times_per_week: Mapped[int | None]
    minutes: Mapped[int | None]
    # SHA-256 of the content, so reloading unchanged text adds no version.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    exercise: Mapped[Exercise] = relationship(back_populates="versions")
