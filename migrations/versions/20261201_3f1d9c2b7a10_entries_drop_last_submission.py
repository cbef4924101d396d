"""Entries no longer keep the form that last changed them: every form's one-time token is
claimed by the request (form_submissions), so an entry form sent twice is one change
without a column of its own.

Reviewed: drops one nullable column; downgrade adds it back empty.

Revision ID: 3f1d9c2b7a10
Revises: 72c51cf72635
Create Date: 2026-12-01 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f1d9c2b7a10'
down_revision = '72c51cf72635'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_column('last_submission')


def downgrade():
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_submission', sa.String(length=64), nullable=True))
