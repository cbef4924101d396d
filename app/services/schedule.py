"""The homework calendar: the dates of an assignment's schedule, weeks, and how late a
day can be logged.

Pure functions over plain values, so they are cheap to test and to run over a whole
caseload. Which of those dates are due, and every figure made of them, is
`occurrences.py`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LATE_DAYS = 7  # an occurrence can be logged up to a week after its date
HORIZON_DAYS = 20 * 366  # no plan looks further ahead than this


def weekday_mask(days: Iterable[int]) -> int:
    """A bit mask from weekday numbers (Monday = 0 ... Sunday = 6)."""
    mask = 0
    for day in days:
        if not 0 <= day <= 6:
            raise ValueError("weekday numbers run from 0 (Monday) to 6 (Sunday)")
        mask |= 1 << day
    return mask


def mask_days(mask: int) -> list[int]:
    """Weekday numbers in a mask."""
    return [day for day in range(7) if mask & (1 << day)]


def cadence_label(cadence: str, times_per_week: int | None = None) -> str:
    """'Daily', 'Weekly', 'Once', '3 times a week', 'As it comes up, up to 2 times a
    week'."""
    if cadence == "times_per_week":
        return f"{times_per_week} times a week"
    if cadence == "as_it_comes_up":
        most = "once" if times_per_week == 1 else f"{times_per_week} times"
        return f"As it comes up, up to {most} a week"
    return {"once": "Once", "daily": "Daily", "weekly": "Weekly"}.get(cadence, cadence)


def per_week(cadence: str, times_per_week: int | None) -> int:
    """How many occurrences a full week of this cadence holds: 7 daily, 1 weekly, N for N
    times a week; 0 for once (not weekly) and for as it comes up (never due)."""
    if cadence == "daily":
        return 7
    if cadence == "weekly":
        return 1
    if cadence == "times_per_week":
        return times_per_week or 0
    return 0


@dataclass(frozen=True)
class Plan:
    """The schedule of one assignment, as plain values."""

    cadence: str  # once, daily, weekly, times_per_week, as_it_comes_up (no dates)
    start: dt.date
    end: dt.date | None = None  # last possible date (the end date, or the day it was ended)
    max_occurrences: int | None = None
    weekdays: int | None = None  # for times_per_week: the chosen days
    pauses: Sequence[tuple[dt.date, dt.date | None]] = ()  # [paused_on, resumed_on)

    def _paused(self, day: dt.date) -> bool:
        return any(
            start <= day and (resumed is None or day < resumed) for start, resumed in self.pauses
        )

    def _candidates(self) -> Iterator[dt.date]:
        day = self.start
        if self.cadence == "as_it_comes_up":
            return
        if self.cadence == "once":
            yield day
            return
        step = dt.timedelta(days=7 if self.cadence == "weekly" else 1)
        days = set(mask_days(self.weekdays or 0)) if self.cadence == "times_per_week" else None
        if days is not None and not days:
            return  # no day chosen: no date (the database never holds such a plan)
        while True:
            if days is None or day.weekday() in days:
                yield day
            day += step

    def dates(self, until: dt.date) -> list[dt.date]:
        """Every due date from the start through `until` (inclusive), in order."""
        last = min(until, self.end) if self.end else until
        found: list[dt.date] = []
        for day in self._candidates():
            if day > last:
                break
            if self.max_occurrences is not None and len(found) >= self.max_occurrences:
                break
            if not self._paused(day):
                found.append(day)
        return found

    def last_day(self) -> dt.date | None:
        """The last day the plan runs: its end; for once, its day; for a count-limited
        plan, the day of its last occurrence. None while it runs on."""
        if self.cadence == "once":
            return min(self.start, self.end) if self.end else self.start
        if self.max_occurrences is None:
            return self.end
        found = 0
        horizon = self.start + dt.timedelta(days=HORIZON_DAYS)
        for day in self._candidates():
            if (self.end is not None and day > self.end) or day > horizon:
                return self.end
            if not self._paused(day):
                found += 1
                if found == self.max_occurrences:
                    return day
            elif any(start <= day and resumed is None for start, resumed in self.pauses):
                return self.end  # paused until further notice: the count waits
        return self.end

    def runs_on(self, day: dt.date, first: dt.date | None = None) -> bool:
        """Whether the plan is running on `day`: from `first` (the start unless earlier,
        such as the day the exercise was given) to its last day, and not paused."""
        begins = min(self.start, first) if first is not None else self.start
        last = self.last_day()
        return begins <= day and (last is None or day <= last) and not self._paused(day)


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the week holding this day."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def can_log(occurrence: dt.date, today: dt.date) -> bool:
    """Occurrences can be logged on the day and up to a week late, never ahead."""
    return today - dt.timedelta(days=LATE_DAYS) <= occurrence <= today
