"""The migrated schema: every named rule holds in the database itself, and timestamps are UTC."""

import datetime as dt

import pytest
import sqlalchemy as sa

from app.models import (
    Assignment,
    AssignmentPause,
    AuditEvent,
    CrisisLine,
    Entry,
    EntryRevision,
    Exercise,
    ExerciseVersion,
    FormSubmission,
    Guide,
    Invitation,
    MailOutbox,
    MeasureResponse,
    PolicyConsent,
    Report,
    SafetyAddition,
    SafetyCheck,
    SafetyFlag,
    SafetyHold,
    SessionRecordVersion,
    Step,
    TherapySession,
    User,
    UserRole,
)
from app.models.base import Base


@pytest.fixture
def rows(db, make_couple):
    """One valid row in every table, to be broken one rule at a time."""
    couple = make_couple()
    therapist = couple.therapist
    guide = Guide(slug="g", title="Guide")
    step = Step(guide=guide, slug="s", position=1, title="Step")
    exercise = Exercise(step=step, slug="e")
    version = ExerciseVersion(
        exercise=exercise, number=1, title="Check-in", instructions="Talk.", prompts=["How?"],
        rating_questions=[], cadence="daily", content_hash="0" * 64,
    )
    assignment = Assignment(
        couple_id=couple.id, exercise_version=version, assigned_by_id=therapist.id,
        mode="both", cadence="daily", start_date=dt.date(2026, 1, 1),
    )
    db.session.add_all([guide, assignment])
    db.session.flush()
    entry = Entry(
        assignment_id=assignment.id, author_id=couple.partners[0].user_id,
        occurrence_date=dt.date(2026, 1, 1), completion="done", answers=[], ratings=[],
    )
    session = TherapySession(
        couple_id=couple.id, therapist_id=therapist.id,
        scheduled_at=dt.datetime(2026, 1, 8, 15, tzinfo=dt.UTC),
    )
    db.session.add_all([entry, session])
    db.session.flush()
    measure = MeasureResponse(
        session_id=session.id, respondent_id=couple.partners[0].user_id, answers=[3, 3, 3, 3],
        score=12,
    )
    report = Report(
        couple_id=couple.id, audience="clinician", period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 1, 8), content=b"%PDF", sha256="a" * 64, byte_size=4,
        generated_by_id=therapist.id,
    )
    audit = AuditEvent(action="sign_in", hmac="b" * 64)
    revision = EntryRevision(
        entry_id=entry.id, revision=1, completion="partly", visibility="therapist",
        answers=[], ratings=[],
    )
    pause = AssignmentPause(assignment_id=assignment.id, paused_on=dt.date(2026, 1, 3))
    submission = FormSubmission(user_id=therapist.id, token="t" * 32, location="/therapist/")
    record_version = SessionRecordVersion(
        session_id=session.id, version=1, duration_minutes=50, attendance="both", focus="",
        homework_reviewed="", clinician_notes="", couple_summary="",
        recorded_by_id=therapist.id, recorded_at=dt.datetime(2026, 1, 8, 16, tzinfo=dt.UTC),
    )
    safety_hold = SafetyHold(couple_id=couple.id, started_by_id=therapist.id)
    crisis_line = CrisisLine(practice_id=therapist.practice_id, position=1, name="A line",
                             number="0800 000 000")
    db.session.add_all([measure, report, audit, revision, pause, submission, record_version,
                        safety_hold, crisis_line])
    check = SafetyCheck(couple_id=couple.id, respondent_id=couple.partners[0].user_id,
                        occasion="first", answers={}, note="")
    db.session.add(check)
    db.session.flush()
    addition = SafetyAddition(check_id=check.id, text="More.")
    db.session.add(addition)
    db.session.flush()
    flag = SafetyFlag(couple_id=couple.id, check_id=check.id, addition_id=addition.id)
    db.session.add(flag)
    outbox = MailOutbox(kind="attention", recipient=therapist.email,
                        practice_id=therapist.practice_id, user_id=therapist.id)
    db.session.add(outbox)
    db.session.commit()
    invitation = db.session.scalars(sa.select(Invitation)).first()
    consent = db.session.scalars(sa.select(PolicyConsent)).first()
    return {
        "practices": couple.therapist.practice_id, "users": therapist.id, "couples": couple.id,
        "partners": couple.partners[0].id, "guides": guide.id, "steps": step.id,
        "exercises": exercise.id, "exercise_versions": version.id,
        "assignments": assignment.id, "entries": entry.id, "therapy_sessions": session.id,
        "measure_responses": measure.id, "reports": report.id, "audit_events": audit.id,
        "entry_revisions": revision.id, "other_user": couple.partners[1].user_id,
        "assignment_pauses": pause.id, "invitations": invitation.id,
        "policy_consents": consent.id, "audit_chain_heads": 1,
        "form_submissions": submission.id, "session_record_versions": record_version.id,
        "safety_holds": safety_hold.id,
        "crisis_lines": crisis_line.id,
        "safety_checks": check.id, "safety_additions": addition.id, "safety_flags": flag.id,
        "mail_outbox": outbox.id,
    }


# A held session's record, complete, so that a row breaks only the rule it is there for.
HELD_AND_RECORDED = ("status = 'held', record_version = 1, recorded_by_id = therapist_id, "
                     "recorded_at = created_at")

# (constraint name, table, SET clause that breaks it)
CHECKS = [
    ("ck_practices_paper_size_valid", "practices", "paper_size = 'A5'"),
    ("ck_practices_name_not_blank", "practices", "name = '  '"),
    ("ck_users_email_lowercase", "users", "email = 'Someone@Example.org'"),
    ("ck_users_name_not_blank", "users", "name = ''"),
    ("ck_couples_policy_valid", "couples", "confidentiality_policy = 'secret'"),
    ("ck_couples_status_valid", "couples", "status = 'gone'"),
    ("ck_couples_name_not_blank", "couples", "name = ' '"),
    ("ck_couples_sharing_changed_by_iff_at", "couples",
     "completion_sharing_changed_at = '2026-01-01 00:00:00'"),
    ("ck_partners_position_one_or_two", "partners", "position = 3"),
    ("ck_guides_title_not_blank", "guides", "title = ''"),
    ("ck_steps_position_positive", "steps", "position = 0"),
    ("ck_exercises_step_xor_owner", "exercises", "step_id = NULL"),
    ("ck_exercise_versions_number_positive", "exercise_versions", "number = 0"),
    ("ck_exercise_versions_cadence_valid", "exercise_versions", "cadence = 'hourly'"),
    ("ck_exercise_versions_times_per_week_matches_cadence", "exercise_versions",
     "times_per_week = 3"),
    ("ck_exercise_versions_minutes_positive", "exercise_versions", "minutes = 0"),
    ("ck_exercise_versions_title_not_blank", "exercise_versions", "title = ''"),
    ("ck_assignments_mode_valid", "assignments", "mode = 'three'"),
    ("ck_assignments_status_valid", "assignments", "status = 'lost'"),
    ("ck_assignments_cadence_valid", "assignments", "cadence = 'yearly'"),
    ("ck_assignments_times_per_week_matches_cadence", "assignments",
     "cadence = 'times_per_week'"),
    ("ck_assignments_partner_iff_mode_one", "assignments", "mode = 'one'"),
    ("ck_assignments_end_after_start", "assignments", "end_date = '2025-12-31'"),
    ("ck_assignments_max_occurrences_positive", "assignments", "max_occurrences = 0"),
    ("ck_assignments_end_date_or_max_occurrences", "assignments",
     "end_date = '2026-02-01', max_occurrences = 5"),
    ("ck_assignments_weekdays_mask", "assignments", "weekdays = 128"),
    ("ck_assignments_as_it_comes_up_unscheduled", "assignments",
     "cadence = 'as_it_comes_up', times_per_week = 2, weekdays = 1"),
    ("ck_assignments_as_it_comes_up_unscheduled", "assignments",
     "cadence = 'as_it_comes_up', times_per_week = 2, max_occurrences = 3"),
    # "As it comes up" needs its weekly most, as "N times a week" needs its N.
    ("ck_assignments_times_per_week_matches_cadence", "assignments",
     "cadence = 'as_it_comes_up'"),
    ("ck_exercise_versions_times_per_week_matches_cadence", "exercise_versions",
     "cadence = 'as_it_comes_up', times_per_week = 8"),
    ("ck_entries_completion_valid", "entries", "completion = 'maybe'"),
    ("ck_entries_visibility_valid", "entries", "visibility = 'everyone'"),
    ("ck_entries_revision_positive", "entries", "revision = 0"),
    ("ck_entry_revisions_completion_valid", "entry_revisions", "completion = 'maybe'"),
    ("ck_entry_revisions_visibility_valid", "entry_revisions", "visibility = 'all'"),
    ("ck_therapy_sessions_status_valid", "therapy_sessions", "status = 'missed'"),
    ("ck_therapy_sessions_attendance_valid", "therapy_sessions", "attendance = 'nobody'"),
    ("ck_therapy_sessions_duration_in_range", "therapy_sessions", "duration_minutes = 0"),
    ("ck_therapy_sessions_held_has_attendance_and_duration", "therapy_sessions",
     f"{HELD_AND_RECORDED}, duration_minutes = NULL"),
    ("ck_therapy_sessions_recorded_iff_held", "therapy_sessions", "record_version = 1"),
    ("ck_therapy_sessions_record_version_positive", "therapy_sessions",
     "status = 'held', attendance = 'both', duration_minutes = 50, record_version = 0, "
     "recorded_by_id = therapist_id, recorded_at = created_at"),
    ("ck_session_record_versions_version_positive", "session_record_versions", "version = 0"),
    ("ck_session_record_versions_attendance_valid", "session_record_versions",
     "attendance = 'nobody'"),
    ("ck_session_record_versions_duration_in_range", "session_record_versions",
     "duration_minutes = 601"),
    ("ck_measure_responses_instrument_valid", "measure_responses", "instrument = 'mood'"),
    ("ck_measure_responses_score_in_range", "measure_responses", "score = 22"),
    ("ck_reports_audience_valid", "reports", "audience = 'public'"),
    ("ck_reports_period_in_order", "reports", "period_end = '2025-01-01'"),
    ("ck_reports_sha256_length", "reports", "sha256 = 'abc'"),
    ("ck_reports_byte_size_positive", "reports", "byte_size = 0"),
    ("ck_audit_events_action_not_blank", "audit_events", "action = ' '"),
    ("ck_audit_events_hmac_length", "audit_events", "hmac = 'short'"),
    ("ck_user_roles_role_valid", "user_roles", "role = 'superuser'"),
    ("ck_invitations_role_valid", "invitations",
     "role = 'owner', couple_id = NULL, position = NULL"),
    ("ck_invitations_email_lowercase", "invitations", "email = 'A@Example.org'"),
    ("ck_invitations_position_one_or_two", "invitations", "position = 3"),
    ("ck_invitations_client_invitation_names_couple", "invitations", "couple_id = NULL"),
    ("ck_policy_consents_policy_valid", "policy_consents", "policy = 'secret'"),
    ("ck_audit_chain_heads_single_row", "audit_chain_heads", "id = 2"),
    ("ck_assignment_pauses_resumed_after_paused", "assignment_pauses",
     "resumed_on = '2026-01-01'"),
    ("ck_form_submissions_token_length", "form_submissions", "token = 'short'"),
    ("ck_exercises_suited_to_valid", "exercises", "suited_to = 'three'"),
    ("ck_safety_holds_lifted_by_with_note_iff_at", "safety_holds",
     "lifted_at = '2030-01-01 00:00:00', lifted_by_id = started_by_id, lift_note = ' '"),
    ("ck_safety_holds_lifted_after_started", "safety_holds",
     "lifted_at = '2000-01-01 00:00:00', lifted_by_id = started_by_id, lift_note = 'ok'"),
    ("ck_crisis_lines_name_not_blank", "crisis_lines", "name = ' '"),
    ("ck_crisis_lines_number_or_url", "crisis_lines", "number = NULL, url = NULL"),
    ("ck_crisis_lines_position_positive", "crisis_lines", "position = 0"),
    ("ck_couples_safety_check_schedule_valid", "couples", "safety_check_schedule = 'daily'"),
    ("ck_safety_checks_occasion_not_blank", "safety_checks", "occasion = ' '"),
    ("ck_safety_additions_text_not_blank", "safety_additions", "text = ' '"),
    ("ck_safety_flags_handled_with_note_or_open", "safety_flags",
     "handled_at = created_at, handling_note = ' '"),
    ("ck_mail_outbox_kind_known", "mail_outbox", "kind = 'newsletter'"),
    ("ck_mail_outbox_status_known", "mail_outbox", "status = 'lost'"),
    ("ck_mail_outbox_attempts_not_negative", "mail_outbox", "attempts = -1"),
]


def _violate(db, sql: str, params: dict) -> str:
    with pytest.raises(sa.exc.IntegrityError) as error:
        db.session.execute(sa.text(sql), params)
        db.session.flush()
    db.session.rollback()
    return str(error.value.orig)


@pytest.mark.parametrize(("name", "table", "change"), CHECKS, ids=[c[0] for c in CHECKS])
def test_check_constraint_is_enforced(db, rows, name, table, change):
    if table == "user_roles":
        sql = f"UPDATE user_roles SET {change} WHERE user_id = :id"
        params = {"id": rows["users"]}
    elif table == "audit_events":  # append-only: a bad event can only be added
        column, value = (part.strip() for part in change.split("=", 1))
        values = {"action": "'sign_in'", "hmac": f"'{'c' * 64}'", column: value}
        sql = (f"INSERT INTO audit_events (action, hmac, created_at) "
               f"VALUES ({values['action']}, {values['hmac']}, '2026-01-01')")
        params = {}
    else:
        sql = f"UPDATE {table} SET {change} WHERE id = :id"
        params = {"id": rows[table]}
    message = _violate(db, sql, params)
    assert name in message


def test_as_it_comes_up_with_its_weekly_most_is_allowed(db, rows):
    for table in ("assignments", "exercise_versions"):
        db.session.execute(sa.text(
            f"UPDATE {table} SET cadence = 'as_it_comes_up', times_per_week = 7 WHERE id = :id"),
            {"id": rows[table]})
    db.session.flush()
    db.session.execute(sa.text(
        "UPDATE assignments SET end_date = '2026-02-01' WHERE id = :id"),
        {"id": rows["assignments"]})
    db.session.flush()  # an end date is fine: only days and a count are not


def test_every_named_check_constraint_is_tried():
    declared = {
        constraint.name
        for table in Base.metadata.tables.values()
        for constraint in table.constraints
        if isinstance(constraint, sa.CheckConstraint)
    }
    assert declared == {name for name, _, _ in CHECKS}


UNIQUES = [
    ("users", "UPDATE users SET email = (SELECT email FROM users WHERE id = :other) "
     "WHERE id = :id", "email"),
    ("partners", "UPDATE partners SET position = 2 WHERE id = :id", "position"),
    ("partners", "INSERT INTO partners (couple_id, user_id, position, created_at, updated_at) "
     "SELECT couple_id, user_id, 1, created_at, updated_at FROM partners WHERE id = :id",
     "user_id"),
    ("guides", "INSERT INTO guides (slug, title, summary, position, created_at, updated_at) "
     "VALUES ('g', 'Again', '', 0, '2026-01-01', '2026-01-01')", "slug"),
    ("exercise_versions", "INSERT INTO exercise_versions (exercise_id, number, title, "
     "instructions, prompts, rating_questions, cadence, content_hash, created_at) SELECT "
     "exercise_id, number, title, instructions, prompts, rating_questions, cadence, "
     "content_hash, created_at FROM exercise_versions WHERE id = :id", "number"),
    ("entries", "INSERT INTO entries (assignment_id, author_id, occurrence_date, completion, "
     "visibility, answers, ratings, is_late, revision, created_at, updated_at) SELECT "
     "assignment_id, author_id, occurrence_date, completion, visibility, answers, ratings, "
     "is_late, revision, created_at, updated_at FROM entries WHERE id = :id", "occurrence_date"),
    ("measure_responses", "INSERT INTO measure_responses (session_id, respondent_id, "
     "instrument, answers, score, created_at) SELECT session_id, respondent_id, instrument, "
     "answers, score, created_at FROM measure_responses WHERE id = :id", "respondent_id"),
    ("form_submissions", "INSERT INTO form_submissions (user_id, token, location, created_at) "
     "SELECT user_id, token, '/elsewhere', created_at FROM form_submissions WHERE id = :id",
     "token"),
    ("session_record_versions", "INSERT INTO session_record_versions (session_id, version, "
     "duration_minutes, attendance, focus, homework_reviewed, clinician_notes, couple_summary, "
     "recorded_by_id, recorded_at, created_at) SELECT session_id, version, 40, attendance, "
     "focus, homework_reviewed, clinician_notes, couple_summary, recorded_by_id, recorded_at, "
     "created_at FROM session_record_versions WHERE id = :id", "version"),
]


@pytest.mark.parametrize(("table", "sql", "column"), UNIQUES,
                         ids=[f"{u[0]}-{u[2]}" for u in UNIQUES])
def test_unique_rule_is_enforced(db, rows, table, sql, column):
    message = _violate(db, sql, {"id": rows[table], "other": rows["other_user"]})
    assert "unique" in message.lower() or "duplicate" in message.lower()


def test_foreign_keys_are_enforced(db, rows):
    message = _violate(db, "UPDATE couples SET therapist_id = 999999 WHERE id = :id",
                       {"id": rows["couples"]})
    assert "foreign key" in message.lower()


def test_a_couple_holds_at_most_two_partners(db, rows, make_user):
    stranger = make_user(("client",))
    message = _violate(
        db,
        "INSERT INTO partners (couple_id, user_id, position, created_at, updated_at) "
        "VALUES (:couple, :user, 3, '2026-01-01', '2026-01-01')",
        {"couple": rows["couples"], "user": stranger.id},
    )
    assert "ck_partners_position_one_or_two" in message


def test_timestamps_come_back_as_aware_utc(db, rows, clock):
    clock.set(dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))))
    user = db.session.get(User, rows["users"])
    user.name = "Renamed"
    db.session.commit()
    db.session.expire_all()
    user = db.session.get(User, rows["users"])
    assert user.updated_at == dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC)
    assert user.updated_at.utcoffset() == dt.timedelta(0)
    assert user.created_at.tzinfo is not None


def test_naive_datetimes_are_refused(db, rows):
    session = db.session.get(TherapySession, rows["therapy_sessions"])
    session.scheduled_at = dt.datetime(2026, 1, 1, 12, 0)
    with pytest.raises(sa.exc.StatementError, match="naive"):
        db.session.flush()
    db.session.rollback()


def test_roles_can_be_combined(db, make_user):
    solo = make_user(("admin", "therapist"))
    assert solo.roles == {"admin", "therapist"}
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(UserRole).where(UserRole.user_id == solo.id)
    ) == 2
