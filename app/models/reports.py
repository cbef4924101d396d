"""Generated PDF reports, archived byte for byte with their SHA-256."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, one_of, utcnow

AUDIENCES = ("clinician", "couple")


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        sa.CheckConstraint(one_of("audience", AUDIENCES), name="audience_valid"),
        sa.CheckConstraint("period_end >= period_start", name="period_in_order"),
        sa.CheckConstraint("length(sha256) = 64", name="sha256_length"),
        sa.CheckConstraint("byte_size > 0", name="byte_size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("therapy_sessions.id"), index=True
    )
    audience: Mapped[str] = mapped_column(sa.String(10))
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    byte_size: Mapped[int]
    page_count: Mapped[int | None]
    generated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
