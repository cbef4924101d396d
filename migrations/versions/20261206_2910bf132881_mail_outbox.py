"""The mail outbox (issue 14): every email is first a row (mail_outbox), then a task.

Reviewed: one new table; named CHECKs for the kind, the status and a non-negative attempt
count; foreign keys to the practice (whose admins see a failed row), the invitation and
the user it concerns; an index for the admins' list (practice_id) and one for the sweep
(status, claimed_at). No link secret is stored. Downgrade drops the table.

Revision ID: 2910bf132881
Revises: a66b31349276
Create Date: 2026-12-01 20:32:39.358338

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2910bf132881'
down_revision = 'a66b31349276'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('invitation', 'password_reset', 'attention')", name=op.f('ck_mail_outbox_kind_known')),
    sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed', 'dropped')", name=op.f('ck_mail_outbox_status_known')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_mail_outbox_attempts_not_negative')),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'], name=op.f('fk_mail_outbox_invitation_id_invitations')),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_mail_outbox_practice_id_practices')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_outbox_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox'))
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_outbox_practice_id'), ['practice_id'], unique=False)
        batch_op.create_index('ix_mail_outbox_status_claimed_at', ['status', 'claimed_at'], unique=False)



def downgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_outbox_status_claimed_at')
        batch_op.drop_index(batch_op.f('ix_mail_outbox_practice_id'))

    op.drop_table('mail_outbox')
