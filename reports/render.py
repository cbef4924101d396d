"""Turn report HTML into PDF bytes with WeasyPrint, loading only bundled assets."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import jinja2
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import UNICODE_SCHEME_RE, URLFetcher, URLFetcherResponse

from reports.charts import Series, bar_chart, line_chart
from reports.result import RenderedPdf

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATES_DIR = PACKAGE_DIR / "templates"

ASSET_SCHEME = "rekindle-asset"

# An allow-list, not mimetypes.guess_type: the answer must not depend on the host's
# /etc/mime.types, and an asset of any other kind is refused.
ASSET_CONTENT_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}


class AssetRefusedError(ValueError):
    """A resource URL that the report renderer will not load."""


class BundledAssetFetcher(URLFetcher):
    """Deny-by-default WeasyPrint URL fetcher serving only files in ``reports/static``.

    Assets are addressed as ``rekindle-asset:NAME``. Every other URL (file:, http:,
    https:, data:, ...) is refused, so rendering never touches the network or the rest of
    the filesystem. WeasyPrint logs a refused resource and renders without it.
    """

    def __init__(self, static_dir: Path = STATIC_DIR) -> None:
        # The parent builds urllib handlers that are never used: fetch() below does not
        # call super(). Calling __init__ keeps the attributes WeasyPrint reads
        # (``_fail_on_errors``) in place.
        super().__init__(allowed_protocols=(ASSET_SCHEME,), allow_redirects=False)
        self.static_dir = static_dir.resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Return the bundled asset that ``url`` names, or raise AssetRefusedError."""
        match = UNICODE_SCHEME_RE.match(url)
        if match is None:
            # "rekindle-asset:" is an opaque scheme, so urljoin leaves a relative reference
            # such as "chart.png" unjoined; it can still only name a bundled asset.
            name = url
        elif match[1].lower() == ASSET_SCHEME:
            name = url[match.end() :]
        else:
            raise AssetRefusedError(f"Refused non-bundled resource: {url[:200]}")
        path = self._resolve(name)
        return URLFetcherResponse(
            url=f"{ASSET_SCHEME}:{path.relative_to(self.static_dir).as_posix()}",
            body=path.read_bytes(),
            headers={"Content-Type": ASSET_CONTENT_TYPES[path.suffix.lower()]},
        )

    def open(self, url, data=None, timeout=None):  # type: ignore[override]
        """Refuse urllib-style use; report assets are only loaded through fetch()."""
        raise AssetRefusedError("BundledAssetFetcher only supports fetch()")

    def _resolve(self, name: str) -> Path:
        # Drop any fragment or query (e.g. "icons.svg#leaf"), then undo %-encoding
        # before the containment check so "%2e%2e/" is caught too.
        name = unquote(name.split("#", 1)[0].split("?", 1)[0])
        if not name or "\x00" in name or "\\" in name or name.startswith("/"):
            raise AssetRefusedError(f"Refused asset name: {name[:200]!r}")
        # resolve() follows symlinks, so a link pointing outside static/ is refused too.
        path = (self.static_dir / name).resolve()
        if not path.is_relative_to(self.static_dir) or not path.is_file():
            raise AssetRefusedError(f"No bundled asset named {name[:200]!r}")
        if path.suffix.lower() not in ASSET_CONTENT_TYPES:
            raise AssetRefusedError(f"Refused asset type: {name[:200]!r}")
        return path


def render_pdf(
    html: str,
    *,
    title: str,
    author: str = "Rekindle",
    stylesheets: Sequence[str] = ("fonts.css", "report.css"),
    extra_css: Sequence[str] = (),
) -> RenderedPdf:
    """Render trusted report HTML to PDF with bundled stylesheets and no outside resources.

    ``extra_css`` holds stylesheet texts applied after the bundled ones; whatever they
    reference goes through the same deny-by-default fetcher.
    """
    fetcher = BundledAssetFetcher()
    # Without a FontConfiguration, WeasyPrint ignores @font-face in these stylesheets.
    font_config = FontConfiguration()
    css = [
        weasyprint.CSS(url=f"{ASSET_SCHEME}:{name}", url_fetcher=fetcher, font_config=font_config)
        for name in stylesheets
    ]
    css += [
        weasyprint.CSS(
            string=text,
            base_url=f"{ASSET_SCHEME}:",
            url_fetcher=fetcher,
            font_config=font_config,
        )
        for text in extra_css
    ]
    document = weasyprint.HTML(
        string=html, base_url=f"{ASSET_SCHEME}:", url_fetcher=fetcher
    ).render(stylesheets=css, font_config=font_config)
    document.metadata.title = title
    document.metadata.authors = [author]
    content = document.write_pdf()
    return RenderedPdf(
        content=content,
        page_count=len(document.pages),
        sha256=hashlib.sha256(content).hexdigest(),
    )


@cache
def _template_environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def _sample_ratings(
    first: datetime.date, seed: int, *, skip: Sequence[int] = ()
) -> list[tuple[datetime.date, float | None]]:
    """Four weeks of made-up daily ratings, with None on the days in skip."""
    return [
        (first + datetime.timedelta(days=day), None if day in skip else 4 + (seed * day) % 5)
        for day in range(28)
    ]


def _weekly(
    first: datetime.date, values: Sequence[float | None]
) -> list[tuple[datetime.date, float | None]]:
    """One value a week from the first date on."""
    return [(first + datetime.timedelta(days=7 * week), v) for week, v in enumerate(values)]


def _test_page_snapshot() -> dict[str, object]:
    """The plain data shown on the test page."""
    first = datetime.date(2025, 3, 3)
    rows = [
        {"exercise": "Daily appreciation", "assigned": 14, "completed": 12},
        {"exercise": "Stress-reducing conversation", "assigned": 7, "completed": 5},
        {"exercise": "Repair attempts log", "assigned": 10, "completed": 4},
    ]
    for row in rows:
        row["rate"] = round(100 * row["completed"] / row["assigned"])
    return {
        "title": "Rekindle test page",
        "practice_name": "Harbour Street Couples Practice",
        "subtitle": "A sample document to check fonts, layout and page furniture.",
        "rows": rows,
        "completion_chart": bar_chart(
            [(row["exercise"], row["rate"]) for row in rows],
            title="Completion rate by exercise",
            id_prefix="completion",
        ),
        "ratings_chart": line_chart(
            [
                Series("Zoë", _sample_ratings(first, 7, skip=(10, 11)), style=0),
                Series("Søren", _sample_ratings(first, 4, skip=(3,)), style=1),
            ],
            y_min=0,
            y_max=10,
            title="Daily closeness rating",
            start=first,
            end=first + datetime.timedelta(days=27),
            id_prefix="ratings",
        ),
        "csi_chart": line_chart(
            [
                Series("Zoë", _weekly(first, (11, 12, 14, 15))),
                Series("Søren", _weekly(first, (9, 11, None, 14)), style=1),
            ],
            y_min=0,
            y_max=21,
            title="CSI-4 relationship satisfaction by session",
            reference=(13.5, "cutoff 13.5"),
            value_name="score",
            id_prefix="csi4",
        ),
    }


def render_test_page() -> RenderedPdf:
    """Render the bundled test page, a quick end-to-end check of fonts, CSS and charts."""
    snapshot = _test_page_snapshot()
    html = _template_environment().get_template("test_page.html").render(**snapshot)
    return render_pdf(html, title=str(snapshot["title"]))


# Not a pytest test despite its name: keep pytest from collecting it where it is imported.
render_test_page.__test__ = False  # type: ignore[attr-defined]
