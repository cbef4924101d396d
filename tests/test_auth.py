"""Logging in and out through the real form."""

import sqlalchemy as sa

from app.models import User
from tests.conftest import PASSWORD, csrf_token_from


def test_therapist_logs_in_and_lands_on_their_couples(login, make_couple, client):
    couple = make_couple()
    response = login(couple.therapist.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/therapist/"
    page = client.get("/therapist/")
    assert page.status_code == 200
    assert couple.name in page.text


def test_partner_logs_in_and_lands_on_the_portal_welcome(login, make_couple, client):
    couple = make_couple()
    partner = couple.partners[0].user
    response = login(partner.email.upper())  # emails are case-insensitive
    assert response.headers["Location"] == "/portal/"
    page = client.get("/portal/")
    assert page.status_code == 200
    assert "Nothing is due this week" in page.text


def test_wrong_password_and_unknown_email_get_the_same_answer(login, make_therapist):
    therapist = make_therapist()
    wrong = login(therapist.email, "not the password at all")
    unknown = login("nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 422
    message = "That email and password don&#39;t match an account."
    assert message in wrong.text and message in unknown.text
    # What the person typed stays in the form.
    assert f'value="{therapist.email}"' in wrong.text


def test_empty_form_gets_clear_messages(client):
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_token_from(page.text)})
    assert "Enter your email address." in response.text
    assert "Enter your password." in response.text


def test_login_without_csrf_token_is_refused(client, make_therapist):
    therapist = make_therapist()
    response = client.post("/login", data={"email": therapist.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.text


def test_password_is_stored_as_argon2id(db, make_therapist):
    therapist = make_therapist()
    stored = db.session.scalar(sa.select(User.password_hash).where(User.id == therapist.id))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_partner_without_a_password_cannot_log_in(db, login, make_couple):
    couple = make_couple()
    user = couple.partners[1].user
    user.password_hash = None
    db.session.commit()
    response = login(user.email, "")
    assert response.status_code == 422
    assert "/portal" not in response.headers.get("Location", "")


def test_deactivated_user_cannot_log_in(db, login, make_therapist):
    therapist = make_therapist()
    therapist.is_active_account = False
    db.session.commit()
    response = login(therapist.email)
    assert response.status_code == 422
    assert "don&#39;t match" in response.text


def test_logout_ends_the_session(client, login, make_therapist):
    therapist = make_therapist()
    login(therapist.email)
    assert client.get("/therapist/").status_code == 200
    page = client.get("/therapist/")
    response = client.post("/logout", data={"csrf_token": csrf_token_from(page.text)})
    assert response.headers["Location"] == "/login"
    again = client.get("/therapist/")
    assert again.status_code == 302
    assert again.headers["Location"].startswith("/login")


def test_next_parameter_only_leads_inside_the_app(client, login, make_therapist):
    therapist = make_therapist()
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        client.delete_cookie("rekindle_session")
        response = login(therapist.email, next_url=target)
        assert response.headers["Location"] == "/therapist/", target


def test_next_parameter_inside_the_app_is_followed(login, make_therapist):
    therapist = make_therapist()
    response = login(therapist.email, next_url="/guides/")
    assert response.headers["Location"] == "/guides/"


def test_anonymous_visitor_is_sent_to_log_in(client):
    for path in ("/therapist/", "/portal/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_each_audience_sees_the_others_pages_as_not_found(login_as, client, make_couple):
    couple = make_couple()
    login_as(couple.partners[0].user)
    assert client.get("/therapist/").status_code == 404
    login_as(couple.therapist)
    assert client.get("/portal/").status_code == 404


def test_session_cookie_is_httponly_and_lax(login, make_therapist):
    response = login(make_therapist().email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_root_redirects_by_role(client, login_as, make_couple):
    assert client.get("/").headers["Location"] == "/login"
    couple = make_couple()
    login_as(couple.therapist)
    assert client.get("/").headers["Location"] == "/therapist/"
