"""Practices, users and their roles."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin, one_of, utcnow
from app.models.crisis import DEFAULT_QUICK_EXIT_URL

ROLES = ("admin", "therapist", "client")


def new_sign_in_token() -> str:
    return secrets.token_hex(32)
PAPER_SIZES = ("A4", "Letter")


class Practice(TimestampMixin, Base):
    """A clinic; practices never see one another."""

    __tablename__ = "practices"
    __table_args__ = (
        sa.CheckConstraint(one_of("paper_size", PAPER_SIZES), name="paper_size_valid"),
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    paper_size: Mapped[str] = mapped_column(sa.String(10), default="A4")
    default_timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    is_demo: Mapped[bool] = mapped_column(default=False)
    # Issue 13: what partners are told to call in danger, and where the quick exit leads.
    emergency_number: Mapped[str | None] = mapped_column(sa.String(40))
    quick_exit_url: Mapped[str] = mapped_column(
        sa.String(500), default=DEFAULT_QUICK_EXIT_URL, server_default=DEFAULT_QUICK_EXIT_URL)

    users: Mapped[list[User]] = relationship(back_populates="practice")


class User(UserMixin, TimestampMixin, Base):
    """Anyone who can sign in: admin, therapist or partner (role client)."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # None until the person has set a password (an invited partner, say).
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    is_active_account: Mapped[bool] = mapped_column("is_active", default=True)
    last_sign_in_at: Mapped[dt.datetime | None]
    # Rotated at every sign-in, sign-out, password change and deactivation; the signed-in
    # browser carries it, so rotating it ends every other sign-in at once.
    sign_in_token: Mapped[str] = mapped_column(sa.String(64), default=new_sign_in_token)

    practice: Mapped[Practice] = relationship(back_populates="users")
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: the id and the current sign-in
        token."""
        return f"{self.id}:{self.sign_in_token}"

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_account

    @property
    def is_therapist(self) -> bool:
        return self.has_role("therapist")

    @property
    def is_client(self) -> bool:
        return self.has_role("client")

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserRole(Base):
    """One role held by a user; a solo therapist holds admin and therapist."""

    __tablename__ = "user_roles"
    __table_args__ = (sa.CheckConstraint(one_of("role", ROLES), name="role_valid"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class Invitation(TimestampMixin, Base):
    """An invitation to set a password, sent by email as a signed single-use link.

    user_id is None when the address already belonged to an account elsewhere: the
    sender is told the same as for any invitation, so no account is revealed.
    """

    __tablename__ = "invitations"
    __table_args__ = (
        sa.CheckConstraint(one_of("role", ROLES), name="role_valid"),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint(
            "position IS NULL OR position IN (1, 2)", name="position_one_or_two"
        ),
        sa.CheckConstraint(
            "(role = 'client' AND couple_id IS NOT NULL AND position IS NOT NULL)"
            " OR (role <> 'client' AND couple_id IS NULL AND position IS NULL)",
            name="client_invitation_names_couple",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    couple_id: Mapped[int | None] = mapped_column(sa.ForeignKey("couples.id"), index=True)
    position: Mapped[int | None] = mapped_column(sa.SmallInteger)
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200))
    # SHA-256 of the secret in the link; the secret itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime]
    send_count: Mapped[int] = mapped_column(default=1)
    accepted_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    @property
    def status(self) -> str:
        """accepted, revoked, expired or pending."""
        from app.clock import now

        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        return "expired" if self.expires_at <= now() else "pending"


class PasswordReset(Base):
    """A one-hour, single-use password reset link."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()
