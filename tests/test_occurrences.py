"""The homework arithmetic (app/services/occurrences.py): plain values in and out, every
rule and edge case its docstring decides."""

from __future__ import annotations

import datetime as dt

import pytest

from app.services.occurrences import (
    Account,
    Difference,
    Occurrences,
    Tally,
    Together,
    compare,
    dated_in,
    day_in,
    differences,
    kind_of_day,
    logged_late,
    rating_change,
    together,
    total,
    uses_in_week,
    week_is_full,
)
from app.services.schedule import Plan, weekday_mask

D = dt.date
THU = D(2026, 3, 12)  # a Thursday; its week is Mon 9 - Sun 15 March 2026


def days(*numbers: int) -> list[dt.date]:
    return [D(2026, 3, n) for n in numbers]


def logged(**by_day: str) -> dict[dt.date, str]:
    """logged(d9="done", d10="partly") -> {9 March: "done", 10 March: "partly"}."""
    return {D(2026, 3, int(key[1:])): value for key, value in by_day.items()}


DAILY = Plan("daily", D(2026, 3, 9))


# --- due -------------------------------------------------------------------------------


def test_today_is_due_only_once_logged():
    nothing = Occurrences.of(DAILY, {}, THU)
    assert nothing.due == tuple(days(9, 10, 11))
    assert nothing.tally() == Tally(not_logged=3)
    done_today = Occurrences.of(DAILY, logged(d12="done"), THU)
    assert done_today.due == tuple(days(9, 10, 11, 12))
    assert done_today.tally() == Tally(done=1, not_logged=3)
    # Logged "not done" today: due at once, and counted as what was logged.
    not_today = Occurrences.of(DAILY, logged(d12="not_done"), THU)
    assert not_today.tally() == Tally(not_done=1, not_logged=3)


def test_future_dates_are_never_due_but_a_logged_one_is():
    week = Occurrences.of(DAILY, {}, THU, until=D(2026, 3, 15))
    assert week.dates == tuple(days(9, 10, 11, 12, 13, 14, 15))  # listed, to show the week
    assert week.due == tuple(days(9, 10, 11))
    assert week.tally(D(2026, 3, 9), D(2026, 3, 15)) == Tally(not_logged=3)
    # A partner who moved to a timezone behind logged "tomorrow": it counts.
    moved = Occurrences.of(DAILY, logged(d13="done"), THU)
    assert moved.due == tuple(days(9, 10, 11, 13))
    assert moved.tally() == Tally(done=1, not_logged=3)


def test_nothing_is_due_before_the_start():
    assert Occurrences.of(Plan("daily", D(2026, 3, 20)), {}, THU).due == ()
    assert Occurrences.of(Plan("daily", THU), {}, THU).tally() == Tally()
    assert Tally().describe() == "nothing due"


@pytest.mark.parametrize(("plan", "due"), [
    (Plan("once", D(2026, 3, 10)), days(10)),
    (Plan("once", THU), []),  # today, not logged
    (Plan("daily", D(2026, 3, 1), max_occurrences=4), days(1, 2, 3, 4)),
    (Plan("daily", D(2026, 3, 1), end=D(2026, 3, 3)), days(1, 2, 3)),  # end date or ended
    (Plan("daily", D(2026, 3, 6), pauses=[(D(2026, 3, 8), D(2026, 3, 10))]),
     days(6, 7, 10, 11)),
    (Plan("daily", D(2026, 3, 6), max_occurrences=3, pauses=[(D(2026, 3, 7), D(2026, 3, 9))]),
     days(6, 9, 10)),  # paused days do not use up the count
    (Plan("daily", D(2026, 3, 9), pauses=[(D(2026, 3, 10), None)]), days(9)),  # still paused
    (Plan("weekly", D(2026, 2, 26)), days(5)),  # Thursdays: 26 Feb, 5 Mar; the 12th is today
    (Plan("times_per_week", D(2026, 3, 2), weekdays=weekday_mask([0, 2])), days(2, 4, 9, 11)),
])
def test_schedules_give_their_dates_and_only_ended_days_are_due(plan, due):
    found = Occurrences.of(plan, {}, THU).due
    assert [day for day in found if day.month == 3] == due


# --- counts ----------------------------------------------------------------------------


def test_partly_is_never_done_and_every_count_is_apart():
    occurrences = Occurrences.of(
        Plan("daily", D(2026, 3, 7)), logged(d7="done", d8="partly", d9="done", d10="not_done"),
        THU)
    tally = occurrences.tally()
    assert tally == Tally(done=2, partly=1, not_done=1, not_logged=1)
    assert tally.due == 5
    assert tally.describe() == "2 done, 1 partly, 1 not done, 1 not logged of 5"
    assert tally.percent_done == 40  # done only; partly is not done
    assert Tally().percent_done is None
    assert Tally(done=2, partly=1).percent_done == 67  # rounded to a whole percent


def test_a_span_counts_its_own_days():
    occurrences = Occurrences.of(Plan("daily", D(2026, 3, 2)),
                                 logged(d6="done", d8="done", d9="partly"), THU)
    assert occurrences.tally(D(2026, 3, 9), D(2026, 3, 15)) == Tally(partly=1, not_logged=2)
    assert occurrences.tally(D(2026, 3, 2), D(2026, 3, 8)) == Tally(done=2, not_logged=5)
    assert occurrences.tally(last=D(2026, 3, 3)) == Tally(not_logged=2)
    assert total([Tally(done=1), Tally(partly=2, extra=1)]) == Tally(done=1, partly=2, extra=1)


def test_extra_practice_is_counted_apart_never_as_due():
    # The 10th and 11th were paused after they were logged.
    plan = Plan("daily", D(2026, 3, 9), pauses=[(D(2026, 3, 10), D(2026, 3, 12))])
    occurrences = Occurrences.of(plan, logged(d9="done", d10="done", d11="partly"), THU)
    assert occurrences.due == tuple(days(9))
    tally = occurrences.tally()
    assert tally == Tally(done=1, extra=2)
    assert tally.describe() == "1 done, 0 partly, 0 not done, 0 not logged of 1; 2 extra practice"
    assert occurrences.tally(D(2026, 3, 11), D(2026, 3, 15)).extra == 1
    assert occurrences.streak() == 1  # extra practice is no part of a streak


def test_not_done_on_a_day_that_was_not_due_is_in_no_figure():
    plan = Plan("weekly", D(2026, 3, 9))  # Mondays
    occurrences = Occurrences.of(plan, logged(d9="done", d10="partly", d11="not_done"), THU)
    assert occurrences.tally() == Tally(done=1, extra=1)
    assert occurrences.extra_days() == days(10)


def test_a_practice_before_the_first_due_day_is_extra_practice():
    plan = Plan("daily", D(2026, 3, 16))  # starts next Monday
    occurrences = Occurrences.of(plan, logged(d11="done", d12="partly"), THU)
    assert occurrences.due == ()
    assert occurrences.tally() == Tally(extra=2)
    assert occurrences.tally().describe() == "nothing due; 2 extra practice"
    assert occurrences.streak() == 0


def test_as_it_comes_up_is_never_due_and_counts_its_uses():
    plan = Plan("as_it_comes_up", D(2026, 3, 2))
    history = logged(d3="done", d6="partly", d10="done", d11="not_done")
    occurrences = Occurrences.of(plan, history, THU)
    assert occurrences.dates == () and occurrences.due == ()
    assert occurrences.overdue() == [] and occurrences.streak() == 0
    assert occurrences.tally() == Tally(used=3)  # "not done" is no use
    assert occurrences.tally(D(2026, 3, 9), D(2026, 3, 15)) == Tally(used=1)
    assert Tally(used=3).describe() == "nothing due; 3 uses as it came up"
    assert Tally(used=1).describe_uses() == "used once"
    assert Tally(used=3).describe_uses() == "used 3 times"
    assert Tally().describe_uses() == "not used"
    # From its dates, as the caseload builds it: the same.
    assert Occurrences.from_dates((), history, THU, as_it_comes_up=True).tally() == Tally(
        used=3)


def test_due_extra_and_uses_are_described_apart():
    tally = Tally(done=1, not_logged=1, extra=2, used=1)
    assert tally.describe() == (
        "1 done, 0 partly, 0 not done, 1 not logged of 2; 2 extra practice; "
        "1 use as it came up")
    assert tally.describe_due() == "1 done, 0 partly, 0 not done, 1 not logged of 2"
    assert tally.describe_apart() == "2 extra practice; 1 use as it came up"
    assert Tally(done=1).describe_apart() == ""
    assert "\u00a0" in tally.describe_apart(True) and " " not in tally.describe_apart(
        True).replace("; ", "")
    assert total([Tally(used=1), Tally(used=2, extra=1)]) == Tally(extra=1, used=3)


@pytest.mark.parametrize(("plan", "day", "given_on", "kind"), [
    (DAILY, D(2026, 3, 10), None, "due"),
    (Plan("weekly", D(2026, 3, 9)), D(2026, 3, 10), None, "extra"),
    (Plan("weekly", D(2026, 3, 9)), D(2026, 3, 8), None, None),  # before the start
    (Plan("weekly", D(2026, 3, 16)), D(2026, 3, 12), D(2026, 3, 11), "extra"),  # given
    (Plan("weekly", D(2026, 3, 16)), D(2026, 3, 10), D(2026, 3, 11), None),  # not yet
    (Plan("daily", D(2026, 3, 1), end=D(2026, 3, 5)), D(2026, 3, 6), None, None),
    (Plan("daily", D(2026, 3, 1), max_occurrences=3), D(2026, 3, 3), None, "due"),
    (Plan("daily", D(2026, 3, 1), max_occurrences=3), D(2026, 3, 4), None, None),
    (Plan("once", D(2026, 3, 12)), D(2026, 3, 10), D(2026, 3, 9), "extra"),
    (Plan("once", D(2026, 3, 12)), D(2026, 3, 13), None, None),  # done with
    (Plan("daily", D(2026, 3, 1), pauses=[(D(2026, 3, 5), None)]), D(2026, 3, 6), None,
     None),  # paused
    (Plan("as_it_comes_up", D(2026, 3, 1)), D(2026, 3, 12), None, "extra"),
    (Plan("as_it_comes_up", D(2026, 3, 1), end=D(2026, 3, 10)), D(2026, 3, 11), None, None),
])
def test_what_can_be_logged_on_a_day(plan, day, given_on, kind):
    assert kind_of_day(plan, day, given_on) == kind


def test_a_week_of_uses_is_full_at_its_most():
    used = days(9, 11, 15)  # Monday, Wednesday, Sunday
    assert uses_in_week(used, THU) == 3
    assert uses_in_week(used, D(2026, 3, 16)) == 0  # the next week
    assert week_is_full(used, THU, 3)
    assert not week_is_full(used, THU, 4)
    assert not week_is_full(used, D(2026, 3, 11), 3)  # that day's own entry left out
    assert not week_is_full(used, D(2026, 3, 16), 1)


# --- streak ----------------------------------------------------------------------------


def test_streak_counts_done_or_partly_in_a_row_and_spares_today():
    history = logged(d3="done", d4="partly", d5="done", d6="done")
    plan = Plan("daily", D(2026, 3, 1))
    assert Occurrences.of(plan, history, D(2026, 3, 7)).streak() == 4  # today not logged
    assert Occurrences.of(plan, {**history, **logged(d7="partly")}, D(2026, 3, 7)).streak() == 5
    assert Occurrences.of(plan, {**history, **logged(d7="not_done")}, D(2026, 3, 7)
                          ).streak() == 0  # logged "not done" today: due, and not done
    assert Occurrences.of(plan, history, D(2026, 3, 8)).streak() == 0  # yesterday missed


def test_a_streak_is_stated_for_the_end_of_the_week_shown():
    history = logged(d2="done", d3="done", d4="done", d5="done", d6="done", d7="done",
                     d8="done", d9="not_done", d10="done", d11="done")
    occurrences = Occurrences.of(Plan("daily", D(2026, 3, 2)), history, THU)
    assert occurrences.streak() == 2  # now: the 10th and 11th
    assert occurrences.streak(D(2026, 3, 8)) == 7  # the week of 2 March, at its Sunday
    assert occurrences.streak(D(2026, 3, 1)) == 0  # before the start


def test_weekly_streak_skips_days_that_are_not_dates():
    plan = Plan("weekly", D(2026, 2, 19))  # Thursdays
    history = {D(2026, 2, 19): "done", D(2026, 2, 26): "partly", D(2026, 3, 5): "done"}
    assert Occurrences.of(plan, history, THU).streak() == 3


# --- overdue ---------------------------------------------------------------------------


def test_overdue_is_due_unlogged_and_still_loggable():
    occurrences = Occurrences.of(Plan("daily", D(2026, 3, 1)), logged(d10="not_done"), THU)
    # Loggable from the 5th (a week before the 12th); today is not due, so never overdue.
    assert occurrences.overdue() == days(5, 6, 7, 8, 9, 11)
    assert Occurrences.of(Plan("once", THU), {}, THU).overdue() == []
    ended = Occurrences.of(Plan("daily", D(2026, 3, 1), end=D(2026, 3, 6)), {}, THU)
    assert ended.overdue() == days(5, 6)


# --- logged late, timezones ------------------------------------------------------------


def test_logged_late_means_after_the_day_ended():
    assert not logged_late(THU, THU)
    assert logged_late(THU, D(2026, 3, 13))


def test_occurrences_are_dated_where_they_happen():
    assert dated_in("joint", "Pacific/Auckland", "America/Los_Angeles") == "Pacific/Auckland"
    assert dated_in("both", "Pacific/Auckland", "America/Los_Angeles") == "America/Los_Angeles"
    assert dated_in("one", "UTC", "Europe/Berlin") == "Europe/Berlin"
    moment = dt.datetime(2026, 3, 12, 20, 0, tzinfo=dt.UTC)
    assert day_in(moment, "Pacific/Auckland") == D(2026, 3, 13)
    assert day_in(moment, "America/Los_Angeles") == THU


# --- the joint comparison --------------------------------------------------------------


@pytest.mark.parametrize(("first", "second", "expected"), [
    (Account("done", [8, 8]), Account("done", [6, 9]), None),
    (Account("done", [8, 8]), Account("done", [5, 8]), Difference(False, (0,))),
    (Account("done", [9, 1]), Account("partly", [2, 8]), Difference(False, (0, 1))),
    (Account("done"), Account("not_done"), Difference(True, ())),
    (Account("not_done", [None]), Account("done", [7]), Difference(True, ())),
    (Account("partly"), Account("not_done"), None),  # partly against either: no difference
    (Account("done"), Account("partly"), None),
    (Account("done", [9, None]), Account("done", [None, 1]), None),  # never both answered
    (Account("done", [9, 9]), Account("done", [9]), None),  # a shorter list: not answered
    (Account("not_done", [10]), Account("done", [0]), Difference(True, (0,))),
])
def test_two_accounts_differ_on_completion_or_ratings_three_apart(first, second, expected):
    assert compare(first, second) == expected
    assert compare(second, first) == expected


def test_one_difference_per_occurrence_and_none_without_both_accounts():
    accounts = {
        D(2026, 3, 5): [Account("done", [9, 9, 9]), Account("done", [1, 1, 1])],
        D(2026, 3, 6): [Account("done", [9])],  # only one account: nothing to compare
        D(2026, 3, 7): [Account("done", [5]), Account("done", [6])],
        D(2026, 3, 8): [Account("done"), Account("not_done")],
    }
    found = differences(accounts)
    assert list(found) == [D(2026, 3, 5), D(2026, 3, 8)]
    assert found[D(2026, 3, 5)] == Difference(False, (0, 1, 2))
    assert list(differences(accounts, D(2026, 3, 6), D(2026, 3, 8))) == [D(2026, 3, 8)]
    assert list(differences(accounts, last=D(2026, 3, 7))) == [D(2026, 3, 5)]


# --- the couple's progress and ratings that got better ----------------------------------


def test_the_couples_progress_counts_days_due_for_both():
    monday = dt.date(2026, 3, 9)
    days = [monday + dt.timedelta(days=i) for i in range(6)]
    first = Occurrences.from_dates(days, {days[0]: "done", days[1]: "done",
                                          days[2]: "partly", days[3]: "not_done",
                                          days[4]: "done"}, days[-1])
    second = Occurrences.from_dates(days, {days[0]: "done", days[1]: "not_done",
                                           days[2]: "not_done", days[4]: "done"}, days[-1])
    # Day 5 is today, not due for either; day 4 is left out (one partner may not see it).
    figures = together(first, second, days[0], days[-1], leave_out=[days[4]])
    assert figures == Together(occurrences=4, both=1, one=1, partly=1)
    assert figures.describe() == "4 days: both of you on 1, one of you on 1, partly on 1"
    assert not figures.kept_up  # both did it on 1 of 4
    assert Together(4, 2, 0, 0).kept_up and not Together(0, 0, 0, 0).kept_up
    assert Together(2, 0, 0, 0).describe("times") == "2 times: not yet done together"


def test_a_rating_got_better_by_its_own_direction():
    start, end = dt.date(2026, 3, 2), dt.date(2026, 3, 15)
    rising = [(dt.date(2026, 3, 3), 4), (dt.date(2026, 3, 4), 5), (dt.date(2026, 3, 12), 7)]
    assert rating_change(rising, start, end).is_better
    falling = [(day, 10 - value) for day, value in rising]
    assert not rating_change(falling, start, end).is_better
    resentment = rating_change(falling, start, end, higher_is_worse=True)
    assert resentment.is_better and (resentment.before, resentment.after) == (5.5, 3)
    barely = [(dt.date(2026, 3, 3), 5), (dt.date(2026, 3, 12), 5.5)]
    assert not rating_change(barely, start, end).is_better  # less than RATING_STEP
    assert rating_change(rising[:2], start, end) is None  # nothing in the second half
