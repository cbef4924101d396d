"""Print figures for the caseload page: 100 couples with 12 weeks of daily entries, a
weekly joint date with some extra practice, and an exercise given "as it comes up".

    .venv/bin/python benchmarks/caseload_bench.py [--database PATH]

Builds its own SQLite database in a temporary folder (or at PATH, kept afterwards, to look
at the page through a development server; the therapist is bench-therapist@example.org with
the password below); never run as a test. Target on a 2-core machine: p95 under 50 ms.
The CPU time a request took is printed beside its wall time: when other work shares the
machine, wall times (the p95 first) grow with it, CPU time much less.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate
import sqlalchemy as sa

from app import create_app
from app.clock import now
from app.extensions import db
from app.models import Entry, Exercise, User
from app.services.accounts import create_practice, create_user
from app.services.couples import PartnerDetails, create_couple
from app.services.guides import load_builtin_guides
from app.services.homework import Schedule, assign_exercise
from app.services.invitations import accept

COUPLES = 100
WEEKS = 12
REQUESTS = 200
WARM_UP = 20
PASSWORD = "bench-password-for-looking"  # a throwaway local database
ZONES = ("Europe/London", "America/New_York", "Europe/Berlin", "America/Los_Angeles",
         "Australia/Sydney")
FIRST_NAMES = ("Alex", "Sam", "Jordan", "Casey", "Riley", "Morgan", "Taylor", "Jamie",
               "Robin", "Avery", "Quinn", "Drew", "Noor", "Kai", "Mina", "Tariq", "Lena",
               "Ivo", "Priya", "Tomás")
REFLECTIONS = ("We talked after dinner and it felt easy.", "Hard day; we kept it short.",
               "I listened more than I spoke.", "We laughed about the week.",
               "I was distracted by work.", "It helped to name one good thing.")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def completion(rng: random.Random) -> str | None:
    """What a partner logged for one day, or None for a day left blank."""
    roll = rng.random()
    if roll < 0.15:
        return None
    if roll < 0.70:
        return "done"
    return "partly" if roll < 0.85 else "not_done"


def seed(rng: random.Random) -> dict[str, int]:
    """One therapist, 100 couples, a daily check-in for both, a weekly joint date (now and
    then practised on another day too) and an exercise "as it comes up" (up to twice a
    week) each, and 12 weeks of entries, bulk-inserted; returns the row counts."""
    practice = create_practice("Benchmark Practice", timezone="Europe/London")
    therapist = create_user(practice, email="bench-therapist@example.org",
                            name="Dr. Bench Mark", roles={"therapist"}, password=PASSWORD,
                            timezone="Europe/London")
    exercises = {
        exercise.slug: exercise
        for exercise in db.session.scalars(
            sa.select(Exercise).where(Exercise.slug.in_(
                ("daily-check-in", "intentional-dates", "identify-patterns")))
        )
    }
    today = now().date()
    start = today - dt.timedelta(weeks=WEEKS)
    rows: list[dict] = []
    assignments = 0
    for n in range(COUPLES):
        first, second = rng.sample(FIRST_NAMES, 2)
        surname = f"Family{n:03d}"
        zone = ZONES[n % len(ZONES)]
        created = create_couple(
            therapist, name=f"{first} & {second} {surname}",
            partners=[PartnerDetails(f"{first} {surname}", f"p{n}a@example.org"),
                      PartnerDetails(f"{second} {surname}", f"p{n}b@example.org")],
            timezone=zone, policy=("limited", "open")[n % 2],
        )
        couple = created.couple
        if n % 10:  # every tenth couple has not joined yet
            for outgoing in created.outgoing:
                accept(outgoing.invitation, password=PASSWORD, timezone=zone,
                       accepts_policy=True)
        daily = assign_exercise(therapist, couple, exercises["daily-check-in"], mode="both",
                                schedule=Schedule(start=start, cadence="daily"))
        joint = assign_exercise(therapist, couple, exercises["intentional-dates"],
                                mode="joint", schedule=Schedule(start=start, cadence="weekly"))
        patterns = assign_exercise(therapist, couple, exercises["identify-patterns"],
                                   mode="both", schedule=Schedule(start=start,
                                                                  cadence="as_it_comes_up",
                                                                  times_per_week=2))
        assignments += 3
        keen = rng.uniform(0.5, 1.0)  # some couples do their homework more than others
        for partner in couple.partners:
            for offset in range((today - start).days + 1):
                day = start + dt.timedelta(days=offset)
                done = completion(rng)
                if done is None or rng.random() > keen:
                    continue
                rows.append(entry_row(rng, daily.id, partner.user_id, day, done,
                                      [rng.randint(2, 10)]))
            for week in range(WEEKS):  # used as it came up: none, once or twice a week
                days = rng.sample(range(7), rng.choice((0, 1, 1, 2)))
                for weekday in days:
                    day = start + dt.timedelta(weeks=week, days=weekday)
                    rows.append(entry_row(rng, patterns.id, partner.user_id, day,
                                          rng.choice(("done", "partly")), []))
        for offset in range(0, (today - start).days + 1, 7):
            day = start + dt.timedelta(days=offset)
            base = rng.randint(3, 9)
            for partner in couple.partners:
                if rng.random() < 0.85:
                    rating = min(10, max(0, base + rng.choice((-4, -1, 0, 0, 1, 3))))
                    rows.append(entry_row(rng, joint.id, partner.user_id, day, "done",
                                          [rating, rng.randint(4, 10)]))
            if rng.random() < 0.3:  # a second date that week: extra practice, together
                extra = day + dt.timedelta(days=rng.randint(1, 6))
                if extra <= today:
                    for partner in couple.partners:
                        rows.append(entry_row(rng, joint.id, partner.user_id, extra, "done",
                                              [rng.randint(4, 10), rng.randint(4, 10)]))
    db.session.flush()
    db.session.execute(sa.insert(Entry), rows)
    db.session.commit()
    return {"couples": COUPLES, "partners": 2 * COUPLES, "assignments": assignments,
            "entries": len(rows)}


def entry_row(rng: random.Random, assignment_id: int, author_id: int, day: dt.date,
              done: str, ratings: list[int]) -> dict:
    logged = dt.datetime.combine(day, dt.time(20), tzinfo=dt.UTC) + dt.timedelta(
        minutes=rng.randint(0, 180))
    logged = min(logged, now())
    return {
        "assignment_id": assignment_id, "author_id": author_id, "occurrence_date": day,
        "completion": done, "visibility": rng.choice(("therapist", "partner")),
        "answers": [rng.choice(REFLECTIONS), ""],
        "ratings": ratings if done != "not_done" else [None] * len(ratings),
        "is_late": False, "revision": 1, "created_at": logged, "updated_at": logged,
    }


def time_page(client, path: str, engine: sa.Engine) -> None:
    queries = 0

    def count(*_args):
        nonlocal queries
        queries += 1

    for _ in range(WARM_UP):
        assert client.get(path).status_code == 200
    full_collections = 0

    def collected(phase: str, info: dict) -> None:
        nonlocal full_collections
        full_collections += phase == "start" and info["generation"] == 2

    gc.collect()  # start each page clean of the seeding's garbage
    sa.event.listen(engine, "before_cursor_execute", count)
    gc.callbacks.append(collected)
    timings, cpu_timings = [], []
    for _ in range(REQUESTS):
        start, cpu_start = time.perf_counter(), time.process_time()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        cpu_timings.append((time.process_time() - cpu_start) * 1000)
        assert response.status_code == 200, response.status_code
    gc.callbacks.remove(collected)
    sa.event.remove(engine, "before_cursor_execute", count)
    print(
        f"{path:<32} median {statistics.median(timings):6.2f} ms   "
        f"p95 {percentile(timings, 0.95):6.2f} ms   "
        f"cpu median {statistics.median(cpu_timings):6.2f} ms   "
        f"queries/request {queries / REQUESTS:.0f}   full GCs {full_collections}"
    )


def run(database: Path, instance: Path) -> None:
    app = create_app(
        {
            "REKINDLE_ENV": "testing",
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
        load_builtin_guides()
        db.session.commit()
        started = time.perf_counter()
        counts = seed(random.Random(2026))
        seconds = time.perf_counter() - started
        engine = db.engine
        therapist = db.session.scalar(
            sa.select(User).where(User.email == "bench-therapist@example.org"))
        session_id = therapist.get_id()
    print(f"Seeded in {seconds:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    # A development or production app freezes its startup heap at the end of create_app
    # (see app/__init__.py); this testing-mode app does it here, after seeding.
    gc.collect()
    gc.freeze()

    client = app.test_client()
    stamp = dt.datetime.now(dt.UTC).timestamp()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
        session["_auth_at"] = stamp
        session["_seen_at"] = stamp
    print(f"In-process requests, {REQUESTS} each after {WARM_UP} to warm up, SQLite:")
    for path in ("/therapist/", "/therapist/?sort=adherence", "/therapist/?sort=activity"):
        time_page(client, path, engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, help="keep the SQLite database at this path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database.resolve() if args.database else Path(tmp) / "bench.db"
        if database.exists():
            parser.error(f"{database} exists; give a new path")
        run(database, Path(tmp))


if __name__ == "__main__":
    main()
