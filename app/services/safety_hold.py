"""The safety hold: a therapist's state for a couple in which one partner may not be safe.

Starting a hold pauses the couple's joint homework and every assignment whose exercise is
marked unsuitable while a safety concern is open (Exercise.is_unsafe_under_concern), and
records on each pause the hold that made it. While it is open, what partners write is
private to the therapist and neither sees the other's completion (the rules live in
app/services/visibility.py), a pause the hold made cannot be resumed by hand, and such
homework cannot be given (app/services/homework.py). Lifting it (a deliberate act with a
note) resumes exactly the pauses the hold made: what the therapist had paused before stays
paused.

Nothing here names the hold to a partner: the portals show only that some homework is
paused, as they do for any pause.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.clock import now, today_in
from app.extensions import db
from app.models import (
    Assignment,
    AssignmentPause,
    Couple,
    Exercise,
    ExerciseVersion,
    SafetyHold,
    User,
)
from app.services import Collision, DomainError
from app.services.locking import hold as take_row
from app.services.safety_check import has_unhandled_concern

MAX_NOTE = 2_000


class SafetyRefusal(DomainError):
    """Homework that cannot be given while a safety concern (or a hold) is open."""


@dataclass(frozen=True)
class HoldChange:
    """What starting or lifting a hold did: the hold, and how many assignments it paused
    or resumed. `changed` is False when it already was so (pressed twice)."""

    hold: SafetyHold | None
    assignments: int
    changed: bool


def open_hold(couple: Couple) -> SafetyHold | None:
    """The couple's open safety hold, if any."""
    return next((h for h in couple.safety_holds if h.lifted_at is None), None)


def safety_concern_open(couple: Couple) -> bool:
    """Whether a safety concern is open for the couple: an open hold, or an unhandled
    concerning answer of a partner's private safety check."""
    return open_hold(couple) is not None or has_unhandled_concern(couple)


def is_paused_by_hold(assignment: Assignment) -> bool:
    """Whether the assignment's current pause was made by a hold that is still open."""
    if assignment.status != "paused" or not assignment.pauses:
        return False
    current = assignment.pauses[-1]
    return current.hold is not None and current.hold.lifted_at is None


def held_by_hold(assignment: Assignment) -> bool:
    """Whether a safety hold pauses this kind of homework: joint homework, and every
    exercise marked unsuitable while a safety concern is open."""
    return (assignment.mode == "joint"
            or assignment.exercise_version.exercise.is_unsafe_under_concern)


def refusal_to_give(couple: Couple, exercise: Exercise, mode: str) -> str | None:
    """Why this exercise cannot be given to the couple now, or None: an exercise marked
    unsuitable while a safety concern is open, and joint homework during a hold."""
    if exercise.is_unsafe_under_concern and safety_concern_open(couple):
        return (f"“{exercise.current.title}” cannot be given while a safety concern is open "
                "for this couple: done at home, it could put a partner who is not safe at "
                "more risk. Choose another exercise, or give it once the concern is handled.")
    if mode == "joint" and open_hold(couple) is not None:
        return ("Joint homework cannot be given while the couple is on a safety hold. Give "
                "it to one partner, or to both to do on their own.")
    return None


def refusal_to_resume(assignment: Assignment) -> str | None:
    """Why the therapist cannot resume this assignment by hand now, or None."""
    if is_paused_by_hold(assignment):
        return ("This homework was paused by the safety hold. It resumes when you lift the "
                "hold; to stop it for good, end it.")
    return None


def _check_therapist(therapist: User, couple: Couple) -> None:
    if couple.therapist_id != therapist.id or couple.practice_id != therapist.practice_id:
        raise DomainError("Only the couple's therapist can put it on a safety hold or lift it")


def _clean_note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise DomainError("Write a note saying why the hold can be lifted")
    if len(note) > MAX_NOTE:
        raise DomainError(f"The note can be at most {MAX_NOTE:,} characters")
    return note


def _active_assignments(couple: Couple) -> list[Assignment]:
    return list(db.session.scalars(
        sa.select(Assignment)
        .where(Assignment.couple_id == couple.id, Assignment.status == "active")
        .options(selectinload(Assignment.exercise_version).selectinload(
            ExerciseVersion.exercise), selectinload(Assignment.pauses))
        .order_by(Assignment.id)
    ))


def start_hold(therapist: User, couple: Couple, note: str = "") -> HoldChange:
    """Put the couple on a safety hold: pause its joint homework and every assignment of
    an exercise marked unsuitable under a safety concern, from today where the couple
    lives. Already on hold: nothing changes."""
    from app.services.homework import pause  # homework refuses what a hold forbids

    _check_therapist(therapist, couple)
    note = _clean_note(note, required=False)
    take_row(couple)  # two presses at once: the second waits, then finds the hold
    existing = open_hold(couple)
    if existing is not None:
        return HoldChange(existing, 0, False)
    started = SafetyHold(couple_id=couple.id, started_at=now(), started_by_id=therapist.id,
                         note=note)
    db.session.add(started)
    try:
        db.session.flush()
    except IntegrityError:
        raise Collision("The couple was just put on a safety hold from another window.") \
            from None
    today = today_in(couple.timezone)
    paused = 0
    for assignment in _active_assignments(couple):
        if held_by_hold(assignment) and pause(assignment, today):
            assignment.pauses[-1].hold_id = started.id
            paused += 1
    db.session.flush()
    db.session.expire(couple, ["safety_holds"])
    return HoldChange(started, paused, True)


def lift_hold(therapist: User, couple: Couple, note: str) -> HoldChange:
    """Lift the couple's safety hold, with a note: resume exactly the assignments whose
    current pause the hold made (one paused before it, or by hand since, stays paused).
    No hold open: nothing changes."""
    from app.services.homework import reopen

    _check_therapist(therapist, couple)
    note = _clean_note(note, required=True)
    take_row(couple)
    current = open_hold(couple)
    if current is None:
        return HoldChange(None, 0, False)
    current.lifted_at = now()
    current.lifted_by_id = therapist.id
    current.lift_note = note
    db.session.flush()
    today = today_in(couple.timezone)
    resumed = 0
    for assignment in paused_by(current):
        take_row(assignment)  # read again: ended from another window meanwhile, it stays so
        if assignment.status == "paused" and assignment.pauses[-1].hold_id == current.id:
            reopen(assignment, today)
            resumed += 1
    db.session.flush()
    db.session.expire(couple, ["safety_holds"])
    return HoldChange(current, resumed, True)


def would_pause(couple: Couple) -> list[Assignment]:
    """The active assignments a hold started now would pause (shown before starting it)."""
    return [a for a in _active_assignments(couple) if held_by_hold(a)]


def paused_by(hold: SafetyHold) -> list[Assignment]:
    """The assignments this hold paused that are still paused by it (what lifting it
    would resume)."""
    return [a for a in db.session.scalars(
        sa.select(Assignment).join(AssignmentPause)
        .where(AssignmentPause.hold_id == hold.id, Assignment.status == "paused")
        .options(selectinload(Assignment.exercise_version), selectinload(Assignment.pauses))
        .order_by(Assignment.id)
    ).unique() if a.pauses and a.pauses[-1].hold_id == hold.id]


def holds_of(couple: Couple) -> list[SafetyHold]:
    """Every hold of the couple, newest first (the couple page's history)."""
    return list(reversed(couple.safety_holds))
