"""Hostile report markup: nothing is fetched, nothing local is embedded, nothing overflows.

The report templates escape user content, so raw HTML and CSS can only come from a
template or stylesheet bug. These tests assume that bug exists and hand WeasyPrint every
way it has of loading a resource, aimed at a canary HTTP server on loopback and at local
files, through ``render_pdf``, through WeasyPrint directly with ``BundledAssetFetcher``,
and through the render pool. Control tests show that each check does catch a leak.
"""

import io
import re
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
import weasyprint
from pypdf import PdfReader
from pypdf.generic import ContentStream
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetchingError

from reports import BundledAssetFetcher, render_pdf
from reports.pool import RenderFailedError, RenderPool
from reports.render import ASSET_SCHEME

PASSWD = Path("/etc/passwd")
PASSWD_MARKER = "root:x:0:0"


# --- the canary ------------------------------------------------------------------------


class CanaryHandler(BaseHTTPRequestHandler):
    """Records every request; /redirect answers 302 to another canary path."""

    def _answer(self):
        self.server.requests.append(f"{self.command} {self.path}")
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", f"{self.server.url}/redirected")
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = do_POST = _answer

    def log_message(self, format, *args):
        pass


@contextmanager
def canary_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), CanaryHandler)
    server.requests = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def requested_paths(server: ThreadingHTTPServer) -> set[str]:
    return {request.split(" ", 1)[1] for request in server.requests}


# --- the hostile documents ----------------------------------------------------------------


def hostile_document(canary: str) -> tuple[str, str]:
    """Raw HTML and an extra stylesheet holding every fetch vector, one canary path each."""
    host = canary.removeprefix("http:")  # protocol-relative: //127.0.0.1:PORT
    svg_with_external_image = quote(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        f'<image href="{canary}/data-svg-image" width="10" height="10"/></svg>'
    )
    css_with_background = quote(f"p {{ background: url({canary}/data-css-background) }}")
    css_with_import = quote(f"@import url({canary}/data-css-import);")
    html = f"""<!DOCTYPE html>
<html><head>
<link rel="stylesheet" href="{canary}/link-stylesheet">
<link rel="stylesheet" href="{canary}/redirect">
<link rel="stylesheet" href="{host}/protocol-relative-stylesheet">
<link rel="stylesheet" href="data:text/css,{css_with_background}">
<link rel="stylesheet" href="file:///etc/passwd">
<link rel="attachment" href="{canary}/link-attachment">
<link rel="attachment" href="file:///etc/passwd">
<link rel="attachment" href="data:text/plain,{PASSWD_MARKER}-data-attachment">
<link rel="attachment" href="rekindle-asset:../render.py">
<link rel="attachment" href="../../../../../../etc/passwd">
<style>
@import url({canary}/style-import-url);
@import "{canary}/style-import-string";
@import url("data:text/css,{css_with_import}");
@import url(file:///etc/passwd);
@font-face {{ font-family: canary; src: url({canary}/font-face) }}
@font-face {{ font-family: canary-local; src: url(file:///etc/passwd) }}
.canary-font {{ font-family: canary, canary-local }}
@page {{
  background: url({canary}/page-background);
  @top-right {{ content: url({canary}/margin-box-content) }}
}}
ul {{ list-style-image: url({canary}/list-style-image) }}
.content-url::before {{ content: url({canary}/content-url) }}
.border-image {{ border: 10px solid; border-image: url({canary}/border-image) 30 round }}
</style>
</head><body>
<p class="canary-font">Canary start</p>
<p style="background: url({canary}/style-attribute-background)">Styled paragraph</p>
<p style="background-image: url({host}/protocol-relative-background)">Relative</p>
<ul><li>Listed</li></ul>
<p class="content-url">Generated content</p>
<div class="border-image">Bordered</div>
<div class="extra-background">Extra background</div>
<img src="{canary}/img" alt="">
<img src="{canary}/redirect" alt="">
<img src="{host}/protocol-relative-img" alt="">
<img src="{canary}/image.svg" alt="">
<img src="data:image/svg+xml,{svg_with_external_image}" alt="">
<img src="file:///etc/passwd" alt="">
<img src="rekindle-asset:%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd" alt="">
<img srcset="{canary}/img-srcset 1x" alt="">
<picture><source srcset="{canary}/picture-source"><img src="{canary}/picture-img" alt=""></picture>
<object data="{canary}/object"></object>
<object data="file:///etc/passwd" type="text/plain"></object>
<embed src="{canary}/embed">
<iframe src="{canary}/iframe"></iframe>
<video poster="{canary}/video-poster" src="{canary}/video"></video>
<input type="image" src="{canary}/input-image" alt="">
<svg width="10" height="10"><image href="{canary}/svg-image" width="10" height="10"/></svg>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="10" height="10"><image xlink:href="{canary}/svg-xlink-image" width="10"
     height="10"/></svg>
<svg width="10" height="10"><image href="file:///etc/passwd" width="10" height="10"/></svg>
<svg width="10" height="10"><use href="{canary}/svg-use.svg#shape"/></svg>
<svg width="10" height="10"><style>@import url({canary}/svg-style-import);</style></svg>
<a rel="attachment" href="{canary}/a-attachment">Attachment link</a>
<a rel="attachment" href="file:///etc/passwd">Local attachment link</a>
<a rel="attachment" href="{canary}/redirect">Redirected attachment link</a>
<a href="{canary}/plain-link">Plain link</a>
<p>Canary end</p>
</body></html>"""
    css = f"""
@import url({canary}/extra-import);
@import url({host}/extra-protocol-relative-import);
@import url(file:///etc/passwd);
@font-face {{ font-family: extra; src: url({canary}/extra-font-face) }}
body {{ font-family: extra, "Rekindle Noto Sans", sans-serif }}
.extra-background {{ background-image: url({canary}/extra-background) }}
li::after {{ content: url({canary}/extra-content-url) }}
"""
    return html, css


def base_href_document(canary: str) -> tuple[str, str]:
    """A <base> pointing at the canary turns every relative reference into a fetch there."""
    html = f"""<!DOCTYPE html>
<html><head>
<base href="{canary}/based/">
<link rel="stylesheet" href="relative.css">
<link rel="attachment" href="relative-attachment">
</head><body>
<p>Canary start</p>
<img src="relative.png" alt="">
<a rel="attachment" href="relative-a-attachment">Relative attachment</a>
<p>Canary end</p>
</body></html>"""
    return html, "p { background: url(relative-background.png) }"


DOCUMENTS = {"hostile": hostile_document, "base-href": base_href_document}

# What WeasyPrint 70 loads when nothing stops it (see the control test). The other vectors
# are not fetched by this WeasyPrint at all and stay in the documents in case one ever is.
LIVE_PATHS = {
    "hostile": {
        "/link-stylesheet",
        "/redirect",
        "/redirected",
        "/protocol-relative-stylesheet",
        "/data-css-background",
        "/link-attachment",
        "/style-import-url",
        "/style-import-string",
        "/data-css-import",
        "/font-face",
        "/page-background",
        "/margin-box-content",
        "/list-style-image",
        "/content-url",
        "/border-image",
        "/style-attribute-background",
        "/protocol-relative-background",
        "/img",
        "/protocol-relative-img",
        "/image.svg",
        "/data-svg-image",
        "/picture-img",
        "/object",
        "/embed",
        "/svg-image",
        "/svg-xlink-image",
        "/a-attachment",
        "/extra-import",
        "/extra-protocol-relative-import",
        "/extra-font-face",
        "/extra-background",
        "/extra-content-url",
    },
    "base-href": {
        "/based/relative.css",
        "/based/relative-attachment",
        "/based/relative.png",
        "/based/relative-a-attachment",
    },
}


# --- rendering routes ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool() -> Iterator[RenderPool]:
    with RenderPool(workers=1, timeout=120, memory_limit_mb=1024, queue_timeout=120) as pool:
        yield pool


def render_directly(html: str, css: str) -> bytes:
    """WeasyPrint itself, given the fetcher for both the document and a CSS(string=...)."""
    font_config = FontConfiguration()
    # Without a base URL, WeasyPrint 70 raises on a relative @import instead of skipping it.
    stylesheet = weasyprint.CSS(
        string=css,
        base_url=f"{ASSET_SCHEME}:",
        url_fetcher=BundledAssetFetcher(),
        font_config=font_config,
    )
    return weasyprint.HTML(
        string=html, base_url=f"{ASSET_SCHEME}:", url_fetcher=BundledAssetFetcher()
    ).write_pdf(stylesheets=[stylesheet], font_config=font_config)


def render(route: str, html: str, css: str, pool: RenderPool) -> bytes:
    if route == "render_pdf":
        return render_pdf(html, title="Canary", extra_css=(css,)).content
    if route == "weasyprint":
        return render_directly(html, css)
    return pool.render(html, title="Canary", extra_css=(css,)).content


def render_permissively(html: str, css: str, canary: str) -> bytes:
    """WeasyPrint's default fetcher, with the canary as base URL for relative references."""
    font_config = FontConfiguration()
    stylesheet = weasyprint.CSS(
        string=css, base_url=f"{canary}/", url_fetcher=URLFetcher(), font_config=font_config
    )
    return weasyprint.HTML(string=html, base_url=f"{canary}/", url_fetcher=URLFetcher()).write_pdf(
        stylesheets=[stylesheet], font_config=font_config
    )


# --- what must not be in the PDF ------------------------------------------------------------


def decompressed_streams(content: bytes) -> Iterator[bytes]:
    """Every stream's bytes, zlib-inflated where they inflate, found without a PDF parser."""
    for match in re.finditer(rb"stream\r?\n", content):
        end = content.find(b"endstream", match.end())
        if end == -1:
            continue
        data = content[match.end() : end]
        try:
            yield zlib.decompressobj().decompress(data)
        except zlib.error:
            yield data


def leaks(content: bytes) -> list[str]:
    """Everything in the PDF that shows a resource got in: embedded files, local file text."""
    found = []
    reader = PdfReader(io.BytesIO(content))
    found += [f"attachment {name}" for name in reader.attachments]
    names = reader.trailer["/Root"].get("/Names")
    if names is not None and "/EmbeddedFiles" in names.get_object():
        found.append("/EmbeddedFiles in the catalog's names")
    for number, page in enumerate(reader.pages, start=1):
        for annotation in page.get("/Annots") or []:
            if annotation.get_object().get("/Subtype") == "/FileAttachment":
                found.append(f"file attachment annotation on page {number}")
        if PASSWD_MARKER in page.extract_text():
            found.append(f"local file text on page {number}")
    if PASSWD_MARKER.encode() in content:
        found.append("local file text in the raw PDF")
    for number, stream in enumerate(decompressed_streams(content)):
        if PASSWD_MARKER.encode() in stream:
            found.append(f"local file text in stream {number}")
    return found


def extract_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- the loader holds ------------------------------------------------------------------------


@pytest.mark.parametrize("document", sorted(DOCUMENTS))
@pytest.mark.parametrize("route", ["render_pdf", "weasyprint", "pool"])
def test_no_vector_reaches_the_network_or_local_files(route, document, pool):
    with canary_server() as server:
        html, css = DOCUMENTS[document](server.url)
        content = render(route, html, css, pool)

    assert server.requests == []
    assert leaks(content) == []
    # Refused resources are skipped: the document around them still renders.
    assert content.startswith(b"%PDF-")
    text = extract_text(content)
    assert "Canary start" in text
    assert "Canary end" in text


def test_color_profile_vector_fails_closed():
    """WeasyPrint 70 fetches @color-profile outside its error handling, so a refused
    profile aborts the render instead of being skipped: it fails, and fetches nothing."""
    with canary_server() as server:
        css = f"@color-profile --canary {{ src: url({server.url}/color-profile) }}"
        with pytest.raises(URLFetchingError, match="Refused non-bundled resource"):
            render_pdf("<p>x</p>", title="Canary", extra_css=(css,))

    assert server.requests == []


def test_color_profile_vector_fails_closed_in_the_pool(pool):
    with canary_server() as server:
        css = f"@color-profile --canary {{ src: url({server.url}/color-profile) }}"
        with pytest.raises(RenderFailedError) as failure:
            pool.render("<p>x</p>", title="Canary", extra_css=(css,))

    assert server.requests == []
    assert failure.value.reason == "error"
    assert server.url not in str(failure.value)


# --- controls: the checks above can fail --------------------------------------------------


@pytest.mark.parametrize("document", sorted(DOCUMENTS))
def test_control_a_permissive_fetcher_reaches_the_canary(document, monkeypatch):
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    with canary_server() as server:
        html, css = DOCUMENTS[document](server.url)
        render_permissively(html, css, server.url)

    assert LIVE_PATHS[document] <= requested_paths(server)


@pytest.mark.skipif(
    PASSWD_MARKER not in (PASSWD.read_text() if PASSWD.exists() else ""),
    reason="needs an /etc/passwd with a root entry",
)
def test_control_leak_checks_find_an_embedded_local_file():
    content = weasyprint.HTML(
        string='<p>x</p><link rel="attachment" href="file:///etc/passwd">'
    ).write_pdf()

    found = leaks(content)
    assert "attachment passwd" in found
    assert "/EmbeddedFiles in the catalog's names" in found
    # The file is stored compressed: only inflating the streams finds its text.
    assert "local file text in the raw PDF" not in found
    assert any(item.startswith("local file text in stream") for item in found)


def test_control_leak_checks_find_a_file_attachment_annotation():
    html = f'<p><a rel="attachment" href="{ASSET_SCHEME}:report.css">css</a></p>'

    found = leaks(render_pdf(html, title="Control").content)

    assert "file attachment annotation on page 1" in found


# --- long words stay on the page ---------------------------------------------------------


def _multiply(m, n):
    """PDF matrix product m x n, matrices as (a, b, c, d, e, f)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t,
            e * q + f * s + u)


def _apply(m, x, y):
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _font_widths(font) -> tuple[int, dict[int, float], float]:
    """(bytes per code, glyph widths by code in 1/1000 em, default width) of a PDF font."""
    font = font.get_object()
    if font["/Subtype"] == "/Type0":
        cid_font = font["/DescendantFonts"][0].get_object()
        widths: dict[int, float] = {}
        w = list(cid_font.get("/W", []))
        i = 0
        while i < len(w):
            first = int(w[i])
            if isinstance(w[i + 1].get_object(), list):
                for offset, width in enumerate(w[i + 1].get_object()):
                    widths[first + offset] = float(width)
                i += 2
            else:
                for code in range(first, int(w[i + 1]) + 1):
                    widths[code] = float(w[i + 2])
                i += 3
        return 2, widths, float(cid_font.get("/DW", 1000))
    first = int(font.get("/FirstChar", 0))
    widths = {first + i: float(width) for i, width in enumerate(font.get("/Widths", []))}
    return 1, widths, 0.0


def glyph_extents(reader: PdfReader, page) -> list[tuple[float, float, float]]:
    """(left, right, baseline) in page points of every glyph a page's content draws."""
    glyphs: list[tuple[float, float, float]] = []

    def run(content, resources, ctm):
        fonts = resources.get("/Font", {})
        xobjects = resources.get("/XObject", {})
        stack = []
        tm = tlm = (1, 0, 0, 1, 0, 0)
        font = (2, {}, 1000.0)
        size = char_spacing = word_spacing = rise = leading = 0.0
        scale = 1.0

        def show(operand):
            nonlocal tm
            if isinstance(operand, int | float):
                tm = _multiply((1, 0, 0, 1, -float(operand) / 1000 * size * scale, 0), tm)
                return
            # pypdf may read a glyph string as text; original_bytes undoes that.
            raw = operand.original_bytes if hasattr(operand, "original_bytes") else bytes(operand)
            step, widths, default = font
            for i in range(0, len(raw), step):
                code = int.from_bytes(raw[i : i + step], "big")
                advance = widths.get(code, default) / 1000 * size
                render_matrix = _multiply(tm, ctm)
                left, baseline = _apply(render_matrix, 0, rise)
                right, _ = _apply(render_matrix, advance * scale, rise)
                glyphs.append((min(left, right), max(left, right), baseline))
                spacing = char_spacing + (word_spacing if step == 1 and code == 32 else 0)
                tm = _multiply((1, 0, 0, 1, (advance + spacing) * scale, 0), tm)

        for operands, operator in ContentStream(content, reader).operations:
            if operator == b"q":
                stack.append(ctm)
            elif operator == b"Q":
                ctm = stack.pop()
            elif operator == b"cm":
                ctm = _multiply(tuple(float(v) for v in operands), ctm)
            elif operator == b"BT":
                tm = tlm = (1, 0, 0, 1, 0, 0)
            elif operator == b"Tf":
                font, size = _font_widths(fonts[operands[0]]), float(operands[1])
            elif operator == b"Tm":
                tm = tlm = tuple(float(v) for v in operands)
            elif operator in (b"Td", b"TD"):
                if operator == b"TD":
                    leading = -float(operands[1])
                tm = tlm = _multiply((1, 0, 0, 1, float(operands[0]), float(operands[1])), tlm)
            elif operator == b"T*":
                tm = tlm = _multiply((1, 0, 0, 1, 0, -leading), tlm)
            elif operator == b"TL":
                leading = float(operands[0])
            elif operator == b"Tc":
                char_spacing = float(operands[0])
            elif operator == b"Tw":
                word_spacing = float(operands[0])
            elif operator == b"Tz":
                scale = float(operands[0]) / 100
            elif operator == b"Ts":
                rise = float(operands[0])
            elif operator == b"Tj":
                show(operands[0])
            elif operator == b"TJ":
                for item in operands[0]:
                    show(item)
            elif operator in (b"'", b'"'):
                tm = tlm = _multiply((1, 0, 0, 1, 0, -leading), tlm)
                show(operands[-1])
            elif operator == b"Do":
                xobject = xobjects[operands[0]].get_object()
                if xobject.get("/Subtype") == "/Form":
                    matrix = tuple(float(v) for v in xobject.get("/Matrix", (1, 0, 0, 1, 0, 0)))
                    run(xobject, xobject.get("/Resources", resources), _multiply(matrix, ctm))

    run(page.get_contents(), page["/Resources"], (1, 0, 0, 1, 0, 0))
    return glyphs


LONG_WORD = ("Zwischenbetrachtung" + "Ueberlegungsabschnitt") * 125  # 5,000 letters, no break
LONG_URL = "https://example.org/reports/" + "aBcDeFgHiJ-" * 24 + "?id=Xyzw"  # 300


@pytest.mark.parametrize(
    "markup",
    [
        f"<h1>Notes</h1><p>Before {LONG_WORD} middle {LONG_URL} after.</p>",
        f"<ul><li><strong>{LONG_URL}</strong> {LONG_WORD}</li></ul>",
        # Only the URL in a table: with overflow-wrap: anywhere, WeasyPrint's automatic table
        # layout takes super-linear time in the longest word (5,000 letters: minutes).
        f"<table><tr><th>Link</th><td>{LONG_URL}</td></tr></table>",
    ],
    ids=["paragraph", "list", "table"],
)
def test_long_unbroken_words_stay_on_the_page(markup):
    assert (len(LONG_WORD), len(LONG_URL)) == (5000, 300)

    pdf = render_pdf(markup, title="Long words")

    reader = PdfReader(io.BytesIO(pdf.content))
    glyph_count = 0
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        glyphs = glyph_extents(reader, page)
        glyph_count += len(glyphs)
        outside = [
            (left, right, baseline)
            for left, right, baseline in glyphs
            if left < -0.01 or right > width + 0.01 or not 0 <= baseline <= height
        ]
        assert outside == [], f"{len(outside)} glyphs leave the {width:.0f}pt page"
    # Every character made it onto a page: broken across lines (and pages, with the page
    # furniture in between), but nothing lost.
    words = extract_text(pdf.content).split()
    for long_string in (LONG_WORD, LONG_URL):
        if long_string in markup:
            assert "".join(word for word in words if word in long_string) == long_string
            glyph_count -= len(long_string)
    assert glyph_count >= 0


def test_glyph_extents_see_text_that_leaves_the_page():
    """Control: without overflow-wrap the long word runs off the page, and is caught."""
    css = "body, p { overflow-wrap: normal; word-break: normal }"
    pdf = render_pdf(f"<p>{LONG_WORD}</p>", title="Overflow", extra_css=(css,))

    reader = PdfReader(io.BytesIO(pdf.content))
    page = reader.pages[0]
    width = float(page.mediabox.width)
    assert any(right > width for _, right, _ in glyph_extents(reader, page))

