"""What a partner sees in their portal: this week's homework, as plain data.

Every exercise given to the partner that runs in the week is there, from the day it was
given (so it can be read, and practised, before its first due day) to its last day: its
due days, the days practised apart from them (extra practice, or the uses of an "as it
comes up" exercise), and whether a practice can be logged today.

What the portal shows of the other partner follows app/services/visibility.py: their
completion where the couple shares it, and whether they shared words for a day (read on
that day's page, shared_entry_of_partner); what they wrote is never put in the week.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.clock import now
from app.extensions import db
from app.models import Assignment, Couple, Entry, User
from app.services.homework import given_on, plan_of
from app.services.occurrences import Occurrences, Tally, dated_in, day_in, kind_of_day
from app.services.policies import readers_short
from app.services.schedule import LATE_DAYS, can_log, week_of
from app.services.visibility import (
    completion_seen_by_partner,
    has_words,
    is_given_to,
    is_given_to_both,
    words_seen_by_partner,
)

# Shown in both partners' portals whenever any of their homework is paused, for any
# reason: a safety hold's pauses look exactly like the therapist's own, and nothing in a
# portal names the hold.
PAUSED_LINE = "Some homework is paused by your therapist."


def has_paused_homework(user: User, couple: Couple) -> bool:
    """Whether any homework given to this partner is paused (by the therapist's hand or
    by a safety hold: the portal does not tell them apart)."""
    return any(is_given_to(a, user.id) for a in db.session.scalars(
        sa.select(Assignment).where(Assignment.couple_id == couple.id,
                                    Assignment.status == "paused")))


@dataclass(frozen=True)
class Day:
    date: dt.date
    is_today: bool
    can_log: bool
    is_past: bool  # its day has ended
    mine: str | None  # my completion, if logged
    mine_readers: str | None  # who reads the words of my entry (policies.readers_short)
    partner: str | None  # the other partner's completion, if logged and I may see it
    partner_shared: bool  # the other partner shared words for this day that I may read
    is_extra: bool = False  # not a due day: extra practice, or a use as it came up


@dataclass(frozen=True)
class WeekItem:
    assignment: Assignment
    days: list[Day]  # the week's occurrences, due or still to come, and days practised
    week: Tally  # the week's due occurrences, as of now; extra practice and uses apart
    streak: int  # done or partly in a row, up to the end of the week shown (or now)
    today: dt.date  # the partner's today, where this exercise is dated
    first_due: dt.date | None = None  # its first due day, while it is still to come
    practise_today: bool = False  # a practice apart from the due days can be logged today
    week_full: bool = False  # as it comes up: today's week has its most uses

    @property
    def as_it_comes_up(self) -> bool:
        return self.assignment.cadence == "as_it_comes_up"

    @property
    def is_paused(self) -> bool:
        return self.assignment.status == "paused"


def runs_in(assignment: Assignment, timezone: str, first: dt.date, last: dt.date) -> bool:
    """Whether the exercise runs on a day from `first` to `last` (or is paused in it):
    given by then, and not over before."""
    begins = given_on(assignment, timezone)
    ends = plan_of(assignment).last_day()
    return begins <= last and (ends is None or ends >= first)


def week_for_partner(user: User, couple: Couple, week_start: dt.date | None = None
                     ) -> tuple[dt.date, list[WeekItem]]:
    """(monday, items) for the week holding `week_start` (default: the partner's today)."""
    moment = now()
    monday, sunday = week_of(week_start or day_in(moment, user.timezone))
    assignments = [
        a for a in db.session.scalars(
            sa.select(Assignment)
            .where(Assignment.couple_id == couple.id)
            .options(selectinload(Assignment.exercise_version), selectinload(Assignment.pauses))
            .order_by(Assignment.start_date, Assignment.id)
        )
        if is_given_to(a, user.id)
    ]
    entries = db.session.execute(
        sa.select(Entry.assignment_id, Entry.author_id, Entry.occurrence_date, Entry.completion,
                  Entry.visibility, Entry.created_at)
        .where(Entry.assignment_id.in_([a.id for a in assignments]))
    ).all() if assignments else []
    other = next((p.user_id for p in couple.partners if p.user_id != user.id), None)
    by_id = {a.id: a for a in assignments}
    logged: dict[tuple[int, int], dict[dt.date, str]] = {}
    my_visibility: dict[tuple[int, dt.date], str] = {}
    for row in entries:
        if row.author_id == user.id:
            my_visibility[(row.assignment_id, row.occurrence_date)] = row.visibility
        if row.author_id == user.id or completion_seen_by_partner(
                couple, by_id[row.assignment_id], row):
            logged.setdefault((row.assignment_id, row.author_id), {})[row.occurrence_date] = (
                row.completion)
    shared = _shared_by(other, [a for a in assignments if is_given_to_both(a)], monday, sunday)
    items = []
    for assignment in assignments:
        zone = dated_in(assignment.mode, couple.timezone, user.timezone)
        today = day_in(moment, zone)
        mine = logged.get((assignment.id, user.id), {})
        theirs = logged.get((assignment.id, other), {})
        plan = plan_of(assignment)
        occurrences = Occurrences.of(plan, mine, today, until=sunday)
        scheduled = [day for day in occurrences.dates if monday <= day <= sunday]
        apart = [day for day in occurrences.extra_days() if monday <= day <= sunday]
        if not (scheduled or apart or runs_in(assignment, zone, monday, sunday)):
            continue
        days = [
            Day(
                date=day,
                is_today=day == today,
                can_log=can_log(day, today),
                is_past=day < today,
                mine=mine.get(day),
                mine_readers=readers_short(assignment, my_visibility[(assignment.id, day)])
                if day in mine else None,
                partner=theirs.get(day),
                is_extra=day in apart,
                partner_shared=(assignment.id, day) in shared,
            )
            for day in sorted({*scheduled, *apart})
        ]
        first_due = None
        if not occurrences.due:  # nothing due yet: when will the first day be?
            ahead = max(today, assignment.start_date) + dt.timedelta(days=14)
            first_due = next((day for day in plan.dates(ahead) if day > today), None)
        this_week = monday <= today <= sunday
        practise_today = (this_week and today not in mine
                          and kind_of_day(plan, today, given_on(assignment, zone)) == "extra")
        week_full = (assignment.cadence == "as_it_comes_up" and this_week
                     and occurrences.tally(*week_of(today)).used
                     >= (assignment.times_per_week or 0))
        items.append(WeekItem(
            assignment=assignment,
            days=days,
            week=occurrences.tally(monday, sunday),
            streak=occurrences.streak(sunday),
            today=today,
            first_due=first_due,
            practise_today=practise_today,
            week_full=week_full,
        ))
    return monday, items


def practice_days(user: User, couple: Couple, assignment: Assignment
                  ) -> tuple[dt.date, list[tuple[dt.date, str, str | None]]]:
    """(today, days): the days a practice of this exercise can be logged or looked at,
    today first and back as late as a day can be logged: (day, "due" or "extra", my
    completion if logged)."""
    zone = dated_in(assignment.mode, couple.timezone, user.timezone)
    today = day_in(now(), zone)
    plan, first = plan_of(assignment), given_on(assignment, zone)
    oldest = today - dt.timedelta(days=LATE_DAYS)
    mine = dict(db.session.execute(
        sa.select(Entry.occurrence_date, Entry.completion).where(
            Entry.assignment_id == assignment.id, Entry.author_id == user.id,
            Entry.occurrence_date.between(oldest, today))
    ).all())
    found = []
    for back in range(LATE_DAYS + 1):
        day = today - dt.timedelta(days=back)
        kind = kind_of_day(plan, day, first)
        if kind is not None or day in mine:
            found.append((day, kind or "extra", mine.get(day)))
    return today, found


def _shared_by(author_id: int | None, assignments: list[Assignment], monday: dt.date,
               sunday: dt.date) -> set[tuple[int, dt.date]]:
    """(assignment, day) of the week where this partner shared words the other may read."""
    if author_id is None or not assignments:
        return set()
    rows = db.session.execute(
        sa.select(Entry.assignment_id, Entry.occurrence_date, Entry.answers, Entry.ratings)
        .where(Entry.assignment_id.in_([a.id for a in assignments]),
               Entry.author_id == author_id, Entry.visibility == "partner",
               Entry.occurrence_date.between(monday, sunday))
    ).all()
    return {(row.assignment_id, row.occurrence_date) for row in rows
            if has_words(row.answers, row.ratings)}


def entry_of(user: User, assignment: Assignment, day: dt.date) -> Entry | None:
    return db.session.scalar(
        sa.select(Entry).where(Entry.assignment_id == assignment.id, Entry.author_id == user.id,
                               Entry.occurrence_date == day)
    )


def shared_entry_of_partner(user: User, couple: Couple, assignment: Assignment, day: dt.date
                            ) -> Entry | None:
    """The other partner's entry for that day, only if its author shared it and it holds
    something to read."""
    other = next((p.user_id for p in couple.partners if p.user_id != user.id), None)
    if other is None or not is_given_to_both(assignment):
        return None
    entry = db.session.scalar(
        sa.select(Entry).where(Entry.assignment_id == assignment.id, Entry.author_id == other,
                               Entry.occurrence_date == day)
    )
    if entry is None or not words_seen_by_partner(entry.visibility):
        return None
    return entry if has_words(entry.answers, entry.ratings) else None
