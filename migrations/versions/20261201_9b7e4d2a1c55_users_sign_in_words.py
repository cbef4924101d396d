"""Users: one word for one thing. The token that ends every other sign-in at once is the
sign-in token, and the time of the last one is last_sign_in_at ("session" names a therapy
session only).

Reviewed: two column renames, nothing else; downgrade renames them back.

Revision ID: 9b7e4d2a1c55
Revises: 3f1d9c2b7a10
Create Date: 2026-12-01 17:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9b7e4d2a1c55'
down_revision = '3f1d9c2b7a10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_token', new_column_name='sign_in_token')
        batch_op.alter_column('last_login_at', new_column_name='last_sign_in_at')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('sign_in_token', new_column_name='session_token')
        batch_op.alter_column('last_sign_in_at', new_column_name='last_login_at')
