"""Jinja filters and globals: plain text to safe HTML, cadence labels, form tokens."""

from __future__ import annotations

import datetime as dt
import math
import re

from flask import Flask
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from app.services.schedule import cadence_label
from app.services.submissions import new_token

_NUMBERED = re.compile(r"^\s*\d+[.)]\s+")
_BULLET = re.compile(r"^\s*[-*]\s+")


def text_to_html(text: str | None) -> Markup:
    """Paragraphs, numbered and bulleted lists from plain text; everything escaped."""
    blocks: list[str] = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(_NUMBERED.match(line) for line in lines):
            items = "".join(f"<li>{escape(_NUMBERED.sub('', line))}</li>" for line in lines)
            blocks.append(f"<ol>{items}</ol>")
        elif all(_BULLET.match(line) for line in lines):
            items = "".join(f"<li>{escape(_BULLET.sub('', line))}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append(f"<p>{escape(' '.join(line.strip() for line in lines))}</p>")
    return Markup("".join(blocks))  # noqa: S704 - every piece above is escaped


def form_tokens() -> Markup:
    """The hidden fields every posted form carries: the CSRF token and a one-time token,
    new for each form drawn (see app.services.submissions). No ids: a page holds many
    forms, and an id may appear once."""
    return Markup(  # noqa: S704 - both values are URL-safe tokens
        f'<input type="hidden" name="csrf_token" value="{generate_csrf()}">'
        f'<input type="hidden" name="once" value="{new_token()}">'
    )


# What a date, time or number input may hold (HTML's "valid date string", "valid time
# string" and "valid floating-point number"); _is_valid checks the ranges.
_VALID_INPUT = {
    "date": re.compile(r"[0-9]{4,}-[0-9]{2}-[0-9]{2}"),
    "time": re.compile(r"[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,3})?)?"),
    "number": re.compile(r"-?([0-9]+(\.[0-9]+)?|\.[0-9]+)([eE][-+]?[0-9]+)?"),
}


def _is_valid(kind: str, value: str) -> bool:
    if not _VALID_INPUT[kind].fullmatch(value):
        return False
    try:
        if kind == "date":
            year, month, day = (int(part) for part in value.split("-"))
            dt.date(2000 + year % 400, month, day)  # leap years repeat every 400 years
            return year > 0
        if kind == "time":
            dt.time.fromisoformat(value)
            return True
        return math.isfinite(float(value))
    except ValueError:
        return False


def input_value(field) -> str | None:
    """The value to draw a date, time or number input with when what was sent cannot be
    one, which the HTML standard does not allow: the value it was read as ("\uff15" as 5),
    or else empty ("2026-02-30", "25:99", "ten"), as a browser shows such an input anyway;
    the field's error says what was wrong. None: draw the field's value as usual."""
    kind = getattr(field.widget, "input_type", None)
    if kind not in _VALID_INPUT:
        return None
    value = field._value()
    if value == "" or _is_valid(kind, value):
        return None
    data = field.data
    read = "" if data is None or isinstance(data, bool) else (
        data.isoformat() if isinstance(data, dt.date | dt.time) else str(data))
    return read if _is_valid(kind, read) else ""


def init_app(app: Flask) -> None:
    app.jinja_env.filters["text_to_html"] = text_to_html
    app.jinja_env.globals["cadence_label"] = cadence_label
    app.jinja_env.globals["form_tokens"] = form_tokens
    app.jinja_env.globals["input_value"] = input_value
