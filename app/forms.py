"""Form helpers shared by the blueprints."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from zoneinfo import available_timezones

from wtforms import HiddenField, SelectChoice

from app.services.submissions import new_token

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


class SentOnceMixin:
    """For a form that creates something: a hidden one-time token, new each time the form
    is shown, by which the route makes a form sent twice one change
    (app.services.submissions)."""

    # No id: a page can hold two such forms (the session page does).
    once = HiddenField(default=new_token, render_kw={"id": False})
