"""Form helpers shared by the blueprints."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import cache
from zoneinfo import available_timezones

from wtforms import SelectChoice
from wtforms.validators import ValidationError

from app.clock import now

_DATABASE_ID = re.compile(r"[1-9][0-9]{0,9}")
DATABASE_ID_MAX = 2**31 - 1  # as the <id:...> URL converter allows


def database_id(text: str | None) -> int | None:
    """A record id from a query argument, or None if it cannot be one (not plain ASCII
    digits, or beyond what the database holds)."""
    if text is None or not _DATABASE_ID.fullmatch(text):
        return None
    value = int(text)
    return value if value <= DATABASE_ID_MAX else None


@cache
def _zones() -> tuple[str, ...]:
    zones = sorted(
        zone
        for zone in available_timezones()
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    )
    return (*zones, "UTC")


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


def timezone_choices() -> list[SelectChoice]:
    """Each usual IANA timezone, labelled like "America / New York"."""
    return choices((zone, zone.replace("_", " ").replace("/", " / ")) for zone in _zones())


def status_of(form: object) -> int:
    """The status of a page showing `form`: 422 once it carries errors, so that nothing
    the request did is kept (app.transactions rolls back answers of 400 and more)."""
    return 422 if getattr(form, "errors", None) else 200


class NearToday:
    """A date no more than `before` days before today and `after` days after it: a year
    of 9999 or of 1 is a slip of the keyboard, and would only make long empty schedules.
    (Today by UTC: a day either way makes no difference to such bounds.)"""

    def __init__(self, *, before: int, after: int, message: str) -> None:
        self.before, self.after, self.message = before, after, message

    def __call__(self, form: object, field: object) -> None:
        value = getattr(field, "data", None)
        today = now().date()
        if isinstance(value, dt.date) and not (
            today - dt.timedelta(days=self.before) <= value <= today + dt.timedelta(days=self.after)
        ):
            raise ValidationError(self.message)
