"""Session progress reports: content per audience, the archive, the command, safety.

Real data through the services, real PDFs through WeasyPrint, text read back with pypdf.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.models import Assignment, AuditEvent, Entry, Exercise, Report, TherapySession
from app.services.guides import load_builtin_guides
from app.services.homework import Schedule, assign_exercise, backfill_entry, set_visibility
from app.services.measures import backfill_csi4
from app.services.reports import gather, produce_report
from app.services.sessions import record_session, schedule_session
from reports.html import build_html, render_here
from tests.conftest import csrf_token_from
from tests.test_report_render import canary_server, hostile_html

PRIVATE = "Private words about my mother that only the therapist may read"
SHARED = "We laughed about the burnt toast and it felt like us again"
JOINT_SHARED = "The walk by the river was lovely for me"
NOTES = "Clinician notes: explore attachment history next time"
SUMMARY = "Well done on keeping the evening check-ins going"
FOCUS = "Repair attempts after arguments"


def text_of(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def story(db, make_couple, clock):
    """A couple two weeks into homework, with a held session, CSI-4 answers and entries of
    every kind: private, shared, a joint date the partners rated differently."""
    clock.set(dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC))  # a Friday
    load_builtin_guides()
    couple = make_couple(policy="limited", timezone="UTC")
    therapist = couple.therapist
    a, b = (p.user for p in couple.partners)

    def exercise(slug):
        return db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))

    check_in = assign_exercise(therapist, couple, exercise("daily-check-in"), mode="both",
                               schedule=Schedule(start=dt.date(2026, 3, 2), cadence="daily"))
    dates = assign_exercise(therapist, couple, exercise("intentional-dates"), mode="joint",
                            schedule=Schedule(start=dt.date(2026, 3, 2), cadence="weekly"))
    db.session.flush()
    first = schedule_session(therapist, couple, dt.datetime(2026, 3, 2, 17, tzinfo=dt.UTC),
                             request_measure=True)
    second = schedule_session(therapist, couple, dt.datetime(2026, 3, 16, 17, tzinfo=dt.UTC),
                              request_measure=True)
    for session, scores in ((first, ([2, 2, 2, 2], [1, 2, 1, 1])),
                            (second, ([3, 3, 3, 3], [2, 2, 2, 2]))):
        for user, answers in zip((a, b), scores, strict=True):
            backfill_csi4(user, session, answers, session.scheduled_at - dt.timedelta(days=1))
        record_session(therapist, session, duration_minutes=50, attendance="both", focus=FOCUS,
                       homework_reviewed="Check-ins", clinician_notes=NOTES,
                       couple_summary=SUMMARY)

    def log(user, assignment, day, completion="done", text="", rating=None, shared=True):
        questions = assignment.exercise_version.rating_questions
        backfill_entry(user, couple, assignment, day,
                       logged_at=dt.datetime.combine(day, dt.time(20), dt.UTC),
                       completion=completion, answers=[text] if text else [],
                       ratings=[rating] * len(questions) if rating is not None else [],
                       visibility="partner" if shared else "therapist")

    for offset in range(14):
        day = dt.date(2026, 3, 2) + dt.timedelta(days=offset)
        if day == dt.date(2026, 3, 10):
            log(a, check_in, day, "done", PRIVATE, 4, shared=False)
        elif day == dt.date(2026, 3, 11):
            log(a, check_in, day, "done", SHARED, 9)
        else:
            log(a, check_in, day, "done" if offset % 4 else "not_done", "", 6)
        log(b, check_in, day, "partly" if offset % 3 else "done", "", 7)
    # Joint date on the 9th: both shared, ratings 8 and 3 (a difference in both reports).
    log(a, dates, dt.date(2026, 3, 9), "done", JOINT_SHARED, 8)
    log(b, dates, dt.date(2026, 3, 9), "done", "It felt rushed to me", 3)
    # Joint date on the 2nd: one private account, ratings 9 and 2 (clinician only).
    log(a, dates, dt.date(2026, 3, 2), "done", "Dinner at home", 9)
    log(b, dates, dt.date(2026, 3, 2), "done", "I was somewhere else", 2, shared=False)
    db.session.commit()
    return couple, second


@pytest.fixture
def reports(db, story):
    couple, session = story
    clinician = produce_report(couple, audience="clinician", session=session,
                               generated_by=couple.therapist, render=render_here)
    handout = produce_report(couple, audience="couple", session=session,
                             generated_by=couple.therapist, render=render_here)
    db.session.commit()
    return couple, session, clinician, handout


def test_the_clinician_report_holds_everything(reports):
    couple, _, clinician, _ = reports
    reader, text = text_of(clinician.content)
    text = flat(text)
    therapist = couple.therapist
    a, b = (p.user.name for p in couple.partners)
    # Header: practice, therapist, couple, session number and date, period.
    for expected in (couple.practice.name.upper(), therapist.name, couple.name,
                     "Session 2 · Mon 16 Mar 2026, 17:00", "2 Mar 2026 to 16 Mar 2026"):
        assert expected in text, expected
    # Summary: adherence per partner per assignment, streaks, changes.
    assert "Create daily check-in moments" in text and "Plan intentional dates" in text
    assert "first report for this couple" in text
    # The period is 2-16 March, all ended by the 20th: a check-in a day (15) and three
    # dates; nobody logged the 16th. Partly is shown apart from done, and the rate says
    # what it counts.
    assert (f"{a}: 13 done, 0 partly, 3 not done, 2 not logged of 18 due in this period "
            "(72% done).") in text
    assert (f"{b}: 7 done, 9 partly, 0 not done, 2 not logged of 18 due in this period "
            "(39% done).") in text
    assert "Done Partly Not done Not logged Due % done Streak" in text
    # Written content with author, date, visibility; private marked.
    assert PRIVATE in text and SHARED in text and JOINT_SHARED in text
    assert "Private to the therapist" in text and "Shared with partner" in text
    assert text.index("10 Mar 2026") < text.index("11 Mar 2026")  # date order
    # Both joint differences.
    assert "Different experiences on 9 Mar 2026" in text
    assert "Different experiences on 2 Mar 2026" in text
    # Clinician notes, session record and CSI-4 with its reference and cutoff.
    assert NOTES in text and FOCUS in text and SUMMARY in text
    assert "Couples Satisfaction Index (CSI-4)" in text and "Funk, J. L." in text
    assert "cutoff 13.5" in text
    # Page furniture and metadata.
    pages = len(reader.pages)
    assert clinician.page_count == pages
    assert f"Confidential · page 1 of {pages}" in text
    if pages > 1:
        second = flat(reader.pages[1].extract_text())
        assert f"{couple.name} · 2 Mar 2026 \N{EN DASH} 16 Mar 2026" in second
        assert f"page 2 of {pages}" in second
    assert reader.metadata.title.startswith(f"Clinician report — {couple.name}")
    assert reader.metadata.author == therapist.name
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 by default


def test_the_couple_handout_holds_only_what_both_may_see(reports):
    _couple, _, clinician, handout = reports
    _, text = text_of(handout.content)
    text = flat(text)
    # The homework both were given, as the couple did it (never one partner's rate), what
    # they shared, and the summary for the couple.
    assert "Create daily check-in moments" in text
    assert "both of you on" in text
    assert SHARED in text and JOINT_SHARED in text and SUMMARY in text
    # The difference where both joint accounts are shared is a topic; not where one is
    # private (the partners both did it, so only the private rating differed).
    assert "9 Mar 2026 · Plan intentional dates: you rated" in text
    assert "2 Mar 2026 · Plan intentional dates" not in text
    # Never private content, CSI-4, scores, notes, the clinician's record, or a rate.
    for forbidden in (PRIVATE, "I was somewhere else", NOTES, FOCUS, "CSI-4",
                      "Satisfaction", "Funk", "Private to the therapist", "Clinician notes",
                      "%", "not logged of"):
        assert forbidden not in text, forbidden
    assert "Ratings you shared" in text
    assert handout.audience == "couple" and clinician.audience == "clinician"


def test_the_handouts_first_page_speaks_to_the_couple(reports):
    """Page 1: the therapist's summary, then what went well, then the homework until the
    next session; no per-partner percentage, no ranking, no alert boxes."""
    couple, session, _, handout = reports
    reader, _ = text_of(handout.content)
    first = flat(reader.pages[0].extract_text())
    order = [first.index(SUMMARY), first.index("What went well"),
             first.index("For the next two weeks")]
    assert order == sorted(order)
    assert first.index("From your session") < first.index(SUMMARY)
    for later in ("How the homework went", "To talk about together", "What you shared"):
        assert later not in first, later
    names = [p.user.name for p in couple.partners]
    went_well = first[first.index("What went well"):first.index("For the next two weeks")]
    kept_up = re.findall(r"You kept up [^.]*\.", went_well)
    assert kept_up
    for line in kept_up:
        assert not any(name in line for name in names)  # the couple, not one partner
    html = build_html(gather(couple, audience="couple", session=session))
    for alert in ('class="difference"', 'class="audience-note"', 'class="rate"', "alert"):
        assert alert not in html, alert


def test_ratings_in_the_handout_come_from_shared_entries_only(story):
    couple, session = story
    data = gather(couple, audience="couple", session=session)
    html = build_html(data)
    assert PRIVATE not in html and NOTES not in html and "I was somewhere else" not in html
    # The private check-in on the 10th was rated 4; no chart point may carry it.
    assert not re.search(r"10 Mar[^<]{0,40}: 4\b", html)
    clinician_html = build_html(gather(couple, audience="clinician", session=session))
    assert PRIVATE in clinician_html


def test_letter_paper_from_the_practice_settings(db, story):
    couple, session = story
    couple.practice.paper_size = "Letter"
    db.session.commit()
    report = produce_report(couple, audience="couple", session=session,
                            generated_by=couple.therapist, render=render_here)
    reader, _ = text_of(report.content)
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (612, 792)


def test_gathering_takes_the_same_queries_whatever_the_entries(db, story, count_queries):
    couple, session = story
    with count_queries() as few:
        gather(couple, audience="clinician", session=session)
    check_in = db.session.scalar(sa.select(Exercise).where(Exercise.slug == "daily-check-in"))
    extra = assign_exercise(couple.therapist, couple, check_in, mode="both",
                            schedule=Schedule(start=dt.date(2026, 3, 2), cadence="daily"))
    db.session.flush()
    for offset in range(14):
        day = dt.date(2026, 3, 2) + dt.timedelta(days=offset)
        for p in couple.partners:
            backfill_entry(p.user, couple, extra, day,
                           logged_at=dt.datetime.combine(day, dt.time(20), dt.UTC),
                           completion="done", answers=[f"More words {offset}"], ratings=[5])
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        gather(couple, audience="clinician", session=session)
    assert len(many) == len(few), (len(few), len(many))


def test_a_failed_render_leaves_no_archive_row(db, story):
    couple, session = story

    def broken(html, title, author):
        raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError):
        produce_report(couple, audience="clinician", session=session,
                       generated_by=couple.therapist, render=broken)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0
    assert db.session.get(TherapySession, session.id).clinician_notes == NOTES


def test_the_command_renders_and_archives(app, db, story, runner, tmp_path):
    couple, session = story
    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["reports", "render", "--couple", str(couple.id),
                                 "--session", str(session.id), "--audience", "couple",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    content = out.read_bytes()
    assert content.startswith(b"%PDF")
    report = db.session.scalar(sa.select(Report))
    assert report.sha256 == hashlib.sha256(content).hexdigest()
    assert report.audience == "couple" and report.session_id == session.id
    _, text = text_of(content)
    assert PRIVATE not in text and SUMMARY in flat(text)

    out2 = tmp_path / "period.pdf"
    result = runner.invoke(args=["reports", "render", "--couple", str(couple.id),
                                 "--from", "2026-03-09", "--to", "2026-03-13",
                                 "--out", str(out2)])
    assert result.exit_code == 0, result.output
    _, text = text_of(out2.read_bytes())
    text = flat(text)
    assert "9 Mar 2026 to 13 Mar 2026" in text and PRIVATE in text and NOTES not in text
    for bad in (["--couple", "999999", "--session", "1"],
                ["--couple", str(couple.id)],
                ["--couple", str(couple.id), "--from", "2026-03-13", "--to", "2026-03-09"]):
        result = runner.invoke(args=["reports", "render", *bad, "--out", str(tmp_path / "x")])
        assert result.exit_code != 0 and "Error" in result.output, bad
        assert "Traceback" not in result.output


# --- through the web app ---------------------------------------------------------------


def create_via_page(client, session_id, audience):
    page = client.get(f"/therapist/sessions/{session_id}")
    assert page.status_code == 200
    return client.post(f"/therapist/sessions/{session_id}/reports",
                       data={"csrf_token": csrf_token_from(page.text), "audience": audience})


def test_reports_are_archived_and_downloaded_byte_for_byte(db, client, sign_in_as, story):
    couple, session = story
    a = couple.partners[0].user
    sign_in_as(couple.therapist)
    response = create_via_page(client, session.id, "clinician")
    assert response.status_code == 302
    report = db.session.scalar(sa.select(Report))
    assert (report.audience, report.session_id, report.generated_by_id) == (
        "clinician", session.id, couple.therapist.id)
    assert (report.period_start, report.period_end) == (dt.date(2026, 3, 2),
                                                        dt.date(2026, 3, 16))
    assert report.sha256 == hashlib.sha256(report.content).hexdigest()
    page = client.get(f"/therapist/couples/{couple.id}")
    assert f"/therapist/reports/{report.id}" in page.text
    assert f"/therapist/reports/{report.id}" in client.get(response.headers["Location"]).text

    download = client.get(f"/therapist/reports/{report.id}")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"].startswith("attachment; filename=")
    assert download.data == report.content
    assert PRIVATE in text_of(download.data)[1]

    events = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "report.generated" in events and "report.downloaded" in events
    assert client.get(f"/therapist/reports/{report.id}").data == report.content

    sign_in_as(a)
    assert client.get(f"/therapist/reports/{report.id}").status_code in (302, 404)


def test_the_archive_keeps_what_was_given_after_visibility_narrows(db, client, sign_in_as,
                                                                    story):
    couple, session = story
    a = couple.partners[0].user
    sign_in_as(couple.therapist)
    create_via_page(client, session.id, "couple")
    report = db.session.scalar(sa.select(Report))
    assert SHARED in flat(text_of(report.content)[1])
    entry = db.session.scalar(sa.select(Entry).join(Assignment).where(
        Entry.author_id == a.id, Entry.occurrence_date == dt.date(2026, 3, 11),
        Assignment.mode == "both"))
    set_visibility(a, couple, entry, "therapist")
    db.session.commit()
    assert client.get(f"/therapist/reports/{report.id}").data == report.content
    create_via_page(client, session.id, "couple")
    newer = db.session.scalars(sa.select(Report).order_by(Report.id.desc())).first()
    assert SHARED not in flat(text_of(newer.content)[1])


def test_a_partners_hostile_reflection_is_literal_text_in_the_report(db, client, sign_in_as,
                                                                      story):
    couple, session = story
    a = couple.partners[0].user
    check_in = db.session.scalar(sa.select(Exercise).where(Exercise.slug == "daily-check-in"))
    assignment = next(x for x in db.session.scalars(sa.select(Assignment))
                      if x.exercise_version.exercise_id == check_in.id)
    with canary_server() as server:
        hostile = hostile_html(server.server_address[1])
        body = hostile[hostile.index("<p>Canary page</p>"):hostile.index("</body>")]
        head = hostile[hostile.index("<link"):hostile.index("</head>")]
        entry_text = (head + body).replace("\n", " ")
        backfill_entry(a, couple, assignment, dt.date(2026, 3, 16),
                       logged_at=dt.datetime(2026, 3, 16, 20, tzinfo=dt.UTC),
                       completion="done", answers=[entry_text], visibility="partner")
        db.session.commit()
        sign_in_as(couple.therapist)
        assert create_via_page(client, session.id, "clinician").status_code == 302
    assert server.paths == []
    report = db.session.scalar(sa.select(Report))
    reader, text = text_of(report.content)
    assert "<object data=" in flat(text) and "file:///etc/passwd" in flat(text)
    assert "@import url(" in flat(text)
    assert list(reader.attachments) == []
    assert "root:x:0:0" not in text


def test_a_render_that_takes_too_long_fails_clearly_and_saves_nothing(app, db, client,
                                                                      sign_in_as, story):
    from reports.pool import EXTENSION_KEY, RenderPool

    couple, session = story
    sign_in_as(couple.therapist)
    page = client.get(f"/therapist/sessions/{session.id}")
    usual = app.extensions.get(EXTENSION_KEY)
    with RenderPool(workers=1, timeout=0.05, memory_limit_mb=None) as slow:
        app.extensions[EXTENSION_KEY] = slow
        try:
            response = client.post(f"/therapist/sessions/{session.id}/reports", data={
                "csrf_token": csrf_token_from(page.text), "audience": "clinician"})
        finally:
            if usual is None:
                app.extensions.pop(EXTENSION_KEY)
            else:
                app.extensions[EXTENSION_KEY] = usual
    assert response.status_code == 503
    assert "The report took too long to render." in response.text
    assert "Nothing was saved" in response.text and "Traceback" not in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0
    assert db.session.get(TherapySession, session.id).clinician_notes == NOTES


def test_japanese_text_takes_japanese_glyph_forms_and_chinese_chinese(db, story):
    """Han characters shared by both languages are drawn from the Japanese font for text
    that holds kana, from the Chinese one otherwise (lang="ja" set by the report)."""
    from tests.test_report_fonts import require_cjk_font, text_by_font

    require_cjk_font()
    couple, session = story
    a, b = (p.user for p in couple.partners)
    dates = db.session.scalar(sa.select(Assignment).where(Assignment.mode == "joint"))
    japanese, chinese = "直して、骨を折った。", "直到骨头"  # 直 and 骨 differ between the two
    for user, text in ((a, japanese), (b, chinese)):
        backfill_entry(user, couple, dates, dt.date(2026, 3, 16),
                       logged_at=dt.datetime(2026, 3, 16, 20, tzinfo=dt.UTC),
                       completion="done", answers=[text], ratings=[],
                       visibility="partner")
    db.session.commit()
    data = gather(couple, audience="couple", session=session)
    html = build_html(data)
    assert f'lang="ja">{japanese}<' in html and f'lang="ja">{chinese}<' not in html
    drawn = text_by_font(render_here(html, data.title, data.header.therapist_name).content)
    assert set(japanese) - set("、。") <= set(drawn["Noto-Sans-CJK-JP"])
    assert set(chinese) <= set(drawn["Noto-Sans-CJK-SC"])
