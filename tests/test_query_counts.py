"""No page's number of SQL queries grows with a couple's history (an N+1 guard), on SQLite
and PostgreSQL: the same pages for a couple with 4 weeks of daily entries and for one with
52 weeks take the same number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.clock import now
from app.models import Exercise, SafetyAddition, SafetyCheck, SafetyFlag
from app.services.guides import load_builtin_guides
from app.services.homework import Schedule, assign_exercise, backfill_entry
from app.services.measures import backfill_csi4
from app.services.sessions import record_session, schedule_session

TODAY = dt.date(2026, 3, 12)


@pytest.fixture
def library(db):
    load_builtin_guides()
    db.session.commit()


def _exercise(db, slug: str) -> Exercise:
    return db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))


def build_history(db, make_couple, therapist, weeks: int):
    """A couple with `weeks` of daily entries by both partners on an individual and a
    joint exercise (each entry with words and a rating), and a held session with CSI-4
    answers every two weeks."""
    couple = make_couple(therapist)
    start = TODAY - dt.timedelta(weeks=weeks)
    individual = assign_exercise(therapist, couple, _exercise(db, "daily-check-in"),
                                 mode="both", schedule=Schedule(start=start, cadence="daily"))
    joint = next(e for e in db.session.scalars(sa.select(Exercise))
                 if e.current.rating_questions and e.owner_id is None)
    together = assign_exercise(therapist, couple, joint, mode="joint",
                               schedule=Schedule(start=start, cadence="daily"))
    partners = [p.user for p in couple.partners]
    day = start
    while day < TODAY:
        logged_at = dt.datetime.combine(day, dt.time(21, 0), tzinfo=dt.UTC)
        for n, user in enumerate(partners):
            for assignment in (individual, together):
                version = assignment.exercise_version
                backfill_entry(
                    user, couple, assignment, day, logged_at=logged_at,
                    completion=("done", "partly", "not_done")[(day.toordinal() + n) % 3],
                    answers=[f"Words of {day}"] * len(version.prompts),
                    ratings=[(day.toordinal() + 3 * n) % 11 for _ in version.rating_questions],
                    visibility=("therapist", "partner")[n],
                )
        if (TODAY - day).days % 28 == 0:  # a concerning private check and an addition
            for user in partners:
                check = SafetyCheck(couple_id=couple.id, respondent_id=user.id,
                                    occasion=f"w-{day}", answers={"afraid": "sometimes"},
                                    note="Words", is_concerning=True, created_at=logged_at)
                db.session.add(check)
                db.session.flush()
                addition = SafetyAddition(check_id=check.id, text="More", created_at=logged_at)
                db.session.add(addition)
                db.session.flush()
                db.session.add(SafetyFlag(couple_id=couple.id, check_id=check.id,
                                          addition_id=addition.id, created_at=logged_at))
        if (TODAY - day).days % 14 == 0:
            when = logged_at + dt.timedelta(days=1, hours=-4)
            session = schedule_session(therapist, couple, when, request_measure=True)
            for user in partners:
                backfill_csi4(user, session, [3, 3, 4, 3], when - dt.timedelta(days=1))
            record_session(therapist, session, duration_minutes=50, attendance="both", focus="Talk",
                           homework_reviewed="Yes", clinician_notes="Notes",
                           couple_summary="Summary")
        day += dt.timedelta(days=1)
    upcoming = schedule_session(therapist, couple, now() + dt.timedelta(days=2),
                                request_measure=True)
    db.session.commit()
    return couple, individual, upcoming


def test_no_page_grows_with_a_couples_history(db, client, sign_in_as, clock, library,
                                              make_therapist, make_couple, count_queries):
    clock.set(dt.datetime.combine(TODAY, dt.time(12, 0), tzinfo=dt.UTC))
    therapist = make_therapist()

    def pages(couple, assignment, upcoming) -> dict[str, tuple[object, str]]:
        partner = couple.partners[0].user
        day = (TODAY - dt.timedelta(days=1)).isoformat()
        return {
            "caseload": (therapist, "/therapist/"),
            "couple page": (therapist, f"/therapist/couples/{couple.id}"),
            "every entry": (therapist, f"/therapist/couples/{couple.id}?entries=all"),
            "audit trail": (therapist, f"/therapist/couples/{couple.id}/audit"),
            "session page": (therapist, f"/therapist/sessions/{upcoming.id}"),
            "portal": (partner, "/portal/"),
            "portal, a past week": (partner, "/portal/?week=2026-03-02"),
            "an entry": (partner, f"/portal/homework/{assignment.id}/{day}"),
            "questions before a session": (partner, f"/portal/measures/{upcoming.id}"),
            "private answers": (therapist, f"/therapist/couples/{couple.id}/private-answers"),
            "the private check": (couple.partners[1].user, "/portal/for-you/more"),
        }

    def measure(couple, assignment, upcoming) -> dict[str, int]:
        counts = {}
        for name, (user, url) in pages(couple, assignment, upcoming).items():
            sign_in_as(user)
            client.get(url)  # warm: the first request of a user loads more
            with count_queries() as statements:
                answer = client.get(url)
            assert answer.status_code == 200, (name, answer.status_code)
            counts[name] = len(statements)
        return counts

    short = measure(*build_history(db, make_couple, therapist, weeks=4))
    long = measure(*build_history(db, make_couple, therapist, weeks=52))
    assert long == short, (short, long)
