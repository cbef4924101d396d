"""A creating form sent twice makes one record: one after the other (a double click that
reaches the server late, the browser's "send again") and at the same moment (two requests
racing to claim the form's token), on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import sqlalchemy as sa

from app.extensions import db as _db
from app.models import (
    Assignment,
    Couple,
    Exercise,
    FormSubmission,
    Invitation,
    Report,
    TherapySession,
)
from app.services.guides import load_builtin_guides
from app.services.submissions import AlreadySubmitted, earlier_submission, new_token
from tests.conftest import csrf_token_from, send_together
from tests.test_own_exercises import exercise_data

ONCE = re.compile(r'<input type="hidden" name="once" value="([A-Za-z0-9_-]+)">')
SAID_TWICE = "Already saved: the form was sent twice"


def once_token(html: str) -> str:
    found = ONCE.search(html)
    assert found, "no one-time token on the page"
    return found.group(1)


def send_twice(client, page_url: str, post_url: str, fields: dict) -> tuple:
    """The form as shown once, sent twice with the same token; both responses."""
    page = client.get(page_url)
    assert page.status_code == 200
    data = {"csrf_token": csrf_token_from(page.text), "once": once_token(page.text), **fields}
    first = client.post(post_url, data=data)
    second = client.post(post_url, data=data)
    return first, second


def count(model) -> int:
    _db.session.expire_all()
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model))


def assert_second_leads_to_the_first(client, first, second) -> None:
    assert first.status_code == 302, first.text[:300]
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    # Where it leads, the person is told why nothing new appeared.
    assert SAID_TWICE in client.get(second.headers["Location"]).text


@pytest.fixture
def couple(db, make_couple, clock):
    clock.set(dt.datetime(2026, 3, 12, 12, 0, tzinfo=dt.UTC))
    return make_couple(policy="limited", timezone="UTC")


def test_scheduling_a_session_twice_makes_one(db, client, sign_in_as, couple):
    sign_in_as(couple.therapist)
    url = f"/therapist/couples/{couple.id}/sessions/new"
    first, second = send_twice(client, url, url, {"date": "2026-03-16", "time": "17:00"})
    assert_second_leads_to_the_first(client, first, second)
    assert count(TherapySession) == 1


def test_giving_homework_twice_gives_it_once(db, client, sign_in_as, couple):
    load_builtin_guides()
    db.session.commit()
    sign_in_as(couple.therapist)
    exercise = db.session.scalar(sa.select(Exercise).where(Exercise.slug == "daily-check-in"))
    url = f"/therapist/couples/{couple.id}/assign?exercise={exercise.id}"
    first, second = send_twice(client, url, url, {
        "mode": "both", "start": "2026-03-12", "cadence": "daily", "times_per_week": "3",
        "ends": "never", "note": ""})
    assert_second_leads_to_the_first(client, first, second)
    assert count(Assignment) == 1


def test_adding_a_couple_twice_adds_one_and_sends_one_pair_of_invitations(
        db, client, sign_in_as, make_therapist, mailbox):
    therapist = make_therapist()
    sign_in_as(therapist)
    url = "/therapist/couples/new"
    first, second = send_twice(client, url, url, {
        "name": "Noor & Kai", "partner1_name": "Noor Haddad",
        "partner1_email": "noor@example.org", "partner2_name": "Kai Berg",
        "partner2_email": "kai@example.org", "timezone": "Europe/London",
        "policy": "limited"})
    assert_second_leads_to_the_first(client, first, second)
    assert count(Couple) == 1
    assert count(Invitation) == 2
    assert len(mailbox.messages) == 2


def test_writing_an_exercise_twice_saves_one(db, client, sign_in_as, make_therapist):
    therapist = make_therapist()
    sign_in_as(therapist)
    url = "/therapist/exercises/new"
    first, second = send_twice(client, url, url, exercise_data())
    assert_second_leads_to_the_first(client, first, second)
    assert count(Exercise) == 1


def test_inviting_a_clinician_twice_invites_once(db, client, sign_in_as, make_user, mailbox):
    admin = make_user(("admin",))
    sign_in_as(admin)
    url = "/admin/clinicians/invite"
    first, second = send_twice(client, url, url, {
        "name": "Dr. Ada Lin", "email": "ada@example.org", "therapist": "y"})
    assert_second_leads_to_the_first(client, first, second)
    assert count(Invitation) == 1
    assert len(mailbox.messages) == 1


def test_a_report_asked_for_twice_is_rendered_and_archived_once(db, client, sign_in_as,
                                                                 couple, clock):
    therapist = couple.therapist
    sign_in_as(therapist)
    url = f"/therapist/couples/{couple.id}/sessions/new"
    page = client.get(url)
    client.post(url, data={"csrf_token": csrf_token_from(page.text), "date": "2026-03-13",
                           "time": "09:00"})
    session = db.session.scalar(sa.select(TherapySession))
    clock.set(dt.datetime(2026, 3, 13, 12, 0, tzinfo=dt.UTC))
    sign_in_as(therapist)  # a day later: signed in again
    page_url = f"/therapist/sessions/{session.id}"
    started = time.perf_counter()
    first, second = send_twice(client, page_url, f"{page_url}/reports",
                               {"audience": "couple"})
    assert_second_leads_to_the_first(client, first, second)
    assert count(Report) == 1
    assert time.perf_counter() - started < 30  # the second asked before any render


def test_a_form_that_failed_can_be_sent_again_and_a_new_form_is_a_new_record(
        db, client, sign_in_as, couple):
    sign_in_as(couple.therapist)
    url = f"/therapist/couples/{couple.id}/sessions/new"
    page = client.get(url)
    data = {"csrf_token": csrf_token_from(page.text), "once": once_token(page.text),
            "date": "2026-03-16", "time": "25:99"}
    refused = client.post(url, data=data)
    assert refused.status_code == 422 and count(TherapySession) == 0
    assert client.post(url, data={**data, "time": "17:00"}).status_code == 302
    assert count(TherapySession) == 1
    # Opening the form again gives a new token: a second session is a second session.
    page = client.get(url)
    assert once_token(page.text) != data["once"]
    client.post(url, data={"csrf_token": csrf_token_from(page.text),
                           "once": once_token(page.text), "date": "2026-03-23",
                           "time": "17:00"})
    assert count(TherapySession) == 2


def test_a_token_is_one_users_own(db, client, sign_in_as, make_couple, couple):
    """Another therapist sending the same token is not a repeat of this one's form."""
    other = make_couple()
    token = new_token()
    for therapist, target in ((couple.therapist, couple), (other.therapist, other)):
        sign_in_as(therapist)
        url = f"/therapist/couples/{target.id}/sessions/new"
        page = client.get(url)
        client.post(url, data={"csrf_token": csrf_token_from(page.text), "once": token,
                               "date": "2026-03-16", "time": "17:00"})
    assert count(TherapySession) == 2


def test_claims_older_than_two_days_are_forgotten(db, client, sign_in_as, couple, clock):
    sign_in_as(couple.therapist)
    url = f"/therapist/couples/{couple.id}/sessions/new"
    page = client.get(url)
    old = {"csrf_token": csrf_token_from(page.text), "once": once_token(page.text),
           "date": "2026-03-16", "time": "17:00"}
    assert client.post(url, data=old).status_code == 302
    clock.set(dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC))
    sign_in_as(couple.therapist)
    page = client.get(url)
    assert client.post(url, data={**old, "csrf_token": csrf_token_from(page.text),
                                  "once": once_token(page.text)}).status_code == 302
    assert count(FormSubmission) == 1  # the old claim went with the new one
    with pytest.raises(AlreadySubmitted):
        earlier_submission(couple.therapist.id, db.session.scalar(
            sa.select(FormSubmission.token)))
    earlier_submission(couple.therapist.id, old["once"])  # forgotten: no longer a repeat


def test_a_missing_or_malformed_token_never_blocks_a_form(db, client, sign_in_as, couple):
    sign_in_as(couple.therapist)
    url = f"/therapist/couples/{couple.id}/sessions/new"
    for n, token in enumerate((None, "", "short", "x" * 65, "not a token!!!!!!!!")):
        page = client.get(url)
        data = {"csrf_token": csrf_token_from(page.text), "date": f"2026-03-{16 + n}",
                "time": "17:00"}
        if token is not None:
            data["once"] = token
        assert client.post(url, data=data).status_code == 302
    assert count(TherapySession) == 5
    assert count(FormSubmission) == 0


BUTTON_ONCE = re.compile(r'action="([^"]+)">\s*<input[^>]*name="csrf_token"[^>]*>'
                         r'<input type="hidden" name="once" value="([A-Za-z0-9_-]+)">')


def press_twice(client, page_url: str, action_part: str) -> tuple:
    """A button's form on a page, sent twice with the same token; both responses."""
    page = client.get(page_url)
    action, token = next((action, token) for action, token in BUTTON_ONCE.findall(page.text)
                         if action_part in action)
    data = {"csrf_token": csrf_token_from(page.text), "once": token}
    return client.post(action, data=data), client.post(action, data=data)


def test_send_again_pressed_twice_mails_once(db, client, sign_in_as, make_couple, mailbox):
    couple = make_couple(joined=False)
    sign_in_as(couple.therapist)
    first, second = press_twice(client, f"/therapist/couples/{couple.id}", "/resend")
    assert_second_leads_to_the_first(client, first, second)
    assert len(mailbox.messages) == 1  # the first press's new link, which still works


def test_send_invitation_pressed_twice_mails_once(db, client, sign_in_as, make_couple, mailbox):
    couple = make_couple(joined=False)
    sign_in_as(couple.therapist)
    page = client.get(f"/therapist/couples/{couple.id}")
    for action, _token in BUTTON_ONCE.findall(page.text):  # withdraw, to show the button
        if "/resend" in action:
            client.post(action.replace("/resend", "/revoke"),
                        data={"csrf_token": csrf_token_from(page.text)})
            break
    first, second = press_twice(client, f"/therapist/couples/{couple.id}", "/invite")
    assert_second_leads_to_the_first(client, first, second)
    assert len(mailbox.messages) == 1
    pending = db.session.scalars(sa.select(Invitation).where(
        Invitation.couple_id == couple.id, Invitation.revoked_at.is_(None))).all()
    assert len(pending) == 2  # one per partner: the second press made none


def test_an_admins_send_again_pressed_twice_mails_once(db, client, sign_in_as, make_user,
                                                       mailbox):
    from app.services.practice import invite_clinician

    admin = make_user(("admin",))
    invite_clinician(admin, email="lee@example.org", name="Dr. Lee", roles={"therapist"})
    db.session.commit()
    sign_in_as(admin)
    first, second = press_twice(client, "/admin/clinicians", "/resend")
    assert_second_leads_to_the_first(client, first, second)
    assert len(mailbox.messages) == 1


def test_a_new_couple_sent_twice_at_the_same_moment_is_one_couple(app, db, client, sign_in_as,
                                                                   make_therapist):
    """Two copies racing: the second waits on the first's claim and is led to its couple.
    Without the early claim, the second copy collided on the partners' addresses (a 500
    on PostgreSQL)."""
    therapist = make_therapist()
    sign_in_as(therapist)
    for n in range(5):
        page = client.get("/therapist/couples/new")
        data = {"csrf_token": csrf_token_from(page.text), "once": once_token(page.text),
                "name": f"Race {n}", "partner1_name": "Ana Race",
                "partner1_email": f"ana{n}@example.org", "partner2_name": "Ben Race",
                "partner2_email": f"ben{n}@example.org", "timezone": "UTC",
                "policy": "limited"}
        answers = send_together(app, client, "/therapist/couples/new", data)
        assert len(answers) == 2 and answers[0] == answers[1], answers
        assert answers[0][0] == 302
    assert count(Couple) == 5


def test_pause_resume_end_and_cancel_clicked_twice_at_once_act_once(app, db, client,
                                                                    sign_in_as, couple):
    """State buttons pressed twice together: both answers are the calm success, the change
    happens once (one pause, not two open ones that would never resume), audited once."""
    from app.models import AssignmentPause, AuditEvent

    load_builtin_guides()
    db.session.commit()
    sign_in_as(couple.therapist)
    exercise = db.session.scalar(sa.select(Exercise).where(Exercise.slug == "daily-check-in"))
    url = f"/therapist/couples/{couple.id}/assign?exercise={exercise.id}"
    send_twice(client, url, url, {"mode": "both", "start": "2026-03-09", "cadence": "daily",
                                  "times_per_week": "3", "ends": "never", "note": ""})
    assignment = db.session.scalar(sa.select(Assignment))
    page = client.get(f"/therapist/couples/{couple.id}")
    token = csrf_token_from(page.text)
    done = {"pause": "paused", "resume": "resumed", "end": "ended"}
    for verb in ("pause", "resume", "pause", "end"):
        answers = send_together(app, client, f"/therapist/assignments/{assignment.id}/{verb}",
                                {"csrf_token": token}, follow=True)
        assert [a[:2] for a in answers] == [(302, f"/therapist/couples/{couple.id}#homework")] * 2
        for _status, _location, page in answers:  # each copy is told it is done, calmly
            assert f"{done[verb]}.</" in page and "flash-error" not in page, verb
    db.session.expire_all()
    pauses = db.session.scalars(sa.select(AssignmentPause)).all()
    assert len(pauses) == 2 and all(p.resumed_on is not None for p in pauses)
    assert db.session.get(Assignment, assignment.id).status == "ended"
    actions = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.action.like("assignment.%"))).all()
    assert sorted(actions) == sorted(["assignment.created", "assignment.paused",
                                      "assignment.resumed", "assignment.paused",
                                      "assignment.ended"])

    url = f"/therapist/couples/{couple.id}/sessions/new"
    send_twice(client, url, url, {"date": "2026-03-16", "time": "17:00"})
    session = db.session.scalar(sa.select(TherapySession))
    answers = send_together(app, client, f"/therapist/sessions/{session.id}/cancel",
                            {"csrf_token": token}, follow=True)
    assert [a[:2] for a in answers] == [(302, f"/therapist/sessions/{session.id}")] * 2
    assert all("The session was cancelled." in page and "flash-error" not in page
               for _status, _location, page in answers)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "session.cancelled")) == 1
