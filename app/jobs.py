"""The task queue (Huey): SQLite in the instance folder by default, Redis when REDIS_URL is
set, run in place during tests (immediate mode: Huey's own execution, in the process).

Tasks take ids, never models, and re-load what they need; each unit of a task's work runs in
`app.transactions.unit_of_work()`, the one place that commits or rolls back outside a
request. A task is enqueued only after the transaction that made its row has committed
(`enqueue_after_commit`); if the queue cannot be reached then, the row is still there and the
periodic sweep enqueues it again. Huey does not acknowledge tasks, so the row, not the queue,
says what is still owed, and a task run twice finds nothing left to do.

`flask jobs worker` runs Huey's consumer with the app made once; each task runs in an app
context of that app (or, in immediate mode, of the app whose request enqueued it).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from app.transactions import after_commit

huey = Huey("rekindle", results=False, utc=True, storage_class=MemoryStorage)
_bound: dict[str, Flask] = {}


def storage_settings(app: Flask) -> tuple[bool, type, dict[str, Any]]:
    """(immediate, storage class, its arguments) for this app's configuration."""
    if app.config.get("JOBS_IMMEDIATE"):
        return True, MemoryStorage, {}
    if app.config.get("REDIS_URL"):
        return False, RedisStorage, {"url": app.config["REDIS_URL"]}
    filename = app.config.get("JOBS_SQLITE_PATH") or os.path.join(app.instance_path, "jobs.db")
    return False, SqliteStorage, {"filename": filename}


def _configure(app: Flask) -> None:
    immediate, storage_class, kwargs = storage_settings(app)
    if getattr(huey, "_rekindle_settings", None) == (immediate, storage_class, kwargs):
        return
    huey.storage_class, huey.storage_kwargs = storage_class, kwargs
    huey._immediate = immediate
    huey.storage = huey.create_storage()
    huey._rekindle_settings = (immediate, storage_class, kwargs)


def init_app(app: Flask) -> None:
    """Point the queue at this app's storage; tasks run outside a request use this app."""
    _configure(app)
    _bound["app"] = app
    from app import mail_queue  # noqa: F401  (registers the mail tasks)


def _app_for_task() -> Flask:
    if has_app_context():  # immediate mode: the app whose request enqueued the task
        return current_app._get_current_object()
    return _bound["app"]


def job(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """A Huey task whose body runs in an app context (its own, never a request's)."""

    def decorate(body: Callable[..., Any]) -> Any:
        @functools.wraps(body)
        def in_app_context(*args: Any, **kwargs: Any) -> Any:
            with _app_for_task().app_context():
                return body(*args, **kwargs)

        return huey.task(name=body.__name__, **options)(in_app_context)

    return decorate


def periodic_job(schedule: Callable[..., bool]) -> Callable[[Callable[..., Any]], Any]:
    def decorate(body: Callable[..., Any]) -> Any:
        @functools.wraps(body)
        def in_app_context() -> Any:
            with _app_for_task().app_context():
                return body()

        return huey.periodic_task(schedule, name=body.__name__)(in_app_context)

    return decorate


def enqueue(task: Any, *args: Any) -> bool:
    """Put a task on this app's queue; False (logged) if the queue cannot be reached: the
    row it works on stays, and the sweep enqueues it again."""
    _configure(current_app)
    try:
        task(*args)
    except Exception:  # Redis down, the SQLite queue locked: the sweep is the fallback
        current_app.logger.exception("could not enqueue %s", getattr(task, "name", task))
        return False
    return True


def enqueue_after_commit(task: Any, *args: Any) -> None:
    """Enqueue once this unit's transaction has committed (never if it rolls back)."""
    after_commit(functools.partial(enqueue, task, *args))


def register_cli(app: Flask) -> None:
    @app.cli.group("jobs")
    def jobs() -> None:
        """The task queue."""

    @jobs.command("worker")
    @click.option("--workers", "-w", type=int, default=None,
                  help="Worker threads (default: JOBS_WORKERS, 2).")
    @click.option("--no-periodic", is_flag=True,
                  help="Do not schedule periodic tasks (run them in one consumer only).")
    def worker(workers: int | None, no_periodic: bool) -> None:
        """Run a consumer: takes tasks from the queue until stopped (Ctrl+C, SIGTERM)."""
        from huey.consumer_options import ConsumerConfig

        _configure(current_app)
        _bound["app"] = current_app._get_current_object()
        config = ConsumerConfig(
            workers=workers or current_app.config.get("JOBS_WORKERS", 2),
            worker_type="thread",
            periodic=not no_periodic,
            check_worker_health=True,
        )
        consumer = huey.create_consumer(**config.values)
        click.echo(f"Consumer on {type(huey.storage).__name__} with {config.workers} worker(s).")
        consumer.run()
