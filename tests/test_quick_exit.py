"""The quick exit's route (issue 13, point 6), without a browser: it ends the sign-in as
signing out does, leaves for the practice's neutral site, is shown first on every portal
page and nowhere else, and refuses a request from another site. The browser journeys are
in tests/e2e/test_quick_exit_journey.py."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.models import AuditEvent
from app.models.crisis import DEFAULT_QUICK_EXIT_URL
from tests.conftest import IsolatedClient, csrf_token_from
from tests.helpers import sign_in


@pytest.fixture
def partner(db, make_couple):
    couple = make_couple()
    couple.therapist.practice.quick_exit_url = "https://weather.example.org/today"
    db.session.commit()
    return couple.partners[0].user


def _sign_outs(db) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sign_out")))


def test_quick_exit_ends_the_sign_in_and_moves_on_to_the_neutral_site(db, app, client, partner):
    sign_in(client, partner)
    token = csrf_token_from(client.get("/portal/").text)
    old_cookie = client.get_cookie("rekindle_session").value

    answer = client.post("/quick-exit", data={"csrf_token": token})
    assert answer.status_code == 200
    assert ('<meta http-equiv="refresh" content="0; url=https://weather.example.org/today">'
            in answer.text)
    assert "Rekindle" not in answer.text and partner.name not in answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    assert client.get("/portal/").status_code == 302

    # The cookie from before the exit no longer opens anything: the token was rotated.
    app.test_client_class = IsolatedClient
    other = app.test_client()
    other.set_cookie("rekindle_session", old_cookie)
    refused = other.get("/portal/")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/sign-in")
    events = _sign_outs(db)
    assert [(e.actor_id, e.details) for e in events] == [(partner.id, None)]


def test_a_request_from_another_site_is_refused_and_signs_no_one_out(db, client, partner):
    sign_in(client, partner)
    for headers in ({}, {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": "https://elsewhere.example"}):
        answer = client.post("/quick-exit", data={}, headers=headers)
        assert answer.status_code == 400
        assert "This form has expired" in answer.text
    assert client.get("/portal/").status_code == 200
    assert _sign_outs(db) == []


def test_a_stale_page_of_this_site_still_leaves_and_signs_out(db, client, partner):
    """An old tab's token no longer matches the sign-in; the browser says the request came
    from our own page, and the person must still get out."""
    sign_in(client, partner)
    answer = client.post("/quick-exit", data={"csrf_token": "from-an-older-sign-in"},
                         headers={"Sec-Fetch-Site": "same-origin"})
    assert answer.status_code == 200
    assert "url=https://weather.example.org/today" in answer.text
    assert client.get("/portal/").status_code == 302
    assert len(_sign_outs(db)) == 1


def test_signed_out_it_still_leaves_for_the_default_site(db, client):
    answer = client.post("/quick-exit", data={}, headers={"Origin": "http://localhost"})
    assert answer.status_code == 200
    assert f"url={DEFAULT_QUICK_EXIT_URL}" in answer.text
    assert _sign_outs(db) == []


def test_an_idle_sign_in_still_leaves_for_the_practice_site(db, app, client, clock, partner):
    sign_in(client, partner)
    token = csrf_token_from(client.get("/portal/help").text)
    clock.advance(dt.timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1))
    answer = client.post("/quick-exit", data={"csrf_token": token})
    assert answer.status_code == 200
    assert "url=https://weather.example.org/today" in answer.text


def test_every_page_of_a_partner_shows_quick_exit_first_and_no_one_else_sees_it(
        db, client, partner, make_user):
    sign_in(client, partner)
    # The portal, and the pages a partner reaches from its menu.
    for path in ("/portal/", "/portal/help", "/guides/", "/account/password"):
        page = client.get(path).text
        body = page[page.index("<body>"):]
        assert body.index('id="quick-exit"') < body.index('class="skip-link"'), path
        assert 'data-exit-url="https://weather.example.org/today"' in page
        assert 'data-app-url="/today"' in page
        assert "/static/js/quick-exit.js" in page
    assert 'id="quick-exit"' not in client.get("/portal/no-such-page").text
    sign_in(client, make_user(("therapist",)))
    for path in ("/therapist/", "/guides/", "/account/password"):
        assert 'id="quick-exit"' not in client.get(path).text


def test_the_neutral_page_names_nothing(client):
    page = client.get("/today")
    assert page.status_code == 200
    assert "Rekindle" not in page.text and "refresh" not in page.text
    assert "<title>Today</title>" in page.text


def test_a_library_page_drawn_for_a_partner_is_never_kept(db, client, partner):
    assert client.get("/guides/").headers.get("Cache-Control") != "no-store"
    sign_in(client, partner)
    assert client.get("/guides/").headers["Cache-Control"] == "no-store"
    with client.get("/static/rekindle.css") as stylesheet:
        assert stylesheet.headers.get("Cache-Control") != "no-store"
