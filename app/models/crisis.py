"""A practice's crisis lines: the numbers its partners are shown on "Need help now?"."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin

# Rekindle ships no numbers of its own; until an admin chooses, the quick exit leaves for
# an everyday weather page.
DEFAULT_QUICK_EXIT_URL = "https://www.bbc.com/weather"


class CrisisLine(TimestampMixin, Base):
    """One line a practice recommends (a helpline, a crisis line), shown in `position`
    order. Not clinical content: an admin adds, edits and removes them."""

    __tablename__ = "crisis_lines"
    __table_args__ = (
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        sa.CheckConstraint("number IS NOT NULL OR url IS NOT NULL", name="number_or_url"),
        sa.CheckConstraint("position > 0", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(120))
    number: Mapped[str | None] = mapped_column(sa.String(40))
    hours: Mapped[str | None] = mapped_column(sa.String(120))
    url: Mapped[str | None] = mapped_column(sa.String(500))
