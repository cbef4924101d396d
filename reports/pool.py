"""Render report PDFs in a warm pool of worker processes, each with a time and a memory limit.

A web worker hands the HTML to a pool worker and waits a bounded time: a render that runs
too long or needs too much memory fails with ``RenderFailedError`` and its worker is
replaced, so one hostile or runaway document can neither hang a request nor grow the web
process. Workers start through a fork server (or spawn), never by forking the web process
with its database connections and threads, and import WeasyPrint once, when they start.
The process management itself is Pebble's ``ProcessPool``.

As with any multiprocessing start method but fork, each worker imports the program's main
module (as ``__mp_main__``): a script that starts a pool must keep its own start-up under
``if __name__ == "__main__":`` (gunicorn, flask and pytest do).
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import resource
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pebble import ProcessExpired, ProcessPool

if TYPE_CHECKING:
    from flask import Flask

    from reports.result import RenderedPdf

logger = logging.getLogger(__name__)

EXTENSION_KEY = "report_pool"

# Never "fork": a copy of a web process would share its database connections and locks.
START_METHOD = (
    "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
)

# A worker whose render ran out of memory exits with this code, so that a fresh worker with
# an unfragmented heap takes its place (and the parent can tell why it went).
EXIT_OUT_OF_MEMORY = 86

# A worker whose peak came within this much of its limit is taken to have hit it: WeasyPrint
# turns some failed allocations into other errors (a skipped image, a failed font).
MEMORY_HEADROOM = 32 * 1024 * 1024

# Allowance for a timed-out worker to be stopped (Pebble waits 3 s for SIGTERM, then kills).
STOP_GRACE_SECONDS = 5.0

_WARM_UP_HTML = "<h1>Warm-up</h1><p>Loads WeasyPrint, the bundled stylesheet and fonts.</p>"


class RenderFailedError(RuntimeError):
    """A report could not be rendered; the message is safe to show to the user."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "timeout": "The report took too long to render.",
        "memory": "The report needed more memory than allowed.",
        "crashed": "The report renderer stopped unexpectedly.",
        "busy": "The report service is busy. Please try again in a few minutes.",
        "error": "The report could not be rendered.",
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.MESSAGES[reason])

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.reason,)


class _WorkerRenderError(Exception):
    """Raised in a worker in place of the real error, whose message may quote the document."""

    def __init__(self, error_type: str) -> None:
        super().__init__(error_type)
        self.error_type = error_type


@dataclass(frozen=True)
class WorkerStatus:
    """What one pool worker reports about itself."""

    pid: int
    parent_pid: int
    initializer_runs: int
    renders: int
    weasyprint_loaded: bool
    memory_limit_bytes: int | None
    address_space_bytes: int | None  # in use now: what the memory limit caps


# Per worker process: set by _start_worker and _render_in_worker, read by _worker_status.
_initializer_runs = 0
_renders = 0


def _start_worker(memory_limit_bytes: int | None) -> None:
    """Pool initializer: load WeasyPrint and warm it up, then cap the address space."""
    global _initializer_runs
    from reports.render import render_pdf  # imports WeasyPrint, once per worker

    # The first render loads fonts and the bundled stylesheet; do it before any user waits.
    render_pdf(_WARM_UP_HTML, title="Warm-up")
    if memory_limit_bytes:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            memory_limit_bytes = min(memory_limit_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes))
        in_use = _address_space()
        if in_use is not None and in_use + MEMORY_HEADROOM > memory_limit_bytes:
            logger.warning(
                "A warm report worker uses %d MB of its %d MB limit: raise REPORT_MEMORY_MB",
                in_use // 2**20,
                memory_limit_bytes // 2**20,
            )
    _initializer_runs += 1


def _address_space(field: str = "VmSize") -> int | None:
    """This process's virtual memory size (or its peak, "VmPeak") in bytes, on Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _hit_memory_limit() -> bool:
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    peak = _address_space("VmPeak")
    return limit != resource.RLIM_INFINITY and peak is not None and peak >= limit - MEMORY_HEADROOM


def _render_in_worker(html: str, options: dict[str, Any]) -> RenderedPdf:
    """Pool task: render one document; on running out of memory, end this worker."""
    global _renders
    from reports.render import render_pdf

    try:
        pdf = render_pdf(html, **options)
    except MemoryError:
        os._exit(EXIT_OUT_OF_MEMORY)
    except Exception as error:
        if _hit_memory_limit():
            os._exit(EXIT_OUT_OF_MEMORY)
        # The traceback goes to the operator's log; the caller only learns the error type.
        logger.exception("Report render failed in worker %d", os.getpid())
        raise _WorkerRenderError(type(error).__name__) from None
    _renders += 1
    return pdf


def _worker_status() -> WorkerStatus:
    """Pool task: describe the worker that runs it."""
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    return WorkerStatus(
        pid=os.getpid(),
        parent_pid=os.getppid(),
        initializer_runs=_initializer_runs,
        renders=_renders,
        weasyprint_loaded="weasyprint" in sys.modules,
        memory_limit_bytes=None if limit == resource.RLIM_INFINITY else limit,
        address_space_bytes=_address_space(),
    )


class RenderPool:
    """Warm worker processes that render report PDFs within a time and a memory limit.

    ``timeout`` bounds each render (seconds, from the moment a worker takes it);
    ``memory_limit_mb`` caps each worker's address space (None or 0: no cap);
    ``queue_timeout`` bounds the wait for a free worker. ``render`` therefore returns or
    raises ``RenderFailedError`` within about ``queue_timeout + timeout`` seconds.
    """

    def __init__(
        self,
        workers: int = 2,
        timeout: float = 60.0,
        memory_limit_mb: int | None = 1024,
        *,
        queue_timeout: float = 30.0,
    ) -> None:
        if workers < 1 or timeout <= 0 or queue_timeout <= 0:
            raise ValueError("workers, timeout and queue_timeout must be positive")
        self.workers = workers
        self.timeout = float(timeout)
        self.memory_limit_mb = memory_limit_mb or None
        self.queue_timeout = float(queue_timeout)
        self.owner_pid = os.getpid()
        self.closed = False
        self._lock = threading.Lock()
        self._pool = self._start_pool()

    def _start_pool(self) -> ProcessPool:
        limit = self.memory_limit_mb * 1024 * 1024 if self.memory_limit_mb else None
        pool = ProcessPool(
            max_workers=self.workers,
            initializer=_start_worker,
            initargs=(limit,),
            context=multiprocessing.get_context(START_METHOD),
        )
        # Reading .active starts the workers now, so they are warm before the first render.
        if not pool.active:
            raise RuntimeError("The report worker pool did not start")
        return pool

    def _schedule(self, function: Any, args: tuple[Any, ...], timeout: float | None) -> Any:
        with self._lock:
            if self.closed:
                raise RuntimeError("This RenderPool is closed")
            if os.getpid() != self.owner_pid:
                raise RuntimeError("A RenderPool cannot be used from a forked process")
            if not self._pool.active:
                # Pebble gives up on a pool when a worker dies outside a task (a failed
                # start, an outside kill): start a fresh one rather than fail forever.
                logger.warning("Report worker pool broke down; starting a new one")
                self._stop(self._pool)
                self._pool = self._start_pool()
            return self._pool.schedule(function, args=args, timeout=timeout)

    def render(
        self,
        html: str,
        *,
        title: str,
        author: str = "Rekindle",
        stylesheets: Sequence[str] | None = None,
        extra_css: Sequence[str] = (),
        timeout: float | None = None,
    ) -> RenderedPdf:
        """Render like ``render_pdf`` in a worker; raise RenderFailedError if that fails."""
        limit = self.timeout if timeout is None else float(timeout)
        options: dict[str, Any] = {"title": title, "author": author}
        if stylesheets is not None:
            options["stylesheets"] = tuple(stylesheets)
        if extra_css:
            options["extra_css"] = tuple(extra_css)
        future = self._schedule(_render_in_worker, (html, options), limit)
        return self._result(future, limit)

    def _result(self, future: Any, limit: float) -> Any:
        """The future's result, within a bounded wait, or RenderFailedError saying why not."""
        done, _ = wait([future], timeout=self.queue_timeout + limit + STOP_GRACE_SECONDS)
        if not done:
            reason = "timeout" if future.running() else "busy"
            future.cancel()  # Pebble stops the worker if the task had started
        else:
            try:
                return future.result()
            except TimeoutError:
                reason = "timeout"
            except ProcessExpired as expired:
                reason = "memory" if expired.exitcode == EXIT_OUT_OF_MEMORY else "crashed"
                logger.warning("Report worker exited with code %s", expired.exitcode)
            except _WorkerRenderError as error:
                reason = "error"
                logger.warning("Report worker raised %s", error.error_type)
            except Exception as error:  # CancelledError, a broken pool, a pickling failure
                reason = "error"
                logger.warning("Report render could not run: %s", type(error).__name__)
        logger.warning("Report render failed: %s", reason)
        # Raised outside the except blocks: no chained worker traceback quoting the document.
        raise RenderFailedError(reason)

    def worker_status(self) -> WorkerStatus:
        """Ask a worker (whichever is free) to describe itself."""
        return self._result(self._schedule(_worker_status, (), self.timeout), self.timeout)

    def close(self) -> None:
        """Stop the workers; renders still running fail. Safe to call more than once."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            if os.getpid() == self.owner_pid:
                self._stop(self._pool)

    @staticmethod
    def _stop(pool: ProcessPool) -> None:
        pool.stop()
        pool.join()

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


_create_lock = threading.Lock()


def get_pool(app: Flask) -> RenderPool:
    """The app's render pool, started on first use from REPORT_* config and closed at exit."""
    pool = app.extensions.get(EXTENSION_KEY)
    if pool is None or pool.closed or pool.owner_pid != os.getpid():
        with _create_lock:
            pool = app.extensions.get(EXTENSION_KEY)
            # A pool inherited through fork (e.g. gunicorn --preload) has no threads or
            # workers in this process: start this process's own.
            if pool is None or pool.closed or pool.owner_pid != os.getpid():
                pool = RenderPool(
                    workers=int(app.config.get("REPORT_WORKERS", 2)),
                    timeout=float(app.config.get("REPORT_TIMEOUT_SECONDS", 60)),
                    memory_limit_mb=int(app.config.get("REPORT_MEMORY_MB", 1024)),
                )
                app.extensions[EXTENSION_KEY] = pool
                atexit.register(pool.close)
    return pool


def pooled_renderer(app: Flask) -> Callable[[str, str, str], RenderedPdf]:
    """A renderer for app.services.reports.produce_report that renders the report in the
    app's warm pool: (html, title, author) -> PDF, or RenderFailedError."""
    from reports.html import STYLESHEETS

    pool = get_pool(app)
    return lambda html, title, author: pool.render(
        html, title=title, author=author, stylesheets=STYLESHEETS)
