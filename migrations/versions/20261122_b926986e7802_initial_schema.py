"""Initial schema: practices, users, couples, guides, homework, sessions, reports, audit.

Reviewed by hand after autogenerate: named constraints come from the naming convention.

Revision ID: b926986e7802
Revises: 
Create Date: 2026-11-22 03:17:25.650726

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b926986e7802'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('practices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('paper_size', sa.String(length=10), nullable=False),
    sa.Column('default_timezone', sa.String(length=64), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("paper_size IN ('A4', 'Letter')", name=op.f('ck_practices_paper_size_valid')),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_practices_name_not_blank')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practices'))
    )
    op.create_table('guides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('context', sa.JSON(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(trim(title)) > 0', name=op.f('ck_guides_title_not_blank')),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_guides_practice_id_practices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guides')),
    sa.UniqueConstraint('slug', name=op.f('uq_guides_slug'))
    )
    with op.batch_alter_table('guides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guides_practice_id'), ['practice_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_users_email_lowercase')),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_users_name_not_blank')),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_users_practice_id_practices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_practice_id'), ['practice_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=True),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=45), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('hmac', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(hmac) = 64', name=op.f('ck_audit_events_hmac_length')),
    sa.CheckConstraint('length(trim(action)) > 0', name=op.f('ck_audit_events_action_not_blank')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_audit_events_practice_id_practices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('hmac', name=op.f('uq_audit_events_hmac'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_practice_id'), ['practice_id'], unique=False)

    op.create_table('couples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('confidentiality_policy', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("confidentiality_policy IN ('open', 'limited')", name=op.f('ck_couples_policy_valid')),
    sa.CheckConstraint("status IN ('active', 'paused', 'closed')", name=op.f('ck_couples_status_valid')),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_couples_name_not_blank')),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_couples_practice_id_practices')),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_couples_therapist_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_couples'))
    )
    with op.batch_alter_table('couples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_couples_practice_id'), ['practice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_couples_therapist_id'), ['therapist_id'], unique=False)

    op.create_table('steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guide_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('position >= 1', name=op.f('ck_steps_position_positive')),
    sa.ForeignKeyConstraint(['guide_id'], ['guides.id'], name=op.f('fk_steps_guide_id_guides')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_steps')),
    sa.UniqueConstraint('guide_id', 'slug', name=op.f('uq_steps_guide_id_slug'))
    )
    with op.batch_alter_table('steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_steps_guide_id'), ['guide_id'], unique=False)

    op.create_table('user_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'therapist', 'client')", name=op.f('ck_user_roles_role_valid')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_roles'))
    )
    op.create_table('exercises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('slug', sa.String(length=100), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(step_id IS NULL AND owner_id IS NOT NULL) OR (step_id IS NOT NULL AND owner_id IS NULL)', name=op.f('ck_exercises_step_xor_owner')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_exercises_owner_id_users')),
    sa.ForeignKeyConstraint(['step_id'], ['steps.id'], name=op.f('fk_exercises_step_id_steps')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercises')),
    sa.UniqueConstraint('step_id', 'slug', name=op.f('uq_exercises_step_id_slug'))
    )
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exercises_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exercises_step_id'), ['step_id'], unique=False)

    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('position IN (1, 2)', name=op.f('ck_partners_position_one_or_two')),
    sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], name=op.f('fk_partners_couple_id_couples')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_partners_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('couple_id', 'position', name=op.f('uq_partners_couple_id_position')),
    sa.UniqueConstraint('user_id', name=op.f('uq_partners_user_id'))
    )
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partners_couple_id'), ['couple_id'], unique=False)

    op.create_table('therapy_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('attendance', sa.String(length=10), nullable=True),
    sa.Column('focus', sa.Text(), nullable=False),
    sa.Column('homework_reviewed', sa.Text(), nullable=False),
    sa.Column('clinician_notes', sa.Text(), nullable=False),
    sa.Column('couple_summary', sa.Text(), nullable=False),
    sa.Column('is_measure_requested', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("attendance IS NULL OR attendance IN ('both', 'partner_1', 'partner_2')", name=op.f('ck_therapy_sessions_attendance_valid')),
    sa.CheckConstraint("status <> 'held' OR (attendance IS NOT NULL AND duration_minutes IS NOT NULL)", name=op.f('ck_therapy_sessions_held_has_attendance_and_duration')),
    sa.CheckConstraint("status IN ('scheduled', 'held', 'cancelled')", name=op.f('ck_therapy_sessions_status_valid')),
    sa.CheckConstraint('duration_minutes IS NULL OR (duration_minutes > 0 AND duration_minutes <= 600)', name=op.f('ck_therapy_sessions_duration_in_range')),
    sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], name=op.f('fk_therapy_sessions_couple_id_couples')),
    sa.ForeignKeyConstraint(['therapist_id'], ['users.id'], name=op.f('fk_therapy_sessions_therapist_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapy_sessions'))
    )
    with op.batch_alter_table('therapy_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_therapy_sessions_couple_id'), ['couple_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_therapy_sessions_therapist_id'), ['therapist_id'], unique=False)

    op.create_table('exercise_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('prompts', sa.JSON(), nullable=False),
    sa.Column('rating_questions', sa.JSON(), nullable=False),
    sa.Column('cadence', sa.String(length=20), nullable=False),
    sa.Column('times_per_week', sa.Integer(), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(cadence = 'times_per_week' AND times_per_week IS NOT NULL AND times_per_week BETWEEN 1 AND 7) OR (cadence <> 'times_per_week' AND times_per_week IS NULL)", name=op.f('ck_exercise_versions_times_per_week_matches_cadence')),
    sa.CheckConstraint("cadence IN ('once', 'daily', 'weekly', 'times_per_week')", name=op.f('ck_exercise_versions_cadence_valid')),
    sa.CheckConstraint('length(trim(title)) > 0', name=op.f('ck_exercise_versions_title_not_blank')),
    sa.CheckConstraint('minutes IS NULL OR minutes > 0', name=op.f('ck_exercise_versions_minutes_positive')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_exercise_versions_number_positive')),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_versions_exercise_id_exercises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_versions')),
    sa.UniqueConstraint('exercise_id', 'number', name=op.f('uq_exercise_versions_exercise_id_number'))
    )
    with op.batch_alter_table('exercise_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exercise_versions_exercise_id'), ['exercise_id'], unique=False)

    op.create_table('measure_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('instrument', sa.String(length=20), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("instrument IN ('csi4')", name=op.f('ck_measure_responses_instrument_valid')),
    sa.CheckConstraint('score BETWEEN 0 AND 21', name=op.f('ck_measure_responses_score_in_range')),
    sa.ForeignKeyConstraint(['respondent_id'], ['users.id'], name=op.f('fk_measure_responses_respondent_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['therapy_sessions.id'], name=op.f('fk_measure_responses_session_id_therapy_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measure_responses')),
    sa.UniqueConstraint('session_id', 'respondent_id', 'instrument', name=op.f('uq_measure_responses_session_id_respondent_id_instrument'))
    )
    with op.batch_alter_table('measure_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measure_responses_respondent_id'), ['respondent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_measure_responses_session_id'), ['session_id'], unique=False)

    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('generated_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("audience IN ('clinician', 'couple')", name=op.f('ck_reports_audience_valid')),
    sa.CheckConstraint('byte_size > 0', name=op.f('ck_reports_byte_size_positive')),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_reports_sha256_length')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_reports_period_in_order')),
    sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], name=op.f('fk_reports_couple_id_couples')),
    sa.ForeignKeyConstraint(['generated_by_id'], ['users.id'], name=op.f('fk_reports_generated_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['therapy_sessions.id'], name=op.f('fk_reports_session_id_therapy_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_couple_id'), ['couple_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_generated_by_id'), ['generated_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_session_id'), ['session_id'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('exercise_version_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('cadence', sa.String(length=20), nullable=False),
    sa.Column('times_per_week', sa.Integer(), nullable=True),
    sa.Column('weekdays', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('max_occurrences', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(cadence = 'times_per_week' AND times_per_week IS NOT NULL AND times_per_week BETWEEN 1 AND 7) OR (cadence <> 'times_per_week' AND times_per_week IS NULL)", name=op.f('ck_assignments_times_per_week_matches_cadence')),
    sa.CheckConstraint("(mode = 'one' AND partner_id IS NOT NULL) OR (mode <> 'one' AND partner_id IS NULL)", name=op.f('ck_assignments_partner_iff_mode_one')),
    sa.CheckConstraint("cadence IN ('once', 'daily', 'weekly', 'times_per_week')", name=op.f('ck_assignments_cadence_valid')),
    sa.CheckConstraint("mode IN ('both', 'one', 'joint')", name=op.f('ck_assignments_mode_valid')),
    sa.CheckConstraint("status IN ('active', 'paused', 'ended')", name=op.f('ck_assignments_status_valid')),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_assignments_end_after_start')),
    sa.CheckConstraint('end_date IS NULL OR max_occurrences IS NULL', name=op.f('ck_assignments_end_date_or_max_occurrences')),
    sa.CheckConstraint('max_occurrences IS NULL OR max_occurrences > 0', name=op.f('ck_assignments_max_occurrences_positive')),
    sa.CheckConstraint('weekdays IS NULL OR weekdays BETWEEN 1 AND 127', name=op.f('ck_assignments_weekdays_mask')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_assignments_assigned_by_id_users')),
    sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], name=op.f('fk_assignments_couple_id_couples')),
    sa.ForeignKeyConstraint(['exercise_version_id'], ['exercise_versions.id'], name=op.f('fk_assignments_exercise_version_id_exercise_versions')),
    sa.ForeignKeyConstraint(['partner_id'], ['users.id'], name=op.f('fk_assignments_partner_id_users')),
    sa.ForeignKeyConstraint(['step_id'], ['steps.id'], name=op.f('fk_assignments_step_id_steps')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_assigned_by_id'), ['assigned_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_couple_id'), ['couple_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_exercise_version_id'), ['exercise_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignments_step_id'), ['step_id'], unique=False)

    op.create_table('drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_date', sa.Date(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_drafts_assignment_id_assignments')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_drafts_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drafts')),
    sa.UniqueConstraint('assignment_id', 'author_id', 'occurrence_date', name=op.f('uq_drafts_assignment_id_author_id_occurrence_date'))
    )
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drafts_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drafts_author_id'), ['author_id'], unique=False)

    op.create_table('entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_date', sa.Date(), nullable=False),
    sa.Column('completion', sa.String(length=10), nullable=False),
    sa.Column('visibility', sa.String(length=10), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('ratings', sa.JSON(), nullable=False),
    sa.Column('is_late', sa.Boolean(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("completion IN ('done', 'partly', 'not_done')", name=op.f('ck_entries_completion_valid')),
    sa.CheckConstraint("visibility IN ('therapist', 'partner')", name=op.f('ck_entries_visibility_valid')),
    sa.CheckConstraint('revision >= 1', name=op.f('ck_entries_revision_positive')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_entries_assignment_id_assignments')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_entries_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entries')),
    sa.UniqueConstraint('assignment_id', 'author_id', 'occurrence_date', name=op.f('uq_entries_assignment_id_author_id_occurrence_date'))
    )
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entries_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_entries_author_id'), ['author_id'], unique=False)

    op.create_table('entry_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('completion', sa.String(length=10), nullable=False),
    sa.Column('visibility', sa.String(length=10), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('ratings', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("completion IN ('done', 'partly', 'not_done')", name=op.f('ck_entry_revisions_completion_valid')),
    sa.CheckConstraint("visibility IN ('therapist', 'partner')", name=op.f('ck_entry_revisions_visibility_valid')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_entry_revisions_entry_id_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry_revisions')),
    sa.UniqueConstraint('entry_id', 'revision', name=op.f('uq_entry_revisions_entry_id_revision'))
    )
    with op.batch_alter_table('entry_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_revisions_entry_id'), ['entry_id'], unique=False)



def downgrade():
    with op.batch_alter_table('entry_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_revisions_entry_id'))

    op.drop_table('entry_revisions')
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entries_author_id'))
        batch_op.drop_index(batch_op.f('ix_entries_assignment_id'))

    op.drop_table('entries')
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drafts_author_id'))
        batch_op.drop_index(batch_op.f('ix_drafts_assignment_id'))

    op.drop_table('drafts')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_step_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_partner_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_exercise_version_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_couple_id'))
        batch_op.drop_index(batch_op.f('ix_assignments_assigned_by_id'))

    op.drop_table('assignments')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_session_id'))
        batch_op.drop_index(batch_op.f('ix_reports_generated_by_id'))
        batch_op.drop_index(batch_op.f('ix_reports_couple_id'))

    op.drop_table('reports')
    with op.batch_alter_table('measure_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measure_responses_session_id'))
        batch_op.drop_index(batch_op.f('ix_measure_responses_respondent_id'))

    op.drop_table('measure_responses')
    with op.batch_alter_table('exercise_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exercise_versions_exercise_id'))

    op.drop_table('exercise_versions')
    with op.batch_alter_table('therapy_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_therapy_sessions_therapist_id'))
        batch_op.drop_index(batch_op.f('ix_therapy_sessions_couple_id'))

    op.drop_table('therapy_sessions')
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partners_couple_id'))

    op.drop_table('partners')
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exercises_step_id'))
        batch_op.drop_index(batch_op.f('ix_exercises_owner_id'))

    op.drop_table('exercises')
    op.drop_table('user_roles')
    with op.batch_alter_table('steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_steps_guide_id'))

    op.drop_table('steps')
    with op.batch_alter_table('couples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_couples_therapist_id'))
        batch_op.drop_index(batch_op.f('ix_couples_practice_id'))

    op.drop_table('couples')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_practice_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))

    op.drop_table('audit_events')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_practice_id'))

    op.drop_table('users')
    with op.batch_alter_table('guides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guides_practice_id'))

    op.drop_table('guides')
    op.drop_table('practices')
