"""Reports draw every script a couple writes in with real glyphs, from the bundled fonts.

One real PDF holds a page each of accented Latin, Arabic, Hebrew, Chinese, Japanese and
emoji. It is checked three ways: the text pypdf extracts, the fonts embedded in it (which
font drew which characters, and that they are the files in reports/static/fonts), and the
pixels pdftoppm draws from it.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader

from reports import BundledAssetFetcher, render_pdf
from reports.render import STATIC_DIR

IN_CI = os.environ.get("CI", "").lower() == "true"
FONTS_DIR = STATIC_DIR / "fonts"

LATIN = "Zoë und François: «Très bien», sagt Søren. Straße, smørrebrød, façade, naïve."
ARABIC = "نتحدث كل مساء عن يومنا"
HEBREW = "אנחנו מדברים כל ערב על היום שלנו"
CHINESE = "我们每天晚上聊一聊今天的事。"
JAPANESE = "私たちは毎晩、その日のことを話します。"
EMOJI = "❤ 🙂 🌱"
# Digits next to emoji, even one asking for emoji style (U+FE0F), come from Noto Sans.
EMOJI_WITH_DIGITS = "Week 3\ufe0f 🌱 2026 ❤ 12:30 🙂7"
BOLD_AND_ITALIC = "<strong>Stärke</strong> <em>Gefühl</em> <strong><em>Nähe</em></strong>"

# (lang, dir, paragraphs) for each page, in page order.
PAGES = [
    ("de", "ltr", [LATIN, BOLD_AND_ITALIC]),
    ("ar", "rtl", [ARABIC]),
    ("he", "rtl", [HEBREW]),
    ("zh", "ltr", [CHINESE]),
    ("ja", "ltr", [JAPANESE]),
    ("en", "ltr", [EMOJI, EMOJI_WITH_DIGITS]),
]
# Each sample sits in the middle third of its page, away from the running header and
# footer, so the pixel checks do not depend on report.css's margins.
SAMPLE_HTML = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
    "<h1>Zoë &amp; Søren — 2026</h1>"
    + "".join(
        f'<section lang="{lang}" dir="{direction}" style="break-before: page; padding-top: 110mm">'
        + "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
        + "</section>"
        for lang, direction, paragraphs in PAGES
    )
    + "</body></html>"
)

BUNDLED_FAMILIES = {
    "Rekindle-Noto-Sans",
    "Rekindle-Noto-Sans-Bold",
    "Rekindle-Noto-Sans-Italic",
    "Rekindle-Noto-Sans-Bold-Italic",
    "Rekindle-Noto-Sans-Arabic",
    "Rekindle-Noto-Sans-Hebrew",
    "Rekindle-Noto-Emoji",
}


def fail_or_skip(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_cjk_font() -> None:
    """Fail in CI (skip elsewhere) when the system has no Noto Sans CJK."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return  # Cannot tell: the font checks below fail if it is missing.
    listing = subprocess.run(
        [fc_list, "Noto Sans CJK SC", "family"], capture_output=True, text=True, timeout=60
    )
    if not listing.stdout.strip():
        fail_or_skip(
            "Noto Sans CJK is not installed; reports need it for Chinese and Japanese. "
            "On Debian/Ubuntu: apt-get install fonts-noto-cjk"
        )


class RecordingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def render_logged(html: str, **kwargs) -> tuple[bytes, list[str]]:
    """Render through render_pdf; return the PDF and what WeasyPrint logged."""
    handler = RecordingHandler()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        pdf = render_pdf(html, title="Fonts", **kwargs)
    finally:
        logger.removeHandler(handler)
    return pdf.content, handler.messages


@pytest.fixture(scope="module")
def sample() -> tuple[bytes, list[str]]:
    require_cjk_font()
    return render_logged(SAMPLE_HTML)


def family(base_font: str) -> str:
    """'/ABCDEF+Rekindle-Noto-Sans' -> 'Rekindle-Noto-Sans' (drops the subset tag)."""
    return base_font.lstrip("/").split("+", 1)[-1]


def iter_fonts(reader: PdfReader) -> Iterator[tuple[str, dict]]:
    """(family, font dict) for each font in the PDF, once."""
    seen = set()
    for page in reader.pages:
        for reference in (page["/Resources"].get("/Font") or {}).values():
            if reference.idnum not in seen:  # pages share font objects
                seen.add(reference.idnum)
                font = reference.get_object()
                yield family(str(font["/BaseFont"])), font


def text_by_font(pdf: bytes) -> dict[str, str]:
    """All the text each embedded font drew, as pypdf decodes it."""
    drawn: dict[str, list[str]] = defaultdict(list)

    def visit(text, cm, tm, font, size):
        if text.strip() and font is not None:
            drawn[family(str(font["/BaseFont"]))].append(text)

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return {name: "".join(parts) for name, parts in drawn.items()}


def glyph_codes(font: dict) -> dict[int, str]:
    """The font's ToUnicode map: glyph code -> the text it stands for."""
    cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    codes = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            codes[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for first, last, start in re.findall(
            r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
        ):
            for offset in range(int(last, 16) - int(first, 16) + 1):
                codes[int(first, 16) + offset] = chr(int(start, 16) + offset)
    return codes


def letters(text: str) -> set[str]:
    return {char for char in text if unicodedata.category(char)[0] in "LS"}


# --- (a) text --------------------------------------------------------------------------


def test_every_script_comes_back_as_text(sample):
    pdf, _ = sample
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)

    for sample_text in (LATIN, CHINESE, JAPANESE, EMOJI):
        assert sample_text in text
    assert EMOJI_WITH_DIGITS.replace("\ufe0f", "") in text  # a selector draws nothing
    # The PDF draws right-to-left text in visual order; pypdf 7 puts it back in reading
    # order, but accept a word reversed too, so the check is about the glyphs, not about
    # an extractor's bidi handling (the pixel test checks the direction).
    for word in ARABIC.split() + HEBREW.split():
        assert word in text or word[::-1] in text, word
    assert "Confidential" in text  # page furniture still set


# --- (b) embedded fonts ----------------------------------------------------------------


def test_each_script_is_drawn_by_its_own_font(sample):
    pdf, _ = sample
    drawn = text_by_font(pdf)
    cjk = "".join(text for name, text in drawn.items() if name.startswith("Noto-Sans-CJK"))

    assert set(drawn) >= BUNDLED_FAMILIES
    others = set(drawn) - BUNDLED_FAMILIES
    assert others and all(name.startswith("Noto-Sans-CJK") for name in others), others
    assert letters(LATIN) <= set(drawn["Rekindle-Noto-Sans"])
    assert letters(ARABIC) <= set(drawn["Rekindle-Noto-Sans-Arabic"])
    assert letters(HEBREW) <= set(drawn["Rekindle-Noto-Sans-Hebrew"])
    assert letters(CHINESE + JAPANESE) <= set(cjk), "CJK text is not in Noto Sans CJK"
    assert letters(EMOJI + EMOJI_WITH_DIGITS) - letters("Week") <= set(drawn["Rekindle-Noto-Emoji"])
    # Digits, even beside emoji, stay in Noto Sans; the emoji font draws only emoji.
    assert {char for char in EMOJI_WITH_DIGITS if char.isdigit()} <= set(
        drawn["Rekindle-Noto-Sans"]
    )
    assert not set(drawn["Rekindle-Noto-Emoji"]) & set("0123456789#*:Week")


def test_japanese_text_takes_the_japanese_font_and_chinese_the_chinese_one(sample):
    """Han characters look different in Japanese and Chinese: text marked lang="ja" is
    drawn by Noto Sans CJK JP, other Han text by Noto Sans CJK SC (fonts.css)."""
    pdf, _ = sample
    drawn = text_by_font(pdf)
    assert letters(JAPANESE) <= set(drawn.get("Noto-Sans-CJK-JP", ""))
    assert letters(CHINESE) <= set(drawn.get("Noto-Sans-CJK-SC", ""))


def test_no_fallback_font_and_no_missing_glyph(sample):
    pdf, logged = sample
    names = {name for name, _ in iter_fonts(PdfReader(io.BytesIO(pdf)))}

    assert not [name for name in names if "DejaVu" in name]
    assert not [message for message in logged if ".notdef" in message]


def test_missing_glyph_check_can_fail():
    """Control: a character no font has is logged, so the check above can fail."""
    _, logged = render_logged("<p>unassigned \u0378 code point</p>")

    assert [message for message in logged if ".notdef" in message]


def test_arabic_letters_are_joined(sample):
    """Joined Arabic uses a letter's initial, medial and final forms: several glyphs
    stand for the same letter. Unjoined text has exactly one glyph per letter."""
    pdf, _ = sample
    (arabic,) = [
        font for name, font in iter_fonts(PdfReader(io.BytesIO(pdf))) if name.endswith("Arabic")
    ]
    codes = glyph_codes(arabic)
    arabic_glyphs = [text for text in codes.values() if letters(text) & letters(ARABIC)]

    assert len(arabic_glyphs) > len(set(arabic_glyphs))


def test_margin_boxes_use_the_font_stack(sample):
    pdf, _ = sample
    drawn = text_by_font(pdf)

    assert "Confidential" in drawn["Rekindle-Noto-Sans"]


def fingerprint(font: TTFont) -> tuple[str, float, int]:
    return font["name"].getDebugName(6), font["head"].fontRevision, font["head"].created


def bundled_fingerprints() -> dict[str, tuple[str, float, int]]:
    prints = {}
    for path in FONTS_DIR.glob("*.ttf"):
        with TTFont(path, lazy=True) as font:
            font_print = fingerprint(font)
        prints[font_print[0]] = font_print
    return prints


def embedded_fingerprints(pdf: bytes) -> dict[str, tuple[str, float, int]]:
    """family -> (PostScript name, revision, creation time) of each embedded font program."""
    prints = {}
    for name, font in iter_fonts(PdfReader(io.BytesIO(pdf))):
        if "/DescendantFonts" in font:  # a Type0 (CID-keyed) font
            font = font["/DescendantFonts"][0].get_object()
        descriptor = font["/FontDescriptor"].get_object()
        program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
        with TTFont(io.BytesIO(program.get_object().get_data())) as embedded:
            prints[name] = fingerprint(embedded)
    return prints


def test_embedded_fonts_are_the_bundled_files(sample):
    pdf, _ = sample
    bundled = bundled_fingerprints()
    embedded = embedded_fingerprints(pdf)

    for name in BUNDLED_FAMILIES:
        assert embedded[name] in bundled.values(), name
    assert embedded["Rekindle-Noto-Sans"] == bundled["NotoSans-Regular"]
    assert embedded["Rekindle-Noto-Emoji"] == bundled["NotoEmoji-Regular"]


def test_an_installed_noto_sans_does_not_replace_the_bundled_one(tmp_path, monkeypatch):
    """fontconfig sees the bundled fonts beside the installed ones; an installed Noto Sans
    of another version (Debian's fonts-noto-core, say) must not be used instead."""
    installed = tmp_path / "fonts"
    installed.mkdir()
    with TTFont(FONTS_DIR / "NotoSans-Regular.ttf") as other:
        other["head"].fontRevision = 9.0
        other.save(installed / "NotoSans-Regular.ttf")
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<fontconfig>\n"
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{installed}</dir>\n"
        f"  <cachedir>{tmp_path / 'cache'}</cachedir>\n"
        "</fontconfig>\n"
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))

    # Control: the installed copy is visible, and wins by its plain name.
    plain, _ = render_logged("<p style=\"font-family: 'Noto Sans'\">Zoë 2026</p>", stylesheets=())
    assert embedded_fingerprints(plain)["Noto-Sans"][1] == 9.0

    bundled, _ = render_logged("<p>Zoë 2026</p>")
    revisions = {name: font[1] for name, font in embedded_fingerprints(bundled).items()}
    assert revisions == {"Rekindle-Noto-Sans": bundled_fingerprints()["NotoSans-Regular"][1]}


def test_emoji_unicode_range_claims_only_emoji_the_font_has():
    css = (STATIC_DIR / "fonts.css").read_text()
    (face,) = [block for block in re.findall(r"@font-face\s*{[^}]*}", css) if "Emoji" in block]
    font_file = re.search(r'url\("rekindle-asset:(fonts/[^"]+)"\)', face)[1]
    (ranges,) = re.findall(r"unicode-range:([^;]+);", face)
    claimed = set()
    for item in ranges.split(","):
        first, _, last = item.strip().removeprefix("U+").partition("-")
        claimed.update(range(int(first, 16), int(last or first, 16) + 1))

    with TTFont(STATIC_DIR / font_file) as font:
        assert claimed <= set(font.getBestCmap())
    assert min(claimed) >= 0x2000  # no digits, "#", "*", space...
    assert {0x2764, 0x1F642, 0x1F331} <= claimed


def test_every_font_face_is_a_bundled_font():
    urls = re.findall(r'url\("(rekindle-asset:[^"]+)"\)', (STATIC_DIR / "fonts.css").read_text())
    served = set()
    for url in urls:
        response = BundledAssetFetcher().fetch(url)
        response.close()
        assert response.content_type == "font/ttf"
        served.add(Path(url.removeprefix("rekindle-asset:")).name)

    assert served == {path.name for path in FONTS_DIR.glob("*.ttf")}
    assert (FONTS_DIR / "OFL.txt").is_file()
    assert (FONTS_DIR / "README.md").is_file()


# --- (c) pixels ------------------------------------------------------------------------


def test_every_page_draws_its_script_in_the_right_direction(sample, tmp_path):
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        fail_or_skip("pdftoppm (poppler-utils) is not installed")
    pdf, _ = sample
    (tmp_path / "fonts.pdf").write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-r", "100", "-png", str(tmp_path / "fonts.pdf"), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == 1 + len(PAGES)  # the title page, then one page per script

    for png, (lang, direction, _) in zip(pngs[1:], PAGES, strict=True):
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(png) as image:
            grey = image.convert("L")
        width, height = grey.size
        # The middle third of the page holds the sample and nothing else.
        band = grey.crop((0, height // 3, width, 2 * height // 3))
        ink = band.point(lambda value: 255 if value < 128 else 0)
        box = ink.getbbox()
        assert box is not None, f"page for {lang} is blank"
        # One short line of 10 pt text at 100 dpi makes 240-600 dark pixels here.
        dark = ink.histogram()[255]
        assert dark > 100, f"page for {lang} has almost no ink ({dark} pixels)"
        left, _, right, _ = box
        if direction == "rtl":  # starts at the right margin, short of the left one
            assert right > 0.7 * width and left > 0.3 * width, (lang, box)
        else:
            assert left < 0.3 * width, (lang, box)
