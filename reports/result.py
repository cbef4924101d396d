"""A rendered PDF as plain data: importable without WeasyPrint (the web process unpickles
it from a pool worker and should not pay for loading WeasyPrint to do so)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderedPdf:
    """A finished PDF: its bytes, number of pages and SHA-256 hex digest."""

    content: bytes
    page_count: int
    sha256: str
