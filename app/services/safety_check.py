"""The private safety check: a few questions each partner answers alone, about fear,
harm and control, read by the couple's therapist only.

It follows the practice of asking each partner individually about their safety in couples
work. Its questions are Rekindle's own: it is a prompt for a conversation with the
therapist, not a validated instrument, and it gives no score.

Nothing here is ever shown to the other partner: not the answers, not that a check was
due, answered or put off (tests/test_safety_invisible.py). A concerning answer (any choice
but the safest, or any written word) raises an attention flag for the therapist, which
stays until the therapist records what they did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.clock import now
from app.extensions import db
from app.models import (
    Couple,
    Partner,
    SafetyAddition,
    SafetyCheck,
    SafetyFlag,
    TherapySession,
    User,
)
from app.models.safety_checks import CHECK_SCHEDULES
from app.services import Collision, DomainError
from app.services.locking import hold

# --- the questions -------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    key: str
    label: str


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    short: str  # how the therapist's pages and the clinician report name it
    options: tuple[Option, ...]
    safest: str  # the key of the option that raises no concern

    def label_of(self, key: str | None) -> str:
        return next((o.label for o in self.options if o.key == key), "Not answered")

    def is_concerning(self, key: str | None) -> bool:
        return key != self.safest


RATHER_NOT = Option("rather_not", "I'd rather not say")
NO = Option("no", "No")

QUESTIONS: tuple[Question, ...] = (
    Question(
        "afraid", "Do you ever feel afraid of your partner?", "Afraid of their partner",
        (NO, Option("sometimes", "Sometimes"), Option("often", "Often"), RATHER_NOT), "no"),
    Question(
        "hurt", "In the past year, has your partner hit, pushed, grabbed or otherwise hurt "
                "you?", "Hurt by their partner",
        (NO, Option("once", "Once"), Option("more", "More than once"), RATHER_NOT), "no"),
    Question(
        "threatened", "Has your partner threatened you, someone you care about, or a pet, "
                      "or broken things to frighten you?", "Threatened",
        (NO, Option("yes", "Yes"), RATHER_NOT), "no"),
    Question(
        "forced", "Has your partner pressured or forced you into sexual acts you did not "
                  "want?", "Pressured or forced sexually",
        (NO, Option("yes", "Yes"), RATHER_NOT), "no"),
    Question(
        "control", "Does your partner control your money, check your phone, or decide whom "
                   "you see or where you go?", "Controls money, phone, friends or movements",
        (NO, Option("sometimes", "Sometimes"), Option("yes", "Yes"), RATHER_NOT), "no"),
    Question(
        "speak", "Can you say what you really think in your joint sessions, without "
                 "worrying about what happens afterwards?", "Can speak freely in joint sessions",
        (Option("freely", "Yes, freely"), Option("mostly", "Mostly"), Option("no", "No"),
         RATHER_NOT), "freely"),
)
QUESTION_OF = {q.key: q for q in QUESTIONS}
NOTE_QUESTION = "Is there anything you want your therapist to know privately?"
NOTE_SHORT = "Wrote to the therapist"
MAX_NOTE = 10_000

# A check before every session opens this many days before it.
OPENS_BEFORE = dt.timedelta(days=3)
# A monthly check is due this long after the last one.
MONTH = dt.timedelta(days=30)

SCHEDULE_LABELS = {
    "intake": "Once, when each partner first signs in",
    "session": "Before every session (from 3 days before it)",
    "monthly": "Every 30 days",
}
assert set(SCHEDULE_LABELS) == set(CHECK_SCHEDULES)


def is_concerning(answers: Mapping[str, str | None], note: str) -> bool:
    """Any answer but the safest, or any written word."""
    return bool(note.strip()) or any(q.is_concerning(answers.get(q.key)) for q in QUESTIONS)


# --- when it is due (pure) -----------------------------------------------------------


def open_session(at: dt.datetime, upcoming: Sequence[tuple[int, dt.datetime]],
                 answered: Collection[int]) -> int | None:
    """The soonest scheduled session whose check is open at `at` (from OPENS_BEFORE before
    it until it starts) and not answered yet."""
    for session_id, when in sorted(upcoming, key=lambda s: (s[1], s[0])):
        if at < when <= at + OPENS_BEFORE and session_id not in answered:
            return session_id
    return None


def due_occasion(schedule: str, at: dt.datetime, last: tuple[int, dt.datetime] | None,
                 upcoming: Sequence[tuple[int, dt.datetime]] = (),
                 answered: Collection[int] = ()) -> str | None:
    """The occasion a partner's check is due for at `at`, or None when nothing is due.

    The first check is due until it is answered (from the first sign-in after accepting
    the invitation). Then, by the couple's schedule: never again ("intake"); once per
    scheduled session, from OPENS_BEFORE before it until it starts ("session"; a check
    answered in that window counts for the session); or MONTH after the last ("monthly").
    `last` is the partner's last check (id, when), `upcoming` the couple's scheduled
    sessions (id, when), `answered` the sessions the partner has answered a check for.
    """
    if last is None:
        return "first"
    if schedule == "session":
        session_id = open_session(at, upcoming, answered)
        return f"session-{session_id}" if session_id is not None else None
    if schedule == "monthly":
        last_id, last_at = last
        return f"after-{last_id}" if at >= last_at + MONTH else None
    return None


@dataclass(frozen=True)
class _State:
    last: tuple[int, dt.datetime] | None
    upcoming: list[tuple[int, dt.datetime]]
    answered: set[int]


def _state(user: User, couple: Couple, at: dt.datetime) -> _State:
    """What the due rule reads, in two queries whatever the history (and whatever the
    other partner did: nothing of theirs is read)."""
    last = db.session.execute(
        sa.select(SafetyCheck.id, SafetyCheck.created_at)
        .where(SafetyCheck.respondent_id == user.id)
        .order_by(SafetyCheck.created_at.desc(), SafetyCheck.id.desc())
        .limit(1)
    ).first()
    answered = sa.exists().where(SafetyCheck.respondent_id == user.id,
                                 SafetyCheck.session_id == TherapySession.id)
    rows = db.session.execute(
        sa.select(TherapySession.id, TherapySession.scheduled_at, answered)
        .where(TherapySession.couple_id == couple.id,
               TherapySession.status == "scheduled",
               TherapySession.scheduled_at > at,
               TherapySession.scheduled_at <= at + OPENS_BEFORE)
    ).all()
    return _State(
        last=(last[0], last[1]) if last is not None else None,
        upcoming=[(row[0], row[1]) for row in rows],
        answered={row[0] for row in rows if row[2]},
    )


def due_for(user: User, couple: Couple, at: dt.datetime | None = None) -> str | None:
    """The occasion this partner's check is due for now, or None."""
    moment = at or now()
    state = _state(user, couple, moment)
    return due_occasion(couple.safety_check_schedule, moment, state.last, state.upcoming,
                        state.answered)


def has_answered(user: User) -> bool:
    """Whether this partner has sent a check (they may then add to it)."""
    return db.session.scalar(
        sa.select(sa.exists().where(SafetyCheck.respondent_id == user.id))) or False


# --- answering -----------------------------------------------------------------------


@dataclass(frozen=True)
class Raised:
    """What an answer or an addition made: the record, and the flag it raised (if any)."""

    check: SafetyCheck
    addition: SafetyAddition | None
    flag: SafetyFlag | None


def _partner_of(user: User, couple: Couple) -> Partner:
    partner = next((p for p in couple.partners if p.user_id == user.id), None)
    if partner is None:
        raise DomainError("Only a partner of the couple answers these questions.")
    return partner


def submit_check(user: User, couple: Couple, answers: Mapping[str, str | None],
                 note: str = "", *, at: dt.datetime | None = None) -> Raised:
    """Record a partner's check; a concerning one raises an attention flag."""
    _partner_of(user, couple)
    moment = at or now()
    for question in QUESTIONS:
        if answers.get(question.key) not in {o.key for o in question.options}:
            raise DomainError("Please choose an answer for every question. “I'd rather not "
                              "say” is an answer too.")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(f"Please keep what you write under {MAX_NOTE:,} characters.")
    state = _state(user, couple, moment)
    occasion = due_occasion(couple.safety_check_schedule, moment, state.last, state.upcoming,
                            state.answered)
    if occasion is None:
        raise DomainError("There are no questions for you right now. Thank you.")
    check = SafetyCheck(
        couple_id=couple.id, respondent_id=user.id,
        session_id=open_session(moment, state.upcoming, state.answered),
        occasion=occasion, answers={q.key: answers[q.key] for q in QUESTIONS}, note=note,
        is_concerning=is_concerning(answers, note), created_at=moment,
    )
    db.session.add(check)
    try:
        db.session.flush()
    except IntegrityError:  # sent from another window at the same moment
        raise Collision("Your answers were already sent. Thank you.") from None
    flag = None
    if check.is_concerning:
        flag = SafetyFlag(couple_id=couple.id, check_id=check.id, created_at=moment)
        db.session.add(flag)
        db.session.flush()
    return Raised(check, None, flag)


def add_to_check(user: User, couple: Couple, text: str, *,
                 at: dt.datetime | None = None) -> Raised:
    """Something the partner adds to their last check; it is written, so it raises a flag."""
    _partner_of(user, couple)
    moment = at or now()
    check = db.session.scalar(
        sa.select(SafetyCheck).where(SafetyCheck.respondent_id == user.id)
        .order_by(SafetyCheck.created_at.desc(), SafetyCheck.id.desc()).limit(1))
    if check is None:
        raise DomainError("Please answer the questions first.")
    text = (text or "").strip()
    if not text:
        raise DomainError("Write what you want to add, or go back.")
    if len(text) > MAX_NOTE:
        raise DomainError(f"Please keep what you write under {MAX_NOTE:,} characters.")
    addition = SafetyAddition(check_id=check.id, text=text, created_at=moment)
    db.session.add(addition)
    db.session.flush()
    flag = SafetyFlag(couple_id=couple.id, check_id=check.id, addition_id=addition.id,
                      created_at=moment)
    db.session.add(flag)
    db.session.flush()
    return Raised(check, addition, flag)


# --- the therapist --------------------------------------------------------------------


def has_unhandled_concern(couple: Couple) -> bool:
    """Whether a concerning answer of this couple waits for the therapist."""
    return db.session.scalar(sa.select(sa.exists().where(
        SafetyFlag.couple_id == couple.id, SafetyFlag.handled_at.is_(None)))) or False


def couples_needing_attention(couple_ids: Collection[int]) -> set[int]:
    """Of these couples, those with a concerning answer waiting (one query)."""
    if not couple_ids:
        return set()
    return set(db.session.scalars(
        sa.select(SafetyFlag.couple_id).distinct()
        .where(SafetyFlag.couple_id.in_(list(couple_ids)), SafetyFlag.handled_at.is_(None))))


def record_handling(therapist: User, couple: Couple, note: str) -> int:
    """The therapist records what they did about the waiting concerns: every open flag of
    the couple is closed with the note. How many were closed (0: none was waiting, as
    when the same form is sent twice)."""
    if couple.therapist_id != therapist.id:
        raise DomainError("Only the couple's therapist can record this.")
    note = (note or "").strip()
    if not note:
        raise DomainError("Write what you did; the note is required.")
    if len(note) > MAX_NOTE:
        raise DomainError(f"Please keep the note under {MAX_NOTE:,} characters.")
    hold(couple)  # two windows: the second finds nothing left open
    flags = db.session.scalars(sa.select(SafetyFlag).where(
        SafetyFlag.couple_id == couple.id, SafetyFlag.handled_at.is_(None))).all()
    moment = now()
    for flag in flags:
        flag.handled_at = moment
        flag.handled_by_id = therapist.id
        flag.handling_note = note
    db.session.flush()
    return len(flags)


def set_check_schedule(therapist: User, couple: Couple, schedule: str) -> bool:
    """When the couple's partners are asked again; False when it already was so."""
    if couple.therapist_id != therapist.id:
        raise DomainError("Only the couple's therapist can change this.")
    if schedule not in CHECK_SCHEDULES:
        raise DomainError("Choose when partners are asked again.")
    hold(couple)
    if couple.safety_check_schedule == schedule:
        return False
    couple.safety_check_schedule = schedule
    db.session.flush()
    return True


@dataclass(frozen=True)
class AnswerLine:
    question: str
    answer: str
    is_concerning: bool


@dataclass(frozen=True)
class CheckView:
    """One check as the therapist reads it."""

    id: int
    partner: str
    at: dt.datetime
    lines: list[AnswerLine]
    note: str
    additions: list[tuple[dt.datetime, str]]
    is_concerning: bool
    is_open: bool  # it, or an addition to it, raised a flag still waiting


@dataclass(frozen=True)
class Handled:
    at: dt.datetime
    by: str
    note: str
    count: int


@dataclass(frozen=True)
class PrivateAnswers:
    """What the therapist's page of private answers shows, as plain values."""

    checks: list[CheckView]
    waiting: int  # open flags
    handled: list[Handled]  # newest first
    not_answered: list[str]  # partners who have not sent a check yet


def _lines(check: SafetyCheck) -> list[AnswerLine]:
    return [AnswerLine(q.short, q.label_of(check.answers.get(q.key)),
                       q.is_concerning(check.answers.get(q.key))) for q in QUESTIONS]


def private_answers(couple: Couple) -> PrivateAnswers:
    """Every check of the couple with its additions, the flags waiting, and what the
    therapist recorded (a constant number of queries)."""
    names = {p.user_id: p.user.name for p in couple.partners}
    checks = db.session.scalars(
        sa.select(SafetyCheck).where(SafetyCheck.couple_id == couple.id)
        .options(selectinload(SafetyCheck.additions))
        .order_by(SafetyCheck.created_at.desc(), SafetyCheck.id.desc())).all()
    flags = db.session.scalars(sa.select(SafetyFlag).where(
        SafetyFlag.couple_id == couple.id)).all()
    open_checks = {f.check_id for f in flags if f.handled_at is None}
    handlers = {f.handled_by_id for f in flags if f.handled_by_id is not None}
    handler_names: dict[int, str] = {
        row[0]: row[1] for row in db.session.execute(
            sa.select(User.id, User.name).where(User.id.in_(handlers)))
    } if handlers else {}
    grouped: dict[tuple[dt.datetime, int, str], int] = {}
    for f in flags:
        if f.handled_at is not None and f.handled_by_id is not None and f.handling_note:
            key = (f.handled_at, f.handled_by_id, f.handling_note)
            grouped[key] = grouped.get(key, 0) + 1
    handled = [Handled(at, handler_names.get(by, "A former therapist"), note, count)
               for (at, by, note), count in sorted(grouped.items(), reverse=True,
                                                   key=lambda item: item[0][0])]
    return PrivateAnswers(
        checks=[CheckView(c.id, names.get(c.respondent_id, "A former partner"), c.created_at,
                          _lines(c), c.note, [(a.created_at, a.text) for a in c.additions],
                          c.is_concerning, c.id in open_checks) for c in checks],
        waiting=sum(1 for f in flags if f.handled_at is None),
        handled=handled,
        not_answered=[name for uid, name in names.items()
                      if not any(c.respondent_id == uid for c in checks)],
    )


# --- the clinician report --------------------------------------------------------------


@dataclass(frozen=True)
class BriefConcern:
    partner: str
    at: dt.datetime
    lines: list[tuple[str, str]]  # (question, answer) of the concerning answers only
    note: str
    additions: list[str]


@dataclass(frozen=True)
class SafetyBrief:
    """The safety section first on page 1 of the clinician report (never the handout)."""

    waiting: list[BriefConcern]
    last_handled: Handled | None
    schedule: str

    @property
    def needs_attention(self) -> bool:
        return bool(self.waiting)


def safety_brief(couple: Couple) -> SafetyBrief:
    """The concerns still waiting, with what made them concerning, and the last handling."""
    answers = private_answers(couple)
    tz = ZoneInfo(couple.timezone)
    waiting = [
        BriefConcern(
            c.partner, c.at.astimezone(tz),
            [(line.question, line.answer) for line in c.lines if line.is_concerning],
            c.note, [text for _at, text in c.additions])
        for c in answers.checks if c.is_open
    ]
    last = answers.handled[0] if answers.handled else None
    return SafetyBrief(waiting=waiting,
                       last_handled=replace(last, at=last.at.astimezone(tz)) if last else None,
                       schedule=SCHEDULE_LABELS[couple.safety_check_schedule])


@dataclass(frozen=True)
class SafetyPanel:
    """The couple page's block: whether a concern waits, and the schedule's choices."""

    waiting: bool
    schedules: dict[str, str]


def safety_panel(couple: Couple) -> SafetyPanel:
    return SafetyPanel(has_unhandled_concern(couple), dict(SCHEDULE_LABELS))
