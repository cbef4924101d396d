"""Bad input gets a clear answer in the app's own style, never a 500 or a traceback."""

import pytest

from tests.conftest import csrf_token_from


def test_over_long_fields_get_a_message_and_keep_the_rest(client, sign_in_as, make_therapist):
    sign_in_as(make_therapist())
    page = client.get("/therapist/couples/new")
    response = client.post("/therapist/couples/new", data={
        "csrf_token": csrf_token_from(page.text), "name": "N" * 201,
        "partner1_name": "Ana", "partner1_email": "ana@example.org",
        "partner2_name": "Ben", "partner2_email": "ben@example.org",
        "timezone": "UTC", "policy": "limited"})
    assert response.status_code == 422
    assert "200 characters" in response.text
    assert 'value="ana@example.org"' in response.text


def test_unknown_choice_values_are_refused_politely(client, sign_in_as, make_therapist):
    sign_in_as(make_therapist())
    page = client.get("/therapist/couples/new")
    response = client.post("/therapist/couples/new", data={
        "csrf_token": csrf_token_from(page.text), "name": "N",
        "partner1_name": "Ana", "partner1_email": "ana@example.org",
        "partner2_name": "Ben", "partner2_email": "ben@example.org",
        "timezone": "Mars/Olympus_Mons", "policy": "everyone"})
    assert response.status_code == 422
    assert "Not a valid choice" in response.text


@pytest.mark.parametrize("path", ["/therapist/couples/abc", "/therapist/couples/-1",
                                  "/therapist/couples/99999999999999999999",
                                  "/guides/%00", "/therapist/couples/1/invitations/x/resend"])
def test_malformed_ids_are_not_found(client, sign_in_as, make_therapist, path):
    sign_in_as(make_therapist())
    response = client.get(path)
    assert response.status_code in (400, 404, 405)
    assert "Traceback" not in response.text


def test_json_or_garbage_bodies_do_not_crash_the_sign_in(client):
    response = client.post("/sign-in", data=b"\xff\xfe\x00garbage",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    response = client.post("/sign-in", json={"email": "a@example.org"})
    assert response.status_code == 400
    assert "This form has expired" in response.text


def test_invalid_invitation_and_reset_tokens_get_a_clear_page(client):
    for path in ("/invitation/abc", "/reset/abc.def.ghi"):
        response = client.get(path)
        assert response.status_code == 400
        assert "This link can't be used" in response.text


def test_wrong_method_gets_a_styled_405(client):
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert "rekindle.css" in response.text


@pytest.mark.parametrize("path", ["/sign-in", "/reset"])
def test_nul_characters_are_a_bad_request_not_a_crash(client, path):
    page = client.get(path)
    response = client.post(path, data={"email": "a\x00b@example.org", "password": "x",
                                       "csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 400
    assert "Something in that request was not right" in response.text
    assert client.get("/guides/?q=%00").status_code == 400


def test_dates_far_from_today_are_refused_with_a_message(db, client, sign_in_as, make_couple):
    import sqlalchemy as sa

    from app.models import Exercise
    from app.services.guides import load_builtin_guides

    load_builtin_guides()
    couple = make_couple()
    sign_in_as(couple.therapist)
    url = f"/therapist/couples/{couple.id}/sessions/new"
    page = client.get(url)
    response = client.post(url, data={"csrf_token": csrf_token_from(page.text),
                                      "date": "9999-12-31", "time": "17:00"})
    assert response.status_code == 422
    assert "Choose a date within a year before or two years after today." in response.text
    assert 'value="9999-12-31"' in response.text

    exercise = db.session.scalar(sa.select(Exercise).where(Exercise.slug == "daily-check-in"))
    url = f"/therapist/couples/{couple.id}/assign?exercise={exercise.id}"
    page = client.get(url)
    response = client.post(url, data={
        "csrf_token": csrf_token_from(page.text), "mode": "both", "start": "0001-01-01",
        "cadence": "daily", "times_per_week": "3", "ends": "date", "end_date": "9999-01-01"})
    assert response.status_code == 422
    assert "Choose a start date within a year of today." in response.text
    assert "Choose an end date within five years of today." in response.text
