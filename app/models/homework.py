"""Assignments of exercise versions to couples, and the entries partners log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin, one_of, utcnow
from app.models.guides import CADENCE_CHECK, CADENCES, ExerciseVersion
from app.models.safety_holds import SafetyHold

ASSIGNMENT_MODES = ("both", "one", "joint")
ASSIGNMENT_STATUSES = ("active", "paused", "ended")
COMPLETIONS = ("done", "partly", "not_done")
VISIBILITIES = ("therapist", "partner")


class Assignment(TimestampMixin, Base):
    __tablename__ = "assignments"
    __table_args__ = (
        sa.CheckConstraint(one_of("mode", ASSIGNMENT_MODES), name="mode_valid"),
        sa.CheckConstraint(one_of("status", ASSIGNMENT_STATUSES), name="status_valid"),
        sa.CheckConstraint(one_of("cadence", CADENCES), name="cadence_valid"),
        sa.CheckConstraint(CADENCE_CHECK, name="times_per_week_matches_cadence"),
        sa.CheckConstraint(
            "(mode = 'one' AND partner_id IS NOT NULL) OR (mode <> 'one' AND partner_id IS NULL)",
            name="partner_iff_mode_one",
        ),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        sa.CheckConstraint(
            "max_occurrences IS NULL OR max_occurrences > 0", name="max_occurrences_positive"
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR max_occurrences IS NULL", name="end_date_or_max_occurrences"
        ),
        # Days of the week as a bit mask, Monday = 1 ... Sunday = 64.
        sa.CheckConstraint("weekdays IS NULL OR weekdays BETWEEN 1 AND 127", name="weekdays_mask"),
        # "As it comes up" has no days: none chosen, and no number of times to count down.
        sa.CheckConstraint(
            "cadence <> 'as_it_comes_up' OR (weekdays IS NULL AND max_occurrences IS NULL)",
            name="as_it_comes_up_unscheduled",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"), index=True)
    exercise_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("exercise_versions.id"), index=True
    )
    assigned_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # Set when a whole step was assigned at once, to show its exercises together.
    step_id: Mapped[int | None] = mapped_column(sa.ForeignKey("steps.id"), index=True)
    mode: Mapped[str] = mapped_column(sa.String(10))
    # The one partner (a user) when mode is "one".
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    cadence: Mapped[str] = mapped_column(sa.String(20))
    # N of "N times a week", or the most a week of "as it comes up, up to N times a week".
    times_per_week: Mapped[int | None]
    weekdays: Mapped[int | None]
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date | None]
    max_occurrences: Mapped[int | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="active")
    # The last day an ended assignment was due; later days are not.
    ended_on: Mapped[dt.date | None]
    # An edit of the schedule ends this assignment and starts a new one that replaces it,
    # so what was due (and logged) before the edit stays as it was.
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignments.id"), index=True)

    exercise_version: Mapped[ExerciseVersion] = relationship()
    pauses: Mapped[list[AssignmentPause]] = relationship(
        order_by="AssignmentPause.paused_on", lazy="selectin"
    )


class AssignmentPause(Base):
    """A stretch of days when an assignment was paused: nothing is due from paused_on until
    the day before resumed_on (or for as long as it stays paused)."""

    __tablename__ = "assignment_pauses"
    __table_args__ = (
        sa.CheckConstraint(
            "resumed_on IS NULL OR resumed_on >= paused_on", name="resumed_after_paused"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), index=True)
    paused_on: Mapped[dt.date]
    resumed_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set when a safety hold made this pause: lifting that hold resumes exactly these.
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("safety_holds.id"), index=True)

    hold: Mapped[SafetyHold | None] = relationship()


class Entry(TimestampMixin, Base):
    """What one partner logged for one occurrence; the current state of its revisions."""

    __tablename__ = "entries"
    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "author_id", "occurrence_date"),
        sa.CheckConstraint(one_of("completion", COMPLETIONS), name="completion_valid"),
        sa.CheckConstraint(one_of("visibility", VISIBILITIES), name="visibility_valid"),
        sa.CheckConstraint("revision >= 1", name="revision_positive"),
        # Each partner's last activity, for the caseload, without reading every entry.
        sa.Index("ix_entries_author_id_updated_at", "author_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    occurrence_date: Mapped[dt.date]
    completion: Mapped[str] = mapped_column(sa.String(10))
    visibility: Mapped[str] = mapped_column(sa.String(10), default="therapist")
    answers: Mapped[list[Any]]
    ratings: Mapped[list[Any]]
    is_late: Mapped[bool] = mapped_column(default=False)
    revision: Mapped[int] = mapped_column(default=1)

    assignment: Mapped[Assignment] = relationship()


class EntryRevision(Base):
    """An earlier state of an entry, kept when its author edits it."""

    __tablename__ = "entry_revisions"
    __table_args__ = (
        sa.UniqueConstraint("entry_id", "revision"),
        sa.CheckConstraint(one_of("completion", COMPLETIONS), name="completion_valid"),
        sa.CheckConstraint(one_of("visibility", VISIBILITIES), name="visibility_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entries.id"), index=True)
    revision: Mapped[int]
    completion: Mapped[str] = mapped_column(sa.String(10))
    visibility: Mapped[str] = mapped_column(sa.String(10))
    answers: Mapped[list[Any]]
    ratings: Mapped[list[Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Draft(Base):
    """A half-written entry kept on the server, seen by its author only."""

    __tablename__ = "drafts"
    __table_args__ = (sa.UniqueConstraint("assignment_id", "author_id", "occurrence_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    occurrence_date: Mapped[dt.date]
    content: Mapped[dict[str, Any]]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
