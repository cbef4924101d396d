"""Crisis resources and the quick exit's destination, as a practice's admin sets them.

Rekindle ships no phone numbers of its own: the lines a partner would call depend on where
they live, so the admin adds them. Until they do, the portal tells partners to call their
local emergency number. `crisis_resources` is the one way any page reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

import sqlalchemy as sa

from app.extensions import db
from app.models import Couple, CrisisLine, Practice, User
from app.models.crisis import DEFAULT_QUICK_EXIT_URL
from app.services import DomainError

NUMBER = re.compile(r"^[0-9 +()\-]+$")
NUMBER_MESSAGE = "Use only digits, spaces, +, - and brackets."
MAX_LINES = 20


class CrisisError(DomainError):
    """A crisis line or safety setting that cannot be saved; `field` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Line:
    """A crisis line as a page shows it: plain values, no ORM object."""

    id: int
    name: str
    number: str | None
    hours: str | None
    url: str | None


class CrisisResources(NamedTuple):
    """What "Need help now?" lists: the practice's lines in order, and its emergency
    number (None: "call your local emergency number")."""

    lines: list[Line]
    emergency: str | None


def crisis_resources(practice_id: int) -> CrisisResources:
    """The practice's crisis lines and local emergency number, in two small queries."""
    rows = db.session.scalars(
        sa.select(CrisisLine)
        .where(CrisisLine.practice_id == practice_id)
        .order_by(CrisisLine.position, CrisisLine.id)
    )
    lines = [Line(row.id, row.name, row.number, row.hours, row.url) for row in rows]
    emergency = db.session.scalar(
        sa.select(Practice.emergency_number).where(Practice.id == practice_id))
    return CrisisResources(lines, emergency)


def crisis_resources_for_couple(couple: Couple) -> CrisisResources:
    """The crisis resources a couple's partners are shown (their practice's)."""
    return crisis_resources(couple.practice_id)


def quick_exit_url(practice_id: int | None) -> str:
    """Where the practice's quick exit leads (the default for no practice)."""
    if practice_id is None:
        return DEFAULT_QUICK_EXIT_URL
    url = db.session.scalar(sa.select(Practice.quick_exit_url).where(Practice.id == practice_id))
    return url or DEFAULT_QUICK_EXIT_URL


# --- checking what an admin typed ---------------------------------------------------------


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def clean_number(value: str | None, field: str, *, required: bool = False) -> str | None:
    """A phone number as typed, spaces tidied; only digits, spaces, +, - and brackets."""
    number = _text(value)
    if not number:
        if required:
            raise CrisisError(field, "Enter the number.")
        return None
    if not NUMBER.match(number) or not any(c.isdigit() for c in number):
        raise CrisisError(field, NUMBER_MESSAGE)
    if len(number) > 40:
        raise CrisisError(field, "Keep the number under 40 characters.")
    return number


def clean_web_address(value: str | None, field: str, *, required: bool = False) -> str | None:
    """An absolute http(s) address with a host, or None when left empty."""
    url = (value or "").strip()
    if not url:
        if required:
            raise CrisisError(field, "Enter a web address.")
        return None
    parts = urlsplit(url)
    if (parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or any(c.isspace() or ord(c) < 32 for c in url)):
        raise CrisisError(field, "Enter a web address starting with https:// or http://.")
    if len(url) > 500:
        raise CrisisError(field, "Keep the web address under 500 characters.")
    return url


def _short(value: str | None, field: str, label: str, most: int) -> str | None:
    text = _text(value)
    if len(text) > most:
        raise CrisisError(field, f"Keep the {label} under {most} characters.")
    return text or None


def _line_values(name: str | None, number: str | None, hours: str | None,
                 url: str | None) -> dict[str, str | None]:
    clean_name = _short(name, "name", "name", 120)
    if not clean_name:
        raise CrisisError("name", "Give the line a name.")
    values = {
        "name": clean_name,
        "number": clean_number(number, "number"),
        "hours": _short(hours, "hours", "hours", 120),
        "url": clean_web_address(url, "url"),
    }
    if values["number"] is None and values["url"] is None:
        raise CrisisError("number", "Enter a number, a web address or both.")
    return values


def _require_admin(actor: User, practice_id: int) -> None:
    if not actor.is_admin or actor.practice_id != practice_id:
        raise DomainError("Only an admin of the practice can do that")


def _hold_lines_of(practice_id: int) -> None:
    """Take the practice's row (as locking.hold does for a status), so that two changes
    of its list's order happen one after the other."""
    db.session.execute(
        sa.update(Practice).where(Practice.id == practice_id).values(name=Practice.name)
        .execution_options(synchronize_session=False)
    )


def _lines_of(practice_id: int) -> list[CrisisLine]:
    return list(db.session.scalars(
        sa.select(CrisisLine)
        .where(CrisisLine.practice_id == practice_id)
        .order_by(CrisisLine.position, CrisisLine.id)
    ))


# --- changes --------------------------------------------------------------------------------


def add_crisis_line(actor: User, practice: Practice, *, name: str | None, number: str | None,
                    hours: str | None, url: str | None) -> CrisisLine:
    """Add a line at the end of the practice's list."""
    _require_admin(actor, practice.id)
    values = _line_values(name, number, hours, url)
    _hold_lines_of(practice.id)  # two admins adding at once take positions in turn
    lines = _lines_of(practice.id)
    if len(lines) >= MAX_LINES:
        raise CrisisError("name", f"A practice can list up to {MAX_LINES} lines; "
                                  "remove one first.")
    line = CrisisLine(practice_id=practice.id,
                      position=max((row.position for row in lines), default=0) + 1, **values)
    db.session.add(line)
    db.session.flush()
    return line


def update_crisis_line(actor: User, line: CrisisLine, *, name: str | None, number: str | None,
                       hours: str | None, url: str | None) -> list[str]:
    """Save a line's details; returns the names of the fields that changed."""
    _require_admin(actor, line.practice_id)
    values = _line_values(name, number, hours, url)
    changed = [field for field, value in values.items() if getattr(line, field) != value]
    for field in changed:
        setattr(line, field, values[field])
    db.session.flush()
    return changed


def remove_crisis_line(actor: User, line: CrisisLine) -> None:
    """Remove a line (not clinical content: it is deleted) and close the gap it leaves."""
    _require_admin(actor, line.practice_id)
    practice_id = line.practice_id
    _hold_lines_of(practice_id)
    db.session.delete(line)
    db.session.flush()
    for position, row in enumerate(_lines_of(practice_id), start=1):
        row.position = position
    db.session.flush()


def move_crisis_line(actor: User, line: CrisisLine, direction: str) -> bool:
    """Move a line one place up or down; False when it is already at that end."""
    _require_admin(actor, line.practice_id)
    if direction not in ("up", "down"):
        raise DomainError("Choose up or down.")
    _hold_lines_of(line.practice_id)
    lines = _lines_of(line.practice_id)
    index = lines.index(line)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(lines):
        return False
    lines[index], lines[other] = lines[other], lines[index]
    for position, row in enumerate(lines, start=1):
        row.position = position
    db.session.flush()
    return True


def update_safety_settings(actor: User, practice: Practice, *, emergency_number: str | None,
                           quick_exit_url: str | None) -> list[str]:
    """Save the local emergency number and the quick exit's destination; returns what
    changed."""
    _require_admin(actor, practice.id)
    values = {
        "emergency_number": clean_number(emergency_number, "emergency_number"),
        "quick_exit_url": clean_web_address(quick_exit_url, "quick_exit_url", required=True),
    }
    changed = [field for field, value in values.items() if getattr(practice, field) != value]
    for field in changed:
        setattr(practice, field, values[field])
    db.session.flush()
    return changed
