"""Migrations are the only way the schema is made, and they agree with the models."""

import re
from pathlib import Path

import flask_migrate
import pytest
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


def _seed_homework(conn, cadence: str, times: int | None) -> None:
    """A practice, therapist, couple and one built-in exercise version, raw."""
    day = "'2026-01-01'"
    conn.execute(sa.text(
        "INSERT INTO practices (id, name, paper_size, default_timezone, is_demo, created_at,"
        f" updated_at) VALUES (1, 'P', 'A4', 'UTC', false, {day}, {day})"))
    conn.execute(sa.text(
        "INSERT INTO users (id, practice_id, email, name, timezone, is_active, sign_in_token,"
        f" created_at, updated_at) VALUES (1, 1, 'a@example.org', 'A', 'UTC', true, '', {day},"
        f" {day})"))
    conn.execute(sa.text(
        "INSERT INTO couples (id, practice_id, therapist_id, name, timezone,"
        " confidentiality_policy, status, created_at, updated_at) VALUES (1, 1, 1, 'C',"
        f" 'UTC', 'open', 'active', {day}, {day})"))
    conn.execute(sa.text(
        "INSERT INTO guides (id, slug, title, summary, position, created_at, updated_at)"
        f" VALUES (1, 'g', 'G', '', 0, {day}, {day})"))
    conn.execute(sa.text(
        "INSERT INTO steps (id, guide_id, slug, position, title, summary, created_at,"
        f" updated_at) VALUES (1, 1, 's', 1, 'S', '', {day}, {day})"))
    conn.execute(sa.text(
        "INSERT INTO exercises (id, step_id, slug, position, is_archived, created_at,"
        f" updated_at) VALUES (1, 1, 'e', 1, false, {day}, {day})"))
    conn.execute(sa.text(
        "INSERT INTO exercise_versions (id, exercise_id, number, title, instructions, prompts,"
        " rating_questions, cadence, times_per_week, content_hash, created_at) VALUES (1, 1,"
        f" 1, 'After a disagreement', 'Write it down.', '[\"What?\"]', '[]', '{cadence}',"
        f" {times if times is not None else 'NULL'}, '{'0' * 64}', {day})"))


def _at_or_above(revision: str | None, base: str) -> bool:
    """Whether `revision` is `base` or one of the migrations after it (whatever the head
    is now: later migrations keep this test true)."""
    downs = {}
    for path in (Path(__file__).resolve().parents[1] / "migrations" / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        down = re.search(r"^down_revision = '(\w+)'", text, re.M)
        downs[re.search(r"^revision = '(\w+)'", text, re.M).group(1)] = (
            down.group(1) if down else None)
    while revision is not None:
        if revision == base:
            return True
        revision = downs.get(revision)
    return False


def test_downgrading_keeps_every_assignment_given_as_it_comes_up(empty_app, capfd):
    """The schema before "as it comes up" cannot hold such an assignment: the downgrade
    stops and changes nothing; an exercise that only suggests it becomes weekly."""
    flask_migrate.upgrade()
    with db.engine.begin() as conn:
        _seed_homework(conn, "as_it_comes_up", 2)
        conn.execute(sa.text(
            "INSERT INTO assignments (id, couple_id, exercise_version_id, assigned_by_id, mode,"
            " cadence, times_per_week, start_date, note, status, created_at, updated_at)"
            " VALUES (1, 1, 1, 1, 'both', 'as_it_comes_up', 2, '2026-01-01', '', 'active',"
            " '2026-01-01', '2026-01-01')"))
    with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits 1
        flask_migrate.downgrade(revision="9b7e4d2a1c55")
    assert "1 assignment(s) were given 'as it comes up'" in capfd.readouterr().err
    with db.engine.begin() as conn:
        assert conn.execute(sa.text("SELECT cadence FROM assignments")).scalar() == (
            "as_it_comes_up")
        # Not below it: PostgreSQL rolls the whole downgrade back (transactional DDL); on
        # SQLite the steps after it were already undone.
        assert _at_or_above(
            conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar(),
            "521f52692434")
        conn.execute(sa.text("DELETE FROM assignments"))
    flask_migrate.downgrade(revision="9b7e4d2a1c55")
    with db.engine.connect() as conn:
        assert conn.execute(sa.text(
            "SELECT cadence, times_per_week FROM exercise_versions")).one() == ("weekly", None)
    flask_migrate.upgrade()
    assert _differences() == []
