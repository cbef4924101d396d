"""Adherence, streaks, overdue items and the timeline, as plain data for pages and reports.

Adherence is occurrences done or partly done over occurrences due so far; "not done" counts
as reported, not completed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.clock import today_in
from app.extensions import db
from app.models import Assignment, Couple, Entry, User
from app.services.homework import assignees, plan_of
from app.services.schedule import LATE_DAYS, streak, week_of

COMPLETED = {"done", "partly"}
FLAG_GAP = 3  # joint ratings this far apart flag a different experience to talk about


@dataclass
class PartnerProgress:
    user_id: int
    name: str
    due: int = 0
    completed: int = 0
    reported: int = 0
    week_due: int = 0
    week_completed: int = 0
    streak: int = 0
    overdue: list[dt.date] = field(default_factory=list)

    @property
    def adherence(self) -> float | None:
        return self.completed / self.due if self.due else None

    @property
    def week_adherence(self) -> float | None:
        return self.week_completed / self.week_due if self.week_due else None


@dataclass
class AssignmentProgress:
    assignment: Assignment
    partners: list[PartnerProgress]


@dataclass(frozen=True)
class Flag:
    """Two accounts of one joint occurrence whose ratings differ by FLAG_GAP or more."""

    assignment: Assignment
    occurrence: dt.date
    question: str
    ratings: dict[int, int]  # user id -> rating


@dataclass
class TimelineItem:
    """One card of the timeline: an entry, or both accounts of a joint occurrence."""

    assignment: Assignment
    occurrence: dt.date
    entries: list[Entry]
    flags: list[Flag]

    @property
    def is_joint(self) -> bool:
        return self.assignment.mode == "joint"


@dataclass
class CoupleProgress:
    assignments: list[AssignmentProgress]
    entries: list[Entry]
    last_activity: dict[int, dt.datetime | None]
    timeline: list[TimelineItem] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(len(p.overdue) for a in self.assignments for p in a.partners)


def joint_flags(assignment: Assignment, occurrence: dt.date, entries: list[Entry]) -> list[Flag]:
    """Flags for a joint occurrence logged by both partners."""
    if assignment.mode != "joint" or len(entries) < 2:
        return []
    first, second = entries[0], entries[1]
    flags = []
    for index, question in enumerate(assignment.exercise_version.rating_questions):
        a = first.ratings[index] if index < len(first.ratings) else None
        b = second.ratings[index] if index < len(second.ratings) else None
        if a is not None and b is not None and abs(a - b) >= FLAG_GAP:
            flags.append(Flag(assignment, occurrence, question["question"],
                              {first.author_id: a, second.author_id: b}))
    return flags


def build_timeline(assignments: list[Assignment], entries: list[Entry]) -> list[TimelineItem]:
    """Entries newest first; a joint occurrence's two accounts share one card."""
    by_id = {a.id: a for a in assignments}
    items: list[TimelineItem] = []
    joint: dict[tuple[int, dt.date], TimelineItem] = {}
    for entry in entries:
        assignment = by_id[entry.assignment_id]
        key = (assignment.id, entry.occurrence_date)
        if assignment.mode == "joint" and key in joint:
            joint[key].entries.append(entry)
            continue
        item = TimelineItem(assignment, entry.occurrence_date, [entry], [])
        items.append(item)
        if assignment.mode == "joint":
            joint[key] = item
    for item in joint.values():
        item.entries.sort(key=lambda e: e.author_id)
        item.flags = joint_flags(item.assignment, item.occurrence, item.entries)
    return items


def _today(assignment: Assignment, user: User, couple: Couple) -> dt.date:
    return today_in(couple.timezone if assignment.mode == "joint" else user.timezone)


def couple_progress(couple: Couple) -> CoupleProgress:
    """Everything the therapist's couple page shows about homework, in three queries."""
    assignments = list(
        db.session.scalars(
            sa.select(Assignment)
            .where(Assignment.couple_id == couple.id)
            .options(selectinload(Assignment.exercise_version), selectinload(Assignment.pauses))
            .order_by(Assignment.status == "ended", Assignment.start_date, Assignment.id)
        )
    )
    entries = list(
        db.session.scalars(
            sa.select(Entry)
            .where(Entry.assignment_id.in_([a.id for a in assignments]))
            .order_by(Entry.occurrence_date.desc(), Entry.id.desc())
        )
    ) if assignments else []
    by_key: dict[tuple[int, int], dict[dt.date, Entry]] = defaultdict(dict)
    last: dict[int, dt.datetime | None] = {p.user_id: None for p in couple.partners}
    for entry in entries:
        by_key[(entry.assignment_id, entry.author_id)][entry.occurrence_date] = entry
        seen = last.get(entry.author_id)
        if seen is None or entry.updated_at > seen:
            last[entry.author_id] = entry.updated_at

    rows = []
    for assignment in assignments:
        plan = plan_of(assignment)
        partners = []
        for user in assignees(assignment, couple):
            today = _today(assignment, user, couple)
            due = plan.dates(today)
            logged = by_key[(assignment.id, user.id)]
            completed = {day for day, e in logged.items() if e.completion in COMPLETED}
            monday, sunday = week_of(today)
            week = [day for day in due if monday <= day <= sunday]
            progress = PartnerProgress(
                user_id=user.id,
                name=user.name,
                due=len(due),
                completed=sum(1 for day in due if day in completed),
                reported=sum(1 for day in due if day in logged),
                week_due=len(week),
                week_completed=sum(1 for day in week if day in completed),
                streak=streak(due, completed, today),
                overdue=[
                    day for day in due
                    if day < today and day >= today - dt.timedelta(days=LATE_DAYS)
                    and day not in logged
                ],
            )
            partners.append(progress)
        rows.append(AssignmentProgress(assignment, partners))
    timeline = build_timeline(assignments, entries)
    flags = [flag for item in timeline for flag in item.flags]
    return CoupleProgress(rows, entries, last, timeline, flags)


@dataclass(frozen=True)
class RatingTrend:
    """One rating question of one assignment, with each partner's answers over time."""

    title: str
    question: str
    low: int
    high: int
    series: list[tuple[str, list[tuple[dt.date, float | None]]]]  # (partner name, points)


def rating_trends(couple: Couple, progress: CoupleProgress) -> list[RatingTrend]:
    """Plain data for the rating charts, from entries already loaded (no query)."""
    names = {p.user_id: p.user.name for p in couple.partners}
    trends = []
    for row in progress.assignments:
        assignment = row.assignment
        questions = assignment.exercise_version.rating_questions
        entries = [e for e in progress.entries if e.assignment_id == assignment.id]
        if not questions or not entries:
            continue
        for index, question in enumerate(questions):
            series = []
            for user_id, name in names.items():
                points = sorted(
                    (e.occurrence_date, e.ratings[index])
                    for e in entries
                    if e.author_id == user_id and index < len(e.ratings)
                    and e.ratings[index] is not None
                )
                if points:
                    series.append((name, points))
            if series:
                trends.append(RatingTrend(assignment.exercise_version.title,
                                          question["question"], question["min"],
                                          question["max"], series))
    return trends


def recent(timeline: list[TimelineItem], *, days: int) -> list[TimelineItem]:
    """The timeline's cards from the last `days` days (by occurrence)."""
    if not timeline:
        return []
    newest = max(item.occurrence for item in timeline)
    since = min(newest, today_in("UTC")) - dt.timedelta(days=days)
    return [item for item in timeline if item.occurrence > since]
