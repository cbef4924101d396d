"""The therapist's caseload: every couple with this week's adherence per partner, last
activity, overdue homework and flags, in a constant number of queries whatever its size.

The rules are the couple page's (progress.couple_progress); only the loading differs. The
whole caseload is read at once, in five queries whatever its size: couples with their
partners and each partner's last activity; open invitations; assignments with their pauses,
as plain values for the schedule engine; what each partner logged of each assignment in the
few days the figures look at, summed up by the database into one row per partner and
assignment (as sets of days: see _Days); and the ratings of joint entries of the flag window.

- This week is the therapist's week (Monday to Sunday of today in the therapist's
  timezone); what is due so far in it still follows each person's own today: a joint
  exercise the couple's, an individual one the partner's. Adherence is done or partly
  over due so far; "not done" is reported, not completed.
- Overdue: due in the LATE_DAYS days before the person's today and not logged at all.
- Flags: joint occurrences of the last FLAG_DAYS days (today included, by the couple's
  calendar) whose two accounts differ by FLAG_GAP or more on any rating question.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.clock import now, today_in
from app.extensions import db
from app.models import Assignment, AssignmentPause, Couple, Entry, Partner, User
from app.services.couples import PartnerSlot, partner_slots
from app.services.invitations import pending_invitations_by_couple
from app.services.progress import COMPLETED, FLAG_GAP
from app.services.schedule import LATE_DAYS, Plan, week_of

FLAG_DAYS = 14  # flags of the last two weeks, today included
_LATE = dt.timedelta(days=LATE_DAYS)
SORTS = ("name", "adherence", "activity", "overdue", "flags")
DESCENDING = frozenset({"overdue", "flags"})  # most first; the other keys lowest first

# The tables rather than the mapped classes: these queries read plain columns, and Core
# results stream row by row without the ORM's per-row work (a caseload is thousands).
COUPLES, PARTNERS, USERS = Couple.__table__, Partner.__table__, User.__table__
ASSIGNMENTS, PAUSES, ENTRIES = Assignment.__table__, AssignmentPause.__table__, Entry.__table__


@dataclass
class PartnerFigures:
    """One partner's line on the caseload."""

    user_id: int
    name: str
    short_name: str  # the first name, unless both partners share it
    week_due: int = 0
    week_completed: int = 0
    overdue: int = 0
    last_activity: dt.datetime | None = None
    days_since_activity: int | None = None  # by the therapist's calendar; None: never

    @property
    def week_adherence(self) -> float | None:
        return self.week_completed / self.week_due if self.week_due else None

    @property
    def week_percent(self) -> int | None:
        """Adherence this week as a whole percentage (rounded as the couple page does)."""
        return round(self.week_completed * 100 / self.week_due) if self.week_due else None


@dataclass
class CaseloadRow:
    """One couple of the caseload, as plain values."""

    couple_id: int
    name: str
    status: str
    slots: list[PartnerSlot]
    partners: list[PartnerFigures]
    overdue: int = 0
    flags: int = 0

    @property
    def lowest_week_adherence(self) -> float | None:
        """The lower of the partners' adherence this week; None when nothing was due."""
        values = [p.week_adherence for p in self.partners if p.week_adherence is not None]
        return min(values) if values else None

    @property
    def quietest_activity(self) -> dt.datetime | None:
        """The older of the partners' last activity; None when a partner never logged."""
        values = [p.last_activity for p in self.partners]
        if not values or any(value is None for value in values):
            return None
        return min(v for v in values if v is not None)


@dataclass
class _Homework:
    """What the figures read of an assignment: who logs it, and its schedule's values."""

    id: int
    couple_id: int
    mode: str
    partner_id: int | None
    cadence: str
    start: dt.date
    end: dt.date | None
    max_occurrences: int | None
    weekdays: int | None
    pauses: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)

    def schedule_from(self, first: dt.date) -> tuple[Any, ...]:
        """The values of its schedule from `first` on: those of `plan(first)`, cheaper to
        build and compare than the Plan itself."""
        start = _start_from(self.cadence, self.start, first, self.max_occurrences)
        return (self.cadence, start, self.end, self.max_occurrences, self.weekdays,
                tuple(self.pauses))

    def plan(self, first: dt.date) -> Plan:
        """Its schedule (as homework.plan_of builds it from an Assignment), from `first` on."""
        cadence, start, end, max_occurrences, weekdays, pauses = self.schedule_from(first)
        return Plan(cadence=cadence, start=start, end=end, max_occurrences=max_occurrences,
                    weekdays=weekdays, pauses=pauses)


# _Person and _Member are named tuples rather than frozen dataclasses: as immutable, and
# several times cheaper to build, a few hundred times a page.
class _Person(NamedTuple):
    """What the caseload reads of a partner's user account."""

    id: int
    name: str
    email: str
    password_hash: bool  # whether one is set (joined); the hash itself is not loaded
    timezone: str
    last_activity: dt.datetime | None  # the latest updated_at of their entries


class _Member(NamedTuple):
    """What the caseload (and couples.partner_slots) reads of a Partner."""

    position: int
    user: _Person


@dataclass
class _Case:
    """What the caseload (and couples.partner_slots) reads of a Couple. Plain values from
    one query rather than ORM objects: hundreds of couples, partners and users cost
    several milliseconds to load as objects, and many more in garbage collection."""

    id: int
    name: str
    status: str
    timezone: str
    partners: list[_Member] = field(default_factory=list)


@dataclass(frozen=True)
class _Days:
    """The days from `first` to `last` that the figures look at. A set of them is an int
    whose bit i stands for the i-th day from `first`, so a person's figures are counts of
    bits (due, and in this week, and done) rather than walks over dates."""

    first: dt.date
    last: dt.date

    def bit(self, day: dt.date) -> int:
        return 1 << (day - self.first).days

    def of(self, days: Sequence[dt.date]) -> int:
        """The set of those days that fall in the window."""
        return sum(self.bit(day) for day in days if self.first <= day <= self.last)

    def span(self, first: dt.date, last: dt.date) -> int:
        """The set of the window's days from `first` to `last`, both included."""
        low = max((first - self.first).days, 0)
        high = min((last - self.first).days, (self.last - self.first).days)
        return (1 << (high + 1)) - (1 << low) if low <= high else 0


def normalise_sort(sort: str | None) -> str:
    """A known sort key; anything else sorts by name."""
    return sort if sort in SORTS else "name"


def therapist_week(therapist: User) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the therapist's current week, by their own calendar."""
    return week_of(today_in(therapist.timezone))


def plan_from(plan: Plan, first: dt.date) -> Plan:
    """The same due dates on and after `first`, without walking every day since the start."""
    start = _start_from(plan.cadence, plan.start, first, plan.max_occurrences)
    return plan if start == plan.start else dataclasses.replace(plan, start=start)


def _start_from(
    cadence: str, start: dt.date, first: dt.date, max_occurrences: int | None
) -> dt.date:
    """A start that gives a plan the same due dates on and after `first`. A count limit
    (max_occurrences) needs the dates from the real start, so such a plan keeps it; a
    weekly plan keeps its weekday by moving by whole weeks."""
    if max_occurrences is not None or cadence == "once" or first <= start:
        return start
    if cadence == "weekly":
        return start + dt.timedelta(weeks=(first - start).days // 7)
    return first


def ratings_differ(first: Sequence[int | None], second: Sequence[int | None]) -> bool:
    """Whether two accounts of a joint occurrence differ by FLAG_GAP or more on any question
    (progress.joint_flags' rule; ratings are stored one per rating question)."""
    for a, b in zip(first, second, strict=False):
        if a is not None and b is not None and abs(a - b) >= FLAG_GAP:
            return True
    return False


def caseload(therapist: User, sort: str = "name") -> list[CaseloadRow]:
    """Every couple of the therapist with this week's figures, sorted by `sort`."""
    moment = now()
    todays: dict[str, dt.date] = {}

    def today_of(timezone: str) -> dt.date:
        # One moment for the whole page, so midnight cannot fall between two couples.
        if timezone not in todays:
            todays[timezone] = moment.astimezone(ZoneInfo(timezone)).date()
        return todays[timezone]

    therapist_zone = ZoneInfo(therapist.timezone)
    therapist_today = today_of(therapist.timezone)
    monday, sunday = week_of(therapist_today)

    scope = {"therapist_id": therapist.id, "practice_id": therapist.practice_id}
    couples = _load_couples(scope)
    if not couples:
        return []
    invitations = pending_invitations_by_couple([couple.id for couple in couples])

    their_todays = {
        today_of(zone)
        for couple in couples
        for zone in [couple.timezone, *(p.user.timezone for p in couple.partners)]
    }
    lowest_today, highest_today = min(their_todays), max(their_todays)
    # The first days the figures look at, for whoever's today is the earliest: this
    # week's Monday or the start of the overdue window; the start of the flag window.
    recent = min(monday, lowest_today - _LATE)
    flag_first = lowest_today - dt.timedelta(days=FLAG_DAYS - 1)
    window = _Days(recent, highest_today)

    by_couple: dict[int, list[_Homework]] = defaultdict(list)
    for item in _load_homework(scope, min(recent, flag_first)):
        by_couple[item.couple_id].append(item)
    logged = _load_logged(scope, window)
    accounts = _load_joint_accounts(scope, flag_first)

    # Plans that began before the first day look alike from it on (a daily exercise is a
    # daily exercise), so many assignments share their due dates: work each out once; and
    # so do people who share a today their spans of this week and of the overdue window.
    due_days: dict[tuple[tuple[Any, ...], dt.date], int] = {}
    spans = {
        today: (
            window.span(monday, min(sunday, today)),
            window.span(today - _LATE, today - dt.timedelta(days=1)),
        )
        for today in their_todays
    }
    rows = []
    for couple in couples:
        users = [partner.user for partner in couple.partners]
        figures = {
            user.id: PartnerFigures(user.id, user.name, short)
            for user, short in zip(users, _short_names(users), strict=True)
        }
        for user in users:
            if user.last_activity is not None:
                person = figures[user.id]
                person.last_activity = user.last_activity
                person.days_since_activity = max(0, (
                    therapist_today - user.last_activity.astimezone(therapist_zone).date()
                ).days)
        couple_today = today_of(couple.timezone)
        todays_of_partners = {user.id: today_of(user.timezone) for user in users}
        flags = 0
        for item in by_couple.get(couple.id, []):
            if item.mode == "joint":
                people = [(user_id, couple_today) for user_id in todays_of_partners]
                flags += _count_flags(accounts.get(item.id, {}), couple_today)
            elif item.mode == "one":
                people = [(user_id, today) for user_id, today in todays_of_partners.items()
                          if user_id == item.partner_id]
            else:
                people = list(todays_of_partners.items())
            _count_due(item, people, figures, logged, window, spans, due_days)
        rows.append(
            CaseloadRow(
                couple_id=couple.id,
                name=couple.name,
                status=couple.status,
                # _Case and _Member carry all that partner_slots reads of a couple.
                slots=partner_slots(couple, invitations.get(couple.id, [])),
                partners=list(figures.values()),
                overdue=sum(person.overdue for person in figures.values()),
                flags=flags,
            )
        )
    rows.sort(key=_sort_key(normalise_sort(sort)))
    return rows


# The caseload's queries, built once. SQLAlchemy caches how a statement compiles, but
# building one and working out its cache key again on every request costs a good part of
# what running it does. They take therapist_id, practice_id and, as named, first and last.
_IN_CASELOAD = sa.select(COUPLES.c.id).where(
    COUPLES.c.therapist_id == sa.bindparam("therapist_id"),
    COUPLES.c.practice_id == sa.bindparam("practice_id"),
)


def _couples_query() -> sa.Select:
    """The caseload's couples with their partners and when each partner last logged or
    changed an entry, however long ago (a row per partner)."""
    c, p, u, e = COUPLES.c, PARTNERS.c, USERS.c, ENTRIES.c
    last_activity = (
        sa.select(sa.func.max(e.updated_at)).where(e.author_id == p.user_id).scalar_subquery()
    )
    return (
        sa.select(
            c.id, c.name, c.status, c.timezone, p.position,
            u.id, u.name, u.email, u.password_hash.is_not(None), u.timezone, last_activity,
        )
        .select_from(
            COUPLES.outerjoin(PARTNERS, p.couple_id == c.id).outerjoin(USERS, u.id == p.user_id)
        )
        .where(c.id.in_(_IN_CASELOAD))
        .order_by(c.id, p.position)
    )


def _homework_query() -> sa.Select:
    """The caseload's assignments that can be due on or after `first`, with their pauses
    (a row per pause: an outer join keeps the number of queries constant)."""
    a, pause = ASSIGNMENTS.c, PAUSES.c
    first = sa.bindparam("first", type_=sa.Date)
    return (
        sa.select(
            a.id, a.couple_id, a.mode, a.partner_id, a.cadence, a.start_date, a.end_date,
            a.ended_on, a.max_occurrences, a.weekdays, pause.paused_on, pause.resumed_on,
        )
        .select_from(ASSIGNMENTS.outerjoin(PAUSES, pause.assignment_id == a.id))
        .where(a.couple_id.in_(_IN_CASELOAD), *_not_over_before(first))
        .order_by(a.id, pause.paused_on)
    )


def _not_over_before(first: sa.BindParameter) -> tuple[sa.ColumnElement[bool], ...]:
    """An assignment that ended before the first day counts in no figure."""
    a = ASSIGNMENTS.c
    return (
        sa.or_(a.ended_on.is_(None), a.ended_on >= first),
        sa.or_(a.end_date.is_(None), a.end_date >= first),
    )


def _pairs(first: sa.BindParameter, *criteria: Any) -> sa.Select:
    """(assignment, partner) pairs of the caseload's assignments not over before `first`.
    Entries are looked up by these: the database then seeks the entries' unique index on
    (assignment, author, day) straight to the first day, rather than reading every entry
    of the caseload's history."""
    a, p = ASSIGNMENTS.c, PARTNERS.c
    return (
        sa.select(a.id, p.user_id)
        .select_from(ASSIGNMENTS.join(PARTNERS, p.couple_id == a.couple_id))
        .where(a.couple_id.in_(_IN_CASELOAD), *_not_over_before(first), *criteria)
    )


class _DaysSince(FunctionElement[int]):
    """Whole days from the date `first` to the date `day` (day - first)."""

    type = sa.Integer()
    inherit_cache = True


@compiles(_DaysSince)
def _days_since(element: _DaysSince, compiler: Any, **kw: Any) -> str:
    day, first = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({day} - {first})"  # PostgreSQL: a date minus a date is a number of days


@compiles(_DaysSince, "sqlite")
def _days_since_on_sqlite(element: _DaysSince, compiler: Any, **kw: Any) -> str:
    day, first = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({day}) - julianday({first}) AS INTEGER)"


def _logged_query() -> sa.Select:
    """By (assignment, author): the days from `first` to `last` with an entry, and those
    done or partly done, as _Days sets (one row per partner and assignment rather than
    one per entry). Entries are unique by assignment, author and day, so the sum of their
    days' bits is the set of their days."""
    e = ENTRIES.c
    first = sa.bindparam("first", type_=sa.Date)
    # A plain integer: the window is a week and the overdue week, give or take a day of
    # timezones, far from 31 days; and its sum stays an integer on PostgreSQL too.
    bit = sa.literal_column("1", sa.Integer).bitwise_lshift(_DaysSince(e.occurrence_date, first))
    completed = sa.case((e.completion.in_(sorted(COMPLETED)), bit), else_=0)
    return (
        sa.select(e.assignment_id, e.author_id, sa.func.sum(bit), sa.func.sum(completed))
        .where(
            sa.tuple_(e.assignment_id, e.author_id).in_(_pairs(first)),
            e.occurrence_date.between(first, sa.bindparam("last", type_=sa.Date)),
        )
        .group_by(e.assignment_id, e.author_id)
    )


def _joint_accounts_query() -> sa.Select:
    """The partners' entries of joint assignments since `first`, with their ratings as JSON
    text (decoded by _load_joint_accounts)."""
    e = ENTRIES.c
    first = sa.bindparam("first", type_=sa.Date)
    joint = _pairs(first, ASSIGNMENTS.c.mode == "joint")
    return sa.select(e.assignment_id, e.occurrence_date, sa.cast(e.ratings, sa.Text)).where(
        sa.tuple_(e.assignment_id, e.author_id).in_(joint), e.occurrence_date >= first
    )


_COUPLES, _HOMEWORK = _couples_query(), _homework_query()
_LOGGED, _JOINT_ACCOUNTS = _logged_query(), _joint_accounts_query()


def _load_couples(scope: dict[str, Any]) -> list[_Case]:
    """The caseload's couples, their partners and each partner's last activity."""
    found: dict[int, _Case] = {}
    for (
        couple_id, name, status, timezone, position, user_id, user_name, email, joined,
        user_timezone, latest,
    ) in db.session.execute(_COUPLES, scope):
        case = found.get(couple_id)
        if case is None:
            case = found[couple_id] = _Case(couple_id, name, status, timezone)
        if user_id is not None:
            person = _Person(user_id, user_name, email, joined, user_timezone, latest)
            case.partners.append(_Member(position, person))
    return list(found.values())


def _load_homework(scope: dict[str, Any], first: dt.date) -> list[_Homework]:
    """The caseload's assignments that can be due on or after `first`, with their pauses."""
    found: dict[int, _Homework] = {}
    for (
        assignment_id, couple_id, mode, partner_id, cadence, start, end_date, ended_on,
        max_occurrences, weekdays, paused_on, resumed_on,
    ) in db.session.execute(_HOMEWORK, {**scope, "first": first}):
        item = found.get(assignment_id)
        if item is None:
            ends = [day for day in (end_date, ended_on) if day is not None]
            item = found[assignment_id] = _Homework(
                assignment_id, couple_id, mode, partner_id, cadence, start,
                min(ends) if ends else None, max_occurrences, weekdays,
            )
        if paused_on is not None:
            item.pauses.append((paused_on, resumed_on))
    return list(found.values())


def _load_logged(
    scope: dict[str, Any], window: _Days
) -> dict[tuple[int, int], tuple[int, int]]:
    """By (assignment, author): the window's days with an entry, and those completed."""
    return {
        (assignment_id, author_id): (logged, completed)
        for assignment_id, author_id, logged, completed in db.session.execute(
            _LOGGED, {**scope, "first": window.first, "last": window.last}
        )
    }


def _load_joint_accounts(
    scope: dict[str, Any], first: dt.date
) -> dict[int, dict[dt.date, list[list[Any]]]]:
    """By joint assignment and day since `first`: the ratings of each partner's account."""
    found: dict[int, dict[dt.date, list[list[Any]]]] = defaultdict(lambda: defaultdict(list))
    # Ratings are a few small numbers, so a page holds few different texts: each is
    # decoded once.
    decoded: dict[str, list[Any] | None] = {}
    for assignment_id, day, text in db.session.execute(
        _JOINT_ACCOUNTS, {**scope, "first": first}
    ):
        if text not in decoded:
            decoded[text] = json.loads(text)
        ratings = decoded[text]
        if ratings is not None:
            found[assignment_id][day].append(ratings)
    return found


def _count_due(
    item: _Homework,
    people: list[tuple[int, dt.date]],
    figures: dict[int, PartnerFigures],
    logged: dict[tuple[int, int], tuple[int, int]],
    window: _Days,
    spans: dict[dt.date, tuple[int, int]],
    due_days: dict[tuple[tuple[Any, ...], dt.date], int],
) -> None:
    """Add one assignment's due and done days of this week, and its overdue days, to each
    person who logs it (user id, and their today for this assignment)."""
    if not people:
        return
    latest = max(today for _user_id, today in people)
    if item.start > latest:
        return
    # Due dates up to the latest of the todays; each person then stops at their own
    # (their spans end at their today).
    key = (item.schedule_from(window.first), latest)
    due = due_days.get(key)
    if due is None:
        due = due_days[key] = window.of(item.plan(window.first).dates(latest))
    for user_id, today in people:
        entered, done = logged.get((item.id, user_id), (0, 0))
        this_week, late = spans[today]
        person = figures[user_id]
        person.week_due += (due & this_week).bit_count()
        person.week_completed += (due & this_week & done).bit_count()
        person.overdue += (due & late & ~entered).bit_count()


def _count_flags(accounts: dict[dt.date, list[list[Any]]], couple_today: dt.date) -> int:
    """Joint occurrences of the last FLAG_DAYS days whose two accounts differ enough."""
    flag_from = couple_today - dt.timedelta(days=FLAG_DAYS - 1)
    return sum(
        1
        for day, both in accounts.items()
        if flag_from <= day <= couple_today
        and len(both) >= 2
        and ratings_differ(both[0], both[1])
    )


def _short_names(users: list[_Person]) -> list[str]:
    firsts = [(user.name.split() or [user.name])[0] for user in users]
    if len(set(firsts)) < len(firsts):
        return [user.name for user in users]
    return firsts


def _sort_key(sort: str) -> Callable[[CaseloadRow], Any]:
    def by_name(row: CaseloadRow) -> tuple[str, int]:
        return row.name.casefold(), row.couple_id

    if sort == "adherence":  # lowest first; couples with nothing due this week last
        return lambda row: (row.lowest_week_adherence is None,
                            row.lowest_week_adherence or 0.0, by_name(row))
    if sort == "activity":  # longest quiet first; a partner who never logged first of all
        return lambda row: (row.quietest_activity is not None,
                            row.quietest_activity or dt.datetime.min.replace(tzinfo=dt.UTC),
                            by_name(row))
    if sort == "overdue":
        return lambda row: (-row.overdue, by_name(row))
    if sort == "flags":
        return lambda row: (-row.flags, by_name(row))
    return by_name
