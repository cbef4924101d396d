"""A demo practice built through the app's own services."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.clock import now
from app.extensions import db
from app.models import Exercise, Practice, User
from app.services import DomainError
from app.services.accounts import create_practice, create_user
from app.services.couples import PartnerDetails, create_couple
from app.services.guides import load_builtin_guides
from app.services.homework import (
    Schedule,
    assign_exercise,
    backfill_entry,
    plan_of,
    week_full_for,
)
from app.services.invitations import accept
from app.services.measures import backfill_csi4
from app.services.occurrences import dated_in
from app.services.reports import Renderer, produce_report
from app.services.sessions import record_session, schedule_session

DEMO_PASSWORD = "rekindle-demo"  # noqa: S105 - published demo credential
DEMO_PRACTICE = "Riverside Couples Practice"


@dataclass
class DemoResult:
    created: bool
    accounts: list[tuple[str, str]] = field(default_factory=list)
    message: str = ""


def demo_accounts() -> list[tuple[str, str]]:
    """(email, role description) for every demo account that can sign in."""
    return [
        ("admin@example.com", "practice admin"),
        ("therapist@example.com", "therapist"),
        ("alex@example.com", "partner, couple one"),
        ("sam@example.com", "partner, couple one"),
        ("jordan@example.com", "partner, couple two"),
        ("casey@example.com", "partner, couple two"),
        ("riley@example.com", "partner, couple three (Morgan not yet invited)"),
    ]


def build_demo(*, if_empty: bool = False, render: Renderer | None = None) -> DemoResult:
    """Create the demo practice; refuse on a database that holds anyone else."""
    non_demo = db.session.scalar(
        sa.select(sa.func.count(User.id)).join(Practice).where(Practice.is_demo.is_(False))
    )
    if non_demo:
        if if_empty:
            return DemoResult(False, message="Real accounts exist; no demo data added.")
        raise DomainError(
            f"Refusing to add demo data: this database holds {non_demo} non-demo "
            "account(s), and demo accounts share a published password."
        )
    if db.session.scalar(sa.select(Practice.id).where(Practice.is_demo.is_(True))):
        return DemoResult(False, demo_accounts(), "Demo data is already loaded.")

    practice = create_practice(DEMO_PRACTICE, timezone="America/New_York", is_demo=True)
    therapist = create_user(
        practice,
        email="therapist@example.com",
        name="Dr. Robin Avery",
        roles={"therapist"},
        password=DEMO_PASSWORD,
        timezone="America/New_York",
    )
    create_user(
        practice,
        email="admin@example.com",
        name="Pat Okafor",
        roles={"admin"},
        password=DEMO_PASSWORD,
        timezone="America/New_York",
    )
    couples = [
        ("Alex & Sam", "America/New_York", "limited",
         [("Alex Rivera", "alex@example.com"), ("Sam Rivera", "sam@example.com")]),
        ("Jordan & Casey", "Europe/London", "open",
         [("Jordan Lee", "jordan@example.com"), ("Casey Morgan", "casey@example.com")]),
        ("Riley & Morgan", "America/Chicago", "limited",
         [("Riley Chen", "riley@example.com"), ("Morgan Chen", "morgan@example.com")]),
    ]
    made = []
    for name, timezone, policy, people in couples:
        created = create_couple(
            therapist,
            name=name,
            # Morgan has not been invited yet; everyone else has.
            partners=[PartnerDetails(n, e, invite=e != "morgan@example.com") for n, e in people],
            timezone=timezone,
            policy=policy,
        )
        for outgoing in created.outgoing:
            accept(
                outgoing.invitation,
                password=DEMO_PASSWORD,
                timezone=timezone,
                accepts_policy=True,
            )
        made.append(created.couple)
    db.session.flush()
    load_builtin_guides()
    _homework_history(therapist, made[0], made[1])
    db.session.flush()
    _sessions(therapist, made[0], made[1], render)
    db.session.flush()
    return DemoResult(True, demo_accounts(), "Demo practice created.")


REFLECTIONS = [
    "We kept it short tonight, but it felt calmer than last week.",
    "I noticed I started planning my answer while they were still talking.",
    "Hard day at work; I said so instead of going quiet, which helped.",
    "We laughed about the dishwasher saga. Small thing, but it mattered.",
    "I felt listened to when they repeated back what I had said.",
    "Skipped the phones for once. It was easier than I expected.",
    "I got defensive about money again. Worth bringing to the session.",
    "Said thank you for the coffee in the morning; they smiled all day.",
]
PRIVATE_REFLECTIONS = [
    "I still feel hurt about the holiday plans and haven't said it yet.",
    "Part of me wonders whether I'm the only one trying this week.",
    "I worry that bringing up my family will start another fight.",
]


def _history_for(couple, assignment, seed: int, *, differ_on: dt.date | None = None) -> None:
    """Several weeks of entries: done, partly and not done, private and shared, rated."""
    rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not a secret
    users = [p.user for p in couple.partners]
    if assignment.mode == "one":
        users = [u for u in users if u.id == assignment.partner_id]
    for user in users:
        zone = ZoneInfo(dated_in(assignment.mode, couple.timezone, user.timezone))
        today = now().astimezone(zone).date()
        due = plan_of(assignment).dates(today - dt.timedelta(days=1))
        for index, day in enumerate(due):
            if day >= today - dt.timedelta(days=2) and rng.random() < 0.5:
                continue  # a few recent days not logged yet: overdue items
            roll = rng.random()
            completion = "done" if roll < 0.68 else "partly" if roll < 0.85 else "not_done"
            private = couple.confidentiality_policy == "limited" and rng.random() < 0.3
            text = rng.choice(PRIVATE_REFLECTIONS if private else REFLECTIONS)
            answers = [text] + [""] * 2 if completion != "not_done" else []
            questions = assignment.exercise_version.rating_questions
            rating = min(10, max(0, 5 + index // 6 + rng.randint(-2, 2)))
            ratings = [rating] * len(questions) if completion != "not_done" else []
            if differ_on is not None and day == differ_on and questions:
                completion = "done"
                answers = [rng.choice(REFLECTIONS), "", ""]
                ratings = [8 if user.id == users[0].id else 3] * len(questions)
            logged = dt.datetime.combine(day, dt.time(21, 15), zone).astimezone(dt.UTC)
            backfill_entry(
                user, couple, assignment, day, logged_at=logged, completion=completion,
                answers=answers, ratings=ratings,
                visibility="therapist" if private else "partner",
            )


def _uses_for(couple, assignment, seed: int) -> None:
    """An "as it comes up" exercise used now and then, never more than its most a week."""
    rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not a secret
    for user in (p.user for p in couple.partners):
        zone = ZoneInfo(dated_in(assignment.mode, couple.timezone, user.timezone))
        today = now().astimezone(zone).date()
        day = assignment.start_date
        while day < today:
            if rng.random() < 0.2 and not week_full_for(assignment, user, day):
                logged = dt.datetime.combine(day, dt.time(21, 40), zone).astimezone(dt.UTC)
                backfill_entry(
                    user, couple, assignment, day, logged_at=logged,
                    completion="done" if rng.random() < 0.75 else "partly",
                    answers=[rng.choice(REFLECTIONS), ""],
                    visibility="partner" if couple.confidentiality_policy == "open"
                    or rng.random() < 0.6 else "therapist",
                )
                db.session.flush()
            day += dt.timedelta(days=1)


def _homework_history(therapist: User, one, two) -> None:
    """Homework for couples one and two, started some weeks ago, with a joint date the
    partners rated far apart (a difference to talk about)."""

    def exercise(slug: str):
        return db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))

    today = now().astimezone(ZoneInfo(one.timezone)).date()
    five_weeks = today - dt.timedelta(weeks=5)
    check_in = assign_exercise(
        therapist, one, exercise("daily-check-in"), mode="both",
        schedule=Schedule(start=five_weeks, cadence="daily"),
        note="Ten minutes after dinner, phones in another room.",
    )
    dates = assign_exercise(
        therapist, one, exercise("intentional-dates"), mode="joint",
        schedule=Schedule(start=five_weeks, cadence="weekly"),
        note="Take turns choosing; keep it simple.",
    )
    blame = assign_exercise(
        therapist, one, exercise("speak-without-blame"), mode="one",
        partner=one.partners[1].user,
        schedule=Schedule(start=today - dt.timedelta(weeks=3), cadence="times_per_week",
                          times_per_week=3, weekdays=[0, 2, 4]),
    )
    patterns = assign_exercise(
        therapist, one, exercise("identify-patterns"), mode="both",
        schedule=Schedule(start=today - dt.timedelta(weeks=3), cadence="as_it_comes_up",
                          times_per_week=2),
        note="Only after a disagreement, once you are both calm.",
    )
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    assign_exercise(  # given today, first due next Monday: to read (and try) before then
        therapist, one, exercise("share-feelings"), mode="both",
        schedule=Schedule(start=next_monday, cadence="times_per_week", times_per_week=2,
                          weekdays=[0, 3]),
    )
    db.session.flush()
    rated_apart = plan_of(dates).dates(today - dt.timedelta(days=1))[-2]
    _history_for(one, check_in, seed=11)
    _history_for(one, dates, seed=12, differ_on=rated_apart)
    _history_for(one, blame, seed=13)
    _uses_for(one, patterns, seed=14)
    # An extra practice: a date night on a day that was not the week's date.
    extra_day = rated_apart + dt.timedelta(days=3)
    for partner in one.partners:
        zone = ZoneInfo(one.timezone)
        backfill_entry(
            partner.user, one, dates, extra_day, completion="done",
            logged_at=dt.datetime.combine(extra_day, dt.time(22), zone).astimezone(dt.UTC),
            answers=["We went for a walk on a free evening, just because.", "", ""],
            visibility="partner",
        )

    start_two = now().astimezone(ZoneInfo(two.timezone)).date() - dt.timedelta(weeks=4)
    appreciation = assign_exercise(
        therapist, two, exercise("daily-appreciation"), mode="both",
        schedule=Schedule(start=start_two, cadence="daily"),
    )
    quality = assign_exercise(
        therapist, two, exercise("undistracted-time"), mode="joint",
        schedule=Schedule(start=start_two, cadence="weekly"),
    )
    db.session.flush()
    _history_for(two, appreciation, seed=21)
    _history_for(two, quality, seed=22)


CSI4_DEMO = {  # session index -> (first partner's answers, second partner's answers)
    0: ([2, 3, 2, 2], [2, 2, 1, 2]),
    1: ([3, 3, 3, 2], [2, 3, 2, 2]),
    2: ([3, 4, 3, 3], [3, 3, 3, 3]),
}
SESSION_NOTES = [
    ("First session: history, goals, and how each of them describes the problem.",
     "Both describe a pursue-withdraw pattern around money and Sam's family. Alex escalates "
     "when unheard; Sam goes quiet. No safety concerns. Start daily check-ins and a weekly "
     "date as a joint exercise.",
     "Thank you both for coming. Your homework: a ten-minute check-in every evening, and "
     "one simple date a week that you take turns choosing."),
    ("Reviewing the check-ins; introducing soft start-ups.",
     "Check-ins mostly done. Sam's private reflections mention feeling like the only one "
     "trying; explore gently without disclosing. Added speaking without blame for Sam.",
     "You kept the check-ins going on most evenings. This fortnight, Sam will also practise "
     "starting hard conversations gently, three times a week."),
    ("The money argument, slowed down; repair attempts.",
     "Good repair during session. They experienced one date very differently (8 vs 3); "
     "worth exploring next time. CSI-4 rising for both.",
     "You noticed the moments you started to get defensive and named them. Keep the "
     "check-ins; next time we will talk about the evening you each rated so differently."),
]


def _sessions(therapist: User, one, two, render: Renderer | None) -> None:
    """Held sessions for couple one (with CSI-4 answers and archived reports), an upcoming
    one with the CSI-4 requested, and one upcoming session for couple two."""
    zone = ZoneInfo(one.timezone)
    today = now().astimezone(zone).date()
    partners = [p.user for p in one.partners]
    held = []
    for index, weeks_ago in enumerate((5, 3, 1)):
        day = today - dt.timedelta(weeks=weeks_ago, days=1)
        when = dt.datetime.combine(day, dt.time(17, 0), zone)
        session = schedule_session(therapist, one, when, request_measure=True)
        for user, answers in zip(partners, CSI4_DEMO[index], strict=True):
            backfill_csi4(user, session, answers, when - dt.timedelta(days=1))
        focus, notes, summary = SESSION_NOTES[index]
        record_session(therapist, session, duration_minutes=50, attendance="both", focus=focus,
                       homework_reviewed="Daily check-in; weekly date" if index else "",
                       clinician_notes=notes, couple_summary=summary)
        held.append(session)
    upcoming = schedule_session(
        therapist, one, dt.datetime.combine(today + dt.timedelta(days=3), dt.time(17, 0), zone),
        request_measure=True)
    backfill_csi4(partners[0], upcoming, [4, 4, 3, 4], now())
    schedule_session(
        therapist, two,
        dt.datetime.combine(today + dt.timedelta(days=5), dt.time(10, 0),
                            ZoneInfo(two.timezone)),
        request_measure=True)
    db.session.flush()
    if render is not None:
        for audience in ("clinician", "couple"):
            produce_report(one, audience=audience, session=held[-1], generated_by=therapist,
                           render=render)
