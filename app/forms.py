"""Form helpers shared by the blueprints."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from zoneinfo import available_timezones

from wtforms import SelectChoice


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
