"""Print figures for the session progress report: a couple with 8 weeks of daily entries on
4 exercises (about 450 entries with reflections).

    .venv/bin/python benchmarks/report_bench.py [--runs N]

Builds its own SQLite database in a temporary folder; never run as a test. Prints the time
to gather the data, to build the HTML, for WeasyPrint (in a warm pool worker) to lay out and
write the PDF, the total, the page count, the worker's peak memory, the SQL query count (for
the full history and for half of it: it must not grow), and the share of the total spent
outside WeasyPrint (target: at most 10%).
"""

from __future__ import annotations

import argparse
import datetime as dt
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
from app.models import Exercise, TherapySession
from app.services.accounts import create_practice, create_user
from app.services.couples import PartnerDetails, create_couple
from app.services.guides import load_builtin_guides
from app.services.homework import Schedule, assign_exercise, backfill_entry
from app.services.invitations import accept
from app.services.measures import backfill_csi4
from app.services.reports import gather
from app.services.sessions import record_session, schedule_session
from reports.html import STYLESHEETS, build_html
from reports.pool import RenderPool

WEEKS = 8
SLUGS = ("daily-check-in", "daily-appreciation", "undistracted-time", "speak-without-blame")
REFLECTIONS = (
    "We talked after dinner and it felt easier than last week; I noticed I interrupted less.",
    "A hard day at work. I said so instead of going quiet, and we kept it short and kind.",
    "I listened more than I spoke. They told me about their sister and I asked questions.",
    "We laughed about the week, which we have not done in a while. It felt like us again.",
    "I was distracted by my phone at first, then put it away; the second half was better.",
    "It helped to name one good thing from the day before we got to the logistics.",
)


def seed(rng: random.Random, days: int) -> tuple[int, int]:
    """A couple with four daily exercises over `days` days; returns (couple id, session id)."""
    practice = create_practice("Benchmark Practice", timezone="UTC")
    therapist = create_user(practice, email="bench-report@example.org", name="Dr. Bench Mark",
                            roles={"therapist"}, password="not-used-bench", timezone="UTC")
    created = create_couple(therapist, name="Alex & Sam", partners=[
        PartnerDetails("Alex Rivera", "alex-bench@example.org"),
        PartnerDetails("Sam Rivera", "sam-bench@example.org")], timezone="UTC",
        policy="limited")
    for outgoing in created.outgoing:
        accept(outgoing.invitation, password="not-used-bench", timezone="UTC",
               accepts_policy=True)
    couple = created.couple
    today = now().date()
    start = today - dt.timedelta(days=days)
    partners = [p.user for p in couple.partners]
    for slug in SLUGS:
        exercise = db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))
        assignment = assign_exercise(therapist, couple, exercise, mode="both",
                                     schedule=Schedule(start=start, cadence="daily"))
        db.session.flush()
        questions = assignment.exercise_version.rating_questions
        prompts = assignment.exercise_version.prompts
        for offset in range(days):
            day = start + dt.timedelta(days=offset)
            for user in partners:
                text = [rng.choice(REFLECTIONS)] + [""] * (len(prompts) - 1)
                backfill_entry(
                    user, couple, assignment, day,
                    logged_at=dt.datetime.combine(day, dt.time(21), dt.UTC),
                    completion=rng.choice(("done", "done", "done", "partly", "not_done")),
                    answers=text, ratings=[rng.randint(3, 9) for _ in questions],
                    visibility=rng.choice(("therapist", "partner")))
    sessions = []
    for week in range(0, days // 7 + 1, 2):
        when = dt.datetime.combine(start + dt.timedelta(weeks=week, days=-1), dt.time(17),
                                   dt.UTC)
        session = schedule_session(therapist, couple, when, request_measure=True)
        for user in partners:
            backfill_csi4(user, session, [rng.randint(1, 5), 3, 3, 3], when)
        record_session(therapist, session, duration_minutes=50, attendance="both", focus="Repair",
                       homework_reviewed="Check-ins", clinician_notes="Notes " * 40,
                       couple_summary="Keep going. " * 10)
        sessions.append(session)
    db.session.commit()
    return couple.id, sessions[-1].id


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args) -> None:
        self.count += 1


def measure(couple_id: int, session_id: int, pool: RenderPool, runs: int) -> dict:
    from app.models import Couple

    counter = QueryCounter()
    sa.event.listen(db.engine, "before_cursor_execute", counter)
    gathered, built, rendered, queries = [], [], [], []
    try:
        for _ in range(runs):
            db.session.expunge_all()
            couple = db.session.get(Couple, couple_id)
            session = db.session.get(TherapySession, session_id)
            _ = couple.partners, couple.therapist, couple.practice
            counter.count = 0
            started = time.perf_counter()
            # From the previous session to the newest: the report's default period would be
            # two weeks; a full 8 weeks is the heavy case the benchmark is about.
            data = gather(couple, audience="clinician", session=session,
                          start=now().date() - dt.timedelta(weeks=WEEKS))
            gathered.append(time.perf_counter() - started)
            queries.append(counter.count)
            started = time.perf_counter()
            html = build_html(data)
            built.append(time.perf_counter() - started)
            started = time.perf_counter()
            pdf = pool.render(html, title=data.title, author=data.header.therapist_name,
                              stylesheets=STYLESHEETS)
            rendered.append(time.perf_counter() - started)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counter)
    entries = sum(len(group.entries) for group in data.written.groups)
    return {"gather": gathered, "html": built, "render": rendered, "queries": queries,
            "pages": pdf.page_count, "bytes": len(pdf.content), "entries": entries,
            "html_chars": len(html), "document": html}


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run(days: int, runs: int, tmp: Path, pool: RenderPool) -> dict:
    instance = tmp / f"instance-{days}"
    instance.mkdir()
    app = create_app({"REKINDLE_ENV": "testing", "INSTANCE_PATH": str(instance),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / f'bench-{days}.db'}"})
    with app.app_context():
        flask_migrate.upgrade()
        load_builtin_guides()
        db.session.commit()
        couple_id, session_id = seed(random.Random(7), days)
        return measure(couple_id, session_id, pool, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--save-html", type=Path, help="also write the report's HTML here")
    args = parser.parse_args()
    ms = 1000
    with tempfile.TemporaryDirectory() as folder, RenderPool(workers=1, timeout=300) as pool:
        tmp = Path(folder)
        started = time.perf_counter()
        half = run(WEEKS * 7 // 2, 2, tmp, pool)
        full = run(WEEKS * 7, args.runs, tmp, pool)
        worker = pool.worker_status()
        if args.save_html:
            args.save_html.write_text(full["document"], encoding="utf-8")
        seconds = time.perf_counter() - started
        gather_s = statistics.median(full["gather"])
        html_s = statistics.median(full["html"])
        render_s = statistics.median(full["render"])
        total = gather_s + html_s + render_s
        print(f"report: {full['entries']} entries with reflections over {WEEKS} weeks "
              f"(4 exercises, 2 partners), clinician audience; median of {args.runs} warm runs")
        print(f"  gather data          {gather_s * ms:8.1f} ms")
        print(f"  build HTML           {html_s * ms:8.1f} ms  ({full['html_chars']:,} chars)")
        print(f"  WeasyPrint (worker)  {render_s * ms:8.1f} ms  (lay out + write PDF)")
        print(f"  total                {total * ms:8.1f} ms")
        print(f"  outside WeasyPrint   {100 * (gather_s + html_s) / total:8.1f} %  "
              "(target: at most 10%)")
        print(f"  pages                {full['pages']:8d}     ({full['bytes'] / 1024:,.0f} KiB)")
        print(f"  worker peak memory   {peak_rss_mb(worker.pid):8.1f} MiB (VmHWM of pid "
              f"{worker.pid})")
        print(f"  SQL queries          {full['queries'][-1]:8d}     for {full['entries']} "
              f"entries; {half['queries'][-1]} for {half['entries']} (must not grow)")
        print(f"  (seeding and all runs took {seconds:.0f} s)")


if __name__ == "__main__":
    main()
