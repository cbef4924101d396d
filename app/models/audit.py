"""Append-only audit events, each HMAC-chained to the one before it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.CheckConstraint("length(trim(action)) > 0", name="action_not_blank"),
        sa.CheckConstraint("length(hmac) = 64", name="hmac_length"),
    )

    # The primary key is the sequence number the chain follows.
    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    practice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    address: Mapped[str | None] = mapped_column(sa.String(45))
    details: Mapped[dict[str, Any] | None]
    hmac: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditChainHead(Base):
    """The single row every append locks first, so events chain in one line."""

    __tablename__ = "audit_chain_heads"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    last_sequence: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    last_hmac: Mapped[str] = mapped_column(sa.String(64), default="0" * 64)
