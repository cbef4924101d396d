"""One place ends each unit of work: a request, a command, a task.

Routes and services never commit or roll back. A request's work is one transaction, ended
here (`Rekindle`, the app's Flask class, calls `end_request` and `fail_request`):

- A request whose view (or before-request hook) answers below 400 is committed; one that
  raised, or answered 400 or more (a form shown again with its errors: 422), is rolled
  back, before any error handler draws a page, so a handler starts from a clean session;
  the cookie's session goes back to what the request brought (a sign-in it made, the
  messages it meant to show).
- Work that must follow a commit (sending mail) is registered with `after_commit` and runs
  only once the commit succeeded.
- Audit events that must outlive a rollback (a denied access, a failed sign-in, an ended
  sign-in) are registered with `audit_lasting` and written after the request's own
  transaction ended, in a transaction of their own, whatever became of the request.
- Act once: every form a signed-in person posts carries a one-time token (`once`, drawn by
  the `form_tokens()` template helper). A request carrying one that was already claimed is
  answered with `AlreadySubmitted`, which leads to what the first copy made. A request
  that succeeds with a redirect claims its token in its own transaction, just before the
  commit, with the place it led to; a second copy sent at the same moment meets the first
  at the unique (user, token) claim, or earlier at a unique key of the change itself, waits
  for the first to commit, is rolled back and is led to what the first made. So a form or
  button sent twice makes one change and one audit event.

Commands and tasks use `unit_of_work()`, which commits what succeeded and rolls back what
raised, with the same `after_commit` work.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, flash, g, has_request_context, redirect, request
from flask import session as cookie_session
from flask_login import current_user
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.clock import now
from app.extensions import db
from app.models import FormSubmission
from app.services import Collision, DomainError
from app.services import audit as audit_trail
from app.services.submissions import AlreadySubmitted, earlier_submission, is_token

KEPT_FOR = dt.timedelta(days=2)  # a form is sent again within minutes, not days


class Refused(Exception):
    """A refused change of a button's form: its message is shown at `location`."""

    def __init__(self, message: str, location: str) -> None:
        super().__init__(message)
        self.message, self.location = message, location


@contextlib.contextmanager
def refusals_shown_at(location: str) -> Iterator[None]:
    """A DomainError raised inside ends the request as refused: rolled back, and its
    message shown at `location` (where the button was)."""
    try:
        yield
    except DomainError as error:
        raise Refused(str(error), location) from error


def after_commit(work: Callable[[], object]) -> None:
    """Run `work` once this unit's transaction has committed (never if it rolls back)."""
    g.setdefault("after_commit", []).append(work)


def audit_lasting(action: str, subject: object | None = None, *, actor: Any = None,
                  **details: Any) -> None:
    """An audit event of this request that is kept even when the request is rolled back."""
    if actor is None and current_user.is_authenticated:
        actor = current_user._get_current_object()
    g.setdefault("lasting", []).append(partial(
        audit_trail.record, action, actor=actor, subject=subject,
        address=request.remote_addr, details=details or None,
    ))


# --- a request -------------------------------------------------------------------------


class Rekindle(Flask):
    """Flask, with the end of every request's transaction in one place (this module)."""

    def preprocess_request(self) -> Any:
        g.session_at_start = dict(cookie_session)
        answer = super().preprocess_request()
        return None if answer is None else end_request(self.make_response(answer))

    def dispatch_request(self) -> Any:
        return end_request(self.make_response(super().dispatch_request()))

    def handle_user_exception(self, e: Exception) -> Any:
        fail_request()
        try:
            return super().handle_user_exception(_as_seen_after_rollback(e))
        finally:
            _write_lasting()

    def handle_exception(self, e: Exception) -> Response:
        fail_request()
        try:
            return super().handle_exception(e)
        finally:
            _write_lasting()


def end_request(response: Response) -> Response:
    """Commit a request that answered below 400 (claiming its form's token if it led
    somewhere); roll back one that answered 400 or more."""
    once = g.pop("once", None)
    if response.status_code >= 400:
        db.session.rollback()
        if once is not None:  # refused because its first copy got there first?
            earlier_submission(*once)
    else:
        if once is not None and 300 <= response.status_code < 400 and response.location:
            _claim(*once, location=response.location)
        elif once is not None:  # a page, not a change: unless its first copy made one
            earlier_submission(*once)
        _commit()
    _write_lasting()
    return response


def fail_request() -> None:
    """Roll back a request that raised, and the cookie's session with it: a sign-in it made
    (its token was rolled back too) and the messages it meant to show are dropped."""
    db.session.rollback()
    g.pop("after_commit", None)
    if not has_request_context():
        return
    start = g.get("session_at_start")
    if start is not None and dict(cookie_session) != start:
        cookie_session.clear()
        cookie_session.update(start)


def _as_seen_after_rollback(error: Exception) -> Exception:
    """A copy of a form that collided with its first copy is a repeat of that form."""
    once = g.pop("once", None)
    if once is not None and isinstance(error, DBAPIError | Collision):
        try:
            earlier_submission(*once)
        except AlreadySubmitted as repeat:
            return repeat
    return error


def _note_form_token() -> None:
    """Before a signed-in person's POST: a form whose token was claimed is a repeat."""
    if request.method != "POST" or not current_user.is_authenticated:
        return
    token = request.form.get("once")
    if is_token(token):
        g.once = (current_user.id, token)
        earlier_submission(current_user.id, token)


def _claim(user_id: int, token: str, *, location: str) -> None:
    db.session.add(FormSubmission(user_id=user_id, token=token, location=location[:300],
                                  created_at=now()))
    try:
        db.session.flush()
    except IntegrityError:  # the other copy committed its claim while this one waited
        db.session.rollback()
        earlier_submission(user_id, token)
        raise
    # Keep the table small: a person's claims older than KEPT_FOR are of no more use.
    db.session.execute(sa.delete(FormSubmission).where(
        FormSubmission.user_id == user_id, FormSubmission.created_at < now() - KEPT_FOR))


def _commit() -> None:
    db.session.commit()
    for work in g.pop("after_commit", []):
        work()


def _write_lasting() -> None:
    events = g.pop("lasting", [])
    if not events:
        return
    try:
        for record in events:
            record()
        db.session.commit()
    except Exception:  # the request's answer stands; the failure is logged
        db.session.rollback()
        current_app.logger.exception("could not write %d lasting audit event(s)", len(events))


def _answer_repeat(error: AlreadySubmitted) -> Response:
    flash("Already saved: the form was sent twice, and nothing was added again.", "info")
    return redirect(error.location)


def _answer_refusal(error: Refused) -> Response:
    flash(error.message, "error")
    return redirect(error.location)


def init_app(app: Flask) -> None:
    app.before_request(_note_form_token)
    app.register_error_handler(AlreadySubmitted, _answer_repeat)
    app.register_error_handler(Refused, _answer_refusal)


# --- a command or a task ---------------------------------------------------------------


@contextlib.contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block did, then run its after-commit work; roll back if it raised."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        g.pop("after_commit", None)
        raise
    _commit()
