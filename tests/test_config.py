"""Modes and configuration from the environment."""

import os
import stat

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import ConfigError, normalise_database_url
from app.extensions import db


def test_production_refuses_without_secret_key_and_mail(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("AUDIT_HMAC_KEY", raising=False)
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    monkeypatch.setenv("REKINDLE_ENV", "production")
    with pytest.raises(ConfigError) as error:
        create_app({"INSTANCE_PATH": str(tmp_path)})
    message = str(error.value)
    assert "SECRET_KEY" in message and "MAIL_SERVER" in message
    assert "AUDIT_HMAC_KEY" in message


def test_production_refuses_a_short_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("REKINDLE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    with pytest.raises(ConfigError, match="at least 32 characters"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_production_with_real_settings_is_hardened(monkeypatch, tmp_path):
    monkeypatch.setenv("REKINDLE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("AUDIT_HMAC_KEY", "y" * 48)
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("PUBLIC_URL", "https://rekindle.example.org")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["MAIL_TO_LOG"] is False
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_production_is_the_default_mode(monkeypatch, tmp_path):
    monkeypatch.delenv("REKINDLE_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_unknown_mode_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="REKINDLE_ENV"):
        create_app({"REKINDLE_ENV": "staging", "INSTANCE_PATH": str(tmp_path)})


def test_development_keeps_a_generated_secret_key_private(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("REKINDLE_ENV", "development")
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    for name in ("secret_key", "audit_key"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600
    assert first.config["AUDIT_HMAC_KEY"] != first.config["SECRET_KEY"]
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SESSION_COOKIE_SECURE"] is False
    assert first.config["MAIL_TO_LOG"] is True
    assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'rekindle.db'}"
    assert "Strict-Transport-Security" not in first.test_client().get("/healthz").headers
    assert stat.S_IMODE(os.stat(tmp_path / "rekindle.db").st_mode) == 0o600


def test_database_url_selects_postgresql_with_psycopg3(monkeypatch, tmp_path):
    monkeypatch.setenv("REKINDLE_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1:5432/rk")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1:5432/rk"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_uses_wal_busy_timeout_and_foreign_keys(tmp_path):
    app = create_app(
        {
            "REKINDLE_ENV": "testing",
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
        }
    )
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() == 15000
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()


def test_testing_config_uses_cheap_argon2(app):
    assert app.config["ARGON2_TIME_COST"] == 1
    assert app.config["ARGON2_MEMORY_COST"] <= 64
    assert app.testing


def test_only_the_testing_app_has_a_clock_that_can_move(monkeypatch, tmp_path, app):
    from app.clock import FrozenClock, SystemClock

    monkeypatch.setenv("REKINDLE_ENV", "development")
    development = create_app({"INSTANCE_PATH": str(tmp_path)})
    clock = development.extensions["rekindle.clock"]
    assert type(clock) is SystemClock
    assert not hasattr(clock, "set")
    assert isinstance(app.extensions["rekindle.clock"], FrozenClock)


def test_the_clock_fixture_moves_now(clock, db):
    import datetime as dt

    from app.clock import now, today_in

    clock.set(dt.datetime(2026, 3, 8, 6, 30, tzinfo=dt.UTC))
    assert now() == dt.datetime(2026, 3, 8, 6, 30, tzinfo=dt.UTC)
    assert today_in("America/Los_Angeles") == dt.date(2026, 3, 7)
    assert today_in("Europe/Berlin") == dt.date(2026, 3, 8)
