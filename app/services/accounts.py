"""Practices, users and signing in."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from zoneinfo import available_timezones

import sqlalchemy as sa

from app.clock import now
from app.extensions import db
from app.models import Practice, User, UserRole
from app.models.accounts import ROLES, new_sign_in_token
from app.services import DomainError
from app.services.passwords import (
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_password,
)


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


def email_in_use(email: str) -> bool:
    """True when any account, in any practice, has this address."""
    return (
        db.session.scalar(sa.select(User.id).where(User.email == normalise_email(email)))
        is not None
    )


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
    if email_in_use(email):
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


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None.

    On success the hash is upgraded if its parameters are outdated, and the session
    token is rotated, which ends the user's other sign-ins.
    """
    user = user_by_email(email)
    if user is None or not user.is_active:
        verify_password(None, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    assert user.password_hash is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = now()
    end_sign_ins(user)
    return user


def end_sign_ins(user: User) -> None:
    """Invalidate every session of the user (a new token no browser holds yet)."""
    user.sign_in_token = new_sign_in_token()


def user_of_sign_in(session_id: str) -> User | None:
    """The active user whose "id:token" this is, for Flask-Login; else None."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or not user.sign_in_token:
        return None
    return user if hmac.compare_digest(user.sign_in_token, token) else None


def set_password(user: User, password: str) -> None:
    """Check the policy, store the new hash and end every session."""
    check_password_policy(password, email=user.email)
    user.password_hash = hash_password(password)
    end_sign_ins(user)


def change_password(user: User, current: str, new: str) -> None:
    """The signed-in user's own change; the current password is required."""
    if not verify_password(user.password_hash, current):
        raise DomainError("Your current password is not right.")
    set_password(user, new)


def set_active(actor: User, user: User, active: bool) -> None:
    """An admin (de)activates a user of their practice; deactivation ends their sign-ins."""
    if not actor.is_admin or actor.practice_id != user.practice_id:
        raise DomainError("Only an admin of the practice can do that")
    if actor.id == user.id and not active:
        raise DomainError("You cannot deactivate your own account")
    user.is_active_account = active
    end_sign_ins(user)


def set_roles(actor: User, user: User, roles: set[str]) -> None:
    """An admin grants or removes the admin and therapist roles of a clinician."""
    if not actor.is_admin or actor.practice_id != user.practice_id:
        raise DomainError("Only an admin of the practice can do that")
    if user.is_client or "client" in roles or not roles or not roles <= {"admin", "therapist"}:
        raise DomainError("A clinician holds admin, therapist or both")
    if actor.id == user.id and "admin" not in roles:
        raise DomainError("You cannot remove your own admin role")
    user.role_rows = [row for row in user.role_rows if row.role in roles] + [
        UserRole(role=role) for role in sorted(roles - user.roles)
    ]
    end_sign_ins(user)
