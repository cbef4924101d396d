"""Couples: whether partners see each other's completion, the couple's setting (default
on, as every couple saw it until now), when and by whom it was last changed, and when
each partner acknowledged that change.

Reviewed: four added columns, an index on the new foreign key and one named CHECK
(ck_couples_sharing_changed_by_iff_at: a change has both its time and its author, or
neither). is_completion_shared gets a server default of true so that every existing
couple keeps what its partners were told when they accepted the policy ("your partner
and your therapist both see it"); the rest start empty (never changed, nothing to
acknowledge), which the CHECK allows. On SQLite the couples table is rebuilt (batch
mode), keeping its rows. Downgrade drops all of it.

Revision ID: 4e8a1d6c2b93
Revises: 521f52692434
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4e8a1d6c2b93'
down_revision = '521f52692434'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('couples', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_completion_shared', sa.Boolean(),
                                      server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('completion_sharing_changed_at',
                                      sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('completion_sharing_changed_by_id', sa.Integer(),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_couples_completion_sharing_changed_by_id'),
                              ['completion_sharing_changed_by_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_couples_completion_sharing_changed_by_id_users'), 'users',
            ['completion_sharing_changed_by_id'], ['id'])
        batch_op.create_check_constraint(
            op.f('ck_couples_sharing_changed_by_iff_at'),
            "(completion_sharing_changed_at IS NULL AND completion_sharing_changed_by_id IS NULL)"
            " OR (completion_sharing_changed_at IS NOT NULL"
            " AND completion_sharing_changed_by_id IS NOT NULL)")
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completion_sharing_seen_at',
                                      sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('completion_sharing_seen_at')
    with op.batch_alter_table('couples', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_couples_sharing_changed_by_iff_at'), type_='check')
        batch_op.drop_constraint(
            batch_op.f('fk_couples_completion_sharing_changed_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_couples_completion_sharing_changed_by_id'))
        batch_op.drop_column('completion_sharing_changed_by_id')
        batch_op.drop_column('completion_sharing_changed_at')
        batch_op.drop_column('is_completion_shared')
