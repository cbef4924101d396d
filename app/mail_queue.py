"""Every email leaves through the outbox and the queue; a request never talks SMTP.

A request records a row (`app.services.outbox.record_mail`) and, once its transaction has
committed, enqueues `deliver_mail(row_id)`. The task claims the row, makes what the email
needs at that moment (a fresh link's secret, a new reset), sends, and marks the row sent, in
units of work of its own. A send that fails is retried by Huey with backoff; after
MAX_ATTEMPTS the row is listed for the practice's admins, who can retry it. Every minute a
periodic sweep re-enqueues rows whose task was lost (idempotent: the row decides).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import current_app
from huey import crontab

from app.clock import now
from app.extensions import db
from app.jobs import enqueue, enqueue_after_commit, job, periodic_job
from app.mail import MailError, send_mail
from app.models import Invitation, MailOutbox, User
from app.services import audit
from app.services.invitations import Outgoing, fresh_link
from app.services.outbox import (
    MAX_ATTEMPTS,
    claim,
    mark_dropped,
    mark_sent,
    note_failure,
    record_mail,
    rows_to_sweep,
)
from app.services.resets import issue_reset, resettable_user
from app.transactions import unit_of_work

INVITATION_SUBJECT = "Your Rekindle invitation"
ATTENTION_SUBJECT = "Please sign in to Rekindle"
RESET_SUBJECT = "Reset your Rekindle password"


def public_link(endpoint: str, **values: object) -> str:
    """An absolute link to a page, built on PUBLIC_URL (a task has no request to read a
    host from)."""
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


# --- what requests call ----------------------------------------------------------------


def queue_invitations(outgoing: Iterable[Outgoing]) -> None:
    """Owe each invitation's email (or the "already registered" notice)."""
    for item in outgoing:
        invitation = item.invitation
        row = record_mail("invitation", invitation.email, practice_id=invitation.practice_id,
                          invitation_id=invitation.id, user_id=invitation.user_id)
        enqueue_after_commit(deliver_mail, row.id)


def queue_reset(email: str) -> None:
    """A reset was asked for this address: the same row whether or not it has an account
    (the task decides what to send), so the request does the same work either way."""
    row = record_mail("password_reset", email.strip())
    enqueue_after_commit(deliver_mail, row.id)


def queue_attention_notice(therapist: User) -> None:
    """Owe the therapist the discreet "please sign in" notice."""
    row = record_mail("attention", therapist.email, practice_id=therapist.practice_id,
                      user_id=therapist.id)
    enqueue_after_commit(deliver_mail, row.id)


# --- the tasks -------------------------------------------------------------------------


@job(retries=MAX_ATTEMPTS - 1, retry_delay=30, retry_backoff=2)
def deliver_mail(row_id: int) -> None:
    """Send the email a row owes, once, whatever runs this task how many times."""
    with unit_of_work():
        claimed = claim(row_id, now())
    if not claimed:
        return
    try:
        with unit_of_work():
            _send(db.session.get(MailOutbox, row_id))
    except MailError as error:
        with unit_of_work():
            again = note_failure(row_id, str(error))
        if again:
            raise  # Huey retries after its delay


def _send(row: MailOutbox) -> None:
    config = current_app.config
    if row.kind == "invitation":
        invitation = db.session.get(Invitation, row.invitation_id)
        if invitation is None or invitation.accepted_at or invitation.revoked_at:
            return mark_dropped(row)
        if invitation.user_id is None:  # the address has an account: no link, a notice
            send_mail(row.recipient, INVITATION_SUBJECT, "already_registered",
                      sign_in_link=public_link("auth.sign_in"))
        else:
            send_mail(row.recipient, INVITATION_SUBJECT, "invitation",
                      name=invitation.name.split(" ")[0],
                      link=public_link("auth.accept_invitation", token=fresh_link(invitation)),
                      hours=config["INVITATION_HOURS"])
    elif row.kind == "password_reset":
        user = resettable_user(row.recipient)
        if user is None:  # as before: nothing is sent to an address without an account
            return mark_dropped(row, forget_recipient=True)
        row.practice_id, row.user_id = user.practice_id, user.id
        audit.record("password_reset.requested", actor=None, subject=user)
        send_mail(row.recipient, RESET_SUBJECT, "password_reset",
                  link=public_link("auth.reset_password", token=issue_reset(user)),
                  minutes=config["PASSWORD_RESET_MINUTES"])
    elif row.kind == "attention":
        send_mail(row.recipient, ATTENTION_SUBJECT, "attention",
                  sign_in_link=public_link("auth.sign_in"))
    mark_sent(row, now())
    return None


def sweep(at: dt.datetime) -> int:
    """Re-enqueue rows owed but untouched for a while; the number enqueued."""
    with unit_of_work():
        lost = rows_to_sweep(at)
    return sum(enqueue(deliver_mail, row_id) for row_id in lost)


@periodic_job(crontab(minute="*"))
def sweep_outbox() -> None:
    """Every minute (in consumers that schedule periodic tasks)."""
    sweep(now())
