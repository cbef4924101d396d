"""One-time form tokens: a form or button sent twice makes its change once.

Every form a signed-in person posts carries a token, new each time the form is drawn. The
request that makes the form's change claims its token (a FormSubmission row, with where
the change can be seen) in the same transaction; app.transactions does this for every
request, so no route does. A copy whose token was claimed raises AlreadySubmitted, which
leads to what the first copy made.
"""

from __future__ import annotations

import re
import secrets

import sqlalchemy as sa

from app.extensions import db
from app.models import FormSubmission

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class AlreadySubmitted(Exception):
    """This form was sent before and made its change; `location` shows that change."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def new_token() -> str:
    """A token for one drawing of a form."""
    return secrets.token_urlsafe(24)


def is_token(value: object) -> bool:
    return isinstance(value, str) and TOKEN.fullmatch(value) is not None


def earlier_submission(user_id: int, token: str | None) -> None:
    """Raise AlreadySubmitted if this person's form with this token already made its
    change. A missing or malformed token is never a repeat."""
    if not is_token(token):
        return
    location = db.session.scalar(
        sa.select(FormSubmission.location).where(
            FormSubmission.user_id == user_id, FormSubmission.token == token
        )
    )
    if location is not None:
        raise AlreadySubmitted(location)
