"""Logging in and out through the real form."""

import sqlalchemy as sa

from app.models import User
from tests.conftest import PASSWORD, csrf_token_from


def test_therapist_signs_in_and_lands_on_their_couples(sign_in_by_form, make_couple, client):
    couple = make_couple()
    response = sign_in_by_form(couple.therapist.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/therapist/"
    page = client.get("/therapist/")
    assert page.status_code == 200
    assert couple.name in page.text


def test_partner_signs_in_and_lands_on_the_portal_welcome(sign_in_by_form, make_couple, client):
    couple = make_couple()
    partner = couple.partners[0].user
    response = sign_in_by_form(partner.email.upper())  # emails are case-insensitive
    assert response.headers["Location"] == "/portal/"
    page = client.get("/portal/")
    assert page.status_code == 200
    assert "Nothing is due this week" in page.text


def test_wrong_password_and_unknown_email_get_the_same_answer(sign_in_by_form, make_therapist):
    therapist = make_therapist()
    wrong = sign_in_by_form(therapist.email, "not the password at all")
    unknown = sign_in_by_form("nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 422
    message = "That email and password don&#39;t match an account."
    assert message in wrong.text and message in unknown.text
    # What the person typed stays in the form.
    assert f'value="{therapist.email}"' in wrong.text


def test_empty_form_gets_clear_messages(client):
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"csrf_token": csrf_token_from(page.text)})
    assert "Enter your email address." in response.text
    assert "Enter your password." in response.text


def test_sign_in_without_csrf_token_is_refused(client, make_therapist):
    therapist = make_therapist()
    response = client.post("/sign-in", data={"email": therapist.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.text


def test_password_is_stored_as_argon2id(db, make_therapist):
    therapist = make_therapist()
    stored = db.session.scalar(sa.select(User.password_hash).where(User.id == therapist.id))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_partner_without_a_password_cannot_sign_in(db, sign_in_by_form, make_couple):
    couple = make_couple()
    user = couple.partners[1].user
    user.password_hash = None
    db.session.commit()
    response = sign_in_by_form(user.email, "")
    assert response.status_code == 422
    assert "/portal" not in response.headers.get("Location", "")


def test_deactivated_user_cannot_sign_in(db, sign_in_by_form, make_therapist):
    therapist = make_therapist()
    therapist.is_active_account = False
    db.session.commit()
    response = sign_in_by_form(therapist.email)
    assert response.status_code == 422
    assert "don&#39;t match" in response.text


def test_sign_out_ends_the_sign_in(client, sign_in_by_form, make_therapist):
    therapist = make_therapist()
    sign_in_by_form(therapist.email)
    assert client.get("/therapist/").status_code == 200
    page = client.get("/therapist/")
    response = client.post("/sign-out", data={"csrf_token": csrf_token_from(page.text)})
    assert response.headers["Location"] == "/sign-in"
    again = client.get("/therapist/")
    assert again.status_code == 302
    assert again.headers["Location"].startswith("/sign-in")


def test_next_parameter_only_leads_inside_the_app(client, sign_in_by_form, make_therapist):
    therapist = make_therapist()
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        client.delete_cookie("rekindle_session")
        response = sign_in_by_form(therapist.email, next_url=target)
        assert response.headers["Location"] == "/therapist/", target


def test_next_parameter_inside_the_app_is_followed(sign_in_by_form, make_therapist):
    therapist = make_therapist()
    response = sign_in_by_form(therapist.email, next_url="/guides/")
    assert response.headers["Location"] == "/guides/"


def test_anonymous_visitor_is_sent_to_sign_in(client):
    for path in ("/therapist/", "/portal/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")


def test_each_audience_sees_the_others_pages_as_not_found(sign_in_as, client, make_couple):
    couple = make_couple()
    sign_in_as(couple.partners[0].user)
    assert client.get("/therapist/").status_code == 404
    sign_in_as(couple.therapist)
    assert client.get("/portal/").status_code == 404


def test_session_cookie_is_httponly_and_lax(sign_in_by_form, make_therapist):
    response = sign_in_by_form(make_therapist().email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_root_redirects_by_role(client, sign_in_as, make_couple):
    assert client.get("/").headers["Location"] == "/sign-in"
    couple = make_couple()
    sign_in_as(couple.therapist)
    assert client.get("/").headers["Location"] == "/therapist/"


def test_the_former_sign_in_address_leads_to_the_new_one(client):
    answer = client.get("/login?next=/therapist/")
    assert answer.status_code == 301
    assert answer.headers["Location"] == "/sign-in?next=/therapist/"
