"""The private safety check: each partner's answers (safety_checks), what they added
later (safety_additions), the attention flags those raise until the therapist records what
they did (safety_flags), and the couple's setting of when the check is asked again
(couples.safety_check_schedule).

Reviewed: three new tables with indexed foreign keys, a unique key per partner and
occasion (a check sent twice makes one), and named CHECKs (an occasion is not blank, an
addition is not blank, a flag is open or handled with its time, author and note). The
couple's schedule gets a server default of 'intake' so that every existing couple keeps
asking only once, as before; on SQLite the couples table is rebuilt (batch mode), keeping
its rows. Downgrade drops all of it.

Revision ID: a66b31349276
Revises: ea69da65ef85
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a66b31349276'
down_revision = 'ea69da65ef85'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('couples', schema=None) as batch_op:
        batch_op.add_column(sa.Column('safety_check_schedule', sa.String(length=10),
                                      server_default='intake', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_couples_safety_check_schedule_valid'),
            "safety_check_schedule IN ('intake', 'session', 'monthly')")
    op.create_table(
        'safety_checks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('couple_id', sa.Integer(), nullable=False),
        sa.Column('respondent_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=True),
        sa.Column('occasion', sa.String(length=40), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('is_concerning', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('length(trim(occasion)) > 0',
                           name=op.f('ck_safety_checks_occasion_not_blank')),
        sa.ForeignKeyConstraint(['couple_id'], ['couples.id'],
                                name=op.f('fk_safety_checks_couple_id_couples')),
        sa.ForeignKeyConstraint(['respondent_id'], ['users.id'],
                                name=op.f('fk_safety_checks_respondent_id_users')),
        sa.ForeignKeyConstraint(['session_id'], ['therapy_sessions.id'],
                                name=op.f('fk_safety_checks_session_id_therapy_sessions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_checks')),
        sa.UniqueConstraint('respondent_id', 'occasion',
                            name=op.f('uq_safety_checks_respondent_id_occasion')),
    )
    with op.batch_alter_table('safety_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_checks_couple_id'), ['couple_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_safety_checks_respondent_id'), ['respondent_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_safety_checks_session_id'), ['session_id'],
                              unique=False)
    op.create_table(
        'safety_additions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('check_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('length(trim(text)) > 0',
                           name=op.f('ck_safety_additions_text_not_blank')),
        sa.ForeignKeyConstraint(['check_id'], ['safety_checks.id'],
                                name=op.f('fk_safety_additions_check_id_safety_checks')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_additions')),
    )
    with op.batch_alter_table('safety_additions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_additions_check_id'), ['check_id'],
                              unique=False)
    op.create_table(
        'safety_flags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('couple_id', sa.Integer(), nullable=False),
        sa.Column('check_id', sa.Integer(), nullable=False),
        sa.Column('addition_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('handled_by_id', sa.Integer(), nullable=True),
        sa.Column('handling_note', sa.Text(), nullable=True),
        sa.CheckConstraint(
            '(handled_at IS NULL AND handled_by_id IS NULL AND handling_note IS NULL)'
            ' OR (handled_at IS NOT NULL AND handled_by_id IS NOT NULL'
            ' AND length(trim(handling_note)) > 0)',
            name=op.f('ck_safety_flags_handled_with_note_or_open')),
        sa.ForeignKeyConstraint(['addition_id'], ['safety_additions.id'],
                                name=op.f('fk_safety_flags_addition_id_safety_additions')),
        sa.ForeignKeyConstraint(['check_id'], ['safety_checks.id'],
                                name=op.f('fk_safety_flags_check_id_safety_checks')),
        sa.ForeignKeyConstraint(['couple_id'], ['couples.id'],
                                name=op.f('fk_safety_flags_couple_id_couples')),
        sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'],
                                name=op.f('fk_safety_flags_handled_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_flags')),
    )
    with op.batch_alter_table('safety_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_flags_addition_id'), ['addition_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_safety_flags_check_id'), ['check_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_safety_flags_couple_id'), ['couple_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_safety_flags_handled_by_id'), ['handled_by_id'],
                              unique=False)


def downgrade():
    op.drop_table('safety_flags')
    op.drop_table('safety_additions')
    op.drop_table('safety_checks')
    with op.batch_alter_table('couples', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_couples_safety_check_schedule_valid'), type_='check')
        batch_op.drop_column('safety_check_schedule')
