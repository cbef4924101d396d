"""What a partner sees in their portal: this week's homework, as plain data.

The other partner's completion is shown (it is shared homework); what they wrote is never
read here, so it cannot leak into the portal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Assignment, Couple, Entry, User
from app.services.homework import assignees, plan_of, today_for
from app.services.progress import COMPLETED
from app.services.schedule import can_log, streak, week_of


@dataclass(frozen=True)
class Day:
    date: dt.date
    is_today: bool
    can_log: bool
    mine: str | None  # my completion, if logged
    partner: str | None  # the other partner's completion (both/joint), if logged


@dataclass(frozen=True)
class WeekItem:
    assignment: Assignment
    days: list[Day]
    done_this_week: int
    due_this_week: int
    streak: int


def week_for_partner(user: User, couple: Couple, week_start: dt.date | None = None
                     ) -> tuple[dt.date, list[WeekItem]]:
    """(monday, items) for the week holding `week_start` (default: the partner's today)."""
    assignments = [
        a for a in db.session.scalars(
            sa.select(Assignment)
            .where(Assignment.couple_id == couple.id)
            .options(selectinload(Assignment.exercise_version), selectinload(Assignment.pauses))
            .order_by(Assignment.start_date, Assignment.id)
        )
        if user.id in {u.id for u in assignees(a, couple)}
    ]
    entries = db.session.execute(
        sa.select(Entry.assignment_id, Entry.author_id, Entry.occurrence_date, Entry.completion)
        .where(Entry.assignment_id.in_([a.id for a in assignments]))
    ).all() if assignments else []
    logged: dict[tuple[int, int, dt.date], str] = {
        (row.assignment_id, row.author_id, row.occurrence_date): row.completion for row in entries
    }
    other = next((p.user_id for p in couple.partners if p.user_id != user.id), None)
    items = []
    monday = None
    for assignment in assignments:
        today = today_for(assignment, user, couple)
        start, sunday = week_of(week_start or today)
        monday = monday or start
        due = plan_of(assignment).dates(max(today, sunday))
        week = [day for day in due if start <= day <= sunday]
        if not week:
            continue
        show_partner = assignment.mode in ("both", "joint")
        days = [
            Day(
                date=day,
                is_today=day == today,
                can_log=can_log(day, today),
                mine=logged.get((assignment.id, user.id, day)),
                partner=logged.get((assignment.id, other, day)) if show_partner else None,
            )
            for day in week
        ]
        completed = {d for (a, u, d), c in logged.items()
                     if a == assignment.id and u == user.id and c in COMPLETED}
        past_due = [day for day in due if day <= today]
        items.append(WeekItem(
            assignment=assignment,
            days=days,
            done_this_week=sum(1 for day in week if day in completed),
            due_this_week=len(week),
            streak=streak(past_due, completed, today),
        ))
    if monday is None:
        monday = week_of(week_start or today_for_user(user))[0]
    return monday, items


def today_for_user(user: User) -> dt.date:
    from app.clock import today_in

    return today_in(user.timezone)


def entry_of(user: User, assignment: Assignment, day: dt.date) -> Entry | None:
    return db.session.scalar(
        sa.select(Entry).where(Entry.assignment_id == assignment.id, Entry.author_id == user.id,
                               Entry.occurrence_date == day)
    )


def shared_entry_of_partner(user: User, couple: Couple, assignment: Assignment, day: dt.date
                            ) -> Entry | None:
    """The other partner's entry for that day, only if its author shared it."""
    other = next((p.user_id for p in couple.partners if p.user_id != user.id), None)
    if other is None or assignment.mode == "one":
        return None
    return db.session.scalar(
        sa.select(Entry).where(Entry.assignment_id == assignment.id, Entry.author_id == other,
                               Entry.occurrence_date == day, Entry.visibility == "partner")
    )
