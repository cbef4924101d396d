"""The schedule engine: which dates an assignment is due."""

import datetime as dt

import pytest

from app.services.schedule import (
    Plan,
    cadence_label,
    can_log,
    mask_days,
    per_week,
    week_of,
    weekday_mask,
)

D = dt.date


def test_once_is_due_on_its_start_only():
    assert Plan("once", D(2026, 3, 4)).dates(D(2026, 12, 31)) == [D(2026, 3, 4)]
    assert Plan("once", D(2026, 3, 4)).dates(D(2026, 3, 3)) == []


def test_daily_runs_to_until_or_end():
    plan = Plan("daily", D(2026, 3, 1), end=D(2026, 3, 5))
    assert plan.dates(D(2026, 3, 3)) == [D(2026, 3, 1), D(2026, 3, 2), D(2026, 3, 3)]
    assert len(plan.dates(D(2026, 12, 1))) == 5


def test_weekly_keeps_the_start_weekday():
    plan = Plan("weekly", D(2026, 3, 4))  # a Wednesday
    dates = plan.dates(D(2026, 3, 31))
    assert dates == [D(2026, 3, 4), D(2026, 3, 11), D(2026, 3, 18), D(2026, 3, 25)]
    assert {d.weekday() for d in dates} == {2}


def test_times_per_week_on_chosen_days():
    mask = weekday_mask([0, 2, 4])  # Mon, Wed, Fri
    assert mask_days(mask) == [0, 2, 4]
    plan = Plan("times_per_week", D(2026, 3, 4), weekdays=mask)  # starts on a Wednesday
    assert plan.dates(D(2026, 3, 11)) == [D(2026, 3, 4), D(2026, 3, 6), D(2026, 3, 9),
                                          D(2026, 3, 11)]


def test_a_number_of_occurrences_ends_the_plan():
    plan = Plan("daily", D(2026, 3, 1), max_occurrences=3)
    assert plan.dates(D(2026, 4, 1)) == [D(2026, 3, 1), D(2026, 3, 2), D(2026, 3, 3)]


def test_paused_days_are_not_due_and_do_not_use_up_the_count():
    plan = Plan("daily", D(2026, 3, 1), max_occurrences=4,
                pauses=[(D(2026, 3, 2), D(2026, 3, 4))])
    assert plan.dates(D(2026, 4, 1)) == [D(2026, 3, 1), D(2026, 3, 4), D(2026, 3, 5),
                                         D(2026, 3, 6)]
    still_paused = Plan("daily", D(2026, 3, 1), pauses=[(D(2026, 3, 3), None)])
    assert still_paused.dates(D(2026, 3, 10)) == [D(2026, 3, 1), D(2026, 3, 2)]


def test_week_runs_monday_to_sunday():
    assert week_of(D(2026, 3, 8)) == (D(2026, 3, 2), D(2026, 3, 8))  # a Sunday
    assert week_of(D(2026, 3, 9)) == (D(2026, 3, 9), D(2026, 3, 15))


@pytest.mark.parametrize(("occurrence", "ok"), [
    (D(2026, 3, 10), True), (D(2026, 3, 3), True), (D(2026, 3, 2), False),
    (D(2026, 3, 11), False)])
def test_logging_window_is_a_week_late_never_ahead(occurrence, ok):
    assert can_log(occurrence, today=D(2026, 3, 10)) is ok


def test_as_it_comes_up_has_no_dates():
    plan = Plan("as_it_comes_up", D(2026, 3, 2))
    assert plan.dates(D(2026, 12, 31)) == []
    assert plan.last_day() is None
    assert plan.runs_on(D(2026, 9, 1))
    assert cadence_label("as_it_comes_up", 2) == "As it comes up, up to 2 times a week"
    assert cadence_label("as_it_comes_up", 1) == "As it comes up, up to once a week"


def test_the_last_day_a_plan_runs():
    start = D(2026, 3, 2)
    assert Plan("once", start).last_day() == start
    assert Plan("daily", start).last_day() is None
    assert Plan("daily", start, end=D(2026, 3, 9)).last_day() == D(2026, 3, 9)
    assert Plan("daily", start, max_occurrences=3).last_day() == D(2026, 3, 4)
    paused = Plan("daily", start, max_occurrences=3, pauses=[(D(2026, 3, 3), D(2026, 3, 6))])
    assert paused.last_day() == D(2026, 3, 7)  # paused days do not use up the count
    waiting = Plan("daily", start, max_occurrences=3, pauses=[(D(2026, 3, 3), None)])
    assert waiting.last_day() is None  # paused until further notice
    assert not waiting.runs_on(D(2026, 3, 5))
    assert Plan("weekly", start, max_occurrences=2).last_day() == D(2026, 3, 9)
    # Given before it starts: it runs from the day it was given.
    assert Plan("daily", start).runs_on(D(2026, 2, 27), first=D(2026, 2, 26))
    assert not Plan("daily", start).runs_on(D(2026, 2, 27))


@pytest.mark.parametrize(("cadence", "times", "count"), [
    ("daily", None, 7), ("weekly", None, 1), ("times_per_week", 3, 3), ("once", None, 0),
    ("as_it_comes_up", 2, 0)])
def test_occurrences_a_full_week_holds(cadence, times, count):
    assert per_week(cadence, times) == count
