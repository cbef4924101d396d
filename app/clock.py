"""The one source of "now". Production always reads the system clock.

Tests may move time through a FrozenClock, which create_app installs only when
TESTING is on; there is no setting or request that can move it otherwise.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

EXTENSION_KEY = "rekindle.clock"


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FrozenClock(SystemClock):
    """A clock a test can set; it falls back to the system time until set."""

    def __init__(self) -> None:
        self._moment: dt.datetime | None = None

    def now(self) -> dt.datetime:
        return self._moment if self._moment is not None else super().now()

    def set(self, moment: dt.datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FrozenClock.set needs an aware datetime")
        self._moment = moment.astimezone(dt.UTC)

    def advance(self, delta: dt.timedelta) -> None:
        self.set(self.now() + delta)

    def reset(self) -> None:
        self._moment = None


def now() -> dt.datetime:
    """Aware UTC now."""
    if has_app_context():
        clock = current_app.extensions.get(EXTENSION_KEY)
        if clock is not None:
            return clock.now()
    return dt.datetime.now(dt.UTC)


def today_in(timezone: str) -> dt.date:
    """Today's date for someone living in the given IANA timezone."""
    return now().astimezone(ZoneInfo(timezone)).date()
