"""The mail outbox's rules: record what is owed, claim it once, say how it ended.

The row decides: a task claims its row with one UPDATE that succeeds only while the row is
queued (or claimed so long ago that its consumer must have died), so a duplicated or
retried task finds the row taken or done and sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import sqlalchemy as sa

from app.extensions import db
from app.models import MailOutbox, User
from app.services import DomainError

# A claim older than this belongs to a consumer that died mid-task: the sweep re-enqueues
# the row and a new claim may take it. Longer than any send (SMTP times out after 15 s).
STALE_AFTER = dt.timedelta(minutes=5)
# Attempts before a row is listed as failed (Huey retries with 30 s, 60 s, 120 s, 240 s).
MAX_ATTEMPTS = 5


def record_mail(kind: str, recipient: str, *, practice_id: int | None = None,
                invitation_id: int | None = None, user_id: int | None = None) -> MailOutbox:
    """One email owed; the caller enqueues its task once the transaction commits."""
    row = MailOutbox(kind=kind, recipient=recipient[:254], practice_id=practice_id,
                     invitation_id=invitation_id, user_id=user_id, status="queued")
    db.session.add(row)
    db.session.flush()
    return row


def claim(row_id: int, at: dt.datetime) -> bool:
    """Take the row for one send; False when another task has it or it is done."""
    table = MailOutbox.__table__
    result = db.session.execute(
        sa.update(table)
        .where(table.c.id == row_id,
               sa.or_(table.c.status == "queued",
                      sa.and_(table.c.status == "sending", table.c.claimed_at < at - STALE_AFTER)))
        .values(status="sending", claimed_at=at, attempts=table.c.attempts + 1)
    )
    return result.rowcount == 1


def mark_sent(row: MailOutbox, at: dt.datetime) -> None:
    row.status, row.sent_at, row.last_error = "sent", at, None
    db.session.flush()


def mark_dropped(row: MailOutbox, *, forget_recipient: bool = False) -> None:
    """Nothing to send any more (a withdrawn invitation, an address with no account). An
    address that belongs to no account is not kept: it is whatever someone typed."""
    row.status = "dropped"
    if forget_recipient:
        row.recipient = ""
    db.session.flush()


def note_failure(row_id: int, error: str) -> bool:
    """Record why a send failed; True if the row may be tried again, False if it is now
    listed as failed."""
    row = db.session.get(MailOutbox, row_id)
    if row is None or row.status != "sending":
        return False
    row.last_error = error[:300]
    row.status = "queued" if row.attempts < MAX_ATTEMPTS else "failed"
    db.session.flush()
    return row.status == "queued"


def rows_to_sweep(at: dt.datetime) -> list[int]:
    """Rows owed but untouched for STALE_AFTER: their task was lost, or its consumer died."""
    table = MailOutbox.__table__
    before = at - STALE_AFTER
    return list(db.session.scalars(
        sa.select(table.c.id).where(sa.or_(
            sa.and_(table.c.status == "queued",
                    sa.func.coalesce(table.c.claimed_at, table.c.created_at) < before),
            sa.and_(table.c.status == "sending", table.c.claimed_at < before),
        )).order_by(table.c.id).limit(500)
    ))


def failed_mail(practice_id: int) -> list[MailOutbox]:
    """The practice's emails that failed after their retries, newest first."""
    return list(db.session.scalars(
        sa.select(MailOutbox)
        .where(MailOutbox.practice_id == practice_id, MailOutbox.status == "failed")
        .order_by(MailOutbox.created_at.desc(), MailOutbox.id.desc())
    ))


def retry_mail(row: MailOutbox, admin: User) -> MailOutbox:
    """An admin asks for a failed email to be tried again, with a fresh set of attempts."""
    if not admin.is_admin or row.practice_id != admin.practice_id:
        raise DomainError("This email is not one of your practice's")
    if row.status != "failed":
        raise DomainError("This email is no longer waiting to be retried")
    row.status, row.attempts, row.claimed_at = "queued", 0, None
    db.session.flush()
    return row


def undelivered_invitations(invitation_ids: Collection[int]) -> set[int]:
    """Of these invitations, those whose latest email failed after all its retries: the
    therapist is told on the couple page, and "Send again" sends a new one."""
    if not invitation_ids:
        return set()
    latest = (sa.select(sa.func.max(MailOutbox.id))
              .where(MailOutbox.invitation_id.in_(invitation_ids))
              .group_by(MailOutbox.invitation_id))
    return set(db.session.scalars(
        sa.select(MailOutbox.invitation_id)
        .where(MailOutbox.id.in_(latest), MailOutbox.status == "failed")))
