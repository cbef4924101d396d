"""Therapy sessions and the measure (CSI-4) answered before them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, one_of, utcnow

SESSION_STATUSES = ("scheduled", "held", "cancelled")
ATTENDANCE = ("both", "partner_1", "partner_2")
INSTRUMENTS = ("csi4",)


class TherapySession(TimestampMixin, Base):
    __tablename__ = "therapy_sessions"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", SESSION_STATUSES), name="status_valid"),
        sa.CheckConstraint(
            "attendance IS NULL OR " + one_of("attendance", ATTENDANCE), name="attendance_valid"
        ),
        sa.CheckConstraint(
            "duration_minutes IS NULL OR (duration_minutes > 0 AND duration_minutes <= 600)",
            name="duration_in_range",
        ),
        # A session recorded as held says how long it took and who came.
        sa.CheckConstraint(
            "status <> 'held' OR (attendance IS NOT NULL AND duration_minutes IS NOT NULL)",
            name="held_has_attendance_and_duration",
        ),
        # A held session's record has a version, an author and a time; no other session
        # has a record.
        sa.CheckConstraint(
            "(status = 'held' AND record_version IS NOT NULL AND recorded_by_id IS NOT NULL"
            " AND recorded_at IS NOT NULL) OR (status <> 'held' AND record_version IS NULL"
            " AND recorded_by_id IS NULL AND recorded_at IS NULL)",
            name="recorded_iff_held",
        ),
        sa.CheckConstraint(
            "record_version IS NULL OR record_version >= 1", name="record_version_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"), index=True)
    therapist_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    scheduled_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(sa.String(10), default="scheduled")
    duration_minutes: Mapped[int | None]
    attendance: Mapped[str | None] = mapped_column(sa.String(10))
    focus: Mapped[str] = mapped_column(sa.Text, default="")
    homework_reviewed: Mapped[str] = mapped_column(sa.Text, default="")
    clinician_notes: Mapped[str] = mapped_column(sa.Text, default="")
    couple_summary: Mapped[str] = mapped_column(sa.Text, default="")
    is_measure_requested: Mapped[bool] = mapped_column(default=False)
    # The record's version: 1 when first recorded, one more at each correction; the
    # states it replaced are kept in session_record_versions. Who saved this one, and when.
    record_version: Mapped[int | None]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    recorded_at: Mapped[dt.datetime | None]


class SessionRecordVersion(Base):
    """An earlier state of a held session's record, kept when the record is corrected.
    Clinical content: only the couple's therapist reads it."""

    __tablename__ = "session_record_versions"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint(one_of("attendance", ATTENDANCE), name="attendance_valid"),
        sa.CheckConstraint(
            "duration_minutes > 0 AND duration_minutes <= 600", name="duration_in_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("therapy_sessions.id"), index=True)
    version: Mapped[int]
    duration_minutes: Mapped[int]
    attendance: Mapped[str] = mapped_column(sa.String(10))
    focus: Mapped[str] = mapped_column(sa.Text)
    homework_reviewed: Mapped[str] = mapped_column(sa.Text)
    clinician_notes: Mapped[str] = mapped_column(sa.Text)
    couple_summary: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    recorded_at: Mapped[dt.datetime]
    # When the correction that replaced this version was saved.
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MeasureResponse(Base):
    """One partner's answers to a measure for one session."""

    __tablename__ = "measure_responses"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "respondent_id", "instrument"),
        sa.CheckConstraint(one_of("instrument", INSTRUMENTS), name="instrument_valid"),
        sa.CheckConstraint("score BETWEEN 0 AND 21", name="score_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("therapy_sessions.id"), index=True)
    respondent_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    instrument: Mapped[str] = mapped_column(sa.String(20), default="csi4")
    answers: Mapped[list[Any]]
    score: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
