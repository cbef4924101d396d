"""Homework arithmetic: which occurrences are due, and every figure made of them.

Pure: plain values in (a schedule's dates, what a partner logged, a day), plain values
out; no database, no Flask. The portal, the couple page, the caseload and both reports
call it, so a figure means the same wherever it is shown. The calendar itself (which
dates a schedule has, weeks, how late a day can be logged) is `schedule.py`'s.

The rules, and the edge cases decided:

- **Dated where it happens.** A joint occurrence is dated in the couple's timezone; an
  individual one (for both partners, or for one) in the partner's own (`dated_in`). A
  partner's "today" is the day of one moment in that timezone (`day_in`); a page takes
  one moment for all its figures, so midnight cannot fall between two of them.
- **Due.** An occurrence is a date of the schedule (`schedule.Plan`). It is due for a
  partner once its day has ended where it is dated, or as soon as that partner logs it.
  So today's occurrence counts against no one before the day ends: unlogged, it is in no
  figure (not "not logged", not overdue, it neither adds to nor breaks a streak); logged
  today, it is due at once and counts as what was logged (done, partly or not done). A
  logged date later than today (possible only after a partner moved to a timezone
  behind) is due too. Future dates are never due.
- **Schedules.** *Once*: its start date only. *Count-limited*: the first N dates that are
  not paused. *Ended* (an end date, or ended by the therapist): no date after the last
  day. *Paused*: paused days are not dates at all, so they are neither due nor use up a
  count. *As it comes up* (up to N times a week): no dates at all, so nothing of it is
  ever due, not done, not logged, overdue or in a streak.
- **What can be logged on a day** (`kind_of_day`). A date of the schedule is *due*. Any
  other day the plan runs on (`Plan.runs_on`: from the day the exercise was given, or its
  start if earlier, to its last day, not paused) takes a practice logged apart: *extra*.
  Nothing can be logged before the exercise was given, after its last day, or on a paused
  day. So a partner can read and practise an exercise before its first due day.
- **Extra practice.** An entry done or partly on a day that is not a date of the schedule
  (practised on another day, or the day was paused or the schedule changed after it was
  logged) is extra practice: counted apart (`Tally.extra`), never as due, done or in a
  streak. "Not done" on such a day is in no figure: nothing was due and nothing was
  practised. (Two accounts of a joint day are compared all the same.)
- **Uses.** Each entry done or partly of an *as it comes up* exercise is one use
  (`Tally.used`), counted apart from extra practice: it is how often the exercise was
  used. It is logged once a day at most (one entry a day), and up to its N a week: a
  week whose N uses are logged takes no more (`week_is_full`), by the calendar the
  exercise is dated in.
- **Counts.** Of the due occurrences in a span: done, partly, not done, and not logged,
  each shown apart ("3 done, 1 partly, 0 not done, 1 not logged of 5"). *Partly* is never
  counted as *done*. The one rate is the share done (`Tally.percent_done`), always shown
  as "N% done".
- **Streak.** Due occurrences done or partly in a row, counting back from the latest due
  one up to the end of the week or period shown (the current week: now). A due occurrence
  not done or not logged ends it.
- **Overdue.** Due (so its day has ended), not logged, and still within the week it can
  be logged (`schedule.can_log`). Today's occurrence is never overdue. It is counted per
  partner: a joint occurrence neither partner logged is overdue for each of them.
- **Logged late.** An entry first saved after its occurrence's day ended where it is
  dated. Editing it later does not change that.
- **The joint comparison.** A joint occurrence is one occurrence of the couple, of which
  each partner gives an account. When both have logged it, the accounts differ if one
  says done and the other not done (*partly* against either is not a difference), or if
  any rating question both answered was rated RATING_GAP or more apart. However many
  questions differ, that is one difference to talk about. With one account only there is
  nothing to compare (the other partner's is "not logged"). The couple handout compares
  only what both partners can see: completion always, ratings of shared accounts.
- **The couple's progress** (the couple handout, which never sets one partner against
  the other). For an exercise given to both: the occurrences due for both partners in a
  span, by what both logged: *both of you* (both done), *one of you* (one done, the
  other not), *partly* (neither done, at least one partly); the rest are not named. A
  joint occurrence is one occurrence of the couple, counted the same way. An exercise was
  *kept up* when both of you did it on at least half of its occurrences.
- **Ratings that got better.** Of one rating question over a span: the mean of the ratings
  in its first half against the mean in its second half (each half needs one); better by
  RATING_STEP or more, where better is higher unless the question's high end means worse.
- **Weeks.** Monday to Sunday. A week's figures are the tally of the due occurrences
  dated in it, as of now; a past week's streak is the one it had at its end (its Sunday),
  never today's. Every page states which week it shows.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

from app.services.schedule import LATE_DAYS, Plan

RATING_GAP = 3  # joint ratings this far apart are a difference to talk about
RATING_STEP = 1.0  # a mean rating this much better is a rating that got better
_LATE = dt.timedelta(days=LATE_DAYS)


def dated_in(mode: str, couple_timezone: str, partner_timezone: str) -> str:
    """The timezone an occurrence is dated in: the couple's for a joint exercise, the
    partner's own for an individual one."""
    return couple_timezone if mode == "joint" else partner_timezone


def day_in(moment: dt.datetime, timezone: str) -> dt.date:
    """The date of an aware moment in a timezone."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def logged_late(occurrence: dt.date, logged_on: dt.date) -> bool:
    """Whether an entry first saved on `logged_on` (where the occurrence is dated) was
    saved after the occurrence's day ended."""
    return logged_on > occurrence


# --- counts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Due occurrences by what was logged; extra practice and the uses of "as it comes
    up" exercises apart."""

    done: int = 0
    partly: int = 0
    not_done: int = 0
    not_logged: int = 0
    extra: int = 0
    used: int = 0

    @property
    def due(self) -> int:
        return self.done + self.partly + self.not_done + self.not_logged

    @property
    def percent_done(self) -> int | None:
        """The share of due occurrences done (not partly), in whole percent; None when
        nothing was due."""
        return round(100 * self.done / self.due) if self.due else None

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.done + other.done, self.partly + other.partly,
                     self.not_done + other.not_done, self.not_logged + other.not_logged,
                     self.extra + other.extra, self.used + other.used)

    def describe(self, keep_together: bool = False) -> str:
        """'3 done, 1 partly, 0 not done, 1 not logged of 5' (or 'nothing due'), then any
        extra practice and uses apart: '; 1 extra practice; 2 uses as it came up'. With
        `keep_together`, each count is held to its words by no-break spaces, so that a
        narrow column breaks the line only between counts."""
        return "; ".join([self.describe_due(keep_together),
                          *self._apart(keep_together)])

    def describe_due(self, keep_together: bool = False) -> str:
        """The due occurrences only: '3 done, 1 partly, 0 not done, 1 not logged of 5',
        or 'nothing due'."""
        counts = ([f"{self.done} done", f"{self.partly} partly", f"{self.not_done} not done",
                   f"{self.not_logged} not logged of {self.due}"] if self.due
                  else ["nothing due"])
        return ", ".join(_together(counts, keep_together))

    def describe_apart(self, keep_together: bool = False) -> str:
        """What is counted apart from the due occurrences: '1 extra practice; 2 uses as it
        came up', or '' when there is none."""
        return "; ".join(self._apart(keep_together))

    def describe_uses(self, keep_together: bool = False) -> str:
        """An "as it comes up" exercise's figure: 'used 3 times', 'used once', 'not used'."""
        text = ("not used" if not self.used else "used once" if self.used == 1
                else f"used {self.used} times")
        return _together([text], keep_together)[0]

    def _apart(self, keep_together: bool) -> list[str]:
        parts = [f"{self.extra} extra practice"] if self.extra else []
        if self.used:
            parts.append(f"{self.used} use{'s' if self.used != 1 else ''} as it came up")
        return _together(parts, keep_together)


def _together(parts: list[str], keep_together: bool) -> list[str]:
    return [part.replace(" ", "\u00a0") for part in parts] if keep_together else parts


def total(tallies: Iterable[Tally]) -> Tally:
    """The sum of several tallies."""
    found = Tally()
    for tally in tallies:
        found = found + tally
    return found


# --- one partner's occurrences of one assignment ---------------------------------------


@dataclass(frozen=True)
class Occurrences:
    """One partner's occurrences of one assignment as of their today: the schedule's
    dates, those due, and what was logged (date -> completion)."""

    dates: tuple[dt.date, ...]  # the schedule's dates, in order (possibly past today)
    due: tuple[dt.date, ...]
    logged: Mapping[dt.date, str]
    today: dt.date
    as_it_comes_up: bool = False  # no dates: what is logged counts as uses

    @classmethod
    def of(cls, plan: Plan, logged: Mapping[dt.date, str], today: dt.date,
           until: dt.date | None = None) -> Occurrences:
        """From a whole schedule; its dates are listed through `until` too (to show the
        days still to come), though only those due count in any figure."""
        last = max(today, until or today, max(logged, default=today))
        return cls.from_dates(plan.dates(last), logged, today,
                              as_it_comes_up=plan.cadence == "as_it_comes_up")

    @classmethod
    def from_dates(cls, dates: Sequence[dt.date], logged: Mapping[dt.date, str],
                   today: dt.date, *, as_it_comes_up: bool = False) -> Occurrences:
        """From the schedule's dates (in order) of the span a caller looks at; dates from
        today on count only where logged."""
        dates = dates if isinstance(dates, tuple) else tuple(dates)
        ended = bisect_left(dates, today)  # dates before today: their day has ended
        due = dates[:ended]
        if logged and ended < len(dates):
            due += tuple(day for day in dates[ended:] if day in logged)
        return cls(dates, due, logged, today, as_it_comes_up)

    @cached_property
    def _scheduled(self) -> frozenset[dt.date]:
        return frozenset(self.dates)

    def tally(self, first: dt.date | None = None, last: dt.date | None = None) -> Tally:
        """Counts of the due occurrences from `first` to `last` (both included; None: no
        bound), and the extra practice (or, as it comes up, the uses) logged in that
        span."""
        done = partly = not_done = not_logged = 0
        due = self.due
        low = 0 if first is None else bisect_left(due, first)
        high = len(due) if last is None else bisect_right(due, last)
        get = self.logged.get
        for day in due[low:high]:
            completion = get(day)
            if completion == "done":
                done += 1
            elif completion == "partly":
                partly += 1
            elif completion is None:
                not_logged += 1
            else:
                not_done += 1
        practice = 0
        if self.logged:
            # Every logged date of the schedule is due, so it was counted above: what was
            # practised in the span beyond the due days done or partly is apart from them.
            practised = sum(1 for day, completion in self.logged.items()
                            if completion != "not_done" and (first is None or day >= first)
                            and (last is None or day <= last))
            practice = practised - done - partly
        if self.as_it_comes_up:
            return Tally(done, partly, not_done, not_logged, used=practice)
        return Tally(done, partly, not_done, not_logged, practice)

    def extra_days(self) -> list[dt.date]:
        """The days logged apart from the schedule's dates (extra practice, or uses), in
        order: those that count in a figure (done or partly)."""
        scheduled = self._scheduled
        return sorted(day for day, completion in self.logged.items()
                      if completion != "not_done" and day not in scheduled)

    def streak(self, last: dt.date | None = None) -> int:
        """Due occurrences done or partly in a row, counting back from the latest due on
        or before `last` (None: the latest of all)."""
        count = 0
        for day in reversed(self.due):
            if last is not None and day > last:
                continue
            if self.logged.get(day) in ("done", "partly"):
                count += 1
            else:
                break
        return count

    def overdue(self) -> list[dt.date]:
        """Due, not logged, and still loggable (within LATE_DAYS of today)."""
        oldest = self.today - _LATE
        return [day for day in self.due if day >= oldest and day not in self.logged]


# --- what can be logged, and when ------------------------------------------------------


def kind_of_day(plan: Plan, day: dt.date, given_on: dt.date | None = None) -> str | None:
    """What an entry on `day` would be: "due" on a date of the schedule, "extra" on
    another day the plan runs on (from `given_on`, the day the exercise was given, when
    that is before its start), None on a day nothing can be logged. (How late a day can
    be logged is `schedule.can_log`'s.)"""
    if not plan.runs_on(day, given_on):
        return None
    return "due" if day in plan.dates(day) else "extra"


def uses_in_week(logged: Iterable[dt.date], day: dt.date) -> int:
    """How many of the logged days fall in the week (Monday to Sunday) holding `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    sunday = monday + dt.timedelta(days=6)
    return sum(1 for other in logged if monday <= other <= sunday)


def week_is_full(logged: Iterable[dt.date], day: dt.date, most: int) -> bool:
    """Whether the week holding `day` already has its `most` uses, leaving `day` itself
    out (so an entry of that day can still be changed)."""
    return uses_in_week((other for other in logged if other != day), day) >= most


# --- the joint comparison --------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """One partner's account of a joint occurrence: their completion and ratings (one per
    rating question, None where not answered)."""

    completion: str
    ratings: Sequence[int | None] = ()


@dataclass(frozen=True)
class Difference:
    """How two accounts of one joint occurrence differ: one difference to talk about."""

    completion: bool  # one partner says done, the other not done
    questions: tuple[int, ...]  # the rating questions RATING_GAP or more apart (indexes)


def compare(first: Account, second: Account) -> Difference | None:
    """The difference between two accounts of a joint occurrence, or None if they agree."""
    completion = {first.completion, second.completion} == {"done", "not_done"}
    questions = tuple(
        index
        for index, (a, b) in enumerate(zip(first.ratings, second.ratings, strict=False))
        if a is not None and b is not None and abs(a - b) >= RATING_GAP
    )
    if completion or questions:
        return Difference(completion, questions)
    return None


def differences(accounts: Mapping[dt.date, Sequence[Account]], first: dt.date | None = None,
                last: dt.date | None = None) -> dict[dt.date, Difference]:
    """The joint occurrences from `first` to `last` (None: no bound) whose two accounts
    differ."""
    found = {}
    for day, pair in accounts.items():
        if (len(pair) == 2 and (first is None or day >= first)
                and (last is None or day <= last)):
            difference = compare(pair[0], pair[1])
            if difference is not None:
                found[day] = difference
    return found


# --- the couple's progress -------------------------------------------------------------


@dataclass(frozen=True)
class Together:
    """An exercise given to both partners, over a span, as the couple did it."""

    occurrences: int  # due for both
    both: int  # both done
    one: int  # one done, the other not
    partly: int  # neither done, at least one partly
    used: int = 0  # as it comes up: the uses between the two of you

    @property
    def kept_up(self) -> bool:
        """Both did it on at least half of its occurrences."""
        return self.occurrences > 0 and 2 * self.both >= self.occurrences

    def describe(self, unit: str = "days") -> str:
        """'14 days: both of you on 9, one of you on 2, partly on 1'; as it comes up,
        'used 3 times between you'."""
        if not self.occurrences:
            return ("used once between you" if self.used == 1
                    else f"used {self.used} times between you" if self.used else "not used")
        parts = [f"{label} on {count}" for label, count in (
            ("both of you", self.both), ("one of you", self.one), ("partly", self.partly))
            if count]
        return f"{self.occurrences} {unit}: " + (", ".join(parts) if parts
                                                   else "not yet done together")


def together(first: Occurrences, second: Occurrences, start: dt.date, end: dt.date,
             *, leave_out: Iterable[dt.date] = (), joint: bool = False) -> Together:
    """Both partners' occurrences of one exercise from `start` to `end`, day by day: only
    the days due for both count, and none of `leave_out` (days one partner may not see).
    As it comes up, the uses between them: each partner's, or, for a joint exercise, the
    days either logged it done or partly (one use of the couple)."""
    skipped = set(leave_out)
    if first.as_it_comes_up:
        used = {p: {day for day, completion in o.logged.items()
                    if completion in ("done", "partly") and start <= day <= end
                    and day not in skipped} for p, o in enumerate((first, second))}
        return Together(0, 0, 0, 0, used=len(used[0] | used[1]) if joint
                        else len(used[0]) + len(used[1]))
    days = sorted(day for day in set(first.due) & set(second.due)
                  if start <= day <= end and day not in skipped)
    both = one = partly = 0
    for day in days:
        pair = (first.logged.get(day), second.logged.get(day))
        done = pair.count("done")
        if done == 2:
            both += 1
        elif done == 1:
            one += 1
        elif "partly" in pair:
            partly += 1
    return Together(len(days), both, one, partly)


@dataclass(frozen=True)
class RatingChange:
    """The mean rating of a question in the first and the second half of a span."""

    before: float
    after: float
    higher_is_worse: bool

    @property
    def is_better(self) -> bool:
        step = self.before - self.after if self.higher_is_worse else self.after - self.before
        return step >= RATING_STEP


def rating_change(points: Iterable[tuple[dt.date, int]], start: dt.date, end: dt.date,
                  *, higher_is_worse: bool = False) -> RatingChange | None:
    """How a question's ratings moved from the first half of the span to the second;
    None without a rating in each half."""
    middle = start + (end - start) / 2
    early = [value for day, value in points if start <= day <= middle]
    late = [value for day, value in points if middle < day <= end]
    if not early or not late:
        return None
    return RatingChange(sum(early) / len(early), sum(late) / len(late), higher_is_worse)
