"""Sessions and the CSI-4 answered before them, through the real HTTP interface."""

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.models import MeasureResponse, TherapySession
from app.services import DomainError
from app.services.measures import CSI4_ITEMS, csi4_score
from tests.conftest import csrf_token_from

MEASURE_SPEC = Path(__file__).parent / "data" / "measures" / "csi-4.md"
NOTES = "Clinician-only: consider individual sessions for trauma history"
SUMMARY = "You practised the stress-reducing conversation twice. Keep going."


@pytest.fixture
def couple(db, make_couple, clock):
    clock.set(dt.datetime(2026, 3, 12, 12, 0, tzinfo=dt.UTC))  # a Thursday
    return make_couple(policy="limited", timezone="UTC")


def schedule(client, couple, date="2026-03-16", time="17:00", measure=True):
    url = f"/therapist/couples/{couple.id}/sessions/new"
    page = client.get(url)
    assert page.status_code == 200
    data = {"csrf_token": csrf_token_from(page.text), "date": date, "time": time}
    if measure:
        data["request_measure"] = "y"
    return client.post(url, data=data)


def answer(client, session_id, answers):
    url = f"/portal/measures/{session_id}"
    page = client.get(url)
    data = {"csrf_token": csrf_token_from(page.text)}
    data.update({f"item_{i + 1}": str(a) for i, a in enumerate(answers) if a is not None})
    return client.post(url, data=data)


def record(client, session_id, **fields):
    page = client.get(f"/therapist/sessions/{session_id}")
    data = {"csrf_token": csrf_token_from(page.text), "duration": "50", "attendance": "both",
            "focus": "Repair attempts", "homework_reviewed": "Daily check-in",
            "clinician_notes": NOTES, "couple_summary": SUMMARY}
    data.update(fields)
    return client.post(f"/therapist/sessions/{session_id}/record", data=data)


def test_items_and_answers_are_exactly_the_validated_scale():
    spec = MEASURE_SPEC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d) \| (.+?) \| (.+?) \|$", spec, re.MULTILINE)
    assert len(rows) == 4
    for item, (number, text, answers) in zip(CSI4_ITEMS, rows, strict=True):
        assert item.number == int(number)
        assert item.text == text
        parsed = [(m[1], int(m[2])) for m in re.finditer(r"([^,]+?) \((\d)\)", answers)]
        assert [(label.strip(), score) for label, score in parsed] == [
            (label, score) for score, label in enumerate(item.answers)]


def test_scoring_is_the_sum_with_every_item_required():
    assert csi4_score([0, 0, 0, 0]) == 0
    assert csi4_score([6, 5, 5, 5]) == 21
    assert csi4_score([3, 3, 3, 3]) == 12
    for bad in ([3, 3, 3], [3, None, 3, 3], [7, 5, 5, 5], [6, 6, 5, 5], [-1, 0, 0, 0]):
        with pytest.raises(DomainError):
            csi4_score(bad)


def test_sessions_are_scheduled_listed_and_numbered(db, client, sign_in_as, couple):
    sign_in_as(couple.therapist)
    assert schedule(client, couple, "2026-03-16").status_code == 302
    assert schedule(client, couple, "2026-03-30").status_code == 302
    assert schedule(client, couple, "2026-03-23", measure=False).status_code == 302
    sessions = db.session.scalars(sa.select(TherapySession).order_by(TherapySession.scheduled_at)
                                  ).all()
    assert [s.scheduled_at for s in sessions] == [
        dt.datetime(2026, 3, d, 17, 0, tzinfo=dt.UTC) for d in (16, 23, 30)]
    page = client.get(f"/therapist/couples/{couple.id}")
    assert page.text.index("Session 3") < page.text.index("Session 2") < page.text.index(
        "Session 1")
    # Cancelling the middle one renumbers the rest.
    middle = sessions[1]
    page = client.get(f"/therapist/sessions/{middle.id}")
    assert "<h1>Session 2</h1>" in page.text
    client.post(f"/therapist/sessions/{middle.id}/cancel",
                data={"csrf_token": csrf_token_from(page.text)})
    page = client.get(f"/therapist/couples/{couple.id}")
    assert "Cancelled session" in page.text and "Session 3" not in page.text
    assert "<h1>Session 2</h1>" in client.get(f"/therapist/sessions/{sessions[2].id}").text


def test_time_is_the_therapists_own(db, client, sign_in_as, couple):
    couple.therapist.timezone = "America/New_York"
    db.session.commit()
    sign_in_as(couple.therapist)
    schedule(client, couple, "2026-03-16", "09:30")
    session = db.session.scalar(sa.select(TherapySession))
    assert session.scheduled_at == dt.datetime(2026, 3, 16, 13, 30, tzinfo=dt.UTC)


def test_bad_schedule_input_keeps_what_was_typed(client, sign_in_as, couple):
    sign_in_as(couple.therapist)
    page = client.get(f"/therapist/couples/{couple.id}/sessions/new")
    response = client.post(f"/therapist/couples/{couple.id}/sessions/new", data={
        "csrf_token": csrf_token_from(page.text), "date": "2026-03-16", "time": "25:99"})
    assert response.status_code == 422
    assert "Choose the session&#39;s time." in response.text or "Not a valid time" in \
        response.text
    assert 'value="2026-03-16"' in response.text


def test_recording_a_session(db, client, clock, sign_in_as, couple):
    sign_in_as(couple.therapist)
    schedule(client, couple, "2026-03-16")
    session = db.session.scalar(sa.select(TherapySession))
    # Not before it has taken place.
    response = record(client, session.id)
    assert response.status_code == 422
    assert "has not taken place yet" in response.text
    assert NOTES in response.text  # nothing typed is lost
    clock.set(dt.datetime(2026, 3, 16, 18, 0, tzinfo=dt.UTC))
    sign_in_as(couple.therapist)  # days later: a new sign-in
    response = record(client, session.id, duration="")
    assert response.status_code == 422
    assert "Enter the duration in minutes." in response.text
    assert NOTES in response.text and SUMMARY in response.text
    assert record(client, session.id).status_code == 302
    db.session.expire_all()
    session = db.session.get(TherapySession, session.id)
    assert (session.status, session.duration_minutes, session.attendance) == (
        "held", 50, "both")
    assert session.clinician_notes == NOTES and session.couple_summary == SUMMARY
    page = client.get(f"/therapist/sessions/{session.id}")
    assert "Held" in page.text and NOTES in page.text
    assert record(client, session.id, duration="601").status_code == 422
    assert record(client, session.id, attendance="partner_3").status_code == 422


def test_partners_answer_on_their_own(db, app, client, clock, sign_in_as, couple):
    a, b = (p.user for p in couple.partners)
    sign_in_as(couple.therapist)
    schedule(client, couple, "2026-03-16")
    session = db.session.scalar(sa.select(TherapySession))
    sign_in_as(a)
    portal = client.get("/portal/")
    assert "Before your session on Mon 16 Mar, 17:00" in portal.text
    form = client.get(f"/portal/measures/{session.id}")
    for item in CSI4_ITEMS:
        assert item.text in form.text
        for label in item.answers:
            assert f"<span>{label}</span>" in form.text
    assert "Funk, J. L., &amp; Rogge, R. D. (2007)" in form.text
    # A missing answer: a clear message, and the chosen answers are still chosen.
    response = answer(client, session.id, [4, None, 3, 3])
    assert response.status_code == 422
    assert "Please answer this question." in response.text
    assert re.search(r'id="item_1-4"[^>]*checked|checked[^>]*id="item_1-4"', response.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeasureResponse)) == 0
    assert answer(client, session.id, [4, 4, 3, 3]).status_code == 302
    # The same form again: still one response, and a calm answer.
    again = answer(client, session.id, [0, 0, 0, 0])
    assert again.status_code == 200 and "You have answered these questions" in again.text
    responses = db.session.scalars(sa.select(MeasureResponse)).all()
    assert [(r.respondent_id, r.score, r.answers) for r in responses] == [(a.id, 14, [4, 4, 3, 3])]
    assert "Before your session" not in client.get("/portal/").text

    sign_in_as(b)
    portal = client.get("/portal/")
    assert "Before your session" in portal.text
    form = client.get(f"/portal/measures/{session.id}")
    assert "14" not in re.sub(r"<[^>]+>", "", form.text.split("<main", 1)[1]).replace(
        "2007", "")
    assert answer(client, session.id, [2, 2, 2, 2]).status_code == 302

    sign_in_as(couple.therapist)
    page = client.get(f"/therapist/sessions/{session.id}")
    assert "<strong>14</strong>" in page.text and "<strong>8</strong>" in page.text
    assert "below 13.5" in page.text  # 8 is under the cutoff
    couple_page = client.get(f"/therapist/couples/{couple.id}")
    assert "2 of 2 answered" in couple_page.text
    assert "Funk, J. L." in couple_page.text


def test_the_measure_closes_when_the_session_starts(db, client, clock, sign_in_as, couple):
    a = couple.partners[0].user
    sign_in_as(couple.therapist)
    schedule(client, couple, "2026-03-16")
    session = db.session.scalar(sa.select(TherapySession))
    clock.set(dt.datetime(2026, 3, 16, 16, 55, tzinfo=dt.UTC))
    sign_in_as(a)
    page = client.get(f"/portal/measures/{session.id}")
    clock.set(dt.datetime(2026, 3, 16, 17, 1, tzinfo=dt.UTC))
    response = client.post(f"/portal/measures/{session.id}", data={
        "csrf_token": csrf_token_from(page.text),
        "item_1": "3", "item_2": "3", "item_3": "3", "item_4": "3"})
    assert "These questions are closed" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeasureResponse)) == 0
    assert "Before your session" not in client.get("/portal/").text


def test_scores_per_session_gap_and_change_since_first(db, client, clock, sign_in_as, couple):
    a, b = (p.user for p in couple.partners)
    sign_in_as(couple.therapist)
    schedule(client, couple, "2026-03-16")
    schedule(client, couple, "2026-03-23")
    first, second = db.session.scalars(
        sa.select(TherapySession).order_by(TherapySession.scheduled_at)).all()
    for user, answers in ((a, [3, 3, 2, 2]), (b, [2, 2, 2, 2])):
        sign_in_as(user)
        answer(client, first.id, answers)
    clock.set(dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC))
    for user, answers in ((a, [4, 4, 4, 4]), (b, [2, 2, 3, 2])):
        sign_in_as(user)
        answer(client, second.id, answers)
    sign_in_as(couple.therapist)
    page = client.get(f"/therapist/couples/{couple.id}").text
    table = page[page.index('id="csi-heading"'):]
    body = table[table.index("<tbody>"):table.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    cells = [re.sub(r"<[^>]+>", "", row).split() for row in rows[:2]]
    assert cells[0] == ["Session", "1", "10", "8", "2"]
    assert cells[1] == ["Session", "2", "16", "+6", "9", "+1", "7"]
    assert "<svg" in table  # the chart, with the cutoff line
    assert "cutoff 13.5" in table


def test_nothing_of_a_session_leaks_to_partners(db, client, clock, sign_in_as, couple,
                                                make_couple):
    a = couple.partners[0].user
    sign_in_as(couple.therapist)
    schedule(client, couple, "2026-03-16")
    session = db.session.scalar(sa.select(TherapySession))
    clock.set(dt.datetime(2026, 3, 16, 18, 0, tzinfo=dt.UTC))
    sign_in_as(couple.therapist)
    record(client, session.id)
    sign_in_as(a)
    for url in ("/portal/", f"/portal/measures/{session.id}"):
        assert NOTES not in client.get(url).text
    assert client.get(f"/therapist/sessions/{session.id}").status_code in (302, 404)
    other = make_couple()
    sign_in_as(other.partners[0].user)
    assert client.get(f"/portal/measures/{session.id}").status_code == 404
    sign_in_as(other.therapist)
    assert client.get(f"/therapist/sessions/{session.id}").status_code == 404


def test_an_answer_is_undone_with_its_request(db, couple):
    """submit_csi4 adds to the request's one transaction: nothing is kept if it rolls
    back (a savepoint opening the transaction on SQLite would have committed it)."""
    from app.services.measures import submit_csi4
    from app.services.sessions import schedule_session

    session = schedule_session(couple.therapist, couple,
                               dt.datetime(2026, 3, 16, 17, tzinfo=dt.UTC), request_measure=True)
    db.session.commit()
    submit_csi4(couple.partners[0].user, session, [3, 3, 3, 3])
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeasureResponse)) == 0


def test_a_double_tap_on_the_check_in_saves_once_without_an_error(app, db, client, sign_in_as,
                                                                   couple):
    """The same form sent twice at once: one copy saves, and both lead to the portal, where
    the person is told the form was sent twice; one answer, one audit event, on both
    databases. Two different windows answering at once: the second is told it is done."""
    from app.models import AuditEvent
    from tests.conftest import send_together

    sign_in_as(couple.therapist)
    schedule(client, couple, "2026-03-16")
    session = db.session.scalar(sa.select(TherapySession))
    sign_in_as(couple.partners[0].user)
    url = f"/portal/measures/{session.id}"
    page = client.get(url)
    once = re.search(r'name="once" value="([^"]+)"', page.text.split("<main")[1]).group(1)
    data = {"csrf_token": csrf_token_from(page.text), "once": once,
            **{f"item_{i}": "3" for i in range(1, 5)}}
    answers = send_together(app, client, url, data, follow=True)
    assert [a[:2] for a in answers] == [(302, "/portal/")] * 2, answers
    assert sum("sent twice" in a[2] for a in answers) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeasureResponse)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "measure.answered")) == 1

    sign_in_as(couple.partners[1].user)
    page = client.get(url)
    data = {"csrf_token": csrf_token_from(page.text), **{f"item_{i}": "2" for i in range(1, 5)}}
    answers = send_together(app, client, url, data, follow=True)  # two windows, no token
    # The second is shown the answers are in: at once (200), refused (422), or after its
    # own insert collided (302 to the questions' page); never an error page.
    assert sorted(a[0] for a in answers) in ([200, 302], [302, 302], [302, 422]), answers
    assert sum("answered these questions" in a[2] for a in answers) == 1, answers
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeasureResponse)) == 2
