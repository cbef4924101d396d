"""A held session's record keeps its earlier versions: kept in order, readable by the
couple's therapist on the session page, never shown to anyone else, one version per
correction however often the form is sent."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import flask_migrate
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db as _db
from app.models import AuditEvent, Report, SessionRecordVersion, TherapySession
from app.services.sessions import schedule_session
from tests.conftest import csrf_token_from, send_together

FIRST_NOTES = "Clinician-only: she mentioned her father's drinking for the first time"
SECOND_NOTES = "Clinician-only: father's drinking; ask about safety at home next time"
FIRST_SUMMARY = "You named one thing you each appreciate. Keep the evening check-in."
THIRD_SUMMARY = "You named one thing you each appreciate. Try the weekly date too."
FOCUS = "Repair attempts after arguments"


@pytest.fixture
def held(db, make_couple, clock):
    """A couple and a session that took place on Monday 16 March 2026, 17:00 UTC."""
    clock.set(dt.datetime(2026, 3, 12, 12, 0, tzinfo=dt.UTC))
    couple = make_couple(policy="limited", timezone="UTC")
    session = schedule_session(couple.therapist, couple,
                               dt.datetime(2026, 3, 16, 17, 0, tzinfo=dt.UTC),
                               request_measure=False)
    db.session.commit()
    clock.set(dt.datetime(2026, 3, 16, 18, 5, tzinfo=dt.UTC))
    return couple, session


def record_form_of(page: str) -> dict[str, str]:
    """The hidden fields of the page's record form: its CSRF and one-time tokens."""
    form = page[re.search(r'action="/therapist/sessions/\d+/record"', page).start():]
    form = form[:form.index("</form>")]
    return {"csrf_token": csrf_token_from(form),
            "once": re.search(r'name="once" value="([^"]+)"', form).group(1)}


def fields(**changes) -> dict[str, str]:
    values = {"duration": "50", "attendance": "both", "focus": FOCUS,
              "homework_reviewed": "Daily check-in", "clinician_notes": FIRST_NOTES,
              "couple_summary": FIRST_SUMMARY}
    values.update(changes)
    return values


def save(client, session_id: int, **changes):
    """Open the session page and send its record form, as the therapist does."""
    page = client.get(f"/therapist/sessions/{session_id}")
    assert page.status_code == 200
    return client.post(f"/therapist/sessions/{session_id}/record",
                       data={**record_form_of(page.text), **fields(**changes)})


def versions_of(db, session_id: int) -> list[SessionRecordVersion]:
    db.session.expire_all()
    return list(db.session.scalars(
        sa.select(SessionRecordVersion).where(SessionRecordVersion.session_id == session_id)
        .order_by(SessionRecordVersion.id)))


def audit_of(db, session_id: int) -> list[tuple[str, dict | None]]:
    return [(e.action, e.details) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "therapy_sessions",
                                    AuditEvent.object_id == session_id,
                                    AuditEvent.action != "session.viewed")
        .order_by(AuditEvent.id))]


def section_of(page: str, version: int) -> str:
    """The earlier version's part of the session page, as text with tags kept."""
    start = page.index(f'<section class="record-version" aria-labelledby="record-version-'
                       f'{version}"')
    return page[start:page.index("</section>", start)]


def text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def test_each_correction_keeps_the_version_it_replaces(db, app, client, clock, sign_in_as,
                                                       make_therapist, held):
    couple, session = held
    therapist = couple.therapist
    sign_in_as(therapist)
    assert save(client, session.id).status_code == 302
    assert versions_of(db, session.id) == []
    page = client.get(f"/therapist/sessions/{session.id}").text
    assert "Recorded 16 Mar 2026, 18:05 by " + html.escape(therapist.name) in page
    assert "Earlier versions" not in page and "Corrected" not in page

    clock.set(dt.datetime(2026, 3, 17, 9, 30, tzinfo=dt.UTC))
    sign_in_as(therapist)
    response = save(client, session.id, clinician_notes=SECOND_NOTES)
    assert response.status_code == 302
    assert "version 2" in client.get(response.headers["Location"]).text

    # The couple moves to a colleague, who corrects the duration and the summary.
    colleague = make_therapist(practice=therapist.practice, name="Dr Colleague")
    couple.therapist_id = colleague.id
    db.session.commit()
    clock.set(dt.datetime(2026, 3, 18, 10, 0, tzinfo=dt.UTC))
    sign_in_as(colleague)
    assert save(client, session.id, duration="55", clinician_notes=SECOND_NOTES,
                couple_summary=THIRD_SUMMARY).status_code == 302

    kept = versions_of(db, session.id)
    assert [(v.version, v.duration_minutes, v.clinician_notes, v.couple_summary,
             v.recorded_by_id, v.recorded_at) for v in kept] == [
        (1, 50, FIRST_NOTES, FIRST_SUMMARY, therapist.id,
         dt.datetime(2026, 3, 16, 18, 5, tzinfo=dt.UTC)),
        (2, 50, SECOND_NOTES, FIRST_SUMMARY, therapist.id,
         dt.datetime(2026, 3, 17, 9, 30, tzinfo=dt.UTC)),
    ]
    assert all((v.attendance, v.focus, v.homework_reviewed) == ("both", FOCUS, "Daily check-in")
               for v in kept)
    current = db.session.get(TherapySession, session.id)
    assert (current.record_version, current.recorded_by_id, current.recorded_at,
            current.duration_minutes, current.clinician_notes, current.couple_summary) == (
        3, colleague.id, dt.datetime(2026, 3, 18, 10, 0, tzinfo=dt.UTC), 55, SECOND_NOTES,
        THIRD_SUMMARY)

    # Each save is audited: what it was, its version and which fields it changed.
    assert audit_of(db, session.id) == [
        ("session.recorded", {"version": 1}),
        ("session.corrected", {"version": 2, "changed": ["clinician_notes"]}),
        ("session.corrected", {"version": 3, "changed": ["duration_minutes", "couple_summary"]}),
    ]

    # The page says it was corrected, when and by whom, and lists the earlier versions,
    # newest first, each with what it said and the fields it changed marked.
    page = client.get(f"/therapist/sessions/{session.id}").text
    status = text(page[page.index('<div class="record-status">'):])
    assert status.startswith("Corrected twice Version 3 of this record, saved 18 Mar 2026, "
                             "10:00 by Dr Colleague; first recorded 16 Mar 2026, 18:05.")
    assert "This version changed: duration, summary for the couple." in text(page)
    assert "Earlier versions of this record (2)" in page
    second, first = section_of(page, 2), section_of(page, 1)
    assert page.index("Save the corrected record") < page.index(second) < page.index(first)
    assert text(second).startswith(f"Version 2 Saved 17 Mar 2026, 09:30 by {therapist.name}"
                                   " · changed clinician notes")
    assert text(first).startswith(f"Version 1 Saved 16 Mar 2026, 18:05 by {therapist.name}"
                                  " · the first recording")
    for part, notes in ((second, SECOND_NOTES), (first, FIRST_NOTES)):
        shown = text(part)
        for expected in ("Duration 50 minutes", "Who attended Both partners", FOCUS,
                         "Homework reviewed Daily check-in", notes, FIRST_SUMMARY):
            assert expected in shown, expected
    marked = re.findall(r'<div class="record-field changed">\s*<dt>([^<]+)', second)
    assert [m.strip() for m in marked] == ["Clinician notes"]
    assert "changed in this version" not in first
    # The form holds the current record.
    assert f"{THIRD_SUMMARY}</textarea>" in page and 'value="55"' in page


def test_the_same_record_sent_again_makes_no_version(db, app, client, clock, sign_in_as, held):
    couple, session = held
    sign_in_as(couple.therapist)
    assert save(client, session.id).status_code == 302
    # Saved again unchanged (another tab, an old page): nothing new, a calm message.
    again = save(client, session.id)
    assert again.status_code == 302
    assert "Nothing had changed" in client.get(again.headers["Location"]).text
    assert versions_of(db, session.id) == []

    # One correction, its form sent twice: one version, one audit event.
    page = client.get(f"/therapist/sessions/{session.id}").text
    data = {**record_form_of(page), **fields(clinician_notes=SECOND_NOTES)}
    assert client.post(f"/therapist/sessions/{session.id}/record", data=data).status_code == 302
    repeat = client.post(f"/therapist/sessions/{session.id}/record", data=data)
    assert repeat.status_code == 302
    assert "Already saved" in client.get(repeat.headers["Location"]).text
    assert [v.version for v in versions_of(db, session.id)] == [1]

    # A double click: both copies at the same moment, with the form's one token ...
    page = client.get(f"/therapist/sessions/{session.id}").text
    data = {**record_form_of(page), **fields(clinician_notes=FIRST_NOTES)}
    answers = send_together(app, client, f"/therapist/sessions/{session.id}/record", data)
    assert sorted(a[0] for a in answers) == [302, 302], answers
    assert [v.version for v in versions_of(db, session.id)] == [1, 2]
    # ... and without one (a page from before tokens): the second finds nothing changed.
    data = fields(clinician_notes=SECOND_NOTES,
                  csrf_token=csrf_token_from(client.get(
                      f"/therapist/sessions/{session.id}").text))
    answers = send_together(app, client, f"/therapist/sessions/{session.id}/record", data)
    assert sorted(a[0] for a in answers) == [302, 302], answers
    assert [v.version for v in versions_of(db, session.id)] == [1, 2, 3]
    assert db.session.get(TherapySession, session.id).record_version == 4
    assert [a for a, _ in audit_of(db, session.id)] == [
        "session.recorded", "session.corrected", "session.corrected", "session.corrected"]


def test_a_refused_correction_keeps_what_was_typed_and_makes_no_version(db, client, sign_in_as,
                                                                          held):
    couple, session = held
    sign_in_as(couple.therapist)
    save(client, session.id)
    response = save(client, session.id, duration="601", clinician_notes=SECOND_NOTES)
    assert response.status_code == 422
    shown = html.unescape(response.text)
    assert "From 1 to 600 minutes." in shown and SECOND_NOTES in shown
    assert versions_of(db, session.id) == []
    assert db.session.get(TherapySession, session.id).clinician_notes == FIRST_NOTES


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_earlier_versions_reach_no_one_but_the_couples_therapist(
        db, client, clock, sign_in_as, make_user, make_therapist, held):
    couple, session = held
    therapist = couple.therapist
    sign_in_as(therapist)
    save(client, session.id)
    clock.set(dt.datetime(2026, 3, 17, 9, 30, tzinfo=dt.UTC))
    sign_in_as(therapist)
    save(client, session.id, clinician_notes=SECOND_NOTES, couple_summary=THIRD_SUMMARY)
    secrets = (FIRST_NOTES, SECOND_NOTES, FIRST_SUMMARY, "Earlier versions", "Version 1")
    assert all(s in text(client.get(f"/therapist/sessions/{session.id}").text)
               for s in secrets)

    # Reports: the clinician's holds the current record and says it was corrected; the
    # couple's handout holds the current summary only.
    for audience in ("clinician", "couple"):
        page = client.get(f"/therapist/sessions/{session.id}").text
        form = page[page.index('id="reports"'):]
        assert client.post(f"/therapist/sessions/{session.id}/reports", data={
            "csrf_token": csrf_token_from(form), "audience": audience}).status_code == 302
    reports = {r.audience: pdf_text(r.content) for r in db.session.scalars(sa.select(Report))}
    clinician, handout = reports["clinician"], reports["couple"]
    assert SECOND_NOTES in clinician and THIRD_SUMMARY in clinician
    assert "Corrected on 17 Mar 2026: version 2" in clinician
    assert FIRST_NOTES not in clinician and FIRST_SUMMARY not in clinician
    assert THIRD_SUMMARY in handout
    for forbidden in (FIRST_NOTES, SECOND_NOTES, FIRST_SUMMARY, "Corrected", "version"):
        assert forbidden not in handout, forbidden

    # The partners' pages.
    for partner in (p.user for p in couple.partners):
        sign_in_as(partner)
        for url in ("/portal/", f"/portal/measures/{session.id}"):
            shown = client.get(url, follow_redirects=True)
            assert shown.status_code == (200 if url == "/portal/" else 404), url
            assert not any(s in html.unescape(shown.text) for s in secrets), url
        assert client.get(f"/therapist/sessions/{session.id}").status_code in (302, 404)

    # The practice's admin and another therapist of the practice.
    admin = make_user(("admin",), practice=therapist.practice)
    sign_in_as(admin)
    for url in ("/admin/", "/admin/couples", "/admin/audit"):
        shown = client.get(url)
        assert shown.status_code == 200
        assert not any(s in html.unescape(shown.text) for s in secrets), url
    assert client.get(f"/therapist/sessions/{session.id}").status_code == 404
    sign_in_as(make_therapist(practice=therapist.practice))
    assert client.get(f"/therapist/sessions/{session.id}").status_code == 404


def test_the_page_takes_as_many_queries_for_eight_versions_as_for_two(
        db, client, clock, sign_in_as, count_queries, held):
    couple, session = held
    sign_in_as(couple.therapist)
    save(client, session.id)
    save(client, session.id, clinician_notes="Correction 1")
    url = f"/therapist/sessions/{session.id}"
    client.get(url)  # warm
    with count_queries() as two:
        assert "Earlier versions of this record (1)" in client.get(url).text
    for n in range(2, 8):
        save(client, session.id, clinician_notes=f"Correction {n}")
    client.get(url)
    with count_queries() as eight:
        assert "Earlier versions of this record (7)" in client.get(url).text
    assert len(eight) == len(two)




def test_upgrading_makes_each_held_record_version_1(empty_app):
    flask_migrate.upgrade(revision="8ae7be729c5b")
    with _db.engine.begin() as conn:
        for statement in (
            "INSERT INTO practices (id, name, paper_size, default_timezone, is_demo, created_at,"
            " updated_at) VALUES (1, 'P', 'A4', 'UTC', false, '2026-01-01', '2026-01-01')",
            "INSERT INTO users (id, practice_id, email, name, timezone, is_active, created_at,"
            " updated_at, session_token) VALUES (1, 1, 'a@example.org', 'A', 'UTC', true,"
            " '2026-01-01', '2026-01-01', '')",
            "INSERT INTO couples (id, practice_id, therapist_id, name, timezone,"
            " confidentiality_policy, status, created_at, updated_at) VALUES (1, 1, 1, 'C',"
            " 'UTC', 'open', 'active', '2026-01-01', '2026-01-01')",
            "INSERT INTO therapy_sessions (id, couple_id, therapist_id, scheduled_at, status,"
            " duration_minutes, attendance, focus, homework_reviewed, clinician_notes,"
            " couple_summary, is_measure_requested, created_at, updated_at) VALUES"
            " (1, 1, 1, '2026-01-05 17:00:00', 'held', 50, 'both', 'f', '', 'n', 's', false,"
            " '2026-01-01 10:00:00', '2026-01-05 18:30:00'),"
            " (2, 1, 1, '2026-01-12 17:00:00', 'scheduled', NULL, NULL, '', '', '', '', false,"
            " '2026-01-01 10:00:00', '2026-01-01 10:00:00')",
        ):
            conn.execute(sa.text(statement))
    flask_migrate.upgrade()
    held, scheduled = (_db.session.get(TherapySession, i) for i in (1, 2))
    assert (held.record_version, held.recorded_by_id, held.recorded_at) == (
        1, 1, dt.datetime(2026, 1, 5, 18, 30, tzinfo=dt.UTC))
    assert (scheduled.record_version, scheduled.recorded_by_id, scheduled.recorded_at) == (
        None, None, None)
