"""The private safety check (issue 13, points 1 and 3): when it is due, the partner's
discreet pages, what is kept and audited, and how the therapist is told and records what
they did."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.clock import now
from app.models import AuditEvent, SafetyAddition, SafetyCheck, SafetyFlag
from app.services.policies import say
from app.services.reports import gather, produce_report
from app.services.safety_check import (
    MONTH,
    OPENS_BEFORE,
    QUESTIONS,
    due_occasion,
    has_unhandled_concern,
    is_concerning,
    safety_brief,
    submit_check,
)
from app.services.sessions import schedule_session
from reports.html import render_here
from tests.conftest import send_together
from tests.helpers import sign_in

T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
SAFE = {q.key: q.safest for q in QUESTIONS}
ATTENTION = "Someone in your caseload needs your attention; please sign in."


def text_of(page: str) -> str:
    import html
    return " ".join(html.unescape(page).split())


def tokens(page: str, action: str | None = None) -> dict[str, str]:
    """The CSRF and once tokens of the form posting to `action` (default: its own page)."""
    forms = re.findall(r"<form\b[^>]*>.*?</form>", page, re.S)
    form = next(f for f in forms if (f'action="{action}"' in f.split(">")[0] if action
                                     else "action=" not in f.split(">")[0]))
    return {name: re.search(rf'name="{name}" value="([^"]+)"', form).group(1)
            for name in ("csrf_token", "once")}


def client_of(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def form_of(answers: dict[str, str], note: str = "") -> dict[str, str]:
    return {**{f"q_{key}": value for key, value in answers.items()}, "note": note}


# --- the questions and the due rule (pure) ---------------------------------------------


def test_the_questions_are_data_each_with_a_safest_option_and_a_way_not_to_say():
    assert {q.key for q in QUESTIONS} == {"afraid", "hurt", "threatened", "forced", "control",
                                         "speak"}
    for question in QUESTIONS:
        keys = [o.key for o in question.options]
        assert question.safest in keys and "rather_not" in keys
        assert len(set(keys)) == len(keys)
    assert not is_concerning(SAFE, "")
    assert is_concerning(SAFE, " a word ")
    for question in QUESTIONS:
        for option in question.options:
            assert is_concerning({**SAFE, question.key: option.key}, "") == (
                option.key != question.safest)


def test_the_first_check_is_due_until_answered_whatever_the_schedule():
    for schedule in ("intake", "session", "monthly"):
        assert due_occasion(schedule, T0, None) == "first"


def test_intake_asks_once():
    last = (1, T0)
    assert due_occasion("intake", T0 + dt.timedelta(days=400), last,
                        [(5, T0 + dt.timedelta(days=401))]) is None


def test_before_every_session_opens_days_before_and_is_due_once_per_session():
    last = (1, T0 - dt.timedelta(days=20))
    session = (7, T0 + OPENS_BEFORE)
    assert due_occasion("session", T0, last, [session]) == "session-7"
    assert due_occasion("session", T0 - dt.timedelta(seconds=1), last, [session]) is None
    assert due_occasion("session", session[1], last, [session]) is None  # it has started
    assert due_occasion("session", T0, last, [session], answered={7}) is None
    # Two sessions in the window: the soonest not answered.
    later = (8, T0 + dt.timedelta(days=2))
    assert due_occasion("session", T0, last, [session, later]) == "session-8"
    assert due_occasion("session", T0, last, [session, later], answered={8}) == "session-7"


def test_monthly_asks_thirty_days_after_the_last():
    last = (4, T0)
    assert due_occasion("monthly", T0 + MONTH - dt.timedelta(seconds=1), last) is None
    assert due_occasion("monthly", T0 + MONTH, last) == "after-4"


# --- the partner's pages ----------------------------------------------------------------


def test_the_portal_leads_to_a_discreet_check_with_help_beside_it(app, db, make_couple):
    couple = make_couple()
    a = client_of(app, couple.partners[0].user)
    home = a.get("/portal/").text
    card = home.split('id="for-you-heading"')[1]
    assert "A few questions just for you" in home
    assert home.index("A few questions just for you") < home.index("week-nav")
    assert "safety" not in card.split("</section>")[0].lower()
    page = a.get("/portal/for-you")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "<title>A few questions just for you" in page.text
    for key in ("safety.readers", "safety.between_sessions", "safety.not_shown_again"):
        assert " ".join(say(key).split()) in text
    assert "call your local emergency number" in text
    assert 'href="/portal/help"' in page.text
    assert "validated" not in text.lower()
    for question in QUESTIONS:
        assert question.text in text
        for option in question.options:
            assert f'value="{option.key}"' in page.text


def test_a_refused_check_keeps_what_was_typed_and_keeps_nothing(app, db, make_couple):
    couple = make_couple()
    a = client_of(app, couple.partners[0].user)
    page = a.get("/portal/for-you").text
    partial = {k: v for k, v in SAFE.items() if k != "control"}
    answer = a.post("/portal/for-you", data={**tokens(page), **form_of(
        {**partial, "afraid": "sometimes"}, "Words I typed <b>here</b>")})
    assert answer.status_code == 422
    assert "Please choose an answer" in answer.text
    assert "Words I typed &lt;b&gt;here&lt;/b&gt;</textarea>" in answer.text
    assert re.search(r'value="sometimes"[^>]*checked|checked[^>]*value="sometimes"', answer.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SafetyCheck)) == 0


def test_answers_are_kept_audited_without_content_and_never_shown_back(
        app, db, make_couple, mailbox):
    couple = make_couple()
    partner = couple.partners[0].user
    a = client_of(app, partner)
    page = a.get("/portal/for-you").text
    note = "He reads my messages every night"
    sent = a.post("/portal/for-you", data={**tokens(page), **form_of(
        {**SAFE, "control": "yes"}, note)})
    assert sent.status_code == 302 and sent.headers["Location"] == "/portal/for-you/thanks"
    db.session.expire_all()
    [check] = db.session.scalars(sa.select(SafetyCheck)).all()
    assert check.answers["control"] == "yes" and check.note == note and check.is_concerning
    assert check.occasion == "first" and check.respondent_id == partner.id
    [event] = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "safety_check.answered")).all()
    assert event.actor_id == partner.id and not event.details
    # Never shown back: not on the thanks page, the portal, the check, the addition page.
    for url in ("/portal/for-you/thanks", "/portal/", "/portal/for-you", "/portal/for-you/more"):
        shown = a.get(url, follow_redirects=True)
        assert shown.status_code == 200, url
        assert note not in shown.text and "He reads" not in shown.text, url
    assert "A few questions just for you" not in a.get("/portal/").text
    # The check asked once: it now leads to adding more.
    assert a.get("/portal/for-you").headers["Location"] == "/portal/for-you/more"


def test_not_now_records_nothing_and_asks_again_at_the_next_sign_in(
        app, db, make_couple, client, sign_in_by_form):
    couple = make_couple()
    partner = couple.partners[0].user
    assert sign_in_by_form(partner.email).status_code == 302
    home = client.get("/portal/").text
    events_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    later = client.post("/portal/for-you/not-now",
                        data=tokens(home, "/portal/for-you/not-now"))
    assert later.status_code == 302 and later.headers["Location"] == "/portal/"
    assert "A few questions just for you" not in client.get("/portal/").text
    db.session.expire_all()
    for model in (SafetyCheck, SafetyFlag, SafetyAddition):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == (
        events_before)
    # The page itself can still be opened, and the next sign-in asks again.
    assert client.get("/portal/for-you").status_code == 200
    assert sign_in_by_form(partner.email).status_code == 302
    assert "A few questions just for you" in client.get("/portal/").text


def test_a_double_submit_makes_one_check(app, db, make_couple, client, sign_in_as):
    couple = make_couple()
    sign_in_as(couple.partners[0].user)
    page = client.get("/portal/for-you").text
    answers = send_together(app, client, "/portal/for-you",
                            {**tokens(page), **form_of({**SAFE, "afraid": "often"})})
    assert all(isinstance(a, tuple) and a[0] == 302 for a in answers), answers
    # A copy sent again later is led to what the first made.
    late = client.post("/portal/for-you",
                       data={**tokens(page), **form_of({**SAFE, "afraid": "often"})})
    assert late.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SafetyCheck)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SafetyFlag)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "safety_check.answered")) == 1


def test_two_checks_at_the_same_moment_meet_at_the_unique_key(db, make_couple):
    couple = make_couple()
    partner = couple.partners[0].user
    submit_check(partner, couple, SAFE)
    db.session.add(SafetyCheck(couple_id=couple.id, respondent_id=partner.id,
                               occasion="first", answers=SAFE, note=""))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- the therapist is told ---------------------------------------------------------------


def test_safe_answers_raise_no_flag_and_send_no_mail(app, db, make_couple, mailbox):
    couple = make_couple()
    a = client_of(app, couple.partners[0].user)
    page = a.get("/portal/for-you").text
    assert a.post("/portal/for-you", data={**tokens(page), **form_of(SAFE)}).status_code == 302
    db.session.expire_all()
    assert not has_unhandled_concern(couple)
    assert mailbox.messages == []
    t = client_of(app, couple.therapist)
    assert "Needs attention" not in t.get("/therapist/").text
    assert "Needs your attention" not in t.get(f"/therapist/couples/{couple.id}").text


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.key for q in QUESTIONS])
def test_each_concerning_answer_raises_a_flag(db, make_couple, question):
    couple = make_couple()
    for option in question.options:
        db.session.execute(sa.delete(SafetyFlag))
        db.session.execute(sa.delete(SafetyCheck))
        raised = submit_check(couple.partners[0].user, couple, {**SAFE, question.key: option.key})
        assert (raised.flag is not None) == (option.key != question.safest), option.key
        assert has_unhandled_concern(couple) == (option.key != question.safest)
    db.session.rollback()


def test_a_concern_flags_the_caseload_couple_page_and_report_and_mails_discreetly(
        app, db, make_couple, mailbox):
    couple = make_couple()
    other = make_couple(couple.therapist)
    partner = couple.partners[0].user
    a = client_of(app, partner)
    page = a.get("/portal/for-you").text
    a.post("/portal/for-you", data={**tokens(page), **form_of({**SAFE, "hurt": "once"})})
    # The email: to the therapist alone, naming no one and nothing clinical.
    [mail] = mailbox.messages
    assert mail["To"] == couple.therapist.email
    body = mailbox.body(mail)
    assert ATTENTION in body
    for word in (couple.name, partner.name, couple.partners[1].user.name, "safety", "hurt",
                 "partner", "couple", "therapy"):
        assert word.lower() not in (body + mail["Subject"]).lower(), word
    t = client_of(app, couple.therapist)
    caseload = t.get("/therapist/").text
    row = caseload.split(f'href="/therapist/couples/{couple.id}"')[1].split("</tr>")[0]
    assert "Needs attention" in row
    other_row = caseload.split(f'href="/therapist/couples/{other.id}"')[1].split("</tr>")[0]
    assert "Needs attention" not in other_row
    couple_page = t.get(f"/therapist/couples/{couple.id}").text
    assert "Needs your attention" in couple_page
    answers = t.get(f"/therapist/couples/{couple.id}/private-answers")
    assert answers.status_code == 200
    assert "Hurt by their partner" in answers.text and "Once" in answers.text
    assert partner.name in answers.text
    # The clinician report: first on page 1. The handout: nothing of it.
    session = schedule_session(couple.therapist, couple, now() + dt.timedelta(days=1),
                               request_measure=False)
    db.session.commit()
    data = gather(couple, audience="clinician", session=session)
    assert data.safety.needs_attention
    assert data.safety.waiting[0].lines == [("Hurt by their partner", "Once")]
    report = produce_report(couple, audience="clinician", session=session,
                            generated_by=couple.therapist, render=render_here)
    handout = produce_report(couple, audience="couple", session=session,
                             generated_by=couple.therapist, render=render_here)
    db.session.commit()
    first = " ".join(PdfReader(io.BytesIO(report.content)).pages[0].extract_text().split())
    assert "Needs your attention" in first and "Hurt by their partner: Once" in first
    assert first.index("Safety") < first.index("Summary")
    handout_text = " ".join(" ".join(p.extract_text() for p in PdfReader(
        io.BytesIO(handout.content)).pages).split())
    for word in ("Safety", "attention", "Hurt", "private answer"):
        assert word not in handout_text, word
    assert not hasattr(gather(couple, audience="couple", session=session), "safety")


def test_the_flag_stays_until_the_therapist_records_what_they_did(
        app, db, make_couple, mailbox):
    couple = make_couple()
    a = client_of(app, couple.partners[0].user)
    page = a.get("/portal/for-you").text
    a.post("/portal/for-you", data={**tokens(page), **form_of(SAFE, "Please call me")})
    t = client_of(app, couple.therapist)
    url = f"/therapist/couples/{couple.id}/private-answers"
    page = t.get(url).text
    assert "Please call me" in page
    refused = t.post(url, data={**tokens(page), "note": "   "})
    assert refused.status_code == 422 and "the note is required" in refused.text
    db.session.expire_all()
    assert has_unhandled_concern(couple)
    done = t.post(url, data={**tokens(page), "note": "Called her alone; safety plan made."})
    assert done.status_code == 302
    db.session.expire_all()
    assert not has_unhandled_concern(couple)
    [flag] = db.session.scalars(sa.select(SafetyFlag)).all()
    assert flag.handled_by_id == couple.therapist.id and flag.handling_note.startswith("Called")
    [event] = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "safety_concern.handled")).all()
    assert "Called" not in str(event.details)
    assert "Needs attention" not in t.get("/therapist/").text
    assert "Called her alone" in t.get(url).text
    brief = safety_brief(couple)
    assert not brief.needs_attention and brief.last_handled.note.startswith("Called")
    # An addition raises a new flag, and mails again; it is never shown back to its author.
    more = a.get("/portal/for-you/more").text
    assert "Please call me" not in more
    added = a.post("/portal/for-you/more", data={**tokens(more), "text": "It got worse"})
    assert added.status_code == 302
    assert "It got worse" not in a.get(added.headers["Location"]).text
    db.session.expire_all()
    assert has_unhandled_concern(couple)
    assert len(mailbox.messages) == 2
    assert "It got worse" in t.get(url).text
    more = a.get("/portal/for-you/more").text
    empty = a.post("/portal/for-you/more", data={**tokens(more), "text": " "})
    assert empty.status_code == 422


def test_the_schedule_is_the_therapists_audited_choice(app, db, make_couple, clock):
    clock.set(T0)
    couple = make_couple()
    partner = couple.partners[0].user
    submit_check(partner, couple, SAFE)
    session = schedule_session(couple.therapist, couple, T0 + dt.timedelta(days=2),
                               request_measure=False)
    db.session.commit()
    a = client_of(app, partner)
    assert "A few questions just for you" not in a.get("/portal/").text  # intake only
    t = client_of(app, couple.therapist)
    page = t.get(f"/therapist/couples/{couple.id}").text
    action = f"/therapist/couples/{couple.id}/safety-check-schedule"
    changed = t.post(action, data={**tokens(page, action), "schedule": "session"})
    assert changed.status_code == 302
    [event] = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "safety_check.schedule_changed")).all()
    assert event.details == {"schedule": "session"}
    assert "A few questions just for you" in a.get("/portal/").text
    page = a.get("/portal/for-you").text
    a.post("/portal/for-you", data={**tokens(page), **form_of(SAFE)})
    db.session.expire_all()
    newest = db.session.scalars(sa.select(SafetyCheck).order_by(SafetyCheck.id.desc())).first()
    assert newest.session_id == session.id and newest.occasion == f"session-{session.id}"
    assert "A few questions just for you" not in a.get("/portal/").text
    bad = t.post(action, data={**tokens(t.get(f"/therapist/couples/{couple.id}").text, action),
                               "schedule": "hourly"})
    assert bad.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(couple), couple.id).safety_check_schedule == "session"
