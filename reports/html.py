"""Report HTML from plain data: Jinja with autoescaping, no Flask, no WeasyPrint.

Everything a partner or therapist typed reaches the template as a string and is escaped;
the only markup passed through is the SVG charts, built (and escaped) by reports.charts.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
PAPER_SIZES = {"A4": "A4", "Letter": "letter"}
STYLESHEETS = ("fonts.css", "report.css", "progress.css")


def _day(value: dt.date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else ""


def _when(value: dt.datetime | None) -> str:
    return f"{value:%a} {value.day} {value:%b %Y, %H:%M}" if value else ""


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = _day
    env.filters["when"] = _when
    return env


def build_html(data: Any) -> str:
    """The progress report's HTML for a ReportData (see app.services.reports)."""
    return environment().get_template("progress_report.html").render(
        r=data, page_size=PAPER_SIZES.get(data.paper_size, "A4")
    )


def render_here(html: str, title: str, author: str):
    """Render in this process (command line and demo); the web app uses the worker pool."""
    from reports.render import render_pdf

    return render_pdf(html, title=title, author=author, stylesheets=STYLESHEETS)
