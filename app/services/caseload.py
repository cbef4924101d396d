"""The therapist's caseload: every couple with this week's adherence per partner, last
activity, overdue homework and flags, in a constant number of queries whatever its size.

The rules are the couple page's (progress.couple_progress); only the loading differs. The
whole caseload is read at once, in four queries whatever its size: couples with their
partners and each partner's last activity; open invitations; assignments with their pauses,
as plain values for the schedule engine; and, as light tuples, only the entries of the few
days the figures look at.

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
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

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

    def plan(self, first: dt.date) -> Plan:
        """Its schedule (as homework.plan_of builds it from an Assignment), from `first` on."""
        return Plan(
            cadence=self.cadence,
            start=_start_from(self.cadence, self.start, first, self.max_occurrences),
            end=self.end,
            max_occurrences=self.max_occurrences,
            weekdays=self.weekdays,
            pauses=tuple(self.pauses),
        )


@dataclass(frozen=True)
class _Person:
    """What the caseload reads of a partner's user account."""

    id: int
    name: str
    email: str
    password_hash: bool  # whether one is set (joined); the hash itself is not loaded
    timezone: str
    last_activity: dt.datetime | None  # the latest updated_at of their entries


@dataclass(frozen=True)
class _Member:
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

    in_caseload = sa.select(COUPLES.c.id).where(
        COUPLES.c.therapist_id == therapist.id, COUPLES.c.practice_id == therapist.practice_id
    )
    couples = _load_couples(in_caseload)
    if not couples:
        return []
    invitations = pending_invitations_by_couple([couple.id for couple in couples])

    lowest_today = min(
        today_of(zone)
        for couple in couples
        for zone in [couple.timezone, *(p.user.timezone for p in couple.partners)]
    )
    # The first days the figures look at, for whoever's today is the earliest: this
    # week's Monday or the start of the overdue window; the start of the flag window.
    recent = min(monday, lowest_today - dt.timedelta(days=LATE_DAYS))
    flag_first = lowest_today - dt.timedelta(days=FLAG_DAYS - 1)

    by_couple: dict[int, list[_Homework]] = defaultdict(list)
    for item in _load_homework(in_caseload, min(recent, flag_first)):
        by_couple[item.couple_id].append(item)
    logged, accounts = _load_entries(in_caseload, recent, flag_first)

    # Plans that began before the first day look alike from it on (a daily exercise is a
    # daily exercise), so many assignments share their due dates: work each out once.
    due_dates: dict[tuple[Plan, dt.date], list[dt.date]] = {}
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
            _count_due(item, people, figures, logged, monday, sunday, recent, due_dates)
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


def _load_couples(in_caseload: sa.Select) -> list[_Case]:
    """The caseload's couples with their partners and when each partner last logged or
    changed an entry, however long ago; in one query (a row per partner)."""
    c, p, u, e = COUPLES.c, PARTNERS.c, USERS.c, ENTRIES.c
    last_activity = (
        sa.select(sa.func.max(e.updated_at)).where(e.author_id == p.user_id).scalar_subquery()
    )
    found: dict[int, _Case] = {}
    for (
        couple_id, name, status, timezone, position, user_id, user_name, email, joined,
        user_timezone, latest,
    ) in db.session.execute(
        sa.select(
            c.id, c.name, c.status, c.timezone, p.position,
            u.id, u.name, u.email, u.password_hash.is_not(None), u.timezone, last_activity,
        )
        .select_from(
            COUPLES.outerjoin(PARTNERS, p.couple_id == c.id).outerjoin(USERS, u.id == p.user_id)
        )
        .where(c.id.in_(in_caseload))
        .order_by(c.id, p.position)
    ):
        case = found.get(couple_id)
        if case is None:
            case = found[couple_id] = _Case(couple_id, name, status, timezone)
        if user_id is not None:
            person = _Person(user_id, user_name, email, joined, user_timezone, latest)
            case.partners.append(_Member(position, person))
    return list(found.values())


def _load_homework(in_caseload: sa.Select, first: dt.date) -> list[_Homework]:
    """The caseload's assignments that can be due on or after `first`, with their pauses
    (a row per pause: an outer join keeps the number of queries constant)."""
    a, pause = ASSIGNMENTS.c, PAUSES.c
    found: dict[int, _Homework] = {}
    for (
        assignment_id, couple_id, mode, partner_id, cadence, start, end_date, ended_on,
        max_occurrences, weekdays, paused_on, resumed_on,
    ) in db.session.execute(
        sa.select(
            a.id, a.couple_id, a.mode, a.partner_id, a.cadence, a.start_date, a.end_date,
            a.ended_on, a.max_occurrences, a.weekdays, pause.paused_on, pause.resumed_on,
        )
        .select_from(ASSIGNMENTS.outerjoin(PAUSES, pause.assignment_id == a.id))
        .where(
            a.couple_id.in_(in_caseload),
            # One that ended before the first day counts in no figure.
            sa.or_(a.ended_on.is_(None), a.ended_on >= first),
            sa.or_(a.end_date.is_(None), a.end_date >= first),
        )
        .order_by(a.id, pause.paused_on)
    ):
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


def _load_entries(
    in_caseload: sa.Select, recent: dt.date, flag_first: dt.date
) -> tuple[dict[tuple[int, int], dict[dt.date, str]], dict[int, dict[dt.date, list[Any]]]]:
    """The completion of every entry since `recent`, by (assignment, author) and day; and
    the ratings of joint entries since `flag_first`, by assignment and day."""
    a, p, e = ASSIGNMENTS.c, PARTNERS.c, ENTRIES.c
    # By (assignment, author) pairs: the database then seeks the entries' unique index on
    # (assignment, author, day) straight to the first day, rather than reading every entry
    # of the caseload's history.
    pairs = (
        sa.select(a.id, p.user_id)
        .select_from(ASSIGNMENTS.join(PARTNERS, p.couple_id == a.couple_id))
        .where(a.couple_id.in_(in_caseload))
    )
    joint = e.assignment_id.in_(
        sa.select(a.id).where(a.couple_id.in_(in_caseload), a.mode == "joint")
    )
    for_flags = sa.and_(joint, e.occurrence_date >= flag_first)
    logged: dict[tuple[int, int], dict[dt.date, str]] = defaultdict(dict)
    accounts: dict[int, dict[dt.date, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for assignment_id, author_id, day, completion, ratings in db.session.execute(
        sa.select(
            e.assignment_id, e.author_id, e.occurrence_date, e.completion,
            sa.case((for_flags, e.ratings)),  # ratings only where a flag could be
        ).where(
            sa.tuple_(e.assignment_id, e.author_id).in_(pairs),
            e.occurrence_date >= min(recent, flag_first),
            sa.or_(e.occurrence_date >= recent, for_flags),
        )
    ):
        logged[(assignment_id, author_id)][day] = completion
        if ratings is not None:
            accounts[assignment_id][day].append((author_id, ratings))
    return logged, accounts


def _count_due(
    item: _Homework,
    people: list[tuple[int, dt.date]],
    figures: dict[int, PartnerFigures],
    logged: dict[tuple[int, int], dict[dt.date, str]],
    monday: dt.date,
    sunday: dt.date,
    first: dt.date,
    due_dates: dict[tuple[Plan, dt.date], list[dt.date]],
) -> None:
    """Add one assignment's due and done days of this week, and its overdue days, to each
    person who logs it (user id, and their today for this assignment)."""
    if not people:
        return
    latest = max(today for _user_id, today in people)
    if item.start > latest:
        return
    # Due dates up to the latest of the todays; each person then stops at their own.
    plan = item.plan(first)
    due = due_dates.get((plan, latest))
    if due is None:
        due = due_dates[(plan, latest)] = plan.dates(latest)
    for user_id, today in people:
        done = logged.get((item.id, user_id), {})
        overdue_from = today - _LATE
        week_due = week_completed = overdue = 0
        for day in due:
            if day > today:
                break
            if monday <= day <= sunday:
                week_due += 1
                if done.get(day) in COMPLETED:
                    week_completed += 1
            if day >= overdue_from and day < today and day not in done:
                overdue += 1
        person = figures[user_id]
        person.week_due += week_due
        person.week_completed += week_completed
        person.overdue += overdue


def _count_flags(
    accounts: dict[dt.date, list[tuple[int, list[Any]]]], couple_today: dt.date
) -> int:
    """Joint occurrences of the last FLAG_DAYS days whose two accounts differ enough."""
    flag_from = couple_today - dt.timedelta(days=FLAG_DAYS - 1)
    return sum(
        1
        for day, both in accounts.items()
        if flag_from <= day <= couple_today
        and len(both) >= 2
        and ratings_differ(both[0][1], both[1][1])
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
