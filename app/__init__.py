"""Rekindle: a practice tool for couples therapists."""

from __future__ import annotations

import gc
import logging
import os
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.routing import BaseConverter, IntegerConverter, Map

from app import clock
from app.config import (
    CONFIGS,
    MODES,
    ConfigError,
    check_production,
    development_secret_key,
    from_environment,
    sqlite_url,
)
from app.extensions import csrf, db, limiter, login_manager, migrate
from app.transactions import Rekindle

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application; `overrides` (tests) win over the environment."""
    overrides = dict(overrides or {})
    mode = overrides.pop("REKINDLE_ENV", None) or os.environ.get("REKINDLE_ENV", "production")
    if mode not in MODES:
        raise ConfigError(f"REKINDLE_ENV must be one of {', '.join(MODES)}, not {mode!r}")

    app = Rekindle(
        __name__,
        instance_path=overrides.pop("INSTANCE_PATH", None)
        or os.environ.get("REKINDLE_INSTANCE_PATH")
        or os.path.join(PROJECT_ROOT, "instance"),
        instance_relative_config=True,
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        static_folder=os.path.join(PROJECT_ROOT, "static"),
    )
    app.config["REKINDLE_ENV"] = mode
    app.config.from_object(CONFIGS[mode])
    if mode != "testing":
        app.config.update(from_environment(mode, os.environ))
    app.config.update(overrides)
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)

    if mode == "development":
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = development_secret_key(app.instance_path)
        if not app.config.get("AUDIT_HMAC_KEY"):
            app.config["AUDIT_HMAC_KEY"] = development_secret_key(app.instance_path, "audit_key")
    app.config.setdefault("AUDIT_CHECKPOINT_PATH", None)
    if not app.config["AUDIT_CHECKPOINT_PATH"]:
        app.config["AUDIT_CHECKPOINT_PATH"] = os.path.join(
            app.instance_path, "audit-checkpoint.json"
        )
    if mode == "production":
        check_production(app.config)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", sqlite_url(app.instance_path))
    _configure_engine(app)
    _configure_logging(app)

    db.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.join(PROJECT_ROOT, "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    if app.config["PROXY_FIX_X_FOR"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])
    app.extensions[clock.EXTENSION_KEY] = (
        clock.FrozenClock() if app.testing else clock.SystemClock()
    )

    # Every <int:...> in a URL is a database id: positive and within the column's range,
    # so an absurd id answers 404 rather than overflowing the database driver.
    app.url_map.converters["int"] = DatabaseIdConverter
    app.url_map.converters["slug"] = SlugConverter

    from app import (
        access,
        admin,
        auth,
        client,
        errors,
        health,
        security,
        templating,
        therapist,
        transactions,
    )
    from app.guides import routes as guide_routes

    app.register_blueprint(auth.bp)
    app.register_blueprint(therapist.bp)
    app.register_blueprint(client.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(guide_routes.bp)
    app.register_blueprint(health.bp)
    security.init_app(app)
    access.init_app(app)
    transactions.init_app(app)
    templating.init_app(app)
    errors.init_app(app)

    from app import jobs
    from app.cli import register_cli

    jobs.init_app(app)
    register_cli(app)
    if mode != "testing":
        # Everything alive now lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise walk ~100k startup objects (70-130 ms)
        # in the middle of a request. Tests build many apps, so they skip this.
        gc.collect()
        gc.freeze()
    return app


class DatabaseIdConverter(IntegerConverter):
    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


class SlugConverter(BaseConverter):
    """Lower-case words joined by hyphens, as the guide library's slugs are."""

    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"


def _configure_engine(app: Flask) -> None:
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    # A database error's message would otherwise carry the statement's values, and with
    # them what a partner wrote, into the error log.
    options.setdefault("hide_parameters", True)
    if uri.startswith("sqlite"):
        # Wait for a lock rather than failing with "database is locked".
        options.setdefault("connect_args", {"timeout": 15})
        database = sa.make_url(uri).database
        if database and database != ":memory:" and not os.path.exists(database):
            # Clinical records: the file (and SQLite's -wal/-shm beside it) is owner-only.
            os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL and a busy timeout let two workers share the file; foreign keys are enforced."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _configure_logging(app: Flask) -> None:
    if not app.logger.handlers or app.config["REKINDLE_ENV"] == "development":
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    app.logger.setLevel(logging.INFO)
    # WeasyPrint narrates every render at INFO; only its warnings belong in our log.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
