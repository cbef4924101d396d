"""The couple page's homework: each partner's figures, the timeline of entries and the
joint differences to talk about, as plain data. The arithmetic is occurrences.py's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.clock import now, today_in
from app.extensions import db
from app.models import Assignment, Couple, Entry, EntryRevision
from app.services.homework import assignees, plan_of
from app.services.occurrences import (
    Account,
    Difference,
    Occurrences,
    Tally,
    compare,
    dated_in,
    day_in,
)


@dataclass
class PartnerProgress:
    """One partner's figures for one assignment."""

    user_id: int
    name: str
    week: Tally  # the week shown (the therapist's), as of now
    overall: Tally  # since the start, as of now
    streak: int  # done or partly in a row, up to now
    overdue: list[dt.date] = field(default_factory=list)


@dataclass
class AssignmentProgress:
    assignment: Assignment
    partners: list[PartnerProgress]


@dataclass(frozen=True)
class JointDifference:
    """A joint occurrence whose two accounts differ: one difference to talk about."""

    assignment: Assignment
    occurrence: dt.date
    difference: Difference
    entries: tuple[Entry, Entry]

    @property
    def completions(self) -> list[tuple[int, str]]:
        """(author id, completion) of both accounts, when they differ on it."""
        return ([(e.author_id, e.completion) for e in self.entries]
                if self.difference.completion else [])

    @property
    def ratings(self) -> list[tuple[str, list[tuple[int, int]]]]:
        """(question, [(author id, rating)]) for each question rated far apart."""
        questions = self.assignment.exercise_version.rating_questions
        return [(questions[i]["question"], [(e.author_id, e.ratings[i]) for e in self.entries])
                for i in self.difference.questions]


@dataclass
class TimelineItem:
    """One card of the timeline: an entry, or both accounts of a joint occurrence."""

    assignment: Assignment
    occurrence: dt.date
    entries: list[Entry]
    difference: JointDifference | None = None
    is_extra: bool = False  # logged on a day that was not due (extra practice, or a use)

    @property
    def is_joint(self) -> bool:
        return self.assignment.mode == "joint"


@dataclass
class CoupleProgress:
    assignments: list[AssignmentProgress]
    entries: list[Entry]
    last_activity: dict[int, dt.datetime | None]
    week: tuple[dt.date, dt.date]
    timeline: list[TimelineItem] = field(default_factory=list)
    differences: list[JointDifference] = field(default_factory=list)
    # The earlier versions of each edited entry, oldest first: only the therapist reads
    # them (its author is told so when changing it).
    earlier: dict[int, list[EntryRevision]] = field(default_factory=dict)



def account(entry: Entry) -> Account:
    """An entry as an account for the joint comparison."""
    return Account(entry.completion, entry.ratings)


def joint_difference(assignment: Assignment, occurrence: dt.date, entries: list[Entry]
                     ) -> JointDifference | None:
    """The difference between the two accounts of a joint occurrence, if they differ."""
    if assignment.mode != "joint" or len(entries) != 2:
        return None
    first, second = entries
    found = compare(account(first), account(second))
    return JointDifference(assignment, occurrence, found, (first, second)) if found else None


def build_timeline(assignments: list[Assignment], entries: list[Entry]) -> list[TimelineItem]:
    """Entries newest first; a joint occurrence's two accounts share one card. A card of
    a day that is not a date of the schedule is marked extra."""
    by_id = {a.id: a for a in assignments}
    latest: dict[int, dt.date] = {}
    for entry in entries:
        latest[entry.assignment_id] = max(entry.occurrence_date,
                                          latest.get(entry.assignment_id, entry.occurrence_date))
    scheduled = {assignment_id: frozenset(plan_of(by_id[assignment_id]).dates(day))
                 for assignment_id, day in latest.items()}
    items: list[TimelineItem] = []
    joint: dict[tuple[int, dt.date], TimelineItem] = {}
    for entry in entries:
        assignment = by_id[entry.assignment_id]
        key = (assignment.id, entry.occurrence_date)
        if assignment.mode == "joint" and key in joint:
            joint[key].entries.append(entry)
            continue
        item = TimelineItem(assignment, entry.occurrence_date, [entry],
                            is_extra=entry.occurrence_date not in scheduled[assignment.id])
        items.append(item)
        if assignment.mode == "joint":
            joint[key] = item
    for item in joint.values():
        item.entries.sort(key=lambda e: e.author_id)
        item.difference = joint_difference(item.assignment, item.occurrence, item.entries)
    return items


def couple_progress(couple: Couple, week: tuple[dt.date, dt.date]) -> CoupleProgress:
    """Everything the therapist's couple page shows about homework, in four queries;
    "this week" is `week` (Monday, Sunday): the therapist's."""
    moment = now()
    monday, sunday = week
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
            today = day_in(moment, dated_in(assignment.mode, couple.timezone, user.timezone))
            logged = {day: e.completion
                      for day, e in by_key[(assignment.id, user.id)].items()}
            occurrences = Occurrences.of(plan, logged, today)
            partners.append(PartnerProgress(
                user_id=user.id,
                name=user.name,
                week=occurrences.tally(monday, sunday),
                overall=occurrences.tally(),
                streak=occurrences.streak(),
                overdue=occurrences.overdue(),
            ))
        rows.append(AssignmentProgress(assignment, partners))
    timeline = build_timeline(assignments, entries)
    found = [item.difference for item in timeline if item.difference is not None]
    return CoupleProgress(rows, entries, last, week, timeline, found,
                          earlier_versions(assignments) if entries else {})


def earlier_versions(assignments: list[Assignment]) -> dict[int, list[EntryRevision]]:
    """The earlier versions of the assignments' edited entries, by entry, oldest first."""
    earlier: dict[int, list[EntryRevision]] = defaultdict(list)
    for revision in db.session.scalars(
        sa.select(EntryRevision)
        .join(Entry, Entry.id == EntryRevision.entry_id)
        .where(Entry.assignment_id.in_([a.id for a in assignments]))
        .order_by(EntryRevision.entry_id, EntryRevision.revision)
    ):
        earlier[revision.entry_id].append(revision)
    return dict(earlier)


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
