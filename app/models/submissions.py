"""Form submissions: which creating forms a user has sent, so each makes its change once."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class FormSubmission(Base):
    """A form's one-time token, claimed in the transaction that made the form's change,
    and where that change can be seen (the page the first submission led to)."""

    __tablename__ = "form_submissions"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "token"),
        sa.CheckConstraint("length(token) >= 16", name="token_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token: Mapped[str] = mapped_column(sa.String(64))
    location: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
