"""The "as it comes up" cadence: an exercise done when its moment comes (after a
disagreement, on a hard day), up to N times a week, never due.

Reviewed, written by hand (Alembic does not compare CHECK constraints): the cadence and
times-per-week checks of exercise_versions and assignments admit "as_it_comes_up" with its
weekly most in times_per_week (1 to 7: it is logged once a day at most), and assignments
gain ck_assignments_as_it_comes_up_unscheduled (no weekdays, no number of times). Nothing
else changes; no row is touched on the way up.

Downgrading: an assignment given "as it comes up" cannot be expressed in the old schema
without making days due that never were, so the downgrade stops, naming how many there
are, and changes nothing. Exercise versions that only *suggest* it become "weekly" (the
suggestion the old schema can hold) and lose their content hash, so that loading the
guides again after an upgrade adds the exercise's text as a new version rather than
matching the altered one.

Revision ID: 521f52692434
Revises: 9b7e4d2a1c55
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '521f52692434'
down_revision = '9b7e4d2a1c55'
branch_labels = None
depends_on = None

OLD_CADENCES = "cadence IN ('once', 'daily', 'weekly', 'times_per_week')"
NEW_CADENCES = "cadence IN ('once', 'daily', 'weekly', 'times_per_week', 'as_it_comes_up')"
OLD_TIMES = (
    "(cadence = 'times_per_week' AND times_per_week IS NOT NULL"
    " AND times_per_week BETWEEN 1 AND 7)"
    " OR (cadence <> 'times_per_week' AND times_per_week IS NULL)"
)
NEW_TIMES = (
    "(cadence IN ('times_per_week', 'as_it_comes_up') AND times_per_week IS NOT NULL"
    " AND times_per_week BETWEEN 1 AND 7)"
    " OR (cadence NOT IN ('times_per_week', 'as_it_comes_up') AND times_per_week IS NULL)"
)
UNSCHEDULED = "cadence <> 'as_it_comes_up' OR (weekdays IS NULL AND max_occurrences IS NULL)"


def _replace_checks(table: str, cadences: str, times: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_cadence_valid'), type_='check')
        batch_op.drop_constraint(op.f(f'ck_{table}_times_per_week_matches_cadence'),
                                 type_='check')
        batch_op.create_check_constraint(op.f(f'ck_{table}_cadence_valid'), cadences)
        batch_op.create_check_constraint(
            op.f(f'ck_{table}_times_per_week_matches_cadence'), times)


def upgrade():
    _replace_checks('exercise_versions', NEW_CADENCES, NEW_TIMES)
    _replace_checks('assignments', NEW_CADENCES, NEW_TIMES)
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_assignments_as_it_comes_up_unscheduled'), UNSCHEDULED)


def downgrade():
    given = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM assignments WHERE cadence = 'as_it_comes_up'")).scalar()
    if given:
        raise RuntimeError(
            f"{given} assignment(s) were given 'as it comes up'; the schema before this "
            "revision cannot hold them without making days due that never were. End and "
            "remove them by hand first, or stay on this revision.")
    op.execute(
        "UPDATE exercise_versions SET cadence = 'weekly', times_per_week = NULL, "
        "content_hash = 'downgraded: as it comes up' WHERE cadence = 'as_it_comes_up'")
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_assignments_as_it_comes_up_unscheduled'),
                                 type_='check')
    _replace_checks('assignments', OLD_CADENCES, OLD_TIMES)
    _replace_checks('exercise_versions', OLD_CADENCES, OLD_TIMES)
