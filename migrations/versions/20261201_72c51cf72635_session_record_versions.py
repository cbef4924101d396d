"""Session records keep their history: the current record's version, author and time on
the session, and each earlier state in session_record_versions.

Reviewed: autogenerate found the new table and columns but not the two CHECK constraints
on therapy_sessions (Alembic does not compare those); they are added by hand, after the
backfill. Sessions already held become version 1 of their record, recorded by the
couple's session therapist at the session row's last change (the best time known).
Downgrading drops the earlier versions: only the current records survive it.

Revision ID: 72c51cf72635
Revises: 8ae7be729c5b
Create Date: 2026-12-01 16:17:44.597025

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '72c51cf72635'
down_revision = '8ae7be729c5b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('session_record_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('attendance', sa.String(length=10), nullable=False),
    sa.Column('focus', sa.Text(), nullable=False),
    sa.Column('homework_reviewed', sa.Text(), nullable=False),
    sa.Column('clinician_notes', sa.Text(), nullable=False),
    sa.Column('couple_summary', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("attendance IN ('both', 'partner_1', 'partner_2')", name=op.f('ck_session_record_versions_attendance_valid')),
    sa.CheckConstraint('duration_minutes > 0 AND duration_minutes <= 600', name=op.f('ck_session_record_versions_duration_in_range')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_session_record_versions_version_positive')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_session_record_versions_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['therapy_sessions.id'], name=op.f('fk_session_record_versions_session_id_therapy_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_record_versions')),
    sa.UniqueConstraint('session_id', 'version', name=op.f('uq_session_record_versions_session_id_version'))
    )
    with op.batch_alter_table('session_record_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_record_versions_recorded_by_id'), ['recorded_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_record_versions_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('therapy_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_therapy_sessions_recorded_by_id'), ['recorded_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_therapy_sessions_recorded_by_id_users'), 'users', ['recorded_by_id'], ['id'])

    # Records made before versions existed are version 1.
    op.execute(
        "UPDATE therapy_sessions SET record_version = 1, recorded_by_id = therapist_id, "
        "recorded_at = updated_at WHERE status = 'held'"
    )

    with op.batch_alter_table('therapy_sessions', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_therapy_sessions_recorded_iff_held'),
            "(status = 'held' AND record_version IS NOT NULL AND recorded_by_id IS NOT NULL"
            " AND recorded_at IS NOT NULL) OR (status <> 'held' AND record_version IS NULL"
            " AND recorded_by_id IS NULL AND recorded_at IS NULL)",
        )
        batch_op.create_check_constraint(
            op.f('ck_therapy_sessions_record_version_positive'),
            'record_version IS NULL OR record_version >= 1',
        )


def downgrade():
    with op.batch_alter_table('therapy_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_therapy_sessions_record_version_positive'), type_='check')
        batch_op.drop_constraint(op.f('ck_therapy_sessions_recorded_iff_held'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_therapy_sessions_recorded_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_therapy_sessions_recorded_by_id'))
        batch_op.drop_column('recorded_at')
        batch_op.drop_column('recorded_by_id')
        batch_op.drop_column('record_version')

    with op.batch_alter_table('session_record_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_record_versions_session_id'))
        batch_op.drop_index(batch_op.f('ix_session_record_versions_recorded_by_id'))

    op.drop_table('session_record_versions')
