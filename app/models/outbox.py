"""The mail outbox: every email is first a row, then a task that sends it.

Huey does not acknowledge tasks, so a task lost with its consumer would lose its email; the
row is what is owed. It holds the ids the sender needs and never a link's secret: the task
makes a fresh link when it sends.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

MAIL_KINDS = ("invitation", "password_reset", "attention")
MAIL_STATUSES = ("queued", "sending", "sent", "failed", "dropped")


class MailOutbox(Base):
    """One email owed: queued, claimed by a task (sending), sent, failed after its retries,
    or dropped (nothing to send any more: an invitation withdrawn, an unknown address)."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('invitation', 'password_reset', 'attention')", name="kind_known"),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'dropped')", name="status_known"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.Index("ix_mail_outbox_status_claimed_at", "status", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The practice whose admins see the row if it fails; none for an address not (yet) known.
    practice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    invitation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invitations.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
