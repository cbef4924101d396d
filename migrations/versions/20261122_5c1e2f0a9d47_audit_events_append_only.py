"""Audit events are append-only: the database refuses UPDATE and DELETE on them.

The HMAC chain (app/services/audit.py) finds an altered or missing event afterwards; these
triggers stop the application's own connection from altering one at all, so a bug or an
injected statement cannot rewrite the record. Someone who owns the database can still
drop the triggers (or, on PostgreSQL, TRUNCATE the table); the chain and its checkpoint
file are the defence against that. On SQLite, a batch migration that rebuilds
audit_events drops its triggers: such a migration must create them again.

Reviewed: triggers only, no data change.

Revision ID: 5c1e2f0a9d47
Revises: 0b3463493ffc
Create Date: 2026-11-22 08:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5c1e2f0a9d47'
down_revision = '0b3463493ffc'
branch_labels = None
depends_on = None

MESSAGE = "audit events are append-only"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION audit_events_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
            END
            $$
        """)
        op.execute("""
            CREATE TRIGGER audit_events_append_only
            BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
        """)
    else:
        for action in ("update", "delete"):
            op.execute(f"""
                CREATE TRIGGER audit_events_no_{action}
                BEFORE {action.upper()} ON audit_events
                BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER audit_events_no_{action}")
