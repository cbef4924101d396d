"""Session progress reports: the plain data a report shows, per audience, and the archive.

The clinician report holds everything. The couple handout is built from exactly what both
partners can see in their own portals (the rules of visibility.py): homework given to both,
never one partner's own; completion where each sees the other's; words and ratings their
author shared; the session's summary for the couple. It speaks to the couple, never sets
one partner against the other (no per-partner rates, no ranking), and offers differences
as topics for the session, never on a question about safety or fear. The figures are
occurrences.py's. What a document may not carry never reaches its template: the filter is
applied here, while gathering.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.clock import now
from app.extensions import db
from app.models import Assignment, Couple, Entry, Partner, Report, TherapySession, User
from app.models.reports import AUDIENCES
from app.services import DomainError
from app.services.homework import assignees, plan_of
from app.services.measures import (
    CSI4_CUTOFF,
    CSI4_MAX,
    CSI4_NAME,
    CSI4_REFERENCE,
    ScoreRow,
    responses_for,
    score_history,
)
from app.services.occurrences import (
    Account,
    Occurrences,
    RatingChange,
    Tally,
    Together,
    compare,
    dated_in,
    day_in,
    rating_change,
    together,
    total,
)
from app.services.safety_check import SafetyBrief, safety_brief
from app.services.schedule import cadence_label
from app.services.sessions import (
    NumberedSession,
    attendance_label,
    default_period,
    local_date,
    number_of,
    sessions_of,
)
from app.services.visibility import (
    completion_seen_by_partner,
    completion_shared_for,
    has_words,
    is_given_to_both,
    words_read_by_partner,
    words_seen_by_partner,
)

COMPLETION_LABELS = {"done": "Done", "partly": "Partly", "not_done": "Not done"}
MAX_PERIOD_DAYS = 366


# --- the plain data, one dataclass per section of the report --------------------------


@dataclass(frozen=True)
class Header:
    """The report's title block and running header."""

    title: str
    practice_name: str
    paper_size: str
    therapist_name: str
    couple_name: str
    partner_names: list[str]
    period_start: dt.date
    period_end: dt.date
    generated_at: dt.datetime
    timezone: str
    session_number: int | None = None
    session_date: dt.datetime | None = None  # in the couple's timezone


@dataclass(frozen=True)
class PartnerAdherence:
    name: str
    tally: Tally  # the period's due occurrences, as of the report
    streak: int  # done or partly in a row, up to the period's end


@dataclass(frozen=True)
class AdherenceRow:
    exercise: str
    rhythm: str
    partners: list[PartnerAdherence]


@dataclass(frozen=True)
class Summary:
    """What changed since the last report, and the homework done in the period."""

    changes: list[str]
    adherence: list[AdherenceRow]


@dataclass(frozen=True)
class RatingChart:
    """One rating question over the period: each partner's answers, as plain points (the
    report's HTML draws them; reports.charts)."""

    key: str  # unique within the report, for the chart's element ids
    title: str
    low: int
    high: int
    series: list[tuple[str, list[tuple[dt.date, int]]]]  # (partner, points)
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class WrittenEntry:
    date: dt.date
    author: str
    completion: str
    visibility: str  # "Private to the therapist" / "Shared with partner"
    is_private: bool
    is_late: bool
    is_edited: bool
    answers: list[tuple[str, str]]  # (prompt, text)
    ratings: list[tuple[str, int, int]]  # (question, value, scale maximum)


@dataclass(frozen=True)
class JointDifference:
    """A joint occurrence the partners logged differently: one did it and the other did
    not, or they rated one or more questions 3 or more points apart."""

    date: dt.date
    completions: list[tuple[str, str]]  # (partner, completion) when they differ on it
    questions: list[tuple[str, list[tuple[str, int]]]]  # (question, [(partner, rating)])


@dataclass(frozen=True)
class ExerciseContent:
    exercise: str
    entries: list[WrittenEntry]
    differences: list[JointDifference]


@dataclass(frozen=True)
class Written:
    """What the partners wrote, by exercise, as far as the audience may read it."""

    groups: list[ExerciseContent]
    withheld: int  # clinician audience: how many written entries the handout leaves out


@dataclass(frozen=True)
class SessionRecord:
    """The clinician's record of the session (clinician audience only)."""

    status: str
    attendance: str
    duration_minutes: int | None
    focus: str
    homework_reviewed: str
    clinician_notes: str
    version: int | None = None  # of the record; above 1 when it was corrected
    saved_at: dt.datetime | None = None  # when this version was saved, couple's timezone


@dataclass(frozen=True)
class Csi4Summary:
    partners: list[str]
    rows: list[tuple[str, list[int | None], int | None, list[int | None]]]
    # (session label, score per partner, gap, change since first per partner)
    series: list[tuple[str, list[tuple[dt.date, int | None]]]]  # (partner, scores by date)
    name: str = CSI4_NAME
    reference: str = CSI4_REFERENCE
    cutoff: float = CSI4_CUTOFF
    top: int = CSI4_MAX


@dataclass(frozen=True)
class ReportData:
    """Everything one report shows, section by section, already filtered for its audience."""

    audience: str
    header: Header
    summary: Summary
    couple_summary: str
    record: SessionRecord | None
    csi4: Csi4Summary | None
    ratings: list[RatingChart]
    written: Written
    # The private safety check: first on page 1 (clinician report only; never the handout).
    safety: SafetyBrief | None = None

    @property
    def is_clinician(self) -> bool:
        return self.audience == "clinician"

    @property
    def title(self) -> str:
        return self.header.title


@dataclass(frozen=True)
class SharedMoment:
    """A reflection a partner chose to share with the other."""

    exercise: str
    author: str
    date: dt.date
    text: str


@dataclass(frozen=True)
class BetterRating:
    """A rating question whose ratings got better over the period (shared ratings only)."""

    question: str
    change: RatingChange


@dataclass(frozen=True)
class Progress:
    """One exercise given to both, as the couple did it in the period."""

    exercise: str
    rhythm: str
    together: Together
    unit: str  # "days" for a daily exercise, else "times"


@dataclass(frozen=True)
class WentWell:
    kept_up: list[Progress]
    moments: list[SharedMoment]  # the newest few
    better: list[BetterRating]

    def __bool__(self) -> bool:
        return bool(self.kept_up or self.moments or self.better)


@dataclass(frozen=True)
class ComingUp:
    """Homework given to both, with its days until the next session."""

    exercise: str
    rhythm: str
    note: str
    days: list[dt.date]
    every_day: bool


@dataclass(frozen=True)
class Topic:
    """A joint occurrence the two accounts of which differ, offered for the session in
    neutral words: no names, no questions about safety or fear."""

    date: dt.date
    exercise: str
    completion: bool  # one of you marked it done, the other not done
    ratings: list[tuple[str, int, int]]  # (question, one rating, the other)


@dataclass(frozen=True)
class Handout:
    """The couple handout: only what both partners can see in their own portals."""

    header: Header
    couple_summary: str
    went_well: WentWell
    coming_up: list[ComingUp]
    coming_until: dt.date  # the last day the homework above is listed for
    next_session: dt.datetime | None  # in the couple's timezone
    progress: list[Progress]
    topics: list[Topic]
    shared: list[ExerciseContent]
    ratings: list[RatingChart]
    audience: str = "couple"
    is_clinician: bool = False

    @property
    def title(self) -> str:
        return self.header.title


# --- what the sections read, loaded once ------------------------------------------------


@dataclass(frozen=True)
class _Sources:
    """What every section builder reads: loaded by _load in a constant number of queries,
    so each builder is plain work over these values."""

    couple: Couple
    audience: str
    session: TherapySession | None
    start: dt.date
    end: dt.date
    moment: dt.datetime
    partners: list[Partner]  # by position
    numbered: list[NumberedSession]
    previous: Report | None  # the last report before this one, to compare with
    assignments: list[Assignment]
    in_period: dict[int, list[Entry]]  # by assignment: the period's entries, by day
    completions: dict[tuple[int, int], dict[dt.date, str]]  # (assignment, author) -> days

    @property
    def clinician(self) -> bool:
        return self.audience == "clinician"

    @property
    def names(self) -> dict[int, str]:
        return {p.user_id: p.user.name for p in self.partners}


def _period(couple: Couple, session: TherapySession | None, numbered: list[NumberedSession],
            start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    if session is not None:
        if session.couple_id != couple.id:
            raise DomainError("That session belongs to another couple.")
        default_start, default_end = default_period(couple, session, numbered)
        start, end = start or default_start, end or default_end
    if start is None or end is None:
        raise DomainError("Give the report a session or a period.")
    if end < start:
        raise DomainError("The period ends before it starts.")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise DomainError("A report covers at most a year.")
    return start, end


def _load(couple: Couple, audience: str, session: TherapySession | None,
          start: dt.date | None, end: dt.date | None) -> _Sources:
    if audience not in AUDIENCES:
        raise DomainError("Choose a clinician report or a couple handout.")
    numbered = sessions_of(couple)
    start, end = _period(couple, session, numbered, start, end)
    previous = db.session.scalar(
        sa.select(Report)
        .where(Report.couple_id == couple.id, Report.period_end <= end,
               sa.or_(Report.period_start != start, Report.period_end != end))
        .order_by(Report.period_end.desc(), Report.id.desc())
        .limit(1)
    )
    compare_start = previous.period_start if previous else start
    assignments = list(db.session.scalars(
        sa.select(Assignment)
        .where(Assignment.couple_id == couple.id, Assignment.start_date <= end,
               sa.or_(Assignment.ended_on.is_(None), Assignment.ended_on >= compare_start))
        .options(selectinload(Assignment.exercise_version), selectinload(Assignment.pauses))
        .order_by(Assignment.start_date, Assignment.id)
    ))
    in_period: dict[int, list[Entry]] = defaultdict(list)
    completions: dict[tuple[int, int], dict[dt.date, str]] = defaultdict(dict)
    if assignments:
        ids = [a.id for a in assignments]
        for entry in db.session.scalars(
            sa.select(Entry)
            .where(Entry.assignment_id.in_(ids), Entry.occurrence_date >= start,
                   Entry.occurrence_date <= end)
            .order_by(Entry.occurrence_date, Entry.author_id, Entry.id)
        ):
            in_period[entry.assignment_id].append(entry)
        # Every completion up to the period's end: a streak can reach back before it.
        for assignment_id, author_id, day, completion in db.session.execute(
            sa.select(Entry.assignment_id, Entry.author_id, Entry.occurrence_date,
                      Entry.completion)
            .where(Entry.assignment_id.in_(ids), Entry.occurrence_date <= end)
        ):
            completions[(assignment_id, author_id)][day] = completion
    return _Sources(
        couple=couple, audience=audience, session=session, start=start, end=end,
        moment=now(), partners=sorted(couple.partners, key=lambda p: p.position),
        numbered=numbered, previous=previous, assignments=assignments,
        in_period=in_period, completions=completions,
    )


# --- one builder per section -----------------------------------------------------------


def _header(src: _Sources) -> Header:
    couple, session = src.couple, src.session
    kind = "Clinician report" if src.clinician else "Couple handout"
    return Header(
        title=f"{kind} — {couple.name} — {src.start:%d %b %Y} to {src.end:%d %b %Y}",
        practice_name=couple.practice.name,
        paper_size=couple.practice.paper_size,
        therapist_name=couple.therapist.name,
        couple_name=couple.name,
        partner_names=[p.user.name for p in src.partners],
        period_start=src.start,
        period_end=src.end,
        generated_at=src.moment,
        timezone=couple.timezone,
        session_number=number_of(session, src.numbered) if session is not None else None,
        session_date=(session.scheduled_at.astimezone(ZoneInfo(couple.timezone))
                      if session is not None else None),
    )


def _summary(src: _Sources, csi4: Csi4Summary | None) -> Summary:
    """Adherence per partner per assignment, and the sentences on what changed."""
    adherence: list[AdherenceRow] = []
    this_period: dict[int, list[Tally]] = defaultdict(list)
    last_period: dict[int, list[Tally]] = defaultdict(list)
    for assignment in src.assignments:
        rows = []
        for user in assignees(assignment, src.couple):
            today = day_in(src.moment, dated_in(assignment.mode, src.couple.timezone,
                                                user.timezone))
            occurrences = Occurrences.of(
                plan_of(assignment), src.completions.get((assignment.id, user.id), {}), today)
            row = PartnerAdherence(user.name, occurrences.tally(src.start, src.end),
                                   occurrences.streak(src.end))
            rows.append(row)
            this_period[user.id].append(row.tally)
            if src.previous is not None:
                last_period[user.id].append(
                    occurrences.tally(src.previous.period_start, src.previous.period_end))
        if (any(r.tally.due or r.tally.extra or r.tally.used for r in rows)
                or src.in_period[assignment.id]):
            adherence.append(AdherenceRow(
                assignment.exercise_version.title,
                cadence_label(assignment.cadence, assignment.times_per_week)
                + (" · joint" if assignment.mode == "joint" else ""),
                rows))
    changes = _homework_changes(src, this_period, last_period)
    if csi4 is not None and len(csi4.rows) > 1:
        for i, name in enumerate(csi4.partners):
            change = csi4.rows[-1][3][i]
            if change is not None:
                changes.append(f"{name}'s CSI-4 score: {csi4.rows[-1][1][i]} "
                               f"({change:+d} since their first score).")
    return Summary(changes, adherence)


def _homework_changes(src: _Sources, now_rows: dict[int, list[Tally]],
                      then_rows: dict[int, list[Tally]]) -> list[str]:
    """Plain sentences on the homework since the last report."""
    previous = src.previous
    lines = []
    if previous is None:
        lines.append("This is the first report for this couple; there is nothing to "
                     "compare with yet.")
    for partner in src.partners:
        user = partner.user
        now_total = total(now_rows.get(user.id, []))
        apart = now_total.describe_apart()
        if not now_total.due:
            if apart:  # extra practice, or uses of "as it comes up" exercises, only
                lines.append(f"{user.name}: nothing due in this period; {apart}.")
            continue
        line = (f"{user.name}: {now_total.describe_due()} due in this period "
                f"({now_total.percent_done}% done)")
        before = (total(then_rows.get(user.id, [])).percent_done
                  if previous is not None else None)
        if previous is not None and before is not None:
            rate = now_total.percent_done or 0
            trend = ("up from" if rate > before else "down from" if rate < before
                     else "the same as")
            line += (f", {trend} {before}% done in the last report "
                     f"({previous.period_start:%d %b} to {previous.period_end:%d %b})")
        lines.append(line + "." + (f" Apart from that: {apart}." if apart else ""))
    started = [a.exercise_version.title for a in src.assignments
               if src.start <= a.start_date <= src.end]
    ended = [a.exercise_version.title for a in src.assignments
             if a.ended_on is not None and src.start <= a.ended_on <= src.end]
    if started:
        lines.append("New homework: " + ", ".join(dict.fromkeys(started)) + ".")
    if ended:
        lines.append("Homework ended: " + ", ".join(dict.fromkeys(ended)) + ".")
    return lines


def _record(src: _Sources) -> SessionRecord | None:
    session = src.session
    if session is None:
        return None
    return SessionRecord(
        session.status, attendance_label(session, src.couple), session.duration_minutes,
        session.focus, session.homework_reviewed, session.clinician_notes,
        session.record_version,
        session.recorded_at.astimezone(ZoneInfo(src.couple.timezone))
        if session.recorded_at is not None else None,
    )


def _csi4(src: _Sources) -> Csi4Summary | None:
    couple, upto, tz = src.couple, src.session, src.couple.timezone
    ids = [p.user_id for p in src.partners]
    names = [p.user.name for p in src.partners]
    shown = [(n.session, n.number) for n in src.numbered
             if n.number is not None and (
                 n.session.scheduled_at <= upto.scheduled_at if upto is not None
                 else local_date(n.session.scheduled_at, tz) <= src.end)]
    history: list[ScoreRow] = score_history(ids, shown, responses_for(couple))
    if not history:
        return None
    rows = [
        (f"Session {row.number} · {local_date(row.session.scheduled_at, tz):%d %b %Y}",
         [row.scores[i] for i in ids], row.gap, [row.changes[i] for i in ids])
        for row in history
    ]
    series = [(name, [(local_date(row.session.scheduled_at, tz), row.scores[uid])
                      for row in history])
              for uid, name in zip(ids, names, strict=True)]
    return Csi4Summary(names, rows, series)


def _ratings(src: _Sources) -> list[RatingChart]:
    """Each rating question's answers over the period (the clinician reads them all)."""
    return [chart for assignment in src.assignments
            for chart in _rating_charts(src, assignment, src.in_period[assignment.id])]


def _rating_charts(src: _Sources, assignment: Assignment, entries: list[Entry], *,
                   leave_out_safety: bool = False) -> list[RatingChart]:
    """One chart per rating question of the assignment, from these entries' ratings."""
    charts = []
    version = assignment.exercise_version
    for index, question in enumerate(version.rating_questions):
        if leave_out_safety and question.get("about_safety"):
            continue
        series = []
        for user_id, name in src.names.items():
            points = sorted((e.occurrence_date, e.ratings[index]) for e in entries
                            if e.author_id == user_id and index < len(e.ratings)
                            and e.ratings[index] is not None)
            if points:
                series.append((name, points))
        if series:
            charts.append(RatingChart(
                key=f"a{assignment.id}q{index}",
                title=f"{version.title}: {question['question']}",
                low=question["min"], high=question["max"], series=series,
                start=src.start, end=src.end,
            ))
    return charts


def _written(src: _Sources) -> Written:
    groups, withheld = [], 0
    names = src.names
    for assignment in src.assignments:
        in_period = src.in_period[assignment.id]
        withheld += sum(1 for e in in_period if has_words(e.answers, e.ratings)
                        and not words_read_by_partner(assignment, e.visibility))
        entries = [_written_entry(e, names.get(e.author_id, ""))
                   for e in in_period if has_words(e.answers, e.ratings)]
        differences = (_differences(assignment, in_period, names)
                       if assignment.mode == "joint" else [])
        if entries or differences:
            groups.append(ExerciseContent(assignment.exercise_version.title, entries,
                                          differences))
    return Written(groups, withheld)


def _written_entry(entry: Entry, author: str, *, completion: bool = True,
                   leave_out_safety: bool = False) -> WrittenEntry:
    """What was written, as the report shows it; without its completion when the reader
    may not see that, and (the couple handout) without ratings about safety or fear."""
    version = entry.assignment.exercise_version
    answers = [(version.prompts[i] if i < len(version.prompts) else "", text)
               for i, text in enumerate(entry.answers) if text]
    ratings = [(q["question"], entry.ratings[i], q["max"])
               for i, q in enumerate(version.rating_questions)
               if i < len(entry.ratings) and entry.ratings[i] is not None
               and not (leave_out_safety and q.get("about_safety"))]
    private = not words_read_by_partner(entry.assignment, entry.visibility)
    return WrittenEntry(
        date=entry.occurrence_date, author=author,
        completion=COMPLETION_LABELS[entry.completion] if completion else "",
        visibility="Private to the therapist" if private else "Shared with partner",
        is_private=private, is_late=entry.is_late, is_edited=entry.revision > 1,
        answers=answers, ratings=ratings,
    )


def _differences(assignment: Assignment, entries: list[Entry], names: dict[int, str]
                 ) -> list[JointDifference]:
    """The joint occurrences whose two accounts differ (the clinician's view: every
    account; the couple handout offers its own topics, `_topics`)."""
    by_day: dict[dt.date, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_day[entry.occurrence_date].append(entry)
    questions = assignment.exercise_version.rating_questions
    found = []
    for day in sorted(by_day):
        pair = sorted(by_day[day], key=lambda e: e.author_id)
        if len(pair) != 2:
            continue
        seen = [e.ratings for e in pair]
        difference = compare(*(Account(e.completion, ratings)
                               for e, ratings in zip(pair, seen, strict=True)))
        if difference is None:
            continue
        found.append(JointDifference(
            day,
            [(names.get(e.author_id, ""), COMPLETION_LABELS[e.completion].lower())
             for e in pair] if difference.completion else [],
            [(questions[i]["question"] if i < len(questions) else "",
              [(names.get(e.author_id, ""), ratings[i]) for e, ratings in zip(
                  pair, seen, strict=True)])
             for i in difference.questions],
        ))
    return found


# --- the couple handout ---------------------------------------------------------------


HANDOUT_MOMENTS = 3  # shared reflections quoted on page 1
HANDOUT_DAYS_WITHOUT_SESSION = 14  # homework listed this far ahead when none is scheduled


def _handout(src: _Sources) -> Handout:
    """What both partners can see in their own portals, and nothing else: homework given to
    both (never one partner's own), completion only where each sees the other's, words and
    ratings only where their author shared them."""
    couple, names = src.couple, src.names
    ids = [p.user_id for p in src.partners]
    shared_assignments = [a for a in src.assignments if is_given_to_both(a)]
    progress, moments, better, topics, groups, charts = [], [], [], [], [], []
    for assignment in shared_assignments:
        version = assignment.exercise_version
        title, rhythm = version.title, _rhythm(assignment)
        in_period = src.in_period[assignment.id]
        hidden = {e.occurrence_date for e in in_period
                  if not completion_seen_by_partner(couple, assignment, e)}
        seen = [e for e in in_period if e.occurrence_date not in hidden]
        # Completion both can see: a shared entry's at least (else none, not even "not
        # logged": the couple handout then says nothing of who did what).
        if len(ids) == 2 and completion_shared_for(couple, assignment):
            pair = [_occurrences(src, assignment, user_id, hidden) for user_id in ids]
            figures = together(*pair, src.start, src.end, leave_out=hidden,
                               joint=assignment.mode == "joint")
            if figures.occurrences or figures.used:
                item = Progress(title, rhythm, figures,
                                "days" if assignment.cadence == "daily" else "times")
                progress.append(item)
        shared = [e for e in in_period if words_seen_by_partner(e.visibility)]
        moments.extend(SharedMoment(title, names.get(e.author_id, ""), e.occurrence_date,
                                    text)
                       for e in shared for text in e.answers if text)
        questions = version.rating_questions
        for index, question in enumerate(questions):
            if question.get("about_safety"):
                continue
            points = [(e.occurrence_date, e.ratings[index]) for e in shared
                      if index < len(e.ratings) and e.ratings[index] is not None]
            change = rating_change(points, src.start, src.end,
                                   higher_is_worse=bool(question.get("higher_is_worse")))
            if change is not None and change.is_better:
                better.append(BetterRating(question["question"], change))
        if assignment.mode == "joint":
            topics.extend(_topics(assignment, seen))
        entries = [_written_entry(e, names.get(e.author_id, ""), completion=(
                       completion_seen_by_partner(couple, assignment, e)),
                       leave_out_safety=True)
                   for e in shared if has_words(e.answers, e.ratings)]
        entries = [e for e in entries if e.answers or e.ratings]
        if entries:
            groups.append(ExerciseContent(title, entries, []))
        charts.extend(_rating_charts(src, assignment, shared, leave_out_safety=True))
    moments.sort(key=lambda m: m.date, reverse=True)
    until, next_session = _next_session(src)
    return Handout(
        header=_header(src),
        couple_summary=src.session.couple_summary if src.session is not None else "",
        went_well=WentWell([p for p in progress if p.together.kept_up],
                           moments[:HANDOUT_MOMENTS], better),
        coming_up=_coming_up(src, shared_assignments, until),
        coming_until=until,
        next_session=next_session,
        progress=progress,
        topics=sorted(topics, key=lambda t: t.date),
        shared=groups,
        ratings=charts,
    )


def _rhythm(assignment: Assignment) -> str:
    return (cadence_label(assignment.cadence, assignment.times_per_week)
            + (" · together" if assignment.mode == "joint" else ""))


def _occurrences(src: _Sources, assignment: Assignment, user_id: int,
                 hidden: set[dt.date]) -> Occurrences:
    user = next(p.user for p in src.partners if p.user_id == user_id)
    today = day_in(src.moment, dated_in(assignment.mode, src.couple.timezone, user.timezone))
    logged = {day: completion for day, completion
              in src.completions.get((assignment.id, user_id), {}).items()
              if day not in hidden}
    return Occurrences.of(plan_of(assignment), logged, today)


def _topics(assignment: Assignment, seen: list[Entry]) -> list[Topic]:
    """The joint occurrences whose accounts differ on what both partners can see: the
    completion, and the ratings both shared, never on a question about safety or fear."""
    questions = assignment.exercise_version.rating_questions
    by_day: dict[dt.date, list[Entry]] = defaultdict(list)
    for entry in seen:
        by_day[entry.occurrence_date].append(entry)
    found = []
    for day, pair in sorted(by_day.items()):
        if len(pair) != 2:
            continue
        accounts = [Account(e.completion, [
            value if words_seen_by_partner(e.visibility) and i < len(questions)
            and not questions[i].get("about_safety") else None
            for i, value in enumerate(e.ratings)]) for e in pair]
        difference = compare(*accounts)
        if difference is None:
            continue
        found.append(Topic(day, assignment.exercise_version.title, difference.completion,
                           [(questions[i]["question"], accounts[0].ratings[i],
                             accounts[1].ratings[i]) for i in difference.questions]))
    return found


def _next_session(src: _Sources) -> tuple[dt.date, dt.datetime | None]:
    """The next scheduled session after this one (or after the period), in the couple's
    timezone, and the last day the homework is listed for: the day before it, or
    HANDOUT_DAYS_WITHOUT_SESSION days on when none is scheduled."""
    after = (src.session.scheduled_at if src.session is not None
             else dt.datetime.combine(src.end, dt.time.max, ZoneInfo(src.couple.timezone)))
    upcoming = [n.session for n in src.numbered
                if n.session.status == "scheduled" and n.session.scheduled_at > after]
    if not upcoming:
        return src.end + dt.timedelta(days=HANDOUT_DAYS_WITHOUT_SESSION), None
    when = upcoming[0].scheduled_at.astimezone(ZoneInfo(src.couple.timezone))
    return max(src.end, when.date() - dt.timedelta(days=1)), when


def _coming_up(src: _Sources, assignments: list[Assignment], until: dt.date
               ) -> list[ComingUp]:
    first = src.end + dt.timedelta(days=1)
    found = []
    for assignment in assignments:
        if assignment.status != "active":
            continue
        days = [day for day in plan_of(assignment).dates(until) if day >= first]
        if days or assignment.cadence == "as_it_comes_up":
            found.append(ComingUp(
                assignment.exercise_version.title, _rhythm(assignment), assignment.note,
                days, every_day=len(days) == (until - first).days + 1 and len(days) > 1))
    return found


def gather(
    couple: Couple,
    *,
    audience: str,
    session: TherapySession | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> ReportData | Handout:
    """Everything one report shows, as plain data, already filtered for its audience:
    the sources loaded once, then one builder per section (the couple handout has sections
    of its own)."""
    src = _load(couple, audience, session, start, end)
    if not src.clinician:
        return _handout(src)
    csi4 = _csi4(src)
    return ReportData(
        audience=audience,
        header=_header(src),
        summary=_summary(src, csi4),
        couple_summary=session.couple_summary if session is not None else "",
        record=_record(src),
        csi4=csi4,
        ratings=_ratings(src),
        written=_written(src),
        safety=safety_brief(couple),
    )


# --- producing and archiving -----------------------------------------------------------


class RenderedLike(Protocol):
    """The shape of reports.render.RenderedPdf, without importing WeasyPrint here."""

    content: bytes
    page_count: int
    sha256: str


def archive(couple: Couple, data: ReportData, rendered: RenderedLike, *, session_id: int | None,
            generated_by: User) -> Report:
    """Keep the exact bytes given out, with their digest, audience and period."""
    digest = hashlib.sha256(rendered.content).hexdigest()
    if digest != rendered.sha256:
        raise DomainError("The report was damaged on its way back from the renderer.")
    report = Report(
        couple_id=couple.id, session_id=session_id, audience=data.audience,
        period_start=data.header.period_start, period_end=data.header.period_end,
        content=rendered.content, sha256=digest, byte_size=len(rendered.content),
        page_count=rendered.page_count, generated_by_id=generated_by.id, created_at=now(),
    )
    db.session.add(report)
    db.session.flush()
    return report


Renderer = Callable[[str, str, str], RenderedLike]  # (html, title, author) -> PDF


def produce_report(
    couple: Couple,
    *,
    audience: str,
    generated_by: User,
    render: Renderer,
    session: TherapySession | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Report:
    """Gather, lay out, render and archive one report. Rendering errors propagate before
    anything is added to the session, so a failed render leaves no archive row."""
    from reports.html import build_html

    data = gather(couple, audience=audience, session=session, start=start, end=end)
    rendered = render(build_html(data), data.title, data.header.therapist_name)
    return archive(couple, data, rendered, session_id=session.id if session else None,
                   generated_by=generated_by)


def reports_of(couple: Couple) -> list[Report]:
    """The couple's archived reports, newest first (without their bytes)."""
    return list(db.session.scalars(
        sa.select(Report).where(Report.couple_id == couple.id)
        .order_by(Report.created_at.desc(), Report.id.desc())
    ))


def authors_of(reports: Sequence[Report]) -> dict[int, str]:
    """Names of the clinicians who made these reports, in one query."""
    ids = {r.generated_by_id for r in reports}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids)))
    return {row.id: row.name for row in rows}


def file_name(report: Report, couple_name: str) -> str:
    """A download name made of safe characters only."""
    safe = "".join(c if c.isalnum() else "-" for c in couple_name.lower()).strip("-")
    safe = "-".join(part for part in safe.split("-") if part)[:40] or "couple"
    kind = "clinician-report" if report.audience == "clinician" else "couple-handout"
    return f"rekindle-{safe}-{kind}-{report.period_end:%Y-%m-%d}.pdf"
