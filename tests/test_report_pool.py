"""The render pool: warm workers, a time and a memory limit, and a fresh worker after either."""

import io
import os
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from pypdf import PdfReader

from app.config import CONFIGS
from reports import render_pdf
from reports.pool import START_METHOD, RenderFailedError, RenderPool, get_pool

# Worker start-up (import WeasyPrint, warm-up render) takes seconds on a busy 2-core box;
# renders that are meant to succeed get this much time, so only the limits under test bite.
GENEROUS_SECONDS = 120

SECRET = "Zephyrine-confided-7141"


def read_text(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def many_paragraphs(count: int) -> str:
    return "".join(f"<p>{SECRET} paragraph {i}, long enough to wrap.</p>" for i in range(count))


def grid_bomb() -> str:
    """A few kilobytes of HTML whose layout allocates gigabytes.

    WeasyPrint 70 expands ``repeat(N, ...)`` in a grid template into N copies of the
    track's line-name list, with no upper bound on N.
    """
    names = " ".join(f"{SECRET}-{i}" for i in range(200))
    return (
        f'<div style="display: grid; grid-template-columns: repeat(10000000, [{names}] 1px)">'
        f"<div>{SECRET}</div></div>"
    )


def assert_safe_failure(error: RenderFailedError, reason: str, message: str) -> None:
    assert error.reason == reason
    assert str(error) == message
    assert SECRET not in repr(error)
    # Nothing chained: a worker's traceback would quote the document.
    assert error.__cause__ is None
    assert error.__context__ is None


def wait_until_gone(pid: int) -> None:
    deadline = time.monotonic() + GENEROUS_SECONDS
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail(f"worker {pid} is still running")


@pytest.fixture(scope="module")
def pool() -> Iterator[RenderPool]:
    with RenderPool(
        workers=1, timeout=GENEROUS_SECONDS, memory_limit_mb=1024, queue_timeout=GENEROUS_SECONDS
    ) as pool:
        yield pool


def test_pool_renders_the_same_pdf_as_in_process(pool):
    html = f"<h1>Session 3</h1><p>{SECRET}</p>"

    pdf = pool.render(html, title="Session report", author="Dr Example")

    assert pdf.content.startswith(b"%PDF-")
    reader, text = read_text(pdf.content)
    assert pdf.page_count == len(reader.pages) == 1
    assert "Session 3" in text
    assert SECRET in text
    assert reader.metadata.title == "Session report"
    assert reader.metadata.author == "Dr Example"
    assert pdf == render_pdf(html, title="Session report", author="Dr Example")


def test_pool_passes_stylesheets_and_extra_css(pool):
    plain = pool.render("<p>Plain</p>", title="x", stylesheets=())
    styled = pool.render("<p>Plain</p>", title="x", extra_css=("@page { size: A5 }",))

    assert read_text(plain.content)[0].pages[0].mediabox.width == pytest.approx(595.3, abs=1)
    assert read_text(styled.content)[0].pages[0].mediabox.width == pytest.approx(419.5, abs=1)


def test_workers_are_warm_separate_processes_with_weasyprint_loaded_once(pool):
    before = pool.worker_status()
    pool.render("<p>One</p>", title="One")
    pool.render("<p>Two</p>", title="Two")
    after = pool.worker_status()

    # One long-lived worker served both renders: it ran its initializer (which imports
    # WeasyPrint and renders a warm-up page) once, and counted both renders.
    assert after.pid == before.pid != os.getpid()
    assert after.initializer_runs == before.initializer_runs == 1
    assert after.renders == before.renders + 2
    assert after.weasyprint_loaded
    assert after.memory_limit_bytes == 1024 * 1024 * 1024
    # Started by a fork server, not forked from this (database-holding) process.
    assert START_METHOD == "forkserver"
    assert after.parent_pid != os.getpid()


def test_a_failing_render_says_nothing_about_the_document(pool):
    before = pool.worker_status()

    with pytest.raises(RenderFailedError) as failure:
        pool.render(f"<p>{SECRET}</p>", title="x", stylesheets=(f"{SECRET}.css",))

    assert_safe_failure(failure.value, "error", "The report could not be rendered.")
    # An ordinary error leaves the worker in place.
    assert pool.worker_status().pid == before.pid


def test_a_render_over_the_time_limit_fails_and_the_next_one_works():
    with RenderPool(
        workers=1, timeout=1, memory_limit_mb=1024, queue_timeout=GENEROUS_SECONDS
    ) as pool:
        stuck = pool.worker_status()

        started = time.monotonic()
        with pytest.raises(RenderFailedError) as failure:
            pool.render(many_paragraphs(20_000), title=SECRET)  # minutes of layout
        assert time.monotonic() - started < GENEROUS_SECONDS

        assert_safe_failure(failure.value, "timeout", "The report took too long to render.")
        pdf = pool.render("<p>After the timeout</p>", title="x", timeout=GENEROUS_SECONDS)
        assert "After the timeout" in read_text(pdf.content)[1]
        replacement = pool.worker_status()
        assert replacement.pid != stuck.pid
        assert replacement.initializer_runs == 1
        wait_until_gone(stuck.pid)


def test_a_render_over_the_memory_limit_fails_cleanly_and_the_next_one_works():
    limit = 640 * 2**20  # a warm worker uses about 320-390 MB of address space
    with RenderPool(
        workers=1, timeout=GENEROUS_SECONDS, memory_limit_mb=640, queue_timeout=GENEROUS_SECONDS
    ) as pool:
        exhausted = pool.worker_status()
        assert exhausted.memory_limit_bytes == limit
        # Room left for an ordinary render, so only the hostile one runs out.
        assert exhausted.address_space_bytes < limit - 128 * 2**20

        with pytest.raises(RenderFailedError) as failure:
            pool.render(grid_bomb(), title=SECRET)

        assert_safe_failure(
            failure.value, "memory", "The report needed more memory than allowed."
        )
        pdf = pool.render("<p>After running out of memory</p>", title="x")
        assert "After running out of memory" in read_text(pdf.content)[1]
        # The worker that ran out was replaced by a fresh one with the same limit.
        replacement = pool.worker_status()
        assert replacement.pid != exhausted.pid
        assert replacement.memory_limit_bytes == limit
        wait_until_gone(exhausted.pid)


def test_a_closed_pool_refuses_work_and_stops_its_workers():
    pool = RenderPool(
        workers=1, timeout=GENEROUS_SECONDS, memory_limit_mb=None, queue_timeout=GENEROUS_SECONDS
    )
    worker = pool.worker_status()
    assert worker.memory_limit_bytes is None

    pool.close()
    pool.close()

    with pytest.raises(RuntimeError, match="closed"):
        pool.render("<p>x</p>", title="x")
    wait_until_gone(worker.pid)


def test_get_pool_builds_one_pool_per_app_from_config():
    app = Flask(__name__)
    app.config.update(REPORT_WORKERS=1, REPORT_TIMEOUT_SECONDS=45, REPORT_MEMORY_MB=768)

    pool = get_pool(app)
    try:
        assert app.extensions["report_pool"] is pool
        assert get_pool(app) is pool
        assert (pool.workers, pool.timeout, pool.memory_limit_mb) == (1, 45, 768)
        assert pool.worker_status().memory_limit_bytes == 768 * 1024 * 1024
    finally:
        pool.close()

    replacement = get_pool(app)
    try:
        assert replacement is not pool
        assert app.extensions["report_pool"] is replacement
    finally:
        replacement.close()


def test_report_settings_have_defaults_in_every_mode():
    for config in CONFIGS.values():
        assert config.REPORT_WORKERS == 2
        assert config.REPORT_TIMEOUT_SECONDS == 60
        assert config.REPORT_MEMORY_MB == 1024
