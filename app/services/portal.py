"""What a partner sees in their portal: this week's homework, as plain data.

The other partner's completion is shown (it is shared homework); what they wrote is never
read here, so it cannot leak into the portal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.clock import now
from app.extensions import db
from app.models import Assignment, Couple, Entry, User
from app.services.homework import plan_of
from app.services.occurrences import Occurrences, Tally, dated_in, day_in
from app.services.schedule import can_log, week_of
from app.services.visibility import (
    completion_seen_by_partner,
    is_given_to,
    is_given_to_both,
    words_seen_by_partner,
)


@dataclass(frozen=True)
class Day:
    date: dt.date
    is_today: bool
    can_log: bool
    is_past: bool  # its day has ended
    mine: str | None  # my completion, if logged
    partner: str | None  # the other partner's completion (both/joint), if logged


@dataclass(frozen=True)
class WeekItem:
    assignment: Assignment
    days: list[Day]  # the week's occurrences, due or still to come
    week: Tally  # the week's due occurrences, as of now
    streak: int  # done or partly in a row, up to the end of the week shown (or now)


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
                  Entry.visibility)
        .where(Entry.assignment_id.in_([a.id for a in assignments]))
    ).all() if assignments else []
    other = next((p.user_id for p in couple.partners if p.user_id != user.id), None)
    by_id = {a.id: a for a in assignments}
    logged: dict[tuple[int, int], dict[dt.date, str]] = {}
    for row in entries:
        if row.author_id == user.id or completion_seen_by_partner(
                couple, by_id[row.assignment_id], row.visibility):
            logged.setdefault((row.assignment_id, row.author_id), {})[row.occurrence_date] = (
                row.completion)
    items = []
    for assignment in assignments:
        today = day_in(moment, dated_in(assignment.mode, couple.timezone, user.timezone))
        mine = logged.get((assignment.id, user.id), {})
        theirs = logged.get((assignment.id, other), {})
        occurrences = Occurrences.of(plan_of(assignment), mine, today, until=sunday)
        week = [day for day in occurrences.dates if monday <= day <= sunday]
        if not week:
            continue
        days = [
            Day(
                date=day,
                is_today=day == today,
                can_log=can_log(day, today),
                is_past=day < today,
                mine=mine.get(day),
                partner=theirs.get(day),
            )
            for day in week
        ]
        items.append(WeekItem(
            assignment=assignment,
            days=days,
            week=occurrences.tally(monday, sunday),
            streak=occurrences.streak(sunday),
        ))
    return monday, items


def entry_of(user: User, assignment: Assignment, day: dt.date) -> Entry | None:
    return db.session.scalar(
        sa.select(Entry).where(Entry.assignment_id == assignment.id, Entry.author_id == user.id,
                               Entry.occurrence_date == day)
    )


def shared_entry_of_partner(user: User, couple: Couple, assignment: Assignment, day: dt.date
                            ) -> Entry | None:
    """The other partner's entry for that day, only if its author shared it."""
    other = next((p.user_id for p in couple.partners if p.user_id != user.id), None)
    if other is None or not is_given_to_both(assignment):
        return None
    entry = db.session.scalar(
        sa.select(Entry).where(Entry.assignment_id == assignment.id, Entry.author_id == other,
                               Entry.occurrence_date == day)
    )
    return entry if entry is not None and words_seen_by_partner(entry.visibility) else None
