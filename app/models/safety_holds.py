"""The safety hold: the therapist's state for a couple that pauses joint and unsafe
homework and makes everything the partners write private to the therapist.

A hold is never deleted: lifting it records who lifted it, when and why, so the couple's
holds are its history (app/services/visibility.py reads them: what was logged while a hold
was open never shows its completion to the other partner).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

OPEN = sa.text("lifted_at IS NULL")


class SafetyHold(Base):
    __tablename__ = "safety_holds"
    __table_args__ = (
        # At most one open hold per couple.
        sa.Index("uq_safety_holds_couple_id_open", "couple_id", unique=True,
                 sqlite_where=OPEN, postgresql_where=OPEN),
        # Lifted: by someone, with a note; open: none of the three.
        sa.CheckConstraint(
            "(lifted_at IS NULL AND lifted_by_id IS NULL AND lift_note IS NULL)"
            " OR (lifted_at IS NOT NULL AND lifted_by_id IS NOT NULL"
            " AND lift_note IS NOT NULL AND length(trim(lift_note)) > 0)",
            name="lifted_by_with_note_iff_at",
        ),
        sa.CheckConstraint("lifted_at IS NULL OR lifted_at >= started_at",
                           name="lifted_after_started"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # Why it was started: for the therapist's record only (never in an audit event).
    note: Mapped[str] = mapped_column(sa.Text, default="")
    lifted_at: Mapped[dt.datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    lift_note: Mapped[str | None] = mapped_column(sa.Text)

    @property
    def is_open(self) -> bool:
        return self.lifted_at is None

    def covers(self, moment: dt.datetime) -> bool:
        """Whether `moment` falls while this hold was open."""
        return self.started_at <= moment and (self.lifted_at is None or moment < self.lifted_at)
