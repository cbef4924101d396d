"""One change per form: a creating form sent twice (a double click, a resend after a slow
answer, the browser's "send again") makes its change once.

Each such form carries a one-time token (new_token, in a hidden field). The route asks
first whether the token was used (earlier_submission: then it leads to what the first
submission made instead of making it again), makes its change, then claims the token in
the same transaction (claim_submission). Two copies sent at the same moment both pass the
first question; the unique (user, token) constraint lets only one claim stand, and the
other raises AlreadySubmitted and is rolled back whole. A submission that fails (a
validation error, a refused change, a report that did not render) claims nothing, so the
same form can be sent again.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.clock import now
from app.extensions import db
from app.models import FormSubmission, User

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
KEPT_FOR = dt.timedelta(days=2)  # a form is sent again within minutes, not days


class AlreadySubmitted(Exception):
    """This form was sent before and made its change; `location` shows that change."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def new_token() -> str:
    """A token for one rendering of a form."""
    return secrets.token_urlsafe(24)


def is_token(value: object) -> bool:
    return isinstance(value, str) and TOKEN.fullmatch(value) is not None


def earlier_submission(user: User, token: str | None) -> None:
    """Raise AlreadySubmitted if this user's form with this token already made its change.
    A missing or malformed token (a page from before tokens) is never a repeat."""
    if not is_token(token):
        return
    location = db.session.scalar(
        sa.select(FormSubmission.location).where(
            FormSubmission.user_id == user.id, FormSubmission.token == token
        )
    )
    if location is not None:
        raise AlreadySubmitted(location)


def claim_submission(user: User, token: str | None, location: str) -> None:
    """Claim the token for the change just made (flushed, not committed); `location` is
    where it can be seen. Raises AlreadySubmitted when another copy of the form claimed it
    first: whoever handles that rolls this copy's change back."""
    if not is_token(token):
        return
    earlier_submission(user, token)
    claim = FormSubmission(user_id=user.id, token=token, location=location[:300],
                           created_at=now())
    try:
        with db.session.begin_nested():
            db.session.add(claim)
    except IntegrityError:  # the other copy committed its claim while this one worked
        earlier_submission(user, token)
        raise
    # Keep the table small: a user's claims older than KEPT_FOR are of no more use.
    db.session.execute(
        sa.delete(FormSubmission).where(
            FormSubmission.user_id == user.id, FormSubmission.created_at < now() - KEPT_FOR
        )
    )
