"""Couples: whether partners see each other's completion, the couple's setting (default
on, as every couple saw it until now), when the therapist last changed it, and when each
partner acknowledged that change.

Reviewed: three added columns, nothing else. is_completion_shared gets a server default
of true so that every existing couple keeps what its partners were told when they
accepted the policy ("your partner and your therapist both see it"); the two times start
empty (never changed, nothing to acknowledge). Downgrade drops the three columns.

Revision ID: 4e8a1d6c2b93
Revises: 9b7e4d2a1c55
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4e8a1d6c2b93'
down_revision = '9b7e4d2a1c55'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('couples', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_completion_shared', sa.Boolean(),
                                      server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('completion_sharing_changed_at',
                                      sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completion_sharing_seen_at',
                                      sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('completion_sharing_seen_at')
    with op.batch_alter_table('couples', schema=None) as batch_op:
        batch_op.drop_column('completion_sharing_changed_at')
        batch_op.drop_column('is_completion_shared')
