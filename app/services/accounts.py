"""Practices, users and signing in."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import available_timezones

import sqlalchemy as sa

from app.clock import now
from app.extensions import db
from app.models import Practice, User, UserRole
from app.models.accounts import ROLES
from app.services import DomainError
from app.services.passwords import hash_password, needs_rehash, verify_password


def normalise_email(email: str) -> str:
    """Emails are compared and stored in lower case, without surrounding spaces."""
    return email.strip().lower()


def check_timezone(name: str) -> str:
    """The name if it is a known IANA timezone, else a DomainError."""
    if name not in available_timezones():
        raise DomainError(f"Unknown timezone: {name}")
    return name


def create_practice(name: str, *, timezone: str = "UTC", is_demo: bool = False) -> Practice:
    """A new, empty practice."""
    practice = Practice(
        name=name.strip(), default_timezone=check_timezone(timezone), is_demo=is_demo
    )
    db.session.add(practice)
    db.session.flush()
    return practice


def create_user(
    practice: Practice,
    *,
    email: str,
    name: str,
    roles: Iterable[str],
    password: str | None = None,
    timezone: str | None = None,
) -> User:
    """A user of the practice with the given roles; without a password they cannot sign in yet."""
    roles = set(roles)
    unknown = roles - set(ROLES)
    if unknown or not roles:
        raise DomainError(f"Roles must be among {', '.join(ROLES)}")
    if "client" in roles and roles != {"client"}:
        raise DomainError("A partner's account holds no other role")
    email = normalise_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise DomainError("That email address is already in use")
    user = User(
        practice=practice,
        email=email,
        name=name.strip(),
        timezone=check_timezone(timezone or practice.default_timezone),
        password_hash=hash_password(password) if password else None,
    )
    user.role_rows = [UserRole(role=role) for role in sorted(roles)]
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None; upgrades an outdated hash."""
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        verify_password(None, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    assert user.password_hash is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now()
    return user


def load_user(user_id: int) -> User | None:
    """The active user with this id, for Flask-Login."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_active else None
