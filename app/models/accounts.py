"""Practices, users and their roles."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin, one_of

ROLES = ("admin", "therapist", "client")
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
    last_login_at: Mapped[dt.datetime | None]

    practice: Mapped[Practice] = relationship(back_populates="users")
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

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
