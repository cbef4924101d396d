"""One change per form: a creating form sent twice (a double click, a resend after a slow
answer, the browser's "send again") makes its change once.

Each such form carries a one-time token (new_token, in a hidden field). Before making its
change, the route claims the token (claim_submission), in the transaction that will make
the change: a copy whose token was already claimed raises AlreadySubmitted, which leads to
what the first copy made (it rolls this copy back). Two copies sent at the same moment
meet at the unique (user, token) constraint: the second waits for the first to commit and
then finds its claim, so neither its change nor a collision of that change (two couples
with the same partners' addresses) ever happens. Once the change is made, lead_to records
where it can be seen. A submission that fails (a validation error, a refused change)
rolls its claim back with everything else, so the same form can be sent again.

A route whose work takes long before it writes (a report's render) asks
earlier_submission first and claims only once the work is done, so a claim does not hold
the database's write lock (SQLite) while it works; two such copies at the same moment both
do the work and one is kept.
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


def claim_submission(user: User, token: str | None, location: str = ""
                     ) -> FormSubmission | None:
    """Claim the form's token in the current transaction; `location` is where the change
    can be seen, if known yet (else see lead_to). Raises AlreadySubmitted when this form
    was sent before, or when another copy claims it first. None when the form carries no
    valid token (nothing is claimed)."""
    if not is_token(token):
        return None
    earlier_submission(user, token)
    claim = FormSubmission(user_id=user.id, token=token, location=location[:300],
                           created_at=now())
    db.session.add(claim)
    try:
        # A plain flush, not a savepoint: on SQLite a savepoint that opens the transaction
        # commits on release, and the claim would outlive a change that then failed.
        db.session.flush()
    except IntegrityError:  # the other copy committed its claim while this one waited
        db.session.rollback()  # all of this copy: AlreadySubmitted drops it anyway
        earlier_submission(user, token)
        raise
    # Keep the table small: a user's claims older than KEPT_FOR are of no more use.
    db.session.execute(
        sa.delete(FormSubmission).where(
            FormSubmission.user_id == user.id, FormSubmission.created_at < now() - KEPT_FOR
        )
    )
    return claim


def lead_to(claim: FormSubmission | None, location: str) -> None:
    """Record where the change made under this claim can be seen (before commit)."""
    if claim is not None:
        claim.location = location[:300]
