"""Migrations are the only way the schema is made, and they agree with the models."""

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def _differences() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_builds_the_schema_that_the_models_describe(empty_app):
    assert _tables() == set()
    flask_migrate.upgrade()
    assert _tables() == set(db.metadata.tables) | {"alembic_version"}
    assert _differences() == []


def test_downgrade_to_base_and_upgrade_again(empty_app):
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")
    assert _tables() <= {"alembic_version"}
    flask_migrate.upgrade()
    assert _differences() == []


def test_there_is_a_single_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from app import PROJECT_ROOT

    config = Config()
    config.set_main_option("script_location", f"{PROJECT_ROOT}/migrations")
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_upgrading_keeps_existing_rows(empty_app):
    """Rebuilding a referenced table (SQLite batch mode) must neither fail nor lose rows."""
    flask_migrate.upgrade(revision="b926986e7802")
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO practices (id, name, paper_size, default_timezone, is_demo, created_at,"
            " updated_at) VALUES (1, 'P', 'A4', 'UTC', false, '2026-01-01', '2026-01-01')"))
        conn.execute(sa.text(
            "INSERT INTO users (id, practice_id, email, name, timezone, is_active, created_at,"
            " updated_at) VALUES (1, 1, 'a@example.org', 'A', 'UTC', true, '2026-01-01',"
            " '2026-01-01')"))
        conn.execute(sa.text(
            "INSERT INTO couples (id, practice_id, therapist_id, name, timezone,"
            " confidentiality_policy, status, created_at, updated_at) VALUES (1, 1, 1, 'C',"
            " 'UTC', 'open', 'active', '2026-01-01', '2026-01-01')"))
    flask_migrate.upgrade()
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM couples")).scalar() == 1
        assert conn.execute(sa.text("SELECT sign_in_token FROM users")).scalar() == ""
        assert conn.execute(sa.text("SELECT last_sequence FROM audit_chain_heads")).scalar() == 0
    assert _differences() == []
