"""Rekindle's PDF reports.

A report is built in three steps: the caller assembles a plain snapshot (dataclasses or
dicts, never ORM objects), a Jinja template turns it into HTML styled by the bundled
``static/report.css``, and WeasyPrint turns that HTML into PDF bytes. This package never
queries the database, and its resource loader (``BundledAssetFetcher``) is deny-by-default:
only files in ``reports/static`` can be loaded, never the network or the rest of the disk.
"""

from reports.render import BundledAssetFetcher, RenderedPdf, render_pdf, render_test_page

__all__ = ["BundledAssetFetcher", "RenderedPdf", "render_pdf", "render_test_page"]
