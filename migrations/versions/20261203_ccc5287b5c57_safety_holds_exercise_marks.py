"""Safety holds (issue 13, point 4) and the safety marks of exercises (point 5).

Reviewed: a new table safety_holds (who/when started, a note; who/when lifted and the
lifting note), with a partial unique index that allows at most one open hold (lifted_at
IS NULL) per couple on both databases, and two named CHECKs (ck_safety_holds_lifted_by_
with_note_iff_at, ck_safety_holds_lifted_after_started). assignment_pauses gets a nullable
hold_id (the hold that made the pause; lifting resumes exactly those), indexed, with its
foreign key. exercises gets suited_to ('joint' or 'one', server default 'joint', named
CHECK ck_exercises_suited_to_valid) and is_unsafe_under_concern (server default false);
`flask guides load` sets the built-in marks from the guide data. On SQLite the altered
tables are rebuilt (batch mode), keeping their rows. Downgrade drops all of it.

Revision ID: ccc5287b5c57
Revises: 4e8a1d6c2b93
Create Date: 2026-12-03 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ccc5287b5c57'
down_revision = '4e8a1d6c2b93'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'safety_holds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('couple_id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('lifted_by_id', sa.Integer(), nullable=True),
        sa.Column('lift_note', sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(lifted_at IS NULL AND lifted_by_id IS NULL AND lift_note IS NULL)"
            " OR (lifted_at IS NOT NULL AND lifted_by_id IS NOT NULL"
            " AND lift_note IS NOT NULL AND length(trim(lift_note)) > 0)",
            name=op.f('ck_safety_holds_lifted_by_with_note_iff_at')),
        sa.CheckConstraint('lifted_at IS NULL OR lifted_at >= started_at',
                           name=op.f('ck_safety_holds_lifted_after_started')),
        sa.ForeignKeyConstraint(['couple_id'], ['couples.id'],
                                name=op.f('fk_safety_holds_couple_id_couples')),
        sa.ForeignKeyConstraint(['lifted_by_id'], ['users.id'],
                                name=op.f('fk_safety_holds_lifted_by_id_users')),
        sa.ForeignKeyConstraint(['started_by_id'], ['users.id'],
                                name=op.f('fk_safety_holds_started_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_holds')),
    )
    with op.batch_alter_table('safety_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_holds_couple_id'), ['couple_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_safety_holds_lifted_by_id'), ['lifted_by_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_safety_holds_started_by_id'), ['started_by_id'],
                              unique=False)
        batch_op.create_index('uq_safety_holds_couple_id_open', ['couple_id'], unique=True,
                              sqlite_where=sa.text('lifted_at IS NULL'),
                              postgresql_where=sa.text('lifted_at IS NULL'))

    with op.batch_alter_table('assignment_pauses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hold_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_assignment_pauses_hold_id'), ['hold_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_assignment_pauses_hold_id_safety_holds'),
                                    'safety_holds', ['hold_id'], ['id'])

    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suited_to', sa.String(length=10),
                                      server_default='joint', nullable=False))
        batch_op.add_column(sa.Column('is_unsafe_under_concern', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(op.f('ck_exercises_suited_to_valid'),
                                         "suited_to IN ('joint', 'one')")


def downgrade():
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_exercises_suited_to_valid'), type_='check')
        batch_op.drop_column('is_unsafe_under_concern')
        batch_op.drop_column('suited_to')

    with op.batch_alter_table('assignment_pauses', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assignment_pauses_hold_id_safety_holds'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_assignment_pauses_hold_id'))
        batch_op.drop_column('hold_id')

    with op.batch_alter_table('safety_holds', schema=None) as batch_op:
        batch_op.drop_index('uq_safety_holds_couple_id_open',
                            sqlite_where=sa.text('lifted_at IS NULL'),
                            postgresql_where=sa.text('lifted_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_safety_holds_started_by_id'))
        batch_op.drop_index(batch_op.f('ix_safety_holds_lifted_by_id'))
        batch_op.drop_index(batch_op.f('ix_safety_holds_couple_id'))

    op.drop_table('safety_holds')
