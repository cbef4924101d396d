"""Homework: assigning exercises to couples, logging entries, and who may read them.

An entry is logged for a due occurrence, or apart from the schedule: extra practice on
another day the exercise runs (before its first due day too), and every use of an "as it
comes up" exercise, up to its most a week (occurrences.kind_of_day decides the day).

The therapist sees everything. What the other partner sees of an entry (its completion,
its words) is app/services/visibility.py's to say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.clock import now, today_in
from app.extensions import db
from app.models import (
    Assignment,
    AssignmentPause,
    Couple,
    Entry,
    EntryRevision,
    Exercise,
    Step,
    User,
)
from app.models.homework import ASSIGNMENT_MODES, COMPLETIONS, VISIBILITIES
from app.services import Collision, DomainError
from app.services.locking import hold
from app.services.occurrences import dated_in, day_in, kind_of_day, logged_late, week_is_full
from app.services.policies import say
from app.services.safety_hold import SafetyRefusal, refusal_to_give, refusal_to_resume
from app.services.schedule import Plan, can_log, mask_days, per_week, weekday_mask
from app.services.visibility import is_given_to_both, is_private_for_now

MAX_TEXT = 10_000
EDIT_WINDOW = dt.timedelta(hours=24)
# Evenly spread default days for "N times a week" (Monday = 0).
DEFAULT_DAYS = {1: [0], 2: [0, 3], 3: [0, 2, 4], 4: [0, 1, 3, 5], 5: [0, 1, 2, 3, 4],
                6: [0, 1, 2, 3, 4, 5], 7: list(range(7))}
DEFAULT_MOST = 3  # "as it comes up, up to 3 times a week", when no most is given


class WeekIsFull(DomainError):
    """An "as it comes up" exercise already has its most uses this week."""


# --- schedules -------------------------------------------------------------------------


def plan_of(assignment: Assignment) -> Plan:
    """The plain schedule of an assignment."""
    ends = [d for d in (assignment.end_date, assignment.ended_on) if d is not None]
    return Plan(
        cadence=assignment.cadence,
        start=assignment.start_date,
        end=min(ends) if ends else None,
        max_occurrences=assignment.max_occurrences,
        weekdays=assignment.weekdays,
        pauses=[(p.paused_on, p.resumed_on) for p in assignment.pauses],
    )


def partner_users(couple: Couple) -> list[User]:
    return [partner.user for partner in couple.partners]


def assignees(assignment: Assignment, couple: Couple) -> list[User]:
    """Who logs this assignment: one partner, or both."""
    users = partner_users(couple)
    if assignment.mode == "one":
        return [u for u in users if u.id == assignment.partner_id]
    return users


def today_for(assignment: Assignment, user: User, couple: Couple) -> dt.date:
    """Joint exercises follow the couple's calendar; individual ones the partner's own."""
    return today_in(dated_in(assignment.mode, couple.timezone, user.timezone))


def given_on(assignment: Assignment, timezone: str) -> dt.date:
    """The first day the exercise can be practised, where it is dated: the day it was
    given, or its start if that is earlier. A schedule's replacement continues the
    assignment it replaces, whose days run until the day before its start."""
    if assignment.replaces_id is not None or assignment.created_at is None:
        return assignment.start_date
    return min(assignment.start_date, day_in(assignment.created_at, timezone))


def day_kind(assignment: Assignment, user: User, couple: Couple, day: dt.date) -> str | None:
    """What an entry of this partner's on `day` would be: "due", "extra" (extra practice,
    or a use of an "as it comes up" exercise) or None (nothing can be logged that day)."""
    zone = dated_in(assignment.mode, couple.timezone, user.timezone)
    return kind_of_day(plan_of(assignment), day, given_on(assignment, zone))


def loggable(assignment: Assignment, user: User, couple: Couple, day: dt.date) -> str | None:
    """day_kind, for a new entry: None as well for a day ahead or more than a week ago."""
    if not can_log(day, today_for(assignment, user, couple)):
        return None
    return day_kind(assignment, user, couple, day)


def uses_logged(assignment: Assignment, author: User, day: dt.date) -> list[dt.date]:
    """The days of the week holding `day` on which the author used an "as it comes up"
    exercise (entries done or partly)."""
    monday = day - dt.timedelta(days=day.weekday())
    return list(db.session.scalars(
        sa.select(Entry.occurrence_date).where(
            Entry.assignment_id == assignment.id, Entry.author_id == author.id,
            Entry.occurrence_date.between(monday, monday + dt.timedelta(days=6)),
            Entry.completion != "not_done",
        )
    ))


def week_full_for(assignment: Assignment, author: User, day: dt.date) -> bool:
    """Whether an "as it comes up" exercise already has its most uses in the week holding
    `day` (that day's own entry left out)."""
    return (assignment.cadence == "as_it_comes_up"
            and week_is_full(uses_logged(assignment, author, day), day,
                             assignment.times_per_week or 0))


# --- assigning -------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """What the therapist chooses when assigning."""

    start: dt.date
    # once, daily, weekly, times_per_week, as_it_comes_up, or "suggested" (a whole step)
    cadence: str
    times_per_week: int | None = None  # N times a week; or as it comes up, up to N
    weekdays: Sequence[int] = ()
    end: dt.date | None = None
    max_occurrences: int | None = None


def _check_therapist(therapist: User, couple: Couple) -> None:
    if couple.therapist_id != therapist.id or couple.practice_id != therapist.practice_id:
        raise DomainError("Only the couple's therapist can assign homework")


def _resolve_schedule(schedule: Schedule, suggested_cadence: str, suggested_times: int | None):
    cadence, times = schedule.cadence, schedule.times_per_week
    if cadence == "suggested":
        cadence, times = suggested_cadence, suggested_times
    if cadence not in ("once", "daily", "weekly", "times_per_week", "as_it_comes_up"):
        raise DomainError("Choose how often: once, daily, weekly, a number of times a week, "
                          "or as it comes up")
    weekdays = None
    if cadence == "as_it_comes_up":
        times = times or DEFAULT_MOST
        if not 1 <= times <= 7:
            raise DomainError("“As it comes up” is up to 1 to 7 times a week")
        if schedule.max_occurrences is not None:
            raise DomainError("“As it comes up” has no number of times to count down: "
                              "choose until a date, or until you end it")
    elif cadence == "times_per_week":
        days = list(schedule.weekdays) or DEFAULT_DAYS.get(times or 0, [])
        if not times:
            times = len(days)
        if not 1 <= times <= 7 or len(days) != times:
            raise DomainError(f"Choose {times} days of the week for “{times} times a week”")
        weekdays = weekday_mask(days)
    else:
        times = None
    if schedule.end is not None and schedule.max_occurrences is not None:
        raise DomainError("Give an end date or a number of times, not both")
    if schedule.end is not None and schedule.end < schedule.start:
        raise DomainError("The end date comes before the start date")
    if schedule.max_occurrences is not None and schedule.max_occurrences < 1:
        raise DomainError("The number of times must be at least 1")
    return cadence, times, weekdays


def assign_exercise(
    therapist: User,
    couple: Couple,
    exercise: Exercise,
    *,
    mode: str,
    schedule: Schedule,
    partner: User | None = None,
    note: str = "",
    step: Step | None = None,
) -> Assignment:
    """Give the exercise's current version to the couple."""
    _check_therapist(therapist, couple)
    if exercise.owner_id is not None and exercise.owner_id != therapist.id:
        raise DomainError("That exercise is not in your library")
    if mode not in ASSIGNMENT_MODES:
        raise DomainError("Choose both partners, one partner, or a joint exercise")
    if mode == "one":
        if partner is None or partner.id not in {u.id for u in partner_users(couple)}:
            raise DomainError("Choose which partner this is for")
    else:
        partner = None
    if len(note) > MAX_TEXT:
        raise DomainError(f"The note can be at most {MAX_TEXT:,} characters")
    if (refusal := refusal_to_give(couple, exercise, mode)) is not None:
        raise SafetyRefusal(refusal)
    version = exercise.current
    cadence, times, weekdays = _resolve_schedule(schedule, version.cadence, version.times_per_week)
    assignment = Assignment(
        couple_id=couple.id,
        exercise_version_id=version.id,
        assigned_by_id=therapist.id,
        step_id=step.id if step else None,
        mode=mode,
        partner_id=partner.id if partner else None,
        cadence=cadence,
        times_per_week=times,
        weekdays=weekdays,
        start_date=schedule.start,
        end_date=schedule.end,
        max_occurrences=schedule.max_occurrences,
        note=note.strip(),
        pauses=[],
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment


def step_exercises(step: Step, chosen: Collection[int] | None = None) -> list[Exercise]:
    """The step's exercises that can be given (not archived), in order; only those whose
    ids are `chosen`, when given."""
    return [e for e in step.exercises
            if not e.is_archived and (chosen is None or e.id in chosen)]


def assign_step(
    therapist: User, couple: Couple, step: Step, *, mode: str, schedule: Schedule,
    partner: User | None = None, note: str = "", chosen: Collection[int] | None = None,
) -> list[Assignment]:
    """Give the step's exercises together (each with the chosen or its own cadence): all
    of them, or those whose ids are `chosen`."""
    exercises = step_exercises(step, chosen)
    if not exercises:
        raise DomainError("Choose at least one exercise of the step")
    return [
        assign_exercise(therapist, couple, exercise, mode=mode, schedule=schedule,
                        partner=partner, note=note, step=step)
        for exercise in exercises
    ]


@dataclass(frozen=True)
class PreviewLine:
    """One exercise of a step as it would be given: its rhythm and each partner's load."""

    exercise_id: int
    title: str
    cadence: str
    times_per_week: int | None
    minutes: int | None
    per_week: int  # occurrences in a full week (0 for once and as it comes up)
    partners: tuple[bool, ...]  # by the couple's partners: whether they get it


@dataclass(frozen=True)
class PartnerLoad:
    """What one partner would get in a full week from the exercises chosen."""

    name: str
    per_week: int  # due occurrences a week
    once: int  # exercises done once
    up_to: int  # at most this many uses a week of "as it comes up" exercises
    minutes: int  # about this many minutes a week (exercises with a duration)
    exercises: int

    def describe(self) -> str:
        """'9 a week (about 1 h 40 min), 1 once, up to 2 as it comes up'."""
        parts = [f"{self.per_week} a week" + (f" (about {_duration(self.minutes)})"
                                              if self.minutes else "")]
        if self.once:
            parts.append(f"{self.once} once")
        if self.up_to:
            parts.append(f"up to {self.up_to} as it comes up")
        return ", ".join(parts) if self.exercises else "nothing"


@dataclass(frozen=True)
class StepPreview:
    lines: list[PreviewLine]
    partners: list[PartnerLoad]
    error: str | None = None  # the schedule cannot be given as chosen


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def preview_step(couple: Couple, step: Step, *, mode: str, schedule: Schedule,
                 partner: User | None = None, chosen: Collection[int] | None = None
                 ) -> StepPreview:
    """Before a step is given: each chosen exercise's rhythm (as assign_step would give
    it) and how many occurrences a full week each partner would get. Writes nothing."""
    users = partner_users(couple)
    lines, error = [], None
    for exercise in step_exercises(step, chosen):
        version = exercise.current
        try:
            cadence, times, _weekdays = _resolve_schedule(schedule, version.cadence,
                                                          version.times_per_week)
        except DomainError as refused:
            error = error or str(refused)
            cadence, times = version.cadence, version.times_per_week
        gets = tuple(mode != "one" or (partner is not None and user.id == partner.id)
                     for user in users)
        lines.append(PreviewLine(exercise.id, version.title, cadence, times, version.minutes,
                                 per_week(cadence, times), gets))
    loads = []
    for index, user in enumerate(users):
        mine = [line for line in lines if line.partners[index]]
        loads.append(PartnerLoad(
            name=user.name,
            per_week=sum(line.per_week for line in mine),
            once=sum(1 for line in mine if line.cadence == "once"),
            up_to=sum(line.times_per_week or 0 for line in mine
                      if line.cadence == "as_it_comes_up"),
            minutes=sum(line.per_week * (line.minutes or 0) for line in mine),
            exercises=len(mine),
        ))
    return StepPreview(lines, loads, error)


def pause(assignment: Assignment, on: dt.date) -> bool:
    """Pause from `on`; False if it was already paused (the same click twice)."""
    hold(assignment)
    if assignment.status == "paused":
        return False
    if assignment.status != "active":
        raise DomainError("Only an active assignment can be paused")
    assignment.status = "paused"
    assignment.pauses.append(AssignmentPause(paused_on=on))
    return True


def resume(assignment: Assignment, on: dt.date) -> bool:
    """Resume on `on`; False if it was already active (the same click twice). A pause
    made by a safety hold still open is not resumed by hand: lifting the hold resumes it."""
    hold(assignment)
    if assignment.status == "active":
        return False
    if (refusal := refusal_to_resume(assignment)) is not None:
        raise DomainError(refusal)
    return reopen(assignment, on)


def reopen(assignment: Assignment, on: dt.date) -> bool:
    """End the current pause on `on` (resume, ending or lifting a safety hold)."""
    if assignment.status != "paused":
        raise DomainError("Only a paused assignment can be resumed")
    assignment.status = "active"
    current = assignment.pauses[-1]
    current.resumed_on = max(on, current.paused_on)
    return True


def end(assignment: Assignment, on: dt.date) -> bool:
    """Nothing is due after `on`; what was logged stays. False if it had already ended."""
    hold(assignment)
    if assignment.status == "ended":
        return False
    if assignment.status == "paused":
        reopen(assignment, on)
    assignment.status = "ended"
    # The day it was ended, even before its start: nothing is due after it, and nothing
    # can be practised after it either (a practice before the first due day included).
    assignment.ended_on = on
    return True


def edit_schedule(
    therapist: User, couple: Couple, assignment: Assignment, *, schedule: Schedule, note: str,
) -> Assignment:
    """A new schedule from `schedule.start` on: the old assignment ends the day before and a
    new one replaces it, so earlier occurrences and their entries stay as they were."""
    _check_therapist(therapist, couple)
    if (refusal := refusal_to_resume(assignment)) is not None:
        raise DomainError(refusal)  # a new schedule would start it again
    if schedule.start <= assignment.start_date:
        # Nothing was due under the old plan before the new start: change it in place.
        cadence, times, weekdays = _resolve_schedule(schedule, assignment.cadence,
                                                     assignment.times_per_week)
        assignment.cadence, assignment.times_per_week = cadence, times
        assignment.weekdays, assignment.start_date = weekdays, schedule.start
        assignment.end_date, assignment.max_occurrences = schedule.end, schedule.max_occurrences
        assignment.note = note.strip()
        db.session.flush()
        return assignment
    end(assignment, schedule.start - dt.timedelta(days=1))
    replacement = Assignment(
        couple_id=assignment.couple_id,
        exercise_version_id=assignment.exercise_version_id,
        assigned_by_id=therapist.id,
        step_id=assignment.step_id,
        mode=assignment.mode,
        partner_id=assignment.partner_id,
        start_date=schedule.start,
        end_date=schedule.end,
        max_occurrences=schedule.max_occurrences,
        note=note.strip(),
        replaces_id=assignment.id,
        pauses=[],
        cadence="daily",
    )
    replacement.cadence, replacement.times_per_week, replacement.weekdays = _resolve_schedule(
        schedule, assignment.cadence, assignment.times_per_week
    )
    db.session.add(replacement)
    db.session.flush()
    return replacement


# --- entries ---------------------------------------------------------------------------


def visibility_for_new_entry(couple: Couple, chosen: str | None) -> str:
    """Open: always shared with the partner. Limited: private unless the author shares.
    On a safety hold: private, whatever the policy."""
    if is_private_for_now(couple):
        return "therapist"
    if couple.confidentiality_policy == "open":
        return "partner"
    return chosen if chosen in VISIBILITIES else "therapist"


def _clean_answers(assignment: Assignment, answers: Sequence[str]) -> list[str]:
    prompts = assignment.exercise_version.prompts
    cleaned = [(answer or "").strip() for answer in answers][: len(prompts)]
    cleaned += [""] * (len(prompts) - len(cleaned))
    for answer in cleaned:
        if len(answer) > MAX_TEXT:
            raise DomainError(f"An answer can be at most {MAX_TEXT:,} characters")
    return cleaned


def _clean_ratings(assignment: Assignment, ratings: Sequence[int | None]) -> list[int | None]:
    questions = assignment.exercise_version.rating_questions
    cleaned: list[int | None] = []
    for index, question in enumerate(questions):
        value = ratings[index] if index < len(ratings) else None
        if value is not None and not question["min"] <= value <= question["max"]:
            raise DomainError(
                f"{question['question']} takes a number from {question['min']} to "
                f"{question['max']}"
            )
        cleaned.append(value)
    return cleaned


def can_edit(entry: Entry) -> bool:
    """An author may change an entry for 24 hours after first logging it."""
    return now() - entry.created_at < EDIT_WINDOW


def _entry_of(assignment: Assignment, author: User, occurrence: dt.date) -> Entry | None:
    return db.session.scalar(
        sa.select(Entry).where(
            Entry.assignment_id == assignment.id,
            Entry.author_id == author.id,
            Entry.occurrence_date == occurrence,
        )
    )


def log_entry(
    author: User,
    couple: Couple,
    assignment: Assignment,
    occurrence: dt.date,
    *,
    completion: str,
    answers: Sequence[str] = (),
    ratings: Sequence[int | None] = (),
    visibility: str | None = None,
) -> Entry:
    """Record (or, within 24 hours, revise) the author's entry for one occurrence."""
    if author.id not in {u.id for u in assignees(assignment, couple)}:
        raise DomainError("This exercise is not yours to log")
    if completion not in COMPLETIONS:
        raise DomainError("Say whether you did it: done, partly or not done")
    today = today_for(assignment, author, couple)
    kind = day_kind(assignment, author, couple, occurrence)
    if kind is None:
        raise DomainError("Nothing can be logged for this exercise on that day")
    existing = _entry_of(assignment, author, occurrence)
    if existing is None and occurrence > today:
        raise DomainError("That day has not come yet: log a practice on the day you do it")
    if existing is None and not can_log(occurrence, today):
        raise DomainError("This day is more than a week ago and can no longer be logged")
    _check_practice(assignment, author, occurrence, kind, completion)
    content: dict[str, Any] = {
        "completion": completion,
        "answers": _clean_answers(assignment, answers),
        "ratings": _clean_ratings(assignment, ratings),
    }
    if existing is None:
        entry = Entry(
            assignment_id=assignment.id,
            author_id=author.id,
            occurrence_date=occurrence,
            visibility=visibility_for_new_entry(couple, visibility),
            is_late=logged_late(occurrence, today),
            **content,
        )
        db.session.add(entry)
        try:
            db.session.flush()
        except IntegrityError:
            raise Collision("This day was just logged from another window. Here is what "
                            "was saved.") from None
        return entry
    if not can_edit(existing):
        raise DomainError("Entries can be changed for 24 hours after logging them")
    if visibility is not None:
        _check_visibility(author, couple, existing, visibility)
    db.session.add(
        EntryRevision(
            entry_id=existing.id,
            revision=existing.revision,
            completion=existing.completion,
            visibility=existing.visibility,
            answers=existing.answers,
            ratings=existing.ratings,
        )
    )
    for key, value in content.items():
        setattr(existing, key, value)
    if visibility is not None:
        existing.visibility = visibility
    if is_private_for_now(couple):
        # On a safety hold what is written is read by the therapist only: an edit of an
        # entry shared before the hold makes it private (its earlier state is kept).
        existing.visibility = "therapist"
    existing.revision += 1
    db.session.flush()
    return existing


def _check_practice(assignment: Assignment, author: User, day: dt.date, kind: str,
                    completion: str) -> None:
    """A practice logged apart from the schedule is one that was done (or partly); an "as
    it comes up" exercise takes up to its most a week."""
    if kind == "extra" and completion == "not_done":
        if assignment.cadence == "as_it_comes_up":
            raise DomainError("Log it on a day you did it: done or partly")
        raise DomainError("Nothing was due that day: log a practice as done or partly")
    if assignment.cadence == "as_it_comes_up":
        # Two uses sent at the same moment (two windows, two days of one week) are counted
        # one after the other: the second waits here until the first is committed.
        hold(assignment)
    if week_full_for(assignment, author, day):
        most = assignment.times_per_week
        raise WeekIsFull(
            f"You have logged this {'once' if most == 1 else f'{most} times'} this week, as "
            "many times as your therapist suggested. What you wrote is kept here as a draft "
            "that only you can see.")


def set_visibility(author: User, couple: Couple, entry: Entry, visibility: str) -> None:
    """Only the author shares or un-shares; under the open policy entries stay shared."""
    _check_visibility(author, couple, entry, visibility)
    entry.visibility = visibility


def _check_visibility(author: User, couple: Couple, entry: Entry, visibility: str) -> None:
    if entry.author_id != author.id:
        raise DomainError("Only the person who wrote an entry can change who sees it")
    if visibility not in VISIBILITIES:
        raise DomainError("Choose who sees it")
    if visibility == "therapist" and couple.confidentiality_policy == "open":
        raise DomainError("Under your couple's open policy, entries are shared with your partner")
    if (visibility == "partner" and entry.visibility != "partner"
            and not is_given_to_both(entry.assignment)):
        raise DomainError("This exercise is yours alone: your partner does not see it, so "
                          "there is nothing to share")
    if visibility == "partner" and entry.visibility != "partner" and is_private_for_now(couple):
        raise DomainError(say("share.not_now"))


def weekdays_of(assignment: Assignment) -> list[int]:
    return mask_days(assignment.weekdays or 0)


def backfill_entry(
    author: User,
    couple: Couple,
    assignment: Assignment,
    occurrence: dt.date,
    *,
    logged_at: dt.datetime,
    completion: str,
    answers: Sequence[str] = (),
    ratings: Sequence[int | None] = (),
    visibility: str | None = None,
) -> Entry:
    """An entry as it was logged at `logged_at` (demo history, imports): the same checks as
    log_entry except the one-week window, which is about "now"."""
    if author.id not in {u.id for u in assignees(assignment, couple)}:
        raise DomainError("This exercise is not yours to log")
    if completion not in COMPLETIONS:
        raise DomainError("Say whether you did it: done, partly or not done")
    kind = day_kind(assignment, author, couple, occurrence)
    if kind is None:
        raise DomainError("Nothing can be logged for this exercise on that day")
    _check_practice(assignment, author, occurrence, kind, completion)
    entry = Entry(
        assignment_id=assignment.id,
        author_id=author.id,
        occurrence_date=occurrence,
        completion=completion,
        answers=_clean_answers(assignment, answers),
        ratings=_clean_ratings(assignment, ratings),
        visibility=visibility_for_new_entry(couple, visibility),
        is_late=logged_late(occurrence, day_in(logged_at, dated_in(
            assignment.mode, couple.timezone, author.timezone))),
        created_at=logged_at,
        updated_at=logged_at,
    )
    db.session.add(entry)
    return entry
