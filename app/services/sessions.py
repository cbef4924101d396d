"""Therapy sessions: scheduling, recording what happened, numbering, report periods."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.clock import now
from app.extensions import db
from app.models import Couple, SessionRecordVersion, TherapySession, User
from app.models.sessions import ATTENDANCE
from app.services import DomainError
from app.services.locking import hold

MAX_NOTES = 20_000
MAX_SUMMARY = 5_000
MAX_SHORT = 2_000

# What a session record holds; a correction keeps the earlier values of all of these.
RECORD_FIELDS = ("duration_minutes", "attendance", "focus", "homework_reviewed",
                 "clinician_notes", "couple_summary")


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


@dataclass(frozen=True)
class RecordSaved:
    """What saving a session record did: the first recording (version 1), a correction
    (a new version; the earlier one is kept), or nothing (the same record again)."""

    outcome: Literal["recorded", "corrected", "unchanged"]
    version: int
    changed: tuple[str, ...] = ()  # of RECORD_FIELDS, for a correction


def record_session(
    therapist: User, session: TherapySession, *, duration_minutes: int, attendance: str,
    focus: str, homework_reviewed: str, clinician_notes: str, couple_summary: str,
) -> RecordSaved:
    """Record what happened at a session (it becomes held, version 1), or correct its
    record: the state it replaces is kept as an earlier version. A record saved again
    unchanged (the same form sent twice) makes no version."""
    if attendance not in ATTENDANCE:
        raise DomainError("Choose who attended.")
    if not 0 < duration_minutes <= 600:
        raise DomainError("The duration is between 1 and 600 minutes.")
    _check_texts(focus=focus, homework_reviewed=homework_reviewed,
                 clinician_notes=clinician_notes, couple_summary=couple_summary)
    # Take the row first: a second copy of the same form waits for the first, then finds
    # the record it saved unchanged.
    hold(session)
    if session.status == "cancelled":
        raise DomainError("A cancelled session cannot be recorded. Schedule a new one.")
    if session.scheduled_at > now() + dt.timedelta(hours=12):
        raise DomainError("This session has not taken place yet.")
    values = {"duration_minutes": duration_minutes, "attendance": attendance, "focus": focus,
              "homework_reviewed": homework_reviewed, "clinician_notes": clinician_notes,
              "couple_summary": couple_summary}
    if session.status == "held" and session.record_version is not None:
        changed = tuple(name for name in RECORD_FIELDS if getattr(session, name) != values[name])
        if not changed:
            return RecordSaved("unchanged", session.record_version)
        db.session.add(SessionRecordVersion(
            session_id=session.id, version=session.record_version,
            recorded_by_id=session.recorded_by_id, recorded_at=session.recorded_at,
            **{name: getattr(session, name) for name in RECORD_FIELDS},
        ))
        saved = RecordSaved("corrected", session.record_version + 1, changed)
    else:
        saved = RecordSaved("recorded", 1)
    session.status = "held"
    for name, value in values.items():
        setattr(session, name, value)
    session.record_version = saved.version
    session.recorded_by_id = therapist.id
    session.recorded_at = now()
    db.session.flush()
    return saved


@dataclass(frozen=True)
class RecordVersion:
    """One version of a session record as the therapist reads it."""

    version: int
    recorded_at: dt.datetime
    recorded_by: str
    values: dict[str, object]
    changed: frozenset[str]  # the fields this version changed from the one before


@dataclass(frozen=True)
class RecordHistory:
    current: RecordVersion
    earlier: list[RecordVersion]  # newest first

    @property
    def corrections(self) -> int:
        return self.current.version - 1

    @property
    def first_recorded_at(self) -> dt.datetime:
        return self.earlier[-1].recorded_at if self.earlier else self.current.recorded_at


def record_history(session: TherapySession) -> RecordHistory | None:
    """A held session's record: the current version and every earlier one, in two
    queries at most, whatever the number of versions. None before it is recorded. Only
    for the couple's therapist (clinician notes of every version)."""
    if session.status != "held" or session.record_version is None:
        return None
    rows = []
    if session.record_version > 1:
        rows = db.session.execute(
            sa.select(SessionRecordVersion, User.name)
            .join(User, User.id == SessionRecordVersion.recorded_by_id)
            .where(SessionRecordVersion.session_id == session.id)
            .order_by(SessionRecordVersion.version)
        ).all()
    recorder = db.session.get(User, session.recorded_by_id)
    states = [(row.version, row.recorded_at, name,
               {field: getattr(row, field) for field in RECORD_FIELDS}) for row, name in rows]
    states.append((session.record_version, session.recorded_at,
                   recorder.name if recorder else "",
                   {field: getattr(session, field) for field in RECORD_FIELDS}))
    versions, before = [], None
    for version, at, by, values in states:
        changed = frozenset() if before is None else frozenset(
            field for field in RECORD_FIELDS if values[field] != before[field])
        versions.append(RecordVersion(version, at, by, values, changed))
        before = values
    return RecordHistory(current=versions[-1], earlier=versions[-2::-1])


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
    return attendance_text(session.attendance, couple)


def attendance_text(attendance: str | None, couple: Couple) -> str:
    """Who attended, in words: "Both partners", "Sam only"."""
    if attendance == "both":
        return "Both partners"
    if attendance in ("partner_1", "partner_2"):
        position = int(attendance[-1])
        partner = next((p for p in couple.partners if p.position == position), None)
        return f"{partner.user.name} only" if partner else "One partner"
    return "—"
