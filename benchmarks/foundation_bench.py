"""Print figures for the foundation: guide pages in-process and the PDF test page.

    .venv/bin/python benchmarks/foundation_bench.py

Builds its own SQLite database in a temporary folder; never run as a test.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.services.guides import load_builtin_guides

REQUESTS = 200


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_page(client, path: str, engine: sa.Engine) -> None:
    queries = 0

    def count(*_args):
        nonlocal queries
        queries += 1

    client.get(path)  # warm templates and caches
    sa.event.listen(engine, "before_cursor_execute", count)
    timings = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    sa.event.remove(engine, "before_cursor_execute", count)
    print(
        f"{path:<40} median {statistics.median(timings):6.2f} ms   "
        f"p95 {percentile(timings, 0.95):6.2f} ms   queries/request {queries / REQUESTS:.0f}"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "REKINDLE_ENV": "testing",
                "INSTANCE_PATH": tmp,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
            }
        )
        with app.app_context():
            flask_migrate.upgrade()
            load_builtin_guides()
            db.session.commit()
            engine = db.engine
        client = app.test_client()
        print(f"In-process requests, {REQUESTS} each, SQLite:")
        for path in ("/guides/", "/guides/save-your-relationship", "/sign-in"):
            time_page(client, path, engine)

    start = time.perf_counter()
    from reports import render_test_page

    print(f"\nWeasyPrint import: {(time.perf_counter() - start) * 1000:.0f} ms")
    render_test_page()
    timings = []
    for _ in range(10):
        start = time.perf_counter()
        rendered = render_test_page()
        timings.append((time.perf_counter() - start) * 1000)
    print(
        f"PDF test page ({rendered.page_count} page, {len(rendered.content) / 1024:.0f} KiB), "
        f"warm: median {statistics.median(timings):.0f} ms, max {max(timings):.0f} ms"
    )


if __name__ == "__main__":
    main()
