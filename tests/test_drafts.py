"""Nothing written is lost: drafts, an expired session, a stale token."""

import datetime as dt

import pytest
import sqlalchemy as sa

from app.models import Assignment, Draft, Entry
from app.services.guides import load_builtin_guides
from tests.conftest import PASSWORD, csrf_token_from, send_together
from tests.test_homework_pages import assign_via_form, check_in, login_as_other

WORDS = "Half a thought about Sunday, still looking for the right words " * 20


@pytest.fixture
def homework(app, db, client, sign_in_as, make_couple, clock):
    clock.set(dt.datetime(2026, 3, 12, 18, 0, tzinfo=dt.UTC))
    load_builtin_guides()
    couple = make_couple(policy="limited", timezone="UTC")
    sign_in_as(couple.therapist)
    assign_via_form(client, couple, f"exercise={check_in(db).id}")
    return couple, db.session.scalar(sa.select(Assignment))


def test_autosave_keeps_a_draft_for_its_author_only(app, db, client, homework):
    couple, assignment = homework
    a, b = (p.user for p in couple.partners)
    partner = app.test_client()
    login_as_other(partner, a)
    url = f"/portal/homework/{assignment.id}/2026-03-12"
    page = partner.get(url)
    assert 'data-draft-url="' in page.text and "js/autosave.js" in page.text
    saved = partner.post(url + "/draft", data={"answer-0": WORDS, "rating-0": "6"},
                         headers={"X-CSRFToken": csrf_token_from(page.text)})
    assert saved.status_code == 200 and saved.json["saved"] is True
    # The tab was closed; later the same partner comes back.
    again = partner.get(url)
    assert WORDS.strip() in again.text
    assert "We kept what you were writing" in again.text
    # Nobody else sees it: not the other partner, not the therapist.
    other = app.test_client()
    login_as_other(other, b)
    assert "Half a thought" not in other.get(url).text
    assert "Half a thought" not in other.get("/portal/").text
    assert "Half a thought" not in client.get(f"/therapist/couples/{couple.id}").text
    # Saving the entry uses the draft up.
    token = csrf_token_from(again.text)
    partner.post(url, data={"csrf_token": token, "completion": "done", "answer-0": WORDS})
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 0
    assert db.session.scalar(sa.select(Entry.answers))[0] == WORDS.strip()


def test_autosave_needs_the_csrf_token(app, homework):
    couple, assignment = homework
    partner = app.test_client()
    login_as_other(partner, couple.partners[0].user)
    response = partner.post(f"/portal/homework/{assignment.id}/2026-03-12/draft",
                            data={"answer-0": "forged"})
    assert response.status_code == 400


def test_an_expired_sign_in_keeps_the_text_until_the_partner_signs_in_again(
    app, db, homework, clock
):
    couple, assignment = homework
    a = couple.partners[0].user
    partner = app.test_client()
    page = partner.get("/sign-in")
    partner.post("/sign-in", data={"email": a.email, "password": PASSWORD,
                                 "csrf_token": csrf_token_from(page.text)})
    url = f"/portal/homework/{assignment.id}/2026-03-12"
    form = partner.get(url)
    clock.advance(dt.timedelta(minutes=45))  # a long, slow reflection
    response = partner.post(url, data={"csrf_token": csrf_token_from(form.text),
                                       "completion": "done", "answer-0": WORDS})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sign-in?next={url}"
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 0
    login_page = partner.get("/sign-in?next=" + url)
    assert "What you wrote is kept" in login_page.text
    back = partner.post("/sign-in?next=" + url, data={
        "email": a.email, "password": PASSWORD, "csrf_token": csrf_token_from(login_page.text)})
    assert back.headers["Location"] == url
    restored = partner.get(url)
    assert WORDS.strip() in restored.text
    done = partner.post(url, data={"csrf_token": csrf_token_from(restored.text),
                                   "completion": "done", "answer-0": WORDS})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Entry.answers))[0] == WORDS.strip()


def test_a_forged_post_to_an_expired_sign_in_keeps_nothing(app, db, homework, clock):
    couple, assignment = homework
    partner = app.test_client()
    login_as_other(partner, couple.partners[0].user)
    clock.advance(dt.timedelta(minutes=45))
    partner.post(f"/portal/homework/{assignment.id}/2026-03-12",
                 data={"csrf_token": "not-the-token", "answer-0": "planted words"})
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Draft)) == 0


def test_a_stale_token_shows_the_form_again_with_everything_typed(app, db, homework):
    couple, assignment = homework
    partner = app.test_client()
    login_as_other(partner, couple.partners[0].user)
    url = f"/portal/homework/{assignment.id}/2026-03-12"
    partner.get(url)
    response = partner.post(url, data={"csrf_token": "stale", "completion": "partly",
                                       "answer-0": WORDS, "rating-0": "4"})
    assert response.status_code == 400
    assert "Nothing you wrote is lost" in response.text
    assert WORDS.strip() in response.text
    assert 'value="4" checked' in response.text
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 0
    again = partner.post(url, data={"csrf_token": csrf_token_from(response.text),
                                    "completion": "partly", "answer-0": WORDS})
    assert again.status_code == 302


def test_two_first_autosaves_at_the_same_moment_keep_one_draft(app, db, client, homework):
    """Two tabs save the first draft of a day together: both are told it is saved, one
    draft is kept (the second used to collide on the draft's unique day: a 500)."""
    couple, assignment = homework
    author = couple.partners[0].user
    for day in ("2026-03-10", "2026-03-11", "2026-03-12"):
        login_as_other(client, author)
        url = f"/portal/homework/{assignment.id}/{day}"
        page = client.get(url)
        answers = send_together(app, client, url + "/draft",
                                {"answer-0": f"{WORDS} {day}", "rating-0": "6"},
                                headers={"X-CSRFToken": csrf_token_from(page.text)})
        assert answers == [(200, None), (200, None)], (day, answers)
    db.session.expire_all()
    drafts = db.session.scalars(sa.select(Draft).where(Draft.author_id == author.id)).all()
    assert sorted(d.occurrence_date.isoformat() for d in drafts) == [
        "2026-03-10", "2026-03-11", "2026-03-12"]
