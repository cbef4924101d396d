"""Therapy sessions: scheduling, recording what happened, numbering, report periods."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.clock import now
from app.extensions import db
from app.models import Couple, TherapySession, User
from app.models.sessions import ATTENDANCE
from app.services import DomainError
from app.services.locking import hold

MAX_NOTES = 20_000
MAX_SUMMARY = 5_000
MAX_SHORT = 2_000


@dataclass(frozen=True)
class NumberedSession:
    session: TherapySession
    number: int | None  # cancelled sessions are listed but not numbered


def sessions_of(couple: Couple) -> list[NumberedSession]:
    """The couple's sessions in date order; held and scheduled ones numbered from 1."""
    found = db.session.scalars(
        sa.select(TherapySession)
        .where(TherapySession.couple_id == couple.id)
        .order_by(TherapySession.scheduled_at, TherapySession.id)
    )
    numbered, count = [], 0
    for session in found:
        if session.status == "cancelled":
            numbered.append(NumberedSession(session, None))
        else:
            count += 1
            numbered.append(NumberedSession(session, count))
    return numbered


def number_of(session: TherapySession, numbered: list[NumberedSession]) -> int | None:
    return next((n.number for n in numbered if n.session.id == session.id), None)


def local_date(moment: dt.datetime, timezone: str) -> dt.date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def default_period(couple: Couple, session: TherapySession,
                   numbered: list[NumberedSession]) -> tuple[dt.date, dt.date]:
    """From the previous session's day (or the couple's start) to this session's day, in the
    couple's timezone."""
    end = local_date(session.scheduled_at, couple.timezone)
    earlier = [n.session for n in numbered
               if n.number is not None and n.session.scheduled_at < session.scheduled_at]
    start = (local_date(earlier[-1].scheduled_at, couple.timezone) if earlier
             else local_date(couple.created_at, couple.timezone))
    return min(start, end), end


def _check_texts(**texts: str) -> None:
    limits = {"clinician_notes": MAX_NOTES, "couple_summary": MAX_SUMMARY}
    for name, value in texts.items():
        if len(value) > limits.get(name, MAX_SHORT):
            raise DomainError(f"The {name.replace('_', ' ')} is too long.")


def schedule_session(therapist: User, couple: Couple, when: dt.datetime, *,
                     request_measure: bool) -> TherapySession:
    """A new scheduled session; `when` is an aware datetime."""
    if when.tzinfo is None:
        raise DomainError("A session needs a time zone.")
    session = TherapySession(
        couple_id=couple.id, therapist_id=therapist.id, scheduled_at=when.astimezone(dt.UTC),
        status="scheduled", is_measure_requested=request_measure,
    )
    db.session.add(session)
    db.session.flush()
    return session


def reschedule(session: TherapySession, when: dt.datetime, *, request_measure: bool) -> None:
    if session.status != "scheduled":
        raise DomainError("Only a session that has not taken place can be moved.")
    session.scheduled_at = when.astimezone(dt.UTC)
    session.is_measure_requested = request_measure


def record_session(
    session: TherapySession, *, duration_minutes: int, attendance: str, focus: str,
    homework_reviewed: str, clinician_notes: str, couple_summary: str,
) -> None:
    """Record (or correct) what happened at a session; it becomes held."""
    if session.status == "cancelled":
        raise DomainError("A cancelled session cannot be recorded. Schedule a new one.")
    if session.scheduled_at > now() + dt.timedelta(hours=12):
        raise DomainError("This session has not taken place yet.")
    if attendance not in ATTENDANCE:
        raise DomainError("Choose who attended.")
    if not 0 < duration_minutes <= 600:
        raise DomainError("The duration is between 1 and 600 minutes.")
    _check_texts(focus=focus, homework_reviewed=homework_reviewed,
                 clinician_notes=clinician_notes, couple_summary=couple_summary)
    session.status = "held"
    session.duration_minutes = duration_minutes
    session.attendance = attendance
    session.focus = focus
    session.homework_reviewed = homework_reviewed
    session.clinician_notes = clinician_notes
    session.couple_summary = couple_summary


def cancel_session(session: TherapySession) -> bool:
    """Cancel a scheduled session; False if it was already cancelled (the same click
    twice). The row is taken first, so two clicks at the same moment cancel once."""
    hold(session)
    if session.status == "cancelled":
        return False
    if session.status != "scheduled":
        raise DomainError("Only a session that has not taken place can be cancelled.")
    session.status = "cancelled"
    return True


def attendance_label(session: TherapySession, couple: Couple) -> str:
    if session.attendance == "both":
        return "Both partners"
    if session.attendance in ("partner_1", "partner_2"):
        position = int(session.attendance[-1])
        partner = next((p for p in couple.partners if p.position == position), None)
        return f"{partner.user.name} only" if partner else "One partner"
    return "—"
