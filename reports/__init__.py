"""Rekindle's PDF reports.

A report is built in three steps: the caller assembles a plain snapshot (dataclasses or
dicts, never ORM objects), a Jinja template turns it into HTML styled by the bundled
``static/report.css``, and WeasyPrint turns that HTML into PDF bytes. This package never
queries the database, and its resource loader (``BundledAssetFetcher``) is deny-by-default:
only files in ``reports/static`` can be loaded, never the network or the rest of the disk.
"""

from typing import Any

__all__ = ["BundledAssetFetcher", "RenderedPdf", "render_pdf", "render_test_page"]


def __getattr__(name: str) -> Any:
    # WeasyPrint takes most of a second to import: only a process that renders pays for it
    # (web pages import reports.charts, which needs none of it).
    if name in __all__:
        from reports import render

        return getattr(render, name)
    raise AttributeError(name)
