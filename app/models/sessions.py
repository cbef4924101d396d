"""Therapy sessions and the check-in measure (CSI-4) answered for them."""

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


class MeasureResponse(Base):
    """One partner's answers to a check-in measure for one session."""

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
