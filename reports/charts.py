"""Inline SVG charts shared by the web pages and the PDF reports.

Each builder takes plain data and returns ``markupsafe.Markup`` holding one ``<svg>``
element that is well-formed XML. The same markup has to work in a browser and in
WeasyPrint, which sets the rules:

- Presentation attributes only: no ``class``, no ``style`` (the web app's CSP forbids inline
  styles, and WeasyPrint does not apply page CSS inside inline SVG) and no external
  references (no ``href``, no ``url(...)``).
- Fixed ``width``/``height`` plus ``viewBox`` and ``preserveAspectRatio``, so a page rule such
  as ``svg { max-width: 100%; height: auto }`` scales a chart down on a phone.
- Labels come from user data (partner names, question text): every text and attribute value
  goes through ``markupsafe.escape`` in ``_start_tag``/``_element``, the one place elements
  are assembled, and characters XML cannot hold are dropped first.
- Accessible as one image: ``role="img"``, a ``<title>`` and a ``<desc>`` that summarises the
  data in words, both named by ``aria-labelledby``.
- Deterministic: the same input gives the same bytes (ids default to a content hash).
"""

from __future__ import annotations

import datetime
import hashlib
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import NewType

from markupsafe import Markup, escape

__all__ = ["STYLES", "Series", "bar_chart", "line_chart"]

FONT_FAMILY = "Rekindle Noto Sans, Noto Sans, DejaVu Sans, sans-serif"
FONT_SIZE = 11
TITLE_SIZE = 12
PAD = 2.0  # keeps strokes and glyph edges off the very edge of the viewBox

TITLE_COLOUR = "#111827"
TEXT_COLOUR = "#374151"
MUTED_COLOUR = "#4b5563"
GRID_COLOUR = "#e5e7eb"
AXIS_COLOUR = "#9ca3af"
REFERENCE_COLOUR = "#6b7280"
TRACK_COLOUR = "#f3f4f6"
ACCENT_COLOUR = "#7a2e3a"


@dataclass(frozen=True)
class LineStyle:
    """How one series is drawn: colour, dash pattern (None: solid) and marker shape."""

    colour: str
    dasharray: str | None
    marker: str  # "circle", "square" or "diamond"


# Series differ in colour, dash pattern and marker shape at once, so they stay apart in
# grey-scale print and for colour-blind readers. Each colour has 4.5:1 or more on white.
STYLES: tuple[LineStyle, ...] = (
    LineStyle("#7a2e3a", None, "circle"),
    LineStyle("#1a5fb4", "6 4", "square"),
    LineStyle("#4b5563", "2 3", "diamond"),
)

# Attribute values this module writes again and again, escaped once (escape() is a third of
# the cost of an element). Anything else is escaped as it is written.
_PRE_ESCAPED = {
    value: escape(value)
    for value in (
        TITLE_COLOUR, TEXT_COLOUR, MUTED_COLOUR, GRID_COLOUR, AXIS_COLOUR, REFERENCE_COLOUR,
        TRACK_COLOUR, ACCENT_COLOUR, "#ffffff", "none", "round", "bold", "middle", "end",
        "5 4", *(style.colour for style in STYLES),
        *(style.dasharray for style in STYLES if style.dasharray),
    )
}  # fmt: skip

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# DejaVu Sans advance widths (thousandths of an em) for ASCII 32-126, read from the font
# files, so labels can be measured without loading a font: titles and labels that would
# not fit are shortened with an ellipsis, and date ticks are spaced so they never overlap.
# A phone's sans-serif fallback is narrower, so the estimates err on the safe side.
_REGULAR_WIDTHS = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636,
    636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698,
    770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732,
    684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635,
    634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592,
    525, 636, 337, 636, 838,
)  # fmt: skip
_BOLD_WIDTHS = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696,
    696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734,
    830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812,
    774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716,
    712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652,
    582, 712, 365, 712, 838,
)  # fmt: skip
ELLIPSIS = "\u2026"

# Characters XML 1.0 cannot carry (and DEL): dropped so the SVG always parses.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_ID_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


@dataclass(frozen=True)
class Series:
    """One line of a line chart: a label and (date, value) points; a None value is a gap."""

    label: str
    points: Sequence[tuple[datetime.date, float | None]]
    style: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.style < len(STYLES):
            raise ValueError(f"style must be between 0 and {len(STYLES) - 1}")
        # A tuple copy: the series cannot change after it was built, and a datetime
        # counts as its date.
        points = tuple(
            (day.date() if isinstance(day, datetime.datetime) else day, value)
            for day, value in self.points
        )
        object.__setattr__(self, "points", points)


# --- markup ---------------------------------------------------------------------------

# Markup fragments are plain strings typed as _Escaped while a chart is built, and become
# one Markup at the end: creating a Markup object per element doubled the build time.
# Only _start_tag and _element make _Escaped values, and they escape every value.
_Escaped = NewType("_Escaped", str)


def _start_tag(name: str, attributes: dict[str, object], *, close: bool = False) -> _Escaped:
    """``<name a="v" ...>`` (or ``.../>``): floats with one decimal, anything else escaped."""
    tag = "<" + name
    for key, value in attributes.items():
        # Names and keys are literals of this module. A number cannot carry markup.
        kind = type(value)
        if kind is float:
            tag += ' %s="%.1f"' % (key, value)  # noqa: UP031 - faster than an f-string
        elif kind is int:
            tag += ' %s="%d"' % (key, value)  # noqa: UP031
        else:
            tag += ' %s="%s"' % (key, _PRE_ESCAPED.get(value) or escape(value))  # noqa: UP031
    return _Escaped(tag + ("/>" if close else ">"))


def _element(name: str, attributes: dict[str, object], text: object = None) -> _Escaped:
    """One SVG element, empty or with escaped text content."""
    if text is None:
        return _start_tag(name, attributes, close=True)
    # %-formatting, not "+": str + Markup would call Markup.__radd__ and escape the tag.
    return _Escaped("%s%s</%s>" % (_start_tag(name, attributes), escape(text), name))  # noqa: UP031


def _text(
    x: float,
    y: float,
    text: str,
    *,
    fill: str = TEXT_COLOUR,
    anchor: str = "start",
    size: int | None = None,
    bold: bool = False,
) -> _Escaped:
    attributes: dict[str, object] = {"x": float(x), "y": float(y), "fill": fill}
    if anchor != "start":
        attributes["text-anchor"] = anchor
    if size is not None:
        attributes["font-size"] = size
    if bold:
        attributes["font-weight"] = "bold"
    return _element("text", attributes, text)


def _svg(
    body: Sequence[_Escaped],
    *,
    width: int,
    height: int,
    title: str,
    desc: str,
    id_prefix: str | None,
) -> Markup:
    """Wrap chart content in an accessible, self-contained <svg> element."""
    inner = "".join(body)
    if id_prefix is None:
        # A content hash rather than a counter keeps the output deterministic, and two
        # different charts on one page get different ids. To show the very same chart twice
        # on one page, pass id_prefix.
        digest = hashlib.blake2s(
            "\x00".join((title, desc, str(width), str(height), inner)).encode(), digest_size=5
        )
        id_prefix = f"chart-{digest.hexdigest()}"
    elif not _ID_PREFIX.fullmatch(id_prefix):
        raise ValueError("id_prefix must be a letter followed by letters, digits, - or _")
    opening = _start_tag(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": width,
            "height": height,
            "viewBox": f"0 0 {width} {height}",
            "preserveAspectRatio": "xMidYMid meet",
            "role": "img",
            "aria-labelledby": f"{id_prefix}-title {id_prefix}-desc",
            "font-family": FONT_FAMILY,
            "font-size": FONT_SIZE,
        },
    )
    title_element = _element("title", {"id": f"{id_prefix}-title"}, title)
    desc_element = _element("desc", {"id": f"{id_prefix}-desc"}, desc)
    # Safe: every part was made by _start_tag or _element, which escape what they insert.
    return Markup("".join((opening, title_element, desc_element, inner, "</svg>")))  # noqa: S704


# --- text -----------------------------------------------------------------------------


def _clean(text: object) -> str:
    """The text on one line, without characters that XML cannot hold."""
    return " ".join(_NOT_XML.sub("", str(text)).split())


_REGULAR_BY_CHAR = {chr(32 + i): width for i, width in enumerate(_REGULAR_WIDTHS)}
_BOLD_BY_CHAR = {chr(32 + i): width for i, width in enumerate(_BOLD_WIDTHS)}


def _char_width(char: str, widths: dict[str, int]) -> int:
    width = widths.get(char)
    if width is not None:
        return width
    if unicodedata.combining(char):
        return 0
    return 1000 if unicodedata.east_asian_width(char) in "WF" else 700


def _text_width(text: str, size: float, bold: bool = False) -> float:
    """Estimated width of text in DejaVu Sans at this size, in user units."""
    widths = _BOLD_BY_CHAR if bold else _REGULAR_BY_CHAR
    if text.isascii() and text.isprintable():
        total = sum(map(widths.__getitem__, text))  # the common case, at C speed
    else:
        total = sum(_char_width(char, widths) for char in text)
    return total * size / 1000


def _fit(text: str, max_width: float, size: float, bold: bool = False) -> str:
    """Text shortened with an ellipsis, if needed, to fit max_width."""
    if _text_width(text, size, bold) <= max_width:
        return text
    widths = _BOLD_BY_CHAR if bold else _REGULAR_BY_CHAR
    budget = max_width * 1000 / size - 1000  # what is left after the ellipsis
    used = 0
    for end, char in enumerate(text):
        used += _char_width(char, widths)
        if used > budget:
            return text[:end].rstrip() + ELLIPSIS
    return text


def _wrap(text: str, max_width: float, size: float, bold: bool = False,
          max_lines: int = 2) -> list[str]:
    """Text broken at spaces into at most max_lines lines of max_width; the last line is
    shortened with an ellipsis if the rest still does not fit. A word too long for a line
    is shortened rather than broken."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines - 1:
        line = words.pop(0)
        while words and _text_width(f"{line} {words[0]}", size, bold) <= max_width:
            line = f"{line} {words.pop(0)}"
        lines.append(_fit(line, max_width, size, bold))
    if words or not lines:
        lines.append(_fit(" ".join(words), max_width, size, bold))
    return lines


def _number(value: float) -> str:
    """A value for people: 7, 6.5, 13.5 (one decimal at most)."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def _day(day: datetime.date, *, year: bool = False) -> str:
    """'3 Mar', or '3 Mar 2025'; English month names whatever the server locale."""
    text = f"{day.day} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def _empty(title: str, message: str, *, width: int, id_prefix: str | None) -> Markup:
    """A small chart-sized placeholder that says there is nothing to draw yet."""
    body = [
        _text(
            PAD,
            14,
            _fit(title, width - 2 * PAD, TITLE_SIZE, True),
            fill=TITLE_COLOUR,
            size=TITLE_SIZE,
            bold=True,
        ),
        _element(
            "rect",
            {
                "x": PAD,
                "y": 22,
                "width": width - 2 * PAD,
                "height": 28,
                "rx": 3,
                "fill": TRACK_COLOUR,
            },
        ),
        _text(width / 2, 40, message, fill=MUTED_COLOUR, anchor="middle"),
    ]
    return _svg(body, width=width, height=54, title=title, desc=f"{message}.", id_prefix=id_prefix)


# --- line chart -----------------------------------------------------------------------


def _nice_ticks(low: float, high: float, max_count: int) -> list[float]:
    """Round-numbered ticks (1, 2 or 5 times a power of ten) from low to high."""
    exponent = math.floor(math.log10((high - low) / max(max_count, 1))) - 1
    while True:
        for multiple in (1, 2, 5):
            step = multiple * 10.0**exponent
            first = math.ceil(low / step - 1e-9) * step
            count = math.floor((high - first) / step + 1e-9) + 1
            if count <= max_count:
                return [round(first + index * step, 10) for index in range(count)]
        exponent += 1


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` after day's month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _date_tick_sets(
    start: datetime.date, end: datetime.date, max_count: int
) -> Iterator[list[tuple[datetime.date, str]]]:
    """Candidate (date, label) tick sets from dense to sparse."""
    span = (end - start).days
    multi_year = start.year != end.year
    for step in (1, 2, 3, 7, 14, 28):
        if span // step + 1 > max_count:
            continue
        ticks, previous_year = [], None
        for k in range(span // step + 1):
            day = start + datetime.timedelta(days=k * step)
            # Across a new year, the year shows on the first label and where it changes.
            ticks.append((day, _day(day, year=multi_year and day.year != previous_year)))
            previous_year = day.year
        yield ticks
    first_month = _add_months(start, 0 if start.day == 1 else 1)
    months = (end.year - first_month.year) * 12 + end.month - first_month.month
    for step in (1, 2, 3, 6, 12, 24, 60, 120):
        if months // step + 1 > max_count:
            continue
        ticks, previous_year = [], None
        for k in range(months + 1):
            day = _add_months(first_month, k)
            if (day.year * 12 + day.month - 1) % step:
                continue
            if step >= 12:
                label = str(day.year)
            elif day.year != previous_year:
                label = f"{MONTHS[day.month - 1]} {day.year}"
            else:
                label = MONTHS[day.month - 1]
            ticks.append((day, label))
            previous_year = day.year
        if ticks:
            yield ticks
    yield [(start, _day(start, year=True))]


def _date_ticks(
    start: datetime.date,
    end: datetime.date,
    x_of: Callable[[datetime.date], float],
    *,
    width: float,
    plot_width: float,
) -> list[tuple[float, float, str]]:
    """(tick x, label x, label) for the densest tick set whose labels do not overlap."""
    # A handful of dates is enough to read a chart by; more is clutter.
    max_count = max(2, min(8, int(plot_width // 60)))
    for ticks in _date_tick_sets(start, end, max_count):
        placed: list[tuple[float, float, str]] = []
        right_edge = -math.inf
        for day, label in ticks:
            x = x_of(day)
            half = _text_width(label, FONT_SIZE) / 2
            centre = min(max(x, PAD + half), width - PAD - half)  # keep labels inside
            if centre - half < right_edge + 10:
                break
            right_edge = centre + half
            placed.append((x, centre, label))
        else:
            return placed
    return []


def _marker_path(shape: str, coordinates: Sequence[str], size: float) -> str:
    """One path with a marker centred on each "x,y"; numbers only, nothing to escape."""
    # Each marker is a move to its centre, a relative move to its first corner, then a
    # fixed relative outline, so the formatted centres of the line are reused as they are.
    if shape == "circle":
        r = f"{size:.1f}"
        outline = f"m-{r},0a{r},{r} 0 1 0 {2 * size:.1f},0a{r},{r} 0 1 0 -{2 * size:.1f},0z"
    elif shape == "square":
        side, half = f"{size * 1.8:.1f}", f"{size * 0.9:.1f}"
        outline = f"m-{half},-{half}h{side}v{side}h-{side}z"
    else:
        d = f"{size * 1.3:.1f}"
        outline = f"m0,-{d}l{d},{d}l-{d},{d}l-{d},-{d}z"
    return "".join(["M" + xy + outline for xy in coordinates])


def _line_attributes(style: LineStyle, d: str) -> dict[str, object]:
    attributes: dict[str, object] = {
        "d": d,
        "fill": "none",
        "stroke": style.colour,
        "stroke-width": 2,
        "stroke-linejoin": "round",
    }
    if style.dasharray is not None:
        attributes["stroke-dasharray"] = style.dasharray
    return attributes


def _series_summary(
    label: str, points: Sequence[tuple[datetime.date, float]], noun: str, with_year: bool
) -> str:
    """'Alex: 6 ratings from 3 Mar to 9 Mar, lowest 4, highest 8, latest 7.'"""
    if not points:
        return f"{label}: no {noun}s."
    if len(points) == 1:
        day, value = points[0]
        return f"{label}: 1 {noun}, {_number(value)} on {_day(day, year=with_year)}."
    values = [value for _, value in points]
    return (
        f"{label}: {len(points)} {noun}s from {_day(points[0][0], year=with_year)} to "
        f"{_day(points[-1][0], year=with_year)}, lowest {_number(min(values))}, "
        f"highest {_number(max(values))}, latest {_number(values[-1])}."
    )


def line_chart(
    series: Sequence[Series],
    *,
    y_min: float,
    y_max: float,
    title: str,
    width: int = 560,
    height: int = 180,
    reference: tuple[float, str] | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    y_ticks: Sequence[float] | None = None,
    value_name: str = "rating",
    id_prefix: str | None = None,
) -> Markup:
    """Build an inline SVG line chart of values over dates, one line per series."""
    if not y_min < y_max:
        raise ValueError("y_min must be less than y_max")
    if start is not None and end is not None and start > end:
        raise ValueError("start must not be after end")
    title, noun = _clean(title), _clean(value_name)
    if isinstance(start, datetime.datetime):
        start = start.date()
    if isinstance(end, datetime.datetime):
        end = end.date()

    # Each series as unbroken runs of points inside start..end; None or NaN ends a run.
    runs_by_series: list[list[list[tuple[datetime.date, float]]]] = []
    for one in series:
        points = sorted(one.points, key=itemgetter(0))
        if points and (start is not None or end is not None):
            low, high = start or points[0][0], end or points[-1][0]
            points = [point for point in points if low <= point[0] <= high]
        run: list[tuple[datetime.date, float]] = []
        runs = [run]
        for point in points:
            value = point[1]
            if value is not None and math.isfinite(value):
                run.append(point)
            elif run:
                run = []
                runs.append(run)
        runs_by_series.append([run for run in runs if run])
    firsts = [runs[0][0][0] for runs in runs_by_series if runs]
    if not firsts:
        return _empty(title, f"No {noun}s yet", width=width, id_prefix=id_prefix)
    start = start or min(firsts)
    end = end or max(runs[-1][-1][0] for runs in runs_by_series if runs)
    span_days = (end - start).days
    with_year = start.year != end.year

    # Header: the title, with the legend beside it when both fit on one row.
    room = width - 2 * PAD
    labels = [_clean(one.label) for one in series]
    label_room = min(160, (room - 16 * (len(labels) - 1)) / max(len(labels), 1) - 28)
    shown_labels = [_fit(label, label_room, FONT_SIZE) for label in labels]
    item_widths = [28 + _text_width(label, FONT_SIZE) for label in shown_labels]
    legend_width = sum(item_widths) + 16 * (len(item_widths) - 1)
    # A title too long for one row takes two; only beyond that is the drawn title
    # shortened (<title> keeps it whole).
    title_lines = _wrap(title, room, TITLE_SIZE, True)
    below_title = 16.0 * (len(title_lines) - 1)
    if len(title_lines) == 1 and _text_width(title, TITLE_SIZE, True) + 24 + legend_width <= room:
        legend_y, header, legend_x = 14.0, 22.0, width - PAD - legend_width
    else:
        legend_y, header, legend_x = 32.0 + below_title, 40.0 + below_title, PAD
    body = [
        _text(PAD, 14 + 16 * row, line, fill=TITLE_COLOUR, size=TITLE_SIZE, bold=True)
        for row, line in enumerate(title_lines)
    ]
    for one, label, item_width in zip(series, shown_labels, item_widths, strict=True):
        style = STYLES[one.style]
        body.append(
            _element("path", _line_attributes(style, f"M{legend_x:.1f},{legend_y - 4:.1f}h22"))
        )
        body.append(
            _element(
                "path",
                {
                    "d": _marker_path(
                        style.marker, [f"{legend_x + 11:.1f},{legend_y - 4:.1f}"], 3.5
                    ),
                    "fill": style.colour,
                    "stroke": "#ffffff",
                    "stroke-width": 1,
                },
            )
        )
        body.append(_text(legend_x + 28, legend_y, label))
        legend_x += item_width + 16

    # Plot area and scales.
    plot_top = header + 10
    plot_bottom = height - 22.0
    plot_height = plot_bottom - plot_top
    if y_ticks is None:
        ticks = _nice_ticks(y_min, y_max, min(6, max(2, int(plot_height // 20) + 1)))
    else:
        ticks = sorted(tick for tick in y_ticks if y_min <= tick <= y_max)
    tick_labels = [_number(tick) for tick in ticks]
    tick_room = max((_text_width(label, FONT_SIZE) for label in tick_labels), default=0)
    plot_left = PAD + tick_room + 6
    reference_label = ""
    if reference is not None and y_min <= reference[0] <= y_max:
        # The reference label sits in a margin right of the line, clear of the data.
        reference_label = _fit(_clean(reference[1]), 0.3 * width, FONT_SIZE)
    reference_room = _text_width(reference_label, FONT_SIZE) + 6 if reference_label else 0
    plot_right = width - PAD - max(8, reference_room)
    plot_width = plot_right - plot_left
    y_scale = plot_height / (y_max - y_min)
    # Dates are inset from the plot's ends so markers do not sit on its edges.
    inset = min(6.0, plot_width / 4)
    x_scale = (plot_width - 2 * inset) / span_days if span_days else 0.0
    x_origin = plot_left + inset if span_days else plot_left + plot_width / 2
    x_start = x_origin - start.toordinal() * x_scale  # x of day d: x_start + ordinal * x_scale
    y_start = plot_bottom + y_min * y_scale  # y of value v: y_start - v * y_scale

    def y_of(value: float) -> float:
        return plot_bottom - (min(max(value, y_min), y_max) - y_min) * y_scale

    def x_of(day: datetime.date) -> float:
        return x_origin + (day - start).days * x_scale

    # Light gridlines at the y ticks, a darker axis at y_min, short ticks under the dates.
    grid = "".join(
        f"M{plot_left:.1f},{y_of(tick):.1f}H{plot_right:.1f}" for tick in ticks if tick != y_min
    )
    if grid:
        body.append(
            _element("path", {"d": grid, "fill": "none", "stroke": GRID_COLOUR, "stroke-width": 1})
        )
    date_ticks = _date_ticks(start, end, x_of, width=width, plot_width=plot_width)
    axis = f"M{plot_left:.1f},{plot_bottom:.1f}H{plot_right:.1f}" + "".join(
        f"M{x:.1f},{plot_bottom:.1f}v4" for x, _, _ in date_ticks
    )
    body.append(
        _element("path", {"d": axis, "fill": "none", "stroke": AXIS_COLOUR, "stroke-width": 1})
    )
    for tick, label in zip(ticks, tick_labels, strict=True):
        body.append(_text(plot_left - 6, y_of(tick) + 4, label, fill=MUTED_COLOUR, anchor="end"))
    for _, label_x, label in date_ticks:
        body.append(_text(label_x, plot_bottom + 16, label, fill=MUTED_COLOUR, anchor="middle"))

    # The reference line lies under the data.
    reference_desc = ""
    if reference is not None:
        reference_value = float(reference[0])
        reference_desc = (
            f" Dashed reference line at {_number(reference_value)}: {_clean(reference[1])}."
        )
        if y_min <= reference_value <= y_max:
            y = y_of(reference_value)
            body.append(
                _element(
                    "line",
                    {
                        "x1": plot_left,
                        "y1": y,
                        "x2": plot_right,
                        "y2": y,
                        "stroke": REFERENCE_COLOUR,
                        "stroke-width": 1,
                        "stroke-dasharray": "5 4",
                    },
                )
            )
            if reference_label:
                body.append(_text(plot_right + 6, y + 4, reference_label, fill=MUTED_COLOUR))

    # Each series: a path per unbroken run (a gap breaks the line), then its markers.
    most_points = max(sum(len(run) for run in runs) for runs in runs_by_series)
    marker_size = 3.5 if most_points <= plot_width / 10 else 2.5
    summaries = []
    x_texts: dict[datetime.date, str] = {}
    y_texts: dict[float, str] = {}
    for index, (one, label, runs) in enumerate(zip(series, labels, runs_by_series, strict=True)):
        style = STYLES[one.style]
        body.append(_start_tag("g", {"data-series": index}))
        centres: list[str] = []
        for run in runs:
            # x_of and y_of, inlined and memoised per date and per value (partners share
            # dates, ratings repeat): formatting coordinates is most of the work.
            points = []
            for day, value in run:
                x = x_texts.get(day)
                if x is None:
                    x = x_texts[day] = "%.1f," % (x_start + day.toordinal() * x_scale)
                y = y_texts.get(value)
                if y is None:
                    clamped = min(max(value, y_min), y_max)
                    y = y_texts[value] = "%.1f" % (y_start - clamped * y_scale)
                points.append(x + y)
            centres += points
            if len(points) > 1:
                body.append(_element("path", _line_attributes(style, "M" + "L".join(points))))
        if centres:
            body.append(
                _element(
                    "path",
                    {
                        "d": _marker_path(style.marker, centres, marker_size),
                        "fill": style.colour,
                        "stroke": "#ffffff",
                        "stroke-width": 1,
                    },
                )
            )
        body.append(_Escaped("</g>"))
        summaries.append(
            _series_summary(label, [point for run in runs for point in run], noun, with_year)
        )

    desc = (
        " ".join(summaries)
        + f" Scale {_number(y_min)} to {_number(y_max)}; dates {_day(start, year=with_year)}"
        + f" to {_day(end, year=with_year)}."
        + reference_desc
    )
    return _svg(body, width=width, height=height, title=title, desc=desc, id_prefix=id_prefix)


# --- bar chart ------------------------------------------------------------------------


def bar_chart(
    bars: Sequence[tuple[str, float | None]],
    *,
    max_value: float = 100,
    unit: str = "%",
    title: str,
    width: int = 560,
    empty_text: str = "No data yet",
    id_prefix: str | None = None,
) -> Markup:
    """Build an inline SVG horizontal bar chart: labels left, values right; None is no data."""
    if not max_value > 0:
        raise ValueError("max_value must be positive")
    title, unit = _clean(title), _clean(unit)
    if not bars:
        return _empty(title, _clean(empty_text), width=width, id_prefix=id_prefix)
    bar_height, pitch, header = 18, 28, 24
    rows = [(_clean(label), value) for label, value in bars]
    value_texts = [
        "no data" if value is None or not math.isfinite(value) else f"{_number(value)}{unit}"
        for _, value in rows
    ]
    value_width = max(_text_width(text, FONT_SIZE, True) for text in value_texts) + 10
    label_width = min(max(_text_width(label, FONT_SIZE) for label, _ in rows), 0.45 * width)
    track_x = PAD + label_width + 10
    track_width = width - PAD - value_width - track_x

    body = [
        _text(
            PAD,
            14,
            _fit(title, width - 2 * PAD, TITLE_SIZE, True),
            fill=TITLE_COLOUR,
            size=TITLE_SIZE,
            bold=True,
        )
    ]
    for index, ((label, value), value_text) in enumerate(zip(rows, value_texts, strict=True)):
        y = header + index * pitch
        baseline = y + bar_height / 2 + 4
        body.append(
            _text(PAD + label_width, baseline, _fit(label, label_width, FONT_SIZE), anchor="end")
        )
        body.append(
            _element(
                "rect",
                {
                    "x": track_x,
                    "y": y,
                    "width": track_width,
                    "height": bar_height,
                    "rx": 2,
                    "fill": TRACK_COLOUR,
                },
            )
        )
        if value is not None and math.isfinite(value) and value > 0:
            filled = track_width * min(value, max_value) / max_value
            body.append(
                _element(
                    "rect",
                    {
                        "x": track_x,
                        "y": y,
                        "width": filled,
                        "height": bar_height,
                        "rx": 2,
                        "fill": ACCENT_COLOUR,
                    },
                )
            )
        body.append(
            _text(width - PAD, baseline, value_text, fill=TITLE_COLOUR, anchor="end", bold=True)
        )
    desc = " ".join(f"{label}: {text}." for (label, _), text in zip(rows, value_texts, strict=True))
    if unit != "%":
        desc += f" Scale 0 to {_number(max_value)}{unit}."
    return _svg(
        body,
        width=width,
        height=header + len(rows) * pitch,
        title=title,
        desc=desc,
        id_prefix=id_prefix,
    )
