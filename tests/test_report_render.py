"""The PDF renderer: a real PDF comes out, and nothing outside reports/static gets in."""

import hashlib
import io
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import weasyprint
from pypdf import PdfReader
from weasyprint.urls import URLFetchingError

from reports import BundledAssetFetcher, RenderedPdf, render_pdf, render_test_page
from reports.render import STATIC_DIR

PASSWD_MARKER = "root:x:0:0"


def read_pdf(pdf: RenderedPdf) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf.content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def embedded_files(pdf: RenderedPdf) -> list[str]:
    """Names of files embedded in the PDF, document-level or as file annotations."""
    reader = PdfReader(io.BytesIO(pdf.content))
    names = list(reader.attachments)
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/FileAttachment":
                names.append(str(annotation["/FS"].get("/UF") or annotation["/FS"]["/F"]))
    return names


def test_test_page_renders_a_real_pdf():
    pdf = render_test_page()

    assert pdf.content.startswith(b"%PDF-")
    reader, text = read_pdf(pdf)
    assert pdf.page_count == len(reader.pages) >= 1
    assert "Rekindle test page" in text
    assert "Confidential" in text
    assert "page 1 of" in text
    assert reader.metadata.title == "Rekindle test page"
    assert reader.metadata.author == "Rekindle"
    assert pdf.sha256 == hashlib.sha256(pdf.content).hexdigest()


def test_render_pdf_sets_title_and_author_and_is_deterministic():
    html = "<h1>Session 3</h1><p>Notes</p>"
    first = render_pdf(html, title="Session report", author="Dr Example")
    second = render_pdf(html, title="Session report", author="Dr Example")

    reader, text = read_pdf(first)
    assert reader.metadata.title == "Session report"
    assert reader.metadata.author == "Dr Example"
    assert "Session 3" in text
    assert first.sha256 == second.sha256


def test_test_page_rasterizes_to_a_non_blank_image(tmp_path):
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm (poppler-utils) is required in CI")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    pdf_path = tmp_path / "test-page.pdf"
    pdf_path.write_bytes(render_test_page().content)

    # PNG as requested by the pipeline, plus a grey-scale PGM that is trivial to read:
    # a blank A4 page already makes a ~2 KB PNG, so file size alone proves nothing.
    args = ["-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf_path)]
    subprocess.run([pdftoppm, "-png", *args, str(tmp_path / "page")], check=True, timeout=60)
    subprocess.run([pdftoppm, "-gray", *args, str(tmp_path / "page")], check=True, timeout=60)

    assert (tmp_path / "page.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    magic, width, height, maxval, pixels = (tmp_path / "page.pgm").read_bytes().split(maxsplit=4)
    assert (magic, maxval) == (b"P5", b"255")
    width, height = int(width), int(height)
    assert len(pixels) == width * height
    dark = sum(1 for value in pixels if value < 128)
    assert dark > 0.005 * width * height  # text, table rules and chart bars are there


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "https://example.com/x",
        "ftp://example.com/x.css",
        "data:text/css,body{}",
        "rekindle-asset:../render.py",
        "rekindle-asset:%2e%2e/render.py",
        "rekindle-asset:/etc/passwd",
        "rekindle-asset:",
        "../render.py",
        "/etc/passwd",
        "//example.com/x.css",
        "missing.png",
        "rekindle-asset:missing.css",
    ],
)
def test_fetcher_refuses_everything_but_bundled_assets(url):
    with pytest.raises(ValueError):
        BundledAssetFetcher().fetch(url)


def test_fetcher_serves_bundled_stylesheet():
    response = BundledAssetFetcher().fetch("rekindle-asset:report.css")
    try:
        assert response.content_type == "text/css"
        assert response.url == "rekindle-asset:report.css"
        assert response.read() == (STATIC_DIR / "report.css").read_bytes()
    finally:
        response.close()


def test_fetcher_refuses_symlinks_and_unknown_types(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    secret = tmp_path / "secret.css"
    secret.write_text("p { color: red }")
    (static / "escape.css").symlink_to(secret)
    (static / "ok.css").write_text("p { color: blue }")
    (static / "script.py").write_text("print('hi')")
    fetcher = BundledAssetFetcher(static)

    with pytest.raises(ValueError):
        fetcher.fetch("rekindle-asset:escape.css")
    with pytest.raises(ValueError):
        fetcher.fetch("rekindle-asset:script.py")
    response = fetcher.fetch("rekindle-asset:ok.css")
    response.close()
    assert response.url == "rekindle-asset:ok.css"


class CountingHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.paths.append(self.path)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


@contextmanager
def canary_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    server.paths = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def hostile_html(port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    return f"""<!DOCTYPE html>
<html><head>
<link rel="stylesheet" href="{base}/s.css">
<link rel="attachment" href="{base}/link-att">
<style>
@import url({base}/i.css);
@font-face {{ font-family: x; src: url({base}/f.ttf) }}
p {{ background: url({base}/bg.png); font-family: x }}
</style>
</head><body>
<p>Canary page</p>
<img src="{base}/img.png">
<img src="missing.png">
<object data="{base}/o"></object>
<embed src="{base}/e">
<svg width="10" height="10"><image href="{base}/svg.png" width="10" height="10"/></svg>
<img src="file:///etc/passwd">
<a rel="attachment" href="file:///etc/passwd">x</a>
<a rel="attachment" href="{base}/att">y</a>
</body></html>"""


def test_rendering_never_reaches_the_network_or_local_files():
    with canary_server() as server:
        pdf = render_pdf(hostile_html(server.server_address[1]), title="Canary")

    assert server.paths == []
    _, text = read_pdf(pdf)
    assert "Canary page" in text
    assert embedded_files(pdf) == []
    # Dictionaries sit in compressed object streams, but an embedded file's own stream
    # (/Type /EmbeddedFile) stays readable, so this byte check is meaningful.
    assert b"/EmbeddedFile" not in pdf.content
    assert PASSWD_MARKER not in text
    assert PASSWD_MARKER.encode() not in pdf.content


def test_canary_server_catches_a_permissive_fetcher(monkeypatch):
    """Control: WeasyPrint's default fetcher does reach the canary, so the test above can fail."""
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    with canary_server() as server:
        weasyprint.HTML(string=hostile_html(server.server_address[1])).write_pdf()

    assert {"/s.css", "/i.css", "/img.png", "/att"} <= set(server.paths)


@pytest.mark.parametrize(
    "markup",
    [
        '<link rel="attachment" href="report.css"><p>x</p>',
        '<p>x</p><a rel="attachment" href="rekindle-asset:report.css">css</a>',
    ],
)
def test_attachment_checks_detect_a_bundled_attachment(markup):
    """Control: permitted attachments are embedded, so the attachment checks can fail."""
    pdf = render_pdf(markup, title="Control")

    assert embedded_files(pdf) == ["report.css"]
    assert b"/EmbeddedFile" in pdf.content


def test_missing_relative_asset_fails_cleanly():
    pdf = render_pdf('<p>Before</p><img src="nope.png" alt=""><p>After</p>', title="Missing")
    _, text = read_pdf(pdf)
    assert "Before" in text
    assert "After" in text


def test_unknown_stylesheet_is_an_error():
    with pytest.raises(URLFetchingError, match=r"nope\.css"):
        render_pdf("<p>x</p>", title="x", stylesheets=("nope.css",))
