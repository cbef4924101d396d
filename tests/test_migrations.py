"""Migrations are the only way the schema is made, and they agree with the models."""

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from tests.conftest import fresh_database, make_test_app


@pytest.fixture
def empty_app(tmp_path):
    with fresh_database(tmp_path, "migrations") as url:
        application = make_test_app(url, tmp_path / "instance")
        with application.app_context():
            yield application
            db.session.remove()
            db.engine.dispose()


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
