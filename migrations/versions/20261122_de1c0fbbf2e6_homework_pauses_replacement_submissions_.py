"""Homework: assignment pauses and replacements, entry submissions, policy changes.

Reviewed: additive only; existing rows need no backfill.

Revision ID: de1c0fbbf2e6
Revises: 7a2645a4bb62
Create Date: 2026-11-22 04:05:08.166594

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'de1c0fbbf2e6'
down_revision = '7a2645a4bb62'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assignment_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('paused_on', sa.Date(), nullable=False),
    sa.Column('resumed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('resumed_on IS NULL OR resumed_on >= paused_on', name=op.f('ck_assignment_pauses_resumed_after_paused')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assignment_pauses_assignment_id_assignments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_pauses'))
    )
    with op.batch_alter_table('assignment_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_pauses_assignment_id'), ['assignment_id'], unique=False)

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_assignments_replaces_id'), ['replaces_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_assignments_replaces_id_assignments'), 'assignments', ['replaces_id'], ['id'])

    with op.batch_alter_table('couples', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy_changed_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_submission', sa.String(length=64), nullable=True))



def downgrade():
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_column('last_submission')

    with op.batch_alter_table('couples', schema=None) as batch_op:
        batch_op.drop_column('policy_changed_at')

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assignments_replaces_id_assignments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_assignments_replaces_id'))
        batch_op.drop_column('replaces_id')
        batch_op.drop_column('ended_on')

    with op.batch_alter_table('assignment_pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_pauses_assignment_id'))

    op.drop_table('assignment_pauses')
