"""Report HTML from plain data: Jinja with autoescaping, no Flask, no WeasyPrint.

Everything a partner or therapist typed reaches the template as a string and is escaped;
the only markup passed through is the SVG charts, built (and escaped) by reports.charts.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from reports.charts import Series, line_chart

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
PAPER_SIZES = {"A4": "A4", "Letter": "letter"}
STYLESHEETS = ("fonts.css", "report.css", "progress.css")
# Hiragana, katakana (and their extensions, half-width too): only Japanese writes them.
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")


def _day(value: dt.date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else ""


def _short_day(value: dt.date) -> str:
    return f"{value:%a} {value.day} {value:%b}"


def _when(value: dt.datetime | None) -> str:
    return f"{value:%a} {value.day} {value:%b %Y, %H:%M}" if value else ""


def _lang_of(value: str | None) -> Markup:
    """A lang attribute for typed text, where the fonts need one: lang="ja" for text with
    kana, so its Han characters take their Japanese forms (fonts.css); else nothing."""
    return Markup(' lang="ja"') if value and _KANA.search(value) else Markup("")


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
    env.filters["short_day"] = _short_day
    env.globals["lang_of"] = _lang_of
    return env


def build_html(data: Any) -> str:
    """A report's HTML: the clinician report for a ReportData, the couple handout for a
    Handout (see app.services.reports); its charts are drawn here, from plain points."""
    csi4 = getattr(data, "csi4", None)
    template = "progress_report.html" if data.is_clinician else "couple_handout.html"
    return environment().get_template(template).render(
        r=data,
        page_size=PAPER_SIZES.get(data.header.paper_size, "A4"),
        rating_charts=[_rating_chart(chart) for chart in data.ratings],
        csi4_chart=_csi4_chart(csi4) if csi4 is not None else None,
    )


def _rating_chart(chart: Any) -> Markup:
    return line_chart(
        [Series(name, points, style=style) for style, (name, points) in enumerate(chart.series)],
        y_min=chart.low, y_max=chart.high, title=chart.title, start=chart.start,
        end=chart.end, width=520, height=170, id_prefix=chart.key,
    )


def _csi4_chart(csi4: Any) -> Markup:
    series = [Series(name, points, style=style)
              for style, (name, points) in enumerate(csi4.series)]
    return line_chart(
        series, y_min=0, y_max=csi4.top, title=f"{csi4.name} by session",
        start=series[0].points[0][0], end=series[0].points[-1][0],
        reference=(csi4.cutoff, f"cutoff {csi4.cutoff}"), value_name="score",
        width=520, height=190, id_prefix="csi4",
    )


def render_here(html: str, title: str, author: str):
    """Render in this process (command line and demo); the web app uses the worker pool."""
    from reports.render import render_pdf

    return render_pdf(html, title=title, author=author, stylesheets=STYLESHEETS)
