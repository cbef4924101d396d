"""Settings read from the environment, one class per mode, with safe defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, ClassVar

MODES = ("development", "production", "testing")


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message says what to set."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class BaseConfig:
    SECRET_KEY: str | None = None
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "rekindle_session"
    SESSION_COOKIE_SECURE = False
    # A CSRF token lives as long as the session, so a long reflection is never refused for age.
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 1 * 1024 * 1024
    HSTS = False
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "Rekindle <no-reply@localhost>"
    MAIL_TO_LOG = False
    # argon2id parameters (RFC 9106 "second recommended" profile, trimmed for web latency).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 64 * 1024
    ARGON2_PARALLELISM = 2
    DEFAULT_TIMEZONE = "UTC"
    # A sign-in ends after this much inactivity, and in any case this long after it began.
    SESSION_IDLE_MINUTES = 30
    SESSION_MAX_HOURS = 12
    INVITATION_HOURS = 72
    PASSWORD_RESET_MINUTES = 60
    # Keyed separately from SECRET_KEY, so rotating one never breaks the other.
    AUDIT_HMAC_KEY: str | None = None
    AUDIT_CHECKPOINT_PATH: str | None = None  # default: instance/audit-checkpoint.json
    # Throttling (Flask-Limiter). memory:// suits one process; use redis:// for several.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = False
    SIGN_IN_LIMIT_ACCOUNT_ADDRESS = "5 per 15 minutes"
    SIGN_IN_LIMIT_ADDRESS = "30 per 15 minutes"
    SIGN_IN_LIMIT_ACCOUNT = "50 per hour"
    RESET_LIMIT = "5 per hour"
    INVITATION_LIMIT = "30 per hour"
    # Number of proxies in front of the app whose X-Forwarded-For is trusted (0: none).
    PROXY_FIX_X_FOR = 0
    # PDF reports render in worker processes (reports/pool.py), each web process starting
    # REPORT_WORKERS of them; a render may take this long and a worker use this much memory.
    REPORT_WORKERS = 2
    REPORT_TIMEOUT_SECONDS = 60
    REPORT_MEMORY_MB = 1024
    # The task queue (app/jobs.py): SQLite in the instance folder unless REDIS_URL is set.
    REDIS_URL: str | None = None
    JOBS_SQLITE_PATH: str | None = None  # default: instance/jobs.db
    JOBS_WORKERS = 2
    JOBS_IMMEDIATE = False
    # Links in emails start with this (a task has no request to read a host from).
    PUBLIC_URL = "http://127.0.0.1:5000"


class DevelopmentConfig(BaseConfig):
    DEBUG = False  # the Werkzeug debugger is a remote shell; `make run` never enables it
    MAIL_TO_LOG = True


class ProductionConfig(BaseConfig):
    PUBLIC_URL: str | None = None  # must be set: check_production
    SESSION_COOKIE_SECURE = True
    HSTS = True
    PREFERRED_URL_SCHEME = "https"


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "testing-only-secret-key-not-for-use-anywhere-else"  # noqa: S105
    AUDIT_HMAC_KEY = "testing-only-audit-key-not-for-use-anywhere-else"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1
    MAIL_TO_LOG = True
    # Tasks run in place when enqueued (Huey's immediate mode), in the app's own context.
    JOBS_IMMEDIATE = True


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def sqlite_url(instance_path: str) -> str:
    """The embedded default: a SQLite file in the instance folder."""
    return "sqlite:///" + str(Path(instance_path) / "rekindle.db")


def development_secret_key(instance_path: str, name: str = "secret_key") -> str:
    """Read a development key from instance/, creating it once with owner-only permissions."""
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def from_environment(mode: str, environ: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    """Settings that the environment may set, whatever the mode."""
    values: dict[str, Any] = {}
    if environ.get("SECRET_KEY"):
        values["SECRET_KEY"] = environ["SECRET_KEY"]
    if environ.get("DATABASE_URL"):
        values["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(environ["DATABASE_URL"])
    if environ.get("MAIL_SERVER"):
        values["MAIL_SERVER"] = environ["MAIL_SERVER"]
        values["MAIL_TO_LOG"] = False
    if environ.get("MAIL_PORT"):
        values["MAIL_PORT"] = int(environ["MAIL_PORT"])
    for key in (
        "MAIL_USERNAME",
        "MAIL_PASSWORD",
        "MAIL_DEFAULT_SENDER",
        "DEFAULT_TIMEZONE",
        "AUDIT_HMAC_KEY",
        "AUDIT_CHECKPOINT_PATH",
        "RATELIMIT_STORAGE_URI",
        "REDIS_URL",
        "JOBS_SQLITE_PATH",
        "PUBLIC_URL",
    ):
        if environ.get(key):
            values[key] = environ[key]
    for key in ("SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS", "PROXY_FIX_X_FOR", "JOBS_WORKERS"):
        if environ.get(key):
            values[key] = int(environ[key])
    if "MAIL_USE_TLS" in environ:
        values["MAIL_USE_TLS"] = _bool(environ["MAIL_USE_TLS"])
    return values


def normalise_database_url(url: str) -> str:
    """Accept the usual postgres:// spellings and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def check_production(config: dict[str, Any]) -> None:
    """Refuse to start production without a real secret key, a mail server and the public
    address that links in emails start with."""
    problems = []
    key = config.get("SECRET_KEY") or ""
    if len(key) < 32:
        problems.append(
            "SECRET_KEY must be set to a random value of at least 32 characters "
            "(for example: python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    if len(config.get("AUDIT_HMAC_KEY") or "") < 32:
        problems.append(
            "AUDIT_HMAC_KEY must be set to a random value of at least 32 characters, "
            "different from SECRET_KEY and kept outside the database"
        )
    if not config.get("MAIL_SERVER"):
        problems.append("MAIL_SERVER must name the SMTP server that sends invitations")
    public = config.get("PUBLIC_URL") or ""
    if not public.startswith(("https://", "http://")):
        problems.append(
            "PUBLIC_URL must be the address people open Rekindle at (for example "
            "https://rekindle.example.org): links in emails are built from it"
        )
    if problems:
        raise ConfigError(
            "Rekindle refuses to start in production mode:\n  - "
            + "\n  - ".join(problems)
            + "\nSet REKINDLE_ENV=development to run locally instead."
        )
