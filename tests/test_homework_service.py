"""Homework rules at the service level: assigning, logging, editing, visibility, timezones."""

import datetime as dt

import pytest
import sqlalchemy as sa

from app.models import Entry, EntryRevision, Exercise
from app.services import DomainError
from app.services.guides import load_builtin_guides
from app.services.homework import (
    Schedule,
    assign_exercise,
    assign_step,
    edit_schedule,
    end,
    log_entry,
    pause,
    plan_of,
    resume,
    set_visibility,
    today_for,
)

D = dt.date


@pytest.fixture
def library(db):
    load_builtin_guides()
    db.session.commit()


def exercise(db, slug) -> Exercise:
    return db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))


@pytest.fixture
def setup(db, library, make_couple, clock):
    clock.set(dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC))
    couple = make_couple(policy="limited")
    a, b = (p.user for p in couple.partners)
    return couple, a, b


def daily(start=D(2026, 3, 8), **kw) -> Schedule:
    return Schedule(start=start, cadence="daily", **kw)


def test_assigning_pins_the_current_version(db, setup):
    couple, _a, _b = setup
    check_in = exercise(db, "daily-check-in")
    assignment = assign_exercise(couple.therapist, couple, check_in, mode="both",
                                 schedule=daily(), note="Ten minutes after dinner")
    db.session.commit()
    assert assignment.exercise_version_id == check_in.current.id
    assert plan_of(assignment).dates(D(2026, 3, 10)) == [D(2026, 3, 8), D(2026, 3, 9),
                                                          D(2026, 3, 10)]


def test_whole_step_with_suggested_cadences(db, setup):
    couple, _a, _b = setup
    from app.models import Step

    step = db.session.scalar(sa.select(Step).where(Step.slug == "rebuild-communication"))
    assignments = assign_step(couple.therapist, couple, step, mode="both",
                              schedule=Schedule(start=D(2026, 3, 9), cadence="suggested"))
    assert len(assignments) == 4
    assert {x.step_id for x in assignments} == {step.id}
    cadences = {x.exercise_version.title: x.cadence for x in assignments}
    assert cadences["Create daily check-in moments"] == "daily"
    for x in assignments:
        if x.cadence == "times_per_week":
            assert bin(x.weekdays).count("1") == x.times_per_week


def test_another_therapist_cannot_assign(db, setup, make_therapist):
    couple, _a, _b = setup
    with pytest.raises(DomainError):
        assign_exercise(make_therapist(), couple, exercise(db, "daily-check-in"), mode="both",
                        schedule=daily())


def test_logging_rules(db, setup, clock):
    couple, a, b = setup
    assignment = assign_exercise(couple.therapist, couple, exercise(db, "daily-check-in"),
                                 mode="both", schedule=daily(start=D(2026, 3, 1)))
    entry = log_entry(a, couple, assignment, D(2026, 3, 10), completion="done",
                      answers=["We talked about the week."], ratings=[8])
    assert not entry.is_late and entry.visibility == "therapist"
    late = log_entry(a, couple, assignment, D(2026, 3, 3), completion="partly")
    assert late.is_late
    with pytest.raises(DomainError, match="more than a week ago"):
        log_entry(a, couple, assignment, D(2026, 3, 2), completion="done")
    with pytest.raises(DomainError, match="has not come yet"):
        log_entry(a, couple, assignment, D(2026, 3, 11), completion="done")
    with pytest.raises(DomainError, match="Nothing can be logged"):
        log_entry(a, couple, assignment, D(2026, 2, 28), completion="done")  # before it
    with pytest.raises(DomainError, match="from 0 to 10"):
        log_entry(b, couple, assignment, D(2026, 3, 10), completion="done", ratings=[11])
    with pytest.raises(DomainError, match="at most 10,000"):
        log_entry(b, couple, assignment, D(2026, 3, 10), completion="done",
                  answers=["x" * 10_001])
    assert log_entry(b, couple, assignment, D(2026, 3, 10), completion="done",
                     answers=["y" * 10_000]).answers[0] == "y" * 10_000


def test_one_partner_assignment_is_only_theirs(db, setup):
    couple, a, b = setup
    assignment = assign_exercise(couple.therapist, couple, exercise(db, "daily-check-in"),
                                 mode="one", partner=a, schedule=daily())
    with pytest.raises(DomainError, match="not yours"):
        log_entry(b, couple, assignment, D(2026, 3, 10), completion="done")


def test_editing_within_a_day_keeps_earlier_versions(db, setup, clock):
    couple, a, _b = setup
    assignment = assign_exercise(couple.therapist, couple, exercise(db, "daily-check-in"),
                                 mode="both", schedule=daily())
    entry = log_entry(a, couple, assignment, D(2026, 3, 10), completion="partly",
                      answers=["first words"])
    db.session.commit()
    clock.advance(dt.timedelta(hours=23))
    log_entry(a, couple, assignment, D(2026, 3, 10), completion="done",
              answers=["second words"])
    db.session.commit()
    assert entry.revision == 2 and entry.answers[0] == "second words"
    [old] = db.session.scalars(sa.select(EntryRevision)).all()
    assert old.answers[0] == "first words" and old.completion == "partly"
    clock.advance(dt.timedelta(hours=2))
    with pytest.raises(DomainError, match="24 hours"):
        log_entry(a, couple, assignment, D(2026, 3, 10), completion="not_done")


def test_visibility_rules(db, setup, make_couple):
    couple, a, b = setup
    assignment = assign_exercise(couple.therapist, couple, exercise(db, "daily-check-in"),
                                 mode="both", schedule=daily())
    entry = log_entry(a, couple, assignment, D(2026, 3, 10), completion="done",
                      answers=["private words"])
    assert entry.visibility == "therapist"  # limited policy: private until shared
    with pytest.raises(DomainError, match="Only the person who wrote"):
        set_visibility(b, couple, entry, "partner")
    set_visibility(a, couple, entry, "partner")
    assert entry.visibility == "partner"
    set_visibility(a, couple, entry, "therapist")
    assert entry.visibility == "therapist"

    open_couple = make_couple(policy="open")
    c = open_couple.partners[0].user
    shared = assign_exercise(open_couple.therapist, open_couple,
                             exercise(db, "daily-check-in"), mode="both", schedule=daily())
    written = log_entry(c, open_couple, shared, D(2026, 3, 10), completion="done",
                        visibility="therapist")
    assert written.visibility == "partner"
    with pytest.raises(DomainError, match="open policy"):
        set_visibility(c, open_couple, written, "therapist")


def test_pause_resume_end_and_edit_keep_history(db, setup):
    couple, a, _b = setup
    assignment = assign_exercise(couple.therapist, couple, exercise(db, "daily-check-in"),
                                 mode="both", schedule=daily(start=D(2026, 3, 1)))
    pause(assignment, D(2026, 3, 4))
    resume(assignment, D(2026, 3, 7))
    assert D(2026, 3, 5) not in plan_of(assignment).dates(D(2026, 3, 10))
    log_entry(a, couple, assignment, D(2026, 3, 8), completion="done")
    replacement = edit_schedule(couple.therapist, couple, assignment,
                                schedule=Schedule(start=D(2026, 3, 9), cadence="weekly"),
                                note="Now weekly")
    db.session.commit()
    assert assignment.status == "ended" and assignment.ended_on == D(2026, 3, 8)
    assert replacement.replaces_id == assignment.id
    assert plan_of(replacement).dates(D(2026, 3, 20)) == [D(2026, 3, 9), D(2026, 3, 16)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 1
    end(replacement, D(2026, 3, 12))
    assert plan_of(replacement).dates(D(2026, 4, 1)) == [D(2026, 3, 9)]


def test_today_follows_each_persons_timezone(db, library, make_couple, clock):
    couple = make_couple(timezone="Europe/London")
    a, b = (p.user for p in couple.partners)
    a.timezone, b.timezone = "Pacific/Auckland", "America/Los_Angeles"
    db.session.commit()
    clock.set(dt.datetime(2026, 3, 10, 20, 0, tzinfo=dt.UTC))
    individual = assign_exercise(couple.therapist, couple, exercise(db, "daily-check-in"),
                                 mode="both", schedule=daily())
    joint = assign_exercise(couple.therapist, couple, exercise(db, "intentional-dates"),
                            mode="joint", schedule=Schedule(start=D(2026, 3, 1), cadence="daily"))
    assert today_for(individual, a, couple) == D(2026, 3, 11)  # already tomorrow in Auckland
    assert today_for(individual, b, couple) == D(2026, 3, 10)
    assert today_for(joint, a, couple) == today_for(joint, b, couple) == D(2026, 3, 10)
    log_entry(a, couple, individual, D(2026, 3, 11), completion="done")
    with pytest.raises(DomainError, match="has not come yet"):
        log_entry(b, couple, individual, D(2026, 3, 11), completion="done")


def test_daylight_saving_change_keeps_one_occurrence_a_day(db, library, make_couple, clock):
    couple = make_couple(timezone="America/New_York")
    a = couple.partners[0].user
    a.timezone = "America/New_York"
    db.session.commit()
    assignment = assign_exercise(couple.therapist, couple, exercise(db, "daily-check-in"),
                                 mode="both", schedule=daily(start=D(2026, 3, 7)))
    # 8 March 2026: clocks go forward at 2:00 in New York. 23:30 local on the 8th is
    # 03:30 UTC on the 9th; "today" must still be the 8th.
    clock.set(dt.datetime(2026, 3, 9, 3, 30, tzinfo=dt.UTC))
    assert today_for(assignment, a, couple) == D(2026, 3, 8)
    assert plan_of(assignment).dates(today_for(assignment, a, couple)) == [D(2026, 3, 7),
                                                                           D(2026, 3, 8)]
    clock.set(dt.datetime(2026, 3, 9, 4, 30, tzinfo=dt.UTC))
    assert today_for(assignment, a, couple) == D(2026, 3, 9)
