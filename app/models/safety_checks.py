"""The private safety check: one partner's answers, what they added later, and the
attention flags those raise for the therapist. Read by the couple's therapist only; never
by the other partner, in any form (tests/test_safety_invisible.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow

# How often a couple's partners are asked again after their first check.
CHECK_SCHEDULES = ("intake", "session", "monthly")


class SafetyCheck(Base):
    """One partner's answers to the private check, on one occasion."""

    __tablename__ = "safety_checks"
    __table_args__ = (
        # One check per partner and occasion ("first", "session-12", "after-3"): the same
        # form sent twice, even at the same moment, makes one.
        sa.UniqueConstraint("respondent_id", "occasion"),
        sa.CheckConstraint("length(trim(occasion)) > 0", name="occasion_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"), index=True)
    respondent_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The scheduled session whose check this was (answered in the days before it), if any.
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("therapy_sessions.id"),
                                                   index=True)
    occasion: Mapped[str] = mapped_column(sa.String(40))
    # question key -> option key, as app/services/safety_check.py's QUESTIONS name them.
    answers: Mapped[dict[str, Any]]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    is_concerning: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    additions: Mapped[list[SafetyAddition]] = relationship(
        back_populates="check", order_by="SafetyAddition.id")


class SafetyAddition(Base):
    """Something the partner added to a check they had sent (free text)."""

    __tablename__ = "safety_additions"
    __table_args__ = (
        sa.CheckConstraint("length(trim(text)) > 0", name="text_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(sa.ForeignKey("safety_checks.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    check: Mapped[SafetyCheck] = relationship(back_populates="additions")


class SafetyFlag(Base):
    """An attention flag raised by a concerning check or an addition; it stays until the
    therapist records what they did."""

    __tablename__ = "safety_flags"
    __table_args__ = (
        sa.CheckConstraint(
            "(handled_at IS NULL AND handled_by_id IS NULL AND handling_note IS NULL)"
            " OR (handled_at IS NOT NULL AND handled_by_id IS NOT NULL"
            " AND length(trim(handling_note)) > 0)",
            name="handled_with_note_or_open",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"), index=True)
    check_id: Mapped[int] = mapped_column(sa.ForeignKey("safety_checks.id"), index=True)
    addition_id: Mapped[int | None] = mapped_column(sa.ForeignKey("safety_additions.id"),
                                                    index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[dt.datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    handling_note: Mapped[str | None] = mapped_column(sa.Text)
