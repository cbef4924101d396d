"""Password reset by email: one hour, single use; using it ends every other session."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from app.clock import now
from app.extensions import db
from app.models import PasswordReset, User
from app.services.accounts import set_password, user_by_email
from app.services.invitations import InvalidLink
from app.services.tokens import make_token, matches, new_secret, read_token

PURPOSE = "password_reset"


def request_reset(email: str) -> tuple[User, str] | None:
    """(user, link token) when an active account with a password has this address."""
    user = resettable_user(email)
    return None if user is None else (user, issue_reset(user))


def resettable_user(email: str) -> User | None:
    """The active account with a password that has this address, if any."""
    user = user_by_email(email)
    if user is None or not user.is_active or not user.password_hash:
        return None
    return user


def issue_reset(user: User) -> str:
    """A new one-hour reset for the user; the link's token (its secret is never stored)."""
    secret, hashed = new_secret()
    reset = PasswordReset(
        user_id=user.id,
        token_hash=hashed,
        expires_at=now() + dt.timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"]),
    )
    db.session.add(reset)
    db.session.flush()
    return make_token(PURPOSE, reset.id, secret)


def reset_from_link(token: str) -> PasswordReset:
    """The usable reset a link names, or InvalidLink saying why not."""
    parsed = read_token(PURPOSE, token)
    reset = db.session.get(PasswordReset, parsed[0]) if parsed else None
    if reset is None or not matches(parsed[1], reset.token_hash):
        raise InvalidLink("This reset link is not valid. You can ask for a new one.")
    if reset.used_at is not None:
        raise InvalidLink("This reset link has already been used. You can ask for a new one.")
    if reset.expires_at <= now() or not reset.user.is_active:
        raise InvalidLink("This reset link has expired. You can ask for a new one.")
    return reset


def complete_reset(reset: PasswordReset, password: str) -> User:
    """Set the new password, use up the link and end every session of the user."""
    set_password(reset.user, password)
    reset.used_at = now()
    return reset.user
