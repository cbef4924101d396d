"""Signed, single-use link tokens: the link carries a signed (row id, secret) pair and
the database keeps only the secret's SHA-256, so a leaked database yields no usable link."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"rekindle.{purpose}")


def new_secret() -> tuple[str, str]:
    """A fresh secret and its SHA-256 hex digest."""
    secret = secrets.token_urlsafe(32)
    return secret, digest(secret)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def make_token(purpose: str, row_id: int, secret: str) -> str:
    """The string that goes into the emailed link."""
    return _serializer(purpose).dumps([row_id, secret])


def read_token(purpose: str, token: str) -> tuple[int, str] | None:
    """(row id, secret) from a link, or None when it was not signed by us for this purpose."""
    if len(token) > 500:
        return None
    try:
        row_id, secret = _serializer(purpose).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(row_id, int) or not isinstance(secret, str):
        return None
    return row_id, secret


def matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_hash)
