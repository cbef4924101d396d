"""Password hashing with argon2id, parameters from configuration."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

# Verifying against this when no account matches keeps timing alike for known and unknown emails.
_DUMMY_PASSWORD = "rekindle-timing-equaliser"  # noqa: S105


def hasher() -> PasswordHasher:
    """The hasher configured for this app (cheap in tests, strong elsewhere)."""
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; always does the work of one verification."""
    ph = hasher()
    if not password_hash:
        ph.verify(ph.hash(_DUMMY_PASSWORD), _DUMMY_PASSWORD)
        return False
    try:
        return ph.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash uses parameters other than the configured ones."""
    return hasher().check_needs_rehash(password_hash)
