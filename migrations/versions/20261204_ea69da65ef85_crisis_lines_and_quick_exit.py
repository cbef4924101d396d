"""Crisis resources and the quick exit (issue 13, points 6 and 7): a practice's crisis
lines, its local emergency number and the neutral site its quick exit leads to.

Reviewed: one new table, crisis_lines (indexed practice_id foreign key; named CHECKs
ck_crisis_lines_name_not_blank, ck_crisis_lines_number_or_url and
ck_crisis_lines_position_positive), and two practice columns. quick_exit_url gets a server
default (a weather site) so that every existing practice has somewhere neutral to go;
emergency_number starts empty, which the portal reads as "call your local emergency
number". No numbers are inserted: Rekindle ships none of its own. On SQLite the practices
table is altered in batch mode, keeping its rows. Downgrade drops all of it.

Revision ID: ea69da65ef85
Revises: ccc5287b5c57
Create Date: 2026-12-01 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ea69da65ef85'
down_revision = 'ccc5287b5c57'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'crisis_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('practice_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('number', sa.String(length=40), nullable=True),
        sa.Column('hours', sa.String(length=120), nullable=True),
        sa.Column('url', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('length(trim(name)) > 0',
                           name=op.f('ck_crisis_lines_name_not_blank')),
        sa.CheckConstraint('number IS NOT NULL OR url IS NOT NULL',
                           name=op.f('ck_crisis_lines_number_or_url')),
        sa.CheckConstraint('position > 0', name=op.f('ck_crisis_lines_position_positive')),
        sa.ForeignKeyConstraint(['practice_id'], ['practices.id'],
                                name=op.f('fk_crisis_lines_practice_id_practices')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_lines')),
    )
    with op.batch_alter_table('crisis_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crisis_lines_practice_id'), ['practice_id'],
                              unique=False)
    with op.batch_alter_table('practices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emergency_number', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('quick_exit_url', sa.String(length=500),
                                      server_default='https://www.bbc.com/weather',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('practices', schema=None) as batch_op:
        batch_op.drop_column('quick_exit_url')
        batch_op.drop_column('emergency_number')
    with op.batch_alter_table('crisis_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crisis_lines_practice_id'))
    op.drop_table('crisis_lines')
