"""Entries: an index on (author_id, updated_at) for each partner's last activity.

Reviewed: index only.

Revision ID: 0b3463493ffc
Revises: de1c0fbbf2e6
Create Date: 2026-11-22 05:19:22.223832

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0b3463493ffc'
down_revision = 'de1c0fbbf2e6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.create_index('ix_entries_author_id_updated_at', ['author_id', 'updated_at'], unique=False)



def downgrade():
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_index('ix_entries_author_id_updated_at')

