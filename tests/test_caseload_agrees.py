"""The caseload loads what partners logged in its own way (a few days, packed into bit
sets by the database, plans moved to a later start); the couple page loads every entry.
Over hundreds of generated histories, both give exactly the figures occurrences.py gives
on the whole history (the rules themselves are tested in test_occurrences.py): due
occurrences, extra practice (before the first due day too) and the uses of "as it comes
up" exercises."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from app.models import (
    Assignment,
    AssignmentPause,
    Couple,
    Entry,
    Exercise,
    Partner,
    User,
)
from app.services.caseload import DIFFERENCE_DAYS, caseload
from app.services.guides import load_builtin_guides
from app.services.occurrences import (
    Account,
    Occurrences,
    Tally,
    dated_in,
    day_in,
    differences,
)
from app.services.progress import couple_progress
from app.services.schedule import Plan, week_of

HISTORIES = 520
SEED = 20260312
D = dt.date
# Zones a day apart: on these moments their dates (and weeks) differ.
ZONES = ("Pacific/Kiritimati", "Pacific/Auckland", "Europe/London", "America/Los_Angeles",
         "Pacific/Pago_Pago")
MOMENTS = (
    dt.datetime(2026, 3, 15, 9, 30, tzinfo=dt.UTC),  # Saturday night to Sunday night
    dt.datetime(2026, 3, 15, 20, 0, tzinfo=dt.UTC),  # Sunday here, Monday there
    dt.datetime(2026, 3, 17, 12, 0, tzinfo=dt.UTC),  # a new week for everyone
)
COMPLETIONS = ("done", "partly", "not_done")


@dataclass
class Homework:
    """One generated assignment, as plain values."""

    mode: str
    partner: int | None  # the position of the one partner, for mode "one"
    plan: Plan
    cadence: str
    times_per_week: int | None
    end_date: dt.date | None
    ended_on: dt.date | None
    pauses: list[tuple[dt.date, dt.date | None]]
    logged: dict[int, dict[dt.date, str]] = field(default_factory=dict)  # position -> days
    ratings: dict[int, dict[dt.date, list[int | None]]] = field(default_factory=dict)


@dataclass
class History:
    therapist: int  # index of the therapist
    timezone: str
    zones: tuple[str, str]
    homework: list[Homework]


def generate_plan(rng: random.Random) -> tuple[Plan, dict]:
    start = D(2026, 2, 16) + dt.timedelta(days=rng.randrange(30))
    cadence = rng.choice(("once", "daily", "daily", "weekly", "times_per_week",
                          "as_it_comes_up"))
    times = weekdays = None
    if cadence == "times_per_week":
        days = sorted(rng.sample(range(7), rng.randint(1, 5)))
        times, weekdays = len(days), sum(1 << d for d in days)
    elif cadence == "as_it_comes_up":
        times = rng.randint(1, 4)  # up to N a week
    end_date = max_occurrences = ended_on = None
    roll = rng.random()
    if roll < 0.2:
        end_date = start + dt.timedelta(days=rng.randrange(25))
    elif roll < 0.35 and cadence != "as_it_comes_up":
        max_occurrences = rng.randint(1, 12)
    if rng.random() < 0.15:
        ended_on = max(start - dt.timedelta(days=1),
                       start + dt.timedelta(days=rng.randrange(-2, 25)))
    pauses: list[tuple[dt.date, dt.date | None]] = []
    day = start + dt.timedelta(days=rng.randrange(1, 12))
    for _ in range(rng.choice((0, 0, 1, 2))):
        length = rng.randrange(0, 6)
        pauses.append((day, day + dt.timedelta(days=length)))
        day += dt.timedelta(days=length + rng.randrange(1, 8))
    if pauses and ended_on is None and rng.random() < 0.3:
        pauses[-1] = (pauses[-1][0], None)  # still paused
    ends = [d for d in (end_date, ended_on) if d is not None]
    plan = Plan(cadence, start, min(ends) if ends else None, max_occurrences, weekdays,
                tuple(pauses))
    return plan, {"cadence": cadence, "times_per_week": times, "end_date": end_date,
                  "ended_on": ended_on, "pauses": pauses}


def generate(rng: random.Random) -> History:
    timezone = rng.choice(ZONES)
    zones = (rng.choice(ZONES), rng.choice(ZONES))
    homework = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        plan, values = generate_plan(rng)
        mode = rng.choice(("both", "one", "joint"))
        item = Homework(mode, rng.choice((0, 1)) if mode == "one" else None, plan, **values)
        for position in (0, 1):
            if mode == "one" and position != item.partner:
                continue
            # What they could have logged by the first moment, in their calendar.
            zone = dated_in(mode, timezone, zones[position])
            today = day_in(MOMENTS[0], zone)
            keen = rng.random()
            days: dict[dt.date, str] = {}
            for date in plan.dates(today + dt.timedelta(days=1)):
                if date > today and rng.random() > 0.05:
                    continue  # rarely, a day ahead: logged before a move to a zone behind
                if rng.random() < keen:
                    days[date] = rng.choice(COMPLETIONS)
            # Practice apart from the schedule, on days the service takes it: any day the
            # plan runs from when it was given (up to three days before its start), never
            # ahead; done or partly, and rarely "not done" (a day paused after it was
            # logged), which no figure counts.
            given = plan.start - dt.timedelta(days=rng.randrange(4))
            apart = ((0, 1, 2, 3, 4) if item.cadence == "as_it_comes_up"
                     else (0, 0, 1, 2, 3))
            for _ in range(rng.choice(apart)):
                date = given + dt.timedelta(days=rng.randrange(25))
                if date <= today and plan.runs_on(date, given):
                    days.setdefault(date, rng.choice(("done", "partly", "done", "partly",
                                                      "not_done")))
            item.logged[position] = days
            item.ratings[position] = {
                date: [rng.choice((None, *range(11))) for _ in range(2)] for date in days}
        homework.append(item)
    return History(rng.randrange(2), timezone, zones, homework)


def expected(history: History, moment: dt.datetime, therapist_zone: str):
    """The caseload's figures for one history, worked out by occurrences.py on the whole
    history: {position: (this week's tally, overdue)}, and the differences."""
    monday, sunday = week_of(day_in(moment, therapist_zone))
    figures = {0: [Tally(), 0], 1: [Tally(), 0]}
    found = 0
    for item in history.homework:
        for position, logged in item.logged.items():
            today = day_in(moment, dated_in(item.mode, history.timezone,
                                            history.zones[position]))
            occurrences = Occurrences.of(item.plan, logged, today)
            figures[position][0] += occurrences.tally(monday, sunday)
            figures[position][1] += len(occurrences.overdue())
        if item.mode == "joint":
            couple_today = day_in(moment, history.timezone)
            since = couple_today - dt.timedelta(days=DIFFERENCE_DAYS - 1)
            accounts: dict[dt.date, list[Account]] = defaultdict(list)
            for position in (0, 1):
                for date, completion in item.logged[position].items():
                    accounts[date].append(
                        Account(completion, item.ratings[position][date]))
            found += len(differences(accounts, since, couple_today))
    return {position: (tally, overdue) for position, (tally, overdue) in figures.items()}, found


def store(db, histories: list[History]) -> tuple[list[User], list[Couple]]:
    """The histories in the database, in a few statements."""
    from app.services.accounts import create_practice, create_user

    practice = create_practice("Generated practice")
    therapists = [
        create_user(practice, email=f"therapist{n}@example.org", name=f"Therapist {n}",
                    roles={"therapist"}, password="a long test passphrase", timezone=zone)
        for n, zone in enumerate(("Europe/London", "Pacific/Auckland"))
    ]
    version = db.session.scalar(
        sa.select(Exercise).where(Exercise.slug == "intentional-dates")).current
    couples = []
    for n, history in enumerate(histories):
        couple = Couple(practice_id=practice.id, therapist_id=therapists[history.therapist].id,
                        name=f"History {n:03d}", timezone=history.timezone)
        couple.partners = [
            Partner(position=position + 1, user=User(
                practice_id=practice.id, email=f"h{n}p{position}@example.org",
                name=f"H{n} Partner{position}", timezone=history.zones[position]))
            for position in (0, 1)
        ]
        couples.append(couple)
    db.session.add_all(couples)
    db.session.flush()
    assignments = []
    for couple, history in zip(couples, histories, strict=True):
        for item in history.homework:
            ended = item.ended_on is not None
            open_pause = bool(item.pauses) and item.pauses[-1][1] is None
            assignments.append(Assignment(
                couple_id=couple.id, exercise_version_id=version.id,
                assigned_by_id=couple.therapist_id, mode=item.mode,
                partner_id=couple.partners[item.partner].user_id if item.mode == "one" else None,
                cadence=item.cadence, times_per_week=item.times_per_week,
                weekdays=item.plan.weekdays, start_date=item.plan.start, end_date=item.end_date,
                max_occurrences=item.plan.max_occurrences, ended_on=item.ended_on,
                status="ended" if ended else "paused" if open_pause else "active",
                pauses=[AssignmentPause(paused_on=a, resumed_on=b) for a, b in item.pauses],
            ))
    db.session.add_all(assignments)
    db.session.flush()
    rows = []
    numbered = iter(assignments)
    rng = random.Random(SEED + 1)
    for couple, history in zip(couples, histories, strict=True):
        for item in history.homework:
            assignment = next(numbered)
            for position, days in item.logged.items():
                author = couple.partners[position].user_id
                for date, completion in days.items():
                    logged_at = dt.datetime.combine(date, dt.time(20), dt.UTC)
                    rows.append({
                        "assignment_id": assignment.id, "author_id": author,
                        "occurrence_date": date, "completion": completion,
                        "visibility": "partner", "answers": [],
                        "ratings": item.ratings[position][date],
                        "is_late": rng.random() < 0.2, "revision": rng.choice((1, 1, 2, 3)),
                        "created_at": logged_at, "updated_at": logged_at,
                    })
    db.session.execute(sa.insert(Entry), rows)
    db.session.commit()
    return therapists, couples


@pytest.fixture
def generated(db, clock):
    clock.set(MOMENTS[0])
    load_builtin_guides()
    rng = random.Random(SEED)
    histories = [generate(rng) for _ in range(HISTORIES)]
    therapists, couples = store(db, histories)
    return histories, therapists, couples


def test_the_caseload_and_the_couple_page_agree_with_the_rules_over_many_histories(
        db, clock, generated):
    histories, therapists, couples = generated
    by_id = {couple.id: (couple, history) for couple, history in zip(couples, histories,
                                                                      strict=True)}
    kinds = defaultdict(int)
    for history in histories:
        for item in history.homework:
            kinds[item.mode] += 1
            kinds[item.cadence] += 1
            kinds["paused"] += bool(item.plan.pauses)
            kinds["ended"] += item.plan.end is not None
            kinds["count-limited"] += item.plan.max_occurrences is not None
    assert min(kinds.values()) >= 40, kinds  # every kind of history is well represented
    totals = defaultdict(int)
    for moment in MOMENTS:
        clock.set(moment)
        for index, therapist in enumerate(therapists):
            rows = caseload(therapist)
            assert len(rows) == sum(1 for h in histories if h.therapist == index)
            for row in rows:
                couple, history = by_id[row.couple_id]
                full, found = expected(history, moment, therapist.timezone)
                users = [p.user_id for p in couple.partners]
                shown = {users.index(p.user_id): (p.week, p.overdue) for p in row.partners}
                assert (shown, row.differences) == (full, found), (
                    row.name, moment, history)
                totals["due"] += sum(tally.due for tally, _ in full.values())
                totals["differences"] += found
                totals["overdue"] += row.overdue
                totals["extra"] += sum(tally.extra for tally, _ in full.values())
                totals["used"] += sum(tally.used for tally, _ in full.values())
    # The histories hold every figure, so agreement is not agreement on zeros.
    assert min(totals.values()) >= 50, totals

    # The couple page, from all the entries, for the therapist's week of the second moment.
    clock.set(MOMENTS[1])
    db.session.expire_all()
    for couple_id, (couple, history) in by_id.items():
        therapist = therapists[history.therapist]
        loaded = db.session.get(Couple, couple_id)
        progress = couple_progress(loaded, week_of(day_in(MOMENTS[1], therapist.timezone)))
        figures, _found = expected(history, MOMENTS[1], therapist.timezone)
        users = [p.user_id for p in loaded.partners]
        shown = {0: [Tally(), 0], 1: [Tally(), 0]}
        for row in progress.assignments:
            for partner in row.partners:
                shown[users.index(partner.user_id)][0] += partner.week
                shown[users.index(partner.user_id)][1] += len(partner.overdue)
        assert {k: tuple(v) for k, v in shown.items()} == figures, couple.name
        everything = sum(
            len(differences({d: [Account(c, item.ratings[p][d]) for p in (0, 1)
                                 for c in [item.logged[p].get(d)] if c]
                             for d in set(item.logged[0]) | set(item.logged[1])}))
            for item in history.homework if item.mode == "joint")
        assert len(progress.differences) == everything, couple.name
