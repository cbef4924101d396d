"""Password hashing with argon2id, parameters from configuration."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

from app.services import DomainError

MIN_LENGTH = 10
MAX_LENGTH = 1024

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


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn's list of the 30,000 most common passwords from public breaches.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password_policy(password: str, *, email: str | None = None) -> None:
    """Raise DomainError with a helpful message when the password is too weak."""
    if len(password) < MIN_LENGTH:
        raise DomainError(
            f"Use at least {MIN_LENGTH} characters. A few unrelated words make a strong, "
            "memorable passphrase."
        )
    if len(password) > MAX_LENGTH:
        raise DomainError(f"Use at most {MAX_LENGTH} characters.")
    folded = password.lower()
    if folded in _common_passwords() or len(set(folded)) < 4:
        raise DomainError("That password is among the most commonly used ones. Choose another.")
    if email and folded.strip() in {email.lower(), email.lower().split("@")[0]}:
        raise DomainError("Your password must not be your email address.")
