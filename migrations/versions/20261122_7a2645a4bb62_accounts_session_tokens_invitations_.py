"""Accounts: session tokens, invitations, password resets, policy consents, audit chain head.

Reviewed: existing users get an empty session token (so every existing session must sign in
again), and the audit chain's single head row is created here.

Revision ID: 7a2645a4bb62
Revises: b926986e7802
Create Date: 2026-11-22 03:31:33.649046

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a2645a4bb62'
down_revision = 'b926986e7802'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_chain_heads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_sequence', sa.BigInteger(), nullable=False),
    sa.Column('last_hmac', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_audit_chain_heads_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_heads'))
    )
    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash'))
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('couple_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.SmallInteger(), nullable=True),
    sa.Column('invited_by_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('send_count', sa.Integer(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role = 'client' AND couple_id IS NOT NULL AND position IS NOT NULL) OR (role <> 'client' AND couple_id IS NULL AND position IS NULL)", name=op.f('ck_invitations_client_invitation_names_couple')),
    sa.CheckConstraint("role IN ('admin', 'therapist', 'client')", name=op.f('ck_invitations_role_valid')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_invitations_email_lowercase')),
    sa.CheckConstraint('position IS NULL OR position IN (1, 2)', name=op.f('ck_invitations_position_one_or_two')),
    sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], name=op.f('fk_invitations_couple_id_couples')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users')),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_invitations_practice_id_practices')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invitations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_couple_id'), ['couple_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_invited_by_id'), ['invited_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_practice_id'), ['practice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_user_id'), ['user_id'], unique=False)

    op.create_table('policy_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('policy', sa.String(length=10), nullable=False),
    sa.Column('wording', sa.Text(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("policy IN ('open', 'limited')", name=op.f('ck_policy_consents_policy_valid')),
    sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], name=op.f('fk_policy_consents_couple_id_couples')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_policy_consents_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_consents'))
    )
    with op.batch_alter_table('policy_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_consents_couple_id'), ['couple_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_consents_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_token', sa.String(length=64), nullable=False, server_default='')
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_token', server_default=None)

    heads = sa.table(
        'audit_chain_heads',
        sa.column('id', sa.Integer),
        sa.column('last_sequence', sa.BigInteger),
        sa.column('last_hmac', sa.String),
    )
    op.bulk_insert(heads, [{'id': 1, 'last_sequence': 0, 'last_hmac': '0' * 64}])



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_token')

    with op.batch_alter_table('policy_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_consents_user_id'))
        batch_op.drop_index(batch_op.f('ix_policy_consents_couple_id'))

    op.drop_table('policy_consents')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_user_id'))
        batch_op.drop_index(batch_op.f('ix_invitations_practice_id'))
        batch_op.drop_index(batch_op.f('ix_invitations_invited_by_id'))
        batch_op.drop_index(batch_op.f('ix_invitations_couple_id'))

    op.drop_table('invitations')
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_user_id'))

    op.drop_table('password_resets')
    op.drop_table('audit_chain_heads')
