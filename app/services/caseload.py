"""The therapist's caseload: every couple with this week's figures per partner, last
activity, overdue homework and joint differences, in a constant number of queries whatever
its size.

The figures are occurrences.py's, the couple page's too; only the loading differs. The
whole caseload is read at once, in five queries whatever its size: couples with their
partners and each partner's last activity; open invitations; assignments with their
pauses, as plain values for the schedule; what each partner logged of each assignment in
the few days the figures look at (packed by the database into one row per partner and
assignment); and the joint accounts of the differences' window.

- This week is the therapist's week (Monday to Sunday of today in the therapist's
  timezone); what is due so far in it follows each occurrence's own calendar: a joint
  exercise the couple's, an individual one the partner's. Extra practice logged in the
  week, and the uses of "as it comes up" exercises, are counted apart, as everywhere.
- Overdue: each partner's, as occurrences.py counts it.
- Differences: joint occurrences of the last DIFFERENCE_DAYS days (today included, by the
  couple's calendar) whose two accounts differ.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.clock import now, today_in
from app.extensions import db
from app.models import Assignment, AssignmentPause, Couple, Entry, Partner, User
from app.models.homework import COMPLETIONS
from app.services.couples import PartnerSlot, partner_slots
from app.services.invitations import pending_invitations_by_couple
from app.services.occurrences import (
    Account,
    Occurrences,
    Tally,
    dated_in,
    day_in,
    differences,
)
from app.services.safety_check import couples_needing_attention
from app.services.schedule import LATE_DAYS, Plan, week_of

DIFFERENCE_DAYS = 14  # differences of the last two weeks, today included
_LATE = dt.timedelta(days=LATE_DAYS)
SORTS = ("name", "adherence", "activity", "overdue", "differences")
DESCENDING = frozenset({"overdue", "differences"})  # most first; the other keys lowest first
_NOTHING: Mapping[dt.date, str] = {}

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
    week: Tally = field(default_factory=Tally)
    overdue: int = 0
    last_activity: dt.datetime | None = None
    days_since_activity: int | None = None  # by the therapist's calendar; None: never

    @property
    def week_standing(self) -> tuple[float, float] | None:
        """For sorting by adherence: this week's share done, then done or partly; None
        when nothing was due."""
        week = self.week
        return (week.done / week.due, (week.done + week.partly) / week.due) if week.due else None


@dataclass
class CaseloadRow:
    """One couple of the caseload, as plain values."""

    couple_id: int
    name: str
    status: str
    slots: list[PartnerSlot]
    partners: list[PartnerFigures]
    overdue: int = 0
    differences: int = 0
    # A concerning private safety answer waits for the therapist (attention flag).
    needs_attention: bool = False

    @property
    def lowest_week_standing(self) -> tuple[float, float] | None:
        """The lower of the partners' standing this week; None when nothing was due."""
        values = [p.week_standing for p in self.partners if p.week_standing is not None]
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


def normalise_sort(sort: str | None) -> str:
    """A known sort key; anything else sorts by name."""
    return sort if sort in SORTS else "name"


def therapist_week(therapist: User) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the therapist's current week, by their own calendar."""
    return week_of(today_in(therapist.timezone))


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


def caseload(therapist: User, sort: str = "name") -> list[CaseloadRow]:
    """Every couple of the therapist with this week's figures, sorted by `sort`."""
    moment = now()
    todays: dict[str, dt.date] = {}

    def today_of(timezone: str) -> dt.date:
        # One moment for the whole page, so midnight cannot fall between two couples.
        if timezone not in todays:
            todays[timezone] = day_in(moment, timezone)
        return todays[timezone]

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
    # The days the figures look at, for whoever's today is the earliest: this week's
    # Monday or the start of the overdue window, to this week's Sunday or the latest today
    # (an entry dated after its author's today counts as soon as it is logged); and the
    # differences' window.
    first, last = min(monday, lowest_today - _LATE), max(sunday, highest_today)
    differences_from = lowest_today - dt.timedelta(days=DIFFERENCE_DAYS - 1)

    by_couple: dict[int, list[_Homework]] = defaultdict(list)
    for item in _load_homework(scope, min(first, differences_from)):
        by_couple[item.couple_id].append(item)
    logged = _load_logged(scope, first, last)
    accounts = _load_joint_accounts(scope, differences_from)
    attention = couples_needing_attention([couple.id for couple in couples])

    # Plans that began before the first day look alike from it on (a daily exercise is a
    # daily exercise), so many assignments share their dates: work each out once.
    dates_of: dict[tuple[Any, ...], tuple[dt.date, ...]] = {}
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
                    therapist_today - day_in(user.last_activity, therapist.timezone)).days)
        differing = 0
        for item in by_couple.get(couple.id, []):
            if item.start > last and not any((item.id, user.id) in logged for user in users):
                continue  # starts later, and not practised ahead
            key = item.schedule_from(first)
            dates = dates_of.get(key)
            if dates is None:
                dates = dates_of[key] = tuple(day for day in item.plan(first).dates(last)
                                              if day >= first)
            for user in users:
                if item.mode == "one" and user.id != item.partner_id:
                    continue
                today = today_of(dated_in(item.mode, couple.timezone, user.timezone))
                occurrences = Occurrences.from_dates(
                    dates, logged.get((item.id, user.id), _NOTHING), today,
                    as_it_comes_up=item.cadence == "as_it_comes_up")
                person = figures[user.id]
                person.week = person.week + occurrences.tally(monday, sunday)
                person.overdue += len(occurrences.overdue())
            if item.mode == "joint":
                differing += _count_differences(accounts.get(item.id, {}),
                                                  today_of(couple.timezone))
        rows.append(
            CaseloadRow(
                couple_id=couple.id,
                name=couple.name,
                status=couple.status,
                # _Case and _Member carry all that partner_slots reads of a couple.
                slots=partner_slots(couple, invitations.get(couple.id, [])),
                partners=list(figures.values()),
                overdue=sum(person.overdue for person in figures.values()),
                differences=differing,
                needs_attention=couple.id in attention,
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
    """By (assignment, author): the days from `first` to `last` logged done, partly and
    not done, each a set of days as an int whose bit i stands for the i-th day from
    `first` (one row per partner and assignment rather than one per entry: a few hundred
    rows rather than a few thousand). Entries are unique by assignment, author and day,
    so the sum of their days' bits is the set of their days. Only the loading is packed:
    _load_logged unpacks it into dates for occurrences.py."""
    e = ENTRIES.c
    first = sa.bindparam("first", type_=sa.Date)
    # A plain integer: the window is a week and the overdue week, give or take a day of
    # timezones, far from 31 days; and its sum stays an integer on PostgreSQL too.
    bit = sa.literal_column("1", sa.Integer).bitwise_lshift(_DaysSince(e.occurrence_date, first))
    return (
        sa.select(
            e.assignment_id, e.author_id,
            *(sa.func.sum(sa.case((e.completion == completion, bit), else_=0))
              for completion in COMPLETIONS),
        )
        .where(
            sa.tuple_(e.assignment_id, e.author_id).in_(_pairs(first)),
            e.occurrence_date.between(first, sa.bindparam("last", type_=sa.Date)),
        )
        .group_by(e.assignment_id, e.author_id)
    )


def _joint_accounts_query() -> sa.Select:
    """The partners' accounts of joint assignments since `first`: completion, and ratings
    as JSON text (decoded by _load_joint_accounts)."""
    e = ENTRIES.c
    first = sa.bindparam("first", type_=sa.Date)
    joint = _pairs(first, ASSIGNMENTS.c.mode == "joint")
    return sa.select(
        e.assignment_id, e.occurrence_date, e.completion, sa.cast(e.ratings, sa.Text)
    ).where(sa.tuple_(e.assignment_id, e.author_id).in_(joint), e.occurrence_date >= first)


_COUPLES, _HOMEWORK = _couples_query(), _homework_query()
_LOGGED, _JOINT_ACCOUNTS = _logged_query(), _joint_accounts_query()


def _load_couples(scope: dict[str, Any]) -> list[_Case]:
    """The caseload's couples, their partners and each partner's last activity."""
    found: dict[int, _Case] = {}
    for (
        couple_id, name, status, timezone, position, user_id, user_name, email, joined,
        user_timezone, latest,
    ) in db.session.execute(_COUPLES, scope).all():
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
    ) in db.session.execute(_HOMEWORK, {**scope, "first": first}).all():
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
    scope: dict[str, Any], first: dt.date, last: dt.date
) -> dict[tuple[int, int], dict[dt.date, str]]:
    """By (assignment, author): the completion logged for each day from `first` to
    `last`."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    found: dict[tuple[int, int], dict[dt.date, str]] = {}
    for assignment_id, author_id, *sets in db.session.execute(
        _LOGGED, {**scope, "first": first, "last": last}
    ):
        logged = found[(assignment_id, author_id)] = {}
        for completion, bits in zip(COMPLETIONS, sets, strict=True):
            while bits:
                lowest = bits & -bits
                logged[days[lowest.bit_length() - 1]] = completion
                bits ^= lowest
    return found


def _load_joint_accounts(
    scope: dict[str, Any], first: dt.date
) -> dict[int, dict[dt.date, list[Account]]]:
    """By joint assignment and day since `first`: each partner's account."""
    found: dict[int, dict[dt.date, list[Account]]] = defaultdict(lambda: defaultdict(list))
    # Ratings are a few small numbers, so a page holds few different accounts: each is
    # decoded and made once.
    made: dict[tuple[str, str | None], Account] = {}
    for assignment_id, day, completion, text in db.session.execute(
        _JOINT_ACCOUNTS, {**scope, "first": first}
    ).all():
        account = made.get((completion, text))
        if account is None:
            ratings = (json.loads(text) or []) if text else []
            account = made[(completion, text)] = Account(completion, tuple(ratings))
        found[assignment_id][day].append(account)
    return found


def _count_differences(accounts: dict[dt.date, list[Account]], couple_today: dt.date) -> int:
    """Joint occurrences of the last DIFFERENCE_DAYS days whose two accounts differ."""
    since = couple_today - dt.timedelta(days=DIFFERENCE_DAYS - 1)
    return len(differences(accounts, since, couple_today))


def _short_names(users: list[_Person]) -> list[str]:
    firsts = [(user.name.split() or [user.name])[0] for user in users]
    if len(set(firsts)) < len(firsts):
        return [user.name for user in users]
    return firsts


def _sort_key(sort: str) -> Callable[[CaseloadRow], Any]:
    def by_name(row: CaseloadRow) -> tuple[str, int]:
        return row.name.casefold(), row.couple_id

    if sort == "adherence":  # lowest first; couples with nothing due this week last
        return lambda row: (row.lowest_week_standing is None,
                            row.lowest_week_standing or (0.0, 0.0), by_name(row))
    if sort == "activity":  # longest quiet first; a partner who never logged first of all
        return lambda row: (row.quietest_activity is not None,
                            row.quietest_activity or dt.datetime.min.replace(tzinfo=dt.UTC),
                            by_name(row))
    if sort == "overdue":
        return lambda row: (-row.overdue, by_name(row))
    if sort == "differences":
        return lambda row: (-row.differences, by_name(row))
    return by_name
