"""Hardened sessions: token rotation, timeouts, password change and reset, throttling, rehash."""

import datetime as dt
import time

import pytest
import sqlalchemy as sa

from app.models import PasswordReset, User
from tests.conftest import PASSWORD, csrf_token_from

NEW_PASSWORD = "copper kettle morning fog"


def cookie_of(client) -> str:
    return client.get_cookie("rekindle_session").value


def with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie("rekindle_session", value)
    return other


def test_sign_out_kills_a_copied_cookie(app, client, sign_in_by_form, make_therapist):
    therapist = make_therapist()
    sign_in_by_form(therapist.email)
    copied = cookie_of(client)
    assert with_cookie(app, copied).get("/therapist/").status_code == 200
    page = client.get("/therapist/")
    client.post("/sign-out", data={"csrf_token": csrf_token_from(page.text)})
    response = with_cookie(app, copied).get("/therapist/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_signing_in_again_ends_the_other_sign_in(app, client, sign_in_by_form, make_therapist):
    therapist = make_therapist()
    sign_in_by_form(therapist.email)
    first = cookie_of(client)
    other = app.test_client()
    page = other.get("/sign-in")
    other.post("/sign-in", data={"email": therapist.email, "password": PASSWORD,
                               "csrf_token": csrf_token_from(page.text)})
    assert other.get("/therapist/").status_code == 200
    assert with_cookie(app, first).get("/therapist/").status_code == 302


def test_password_change_ends_every_other_sign_in_but_this_one(app, client, sign_in_by_form,
                                                               make_therapist):
    therapist = make_therapist()
    sign_in_by_form(therapist.email)
    elsewhere = cookie_of(client)
    page = client.get("/account/password")
    response = client.post("/account/password", data={
        "csrf_token": csrf_token_from(page.text), "current": PASSWORD,
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/therapist/").status_code == 200
    assert with_cookie(app, elsewhere).get("/therapist/").status_code == 302


def test_password_change_needs_the_current_password(client, sign_in_by_form, make_therapist):
    sign_in_by_form(make_therapist().email)
    page = client.get("/account/password")
    response = client.post("/account/password", data={
        "csrf_token": csrf_token_from(page.text), "current": "wrong one entirely",
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert "Your current password is not right." in response.text


def test_idle_timeout_after_thirty_minutes(client, sign_in_by_form, make_therapist, clock):
    clock.set(dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC))
    sign_in_by_form(make_therapist().email)
    clock.advance(dt.timedelta(minutes=29))
    assert client.get("/therapist/").status_code == 200  # activity resets the idle clock
    clock.advance(dt.timedelta(minutes=29))
    assert client.get("/therapist/").status_code == 200
    clock.advance(dt.timedelta(minutes=31))
    response = client.get("/therapist/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/therapist/"
    assert "signed out after a while" in client.get("/sign-in").text


def test_absolute_timeout_after_twelve_hours_even_when_active(
    client, sign_in_by_form, make_therapist,
                                                              clock):
    clock.set(dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC))
    sign_in_by_form(make_therapist().email)
    for _ in range(24):  # a request every 25 minutes for 10 hours
        clock.advance(dt.timedelta(minutes=25))
        assert client.get("/therapist/").status_code == 200
    clock.advance(dt.timedelta(hours=2, minutes=1))
    assert client.get("/therapist/").status_code == 302


def test_idle_timeout_is_configurable(app, client, sign_in_by_form, make_therapist, clock):
    app.config["SESSION_IDLE_MINUTES"] = 5
    try:
        clock.set(dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC))
        sign_in_by_form(make_therapist().email)
        clock.advance(dt.timedelta(minutes=6))
        assert client.get("/therapist/").status_code == 302
    finally:
        app.config["SESSION_IDLE_MINUTES"] = 30


def test_no_remember_me_cookie_is_ever_set(client, sign_in_by_form, make_therapist):
    response = sign_in_by_form(make_therapist().email)
    cookies = response.headers.getlist("Set-Cookie")
    assert not any("remember_token" in c for c in cookies)
    assert not any("Expires=" in c for c in cookies if c.startswith("rekindle_session"))


def test_outdated_hash_parameters_are_upgraded_at_sign_in(app, db, sign_in_by_form, make_therapist):
    from argon2 import PasswordHasher

    therapist = make_therapist()
    old = PasswordHasher(time_cost=1, memory_cost=16, parallelism=1).hash(PASSWORD)
    therapist.password_hash = old
    db.session.commit()
    assert sign_in_by_form(therapist.email).status_code == 302
    db.session.expire_all()
    upgraded = db.session.get(User, therapist.id).password_hash
    assert upgraded != old
    assert f"m={app.config['ARGON2_MEMORY_COST']}" in upgraded


# --- password reset --------------------------------------------------------------------


def request_reset(client, email):
    page = client.get("/reset")
    return client.post("/reset", data={"email": email, "csrf_token": csrf_token_from(page.text)})


def test_reset_answers_the_same_whether_or_not_the_address_exists(client, make_therapist,
                                                                  mailbox):
    therapist = make_therapist()
    known = request_reset(client, therapist.email)
    unknown = request_reset(client, "nobody-here@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    assert len(mailbox.messages) == 1
    [message] = mailbox.to(therapist.email)
    assert message["Subject"] == "Reset your Rekindle password"


def test_reset_link_works_once_and_ends_other_sign_ins(app, client, sign_in_by_form, make_therapist,
                                                       mailbox):
    therapist = make_therapist()
    sign_in_by_form(therapist.email)
    elsewhere = cookie_of(client)
    visitor = app.test_client()
    request_reset(visitor, therapist.email)
    link = mailbox.link_to(therapist.email, "/reset/")
    page = visitor.get(link)
    response = visitor.post(link, data={"csrf_token": csrf_token_from(page.text),
                                        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert visitor.get("/therapist/").status_code == 200
    assert with_cookie(app, elsewhere).get("/therapist/").status_code == 302
    reused = app.test_client().get(link)
    assert reused.status_code == 400 and "already been used" in reused.text
    fresh = app.test_client()
    page = fresh.get("/sign-in")
    assert fresh.post("/sign-in", data={"email": therapist.email, "password": NEW_PASSWORD,
                                      "csrf_token": csrf_token_from(page.text)}).status_code == 302


def test_reset_link_expires_after_an_hour(app, client, make_therapist, mailbox, clock, db):
    therapist = make_therapist()
    clock.set(dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC))
    request_reset(client, therapist.email)
    link = mailbox.link_to(therapist.email, "/reset/")
    clock.advance(dt.timedelta(minutes=61))
    response = app.test_client().get(link)
    assert response.status_code == 400
    assert "expired" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordReset)) == 1


def test_reset_keeps_weak_password_out(app, client, make_therapist, mailbox):
    therapist = make_therapist()
    request_reset(client, therapist.email)
    link = mailbox.link_to(therapist.email, "/reset/")
    page = client.get(link)
    response = client.post(link, data={"csrf_token": csrf_token_from(page.text),
                                       "password": "qwertyuiop", "confirm": "qwertyuiop"})
    assert "most commonly used" in response.text


# --- throttling ------------------------------------------------------------------------


def attempt(client, email, password, address):
    page = client.get("/sign-in", environ_base={"REMOTE_ADDR": address})
    return client.post("/sign-in", environ_base={"REMOTE_ADDR": address},
                       data={"email": email, "password": password,
                             "csrf_token": csrf_token_from(page.text)})


@pytest.fixture
def short_windows(app):
    saved = {k: app.config[k] for k in ("SIGN_IN_LIMIT_ACCOUNT_ADDRESS", "SIGN_IN_LIMIT_ADDRESS",
                                        "SIGN_IN_LIMIT_ACCOUNT")}
    app.config.update(SIGN_IN_LIMIT_ACCOUNT_ADDRESS="3 per 2 seconds",
                      SIGN_IN_LIMIT_ADDRESS="6 per 2 seconds",
                      SIGN_IN_LIMIT_ACCOUNT="8 per 2 seconds")
    yield
    app.config.update(saved)


def test_failed_sign_ins_are_throttled_and_the_right_password_works_after_cooldown(
    app, make_therapist, short_windows
):
    therapist = make_therapist()
    client = app.test_client()
    for _ in range(3):
        assert attempt(client, therapist.email, "wrong guess number", "10.0.0.5").status_code == 422
    limited = attempt(client, therapist.email, PASSWORD, "10.0.0.5")
    assert limited.status_code == 429
    assert "Too many attempts" in limited.text
    time.sleep(2.1)
    assert attempt(client, therapist.email, PASSWORD, "10.0.0.5").status_code == 302


def test_one_partner_guessing_cannot_lock_the_other_out(app, make_couple, short_windows):
    couple = make_couple()
    target = couple.partners[1].user
    guesser = app.test_client()
    for _ in range(3):
        attempt(guesser, target.email, "maybe this one", "10.0.0.7")
    assert attempt(guesser, target.email, "maybe this one", "10.0.0.7").status_code == 429
    # The real owner, from their own address, still gets in.
    owner = app.test_client()
    assert attempt(owner, target.email, PASSWORD, "10.0.0.8").status_code == 302


def test_successful_sign_ins_do_not_count(app, make_therapist, short_windows):
    therapist = make_therapist()
    for _ in range(5):
        assert attempt(app.test_client(), therapist.email, PASSWORD, "10.0.0.9").status_code == 302


def test_many_accounts_from_one_address_are_throttled(app, make_therapist, short_windows):
    client = app.test_client()
    codes = [attempt(client, f"someone{i}@example.org", "nope nope nope", "10.0.0.10").status_code
             for i in range(7)]
    assert codes[:6] == [422] * 6
    assert codes[6] == 429


def test_reset_requests_are_limited(app, make_therapist, mailbox):
    app.config["RESET_LIMIT"] = "2 per hour"
    try:
        therapist = make_therapist()
        client = app.test_client()
        assert request_reset(client, therapist.email).status_code == 200
        assert request_reset(client, therapist.email).status_code == 200
        assert request_reset(client, therapist.email).status_code == 429
    finally:
        app.config["RESET_LIMIT"] = "5 per hour"


def test_limits_can_live_in_redis_for_several_workers(app, tmp_path):
    """Two app instances (two workers) sharing Redis share one count."""
    import os
    import uuid

    import redis

    from app.extensions import db
    from tests.conftest import make_test_app

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = uuid.uuid4().hex  # this run's keys only
    workers = [
        make_test_app(
            app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / f"worker{i}",
            RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix,
            RESET_LIMIT="2 per minute", WTF_CSRF_ENABLED=False,
        )
        for i in range(2)
    ]
    first, second = (worker.test_client() for worker in workers)
    data = {"email": f"{prefix}@example.org"}
    statuses = [first.post("/reset", data=data).status_code,
                second.post("/reset", data=data).status_code,
                first.post("/reset", data=data).status_code,
                second.post("/reset", data=data).status_code]
    assert statuses == [200, 200, 429, 429]
    for worker in workers:
        with worker.app_context():
            db.engine.dispose()


def test_sending_invitations_is_limited_per_therapist(app, client, sign_in_as, make_couple):
    couple = make_couple(joined=False)
    sign_in_as(couple.therapist)
    app.config["INVITATION_LIMIT"] = "2 per hour"
    try:
        page = client.get(f"/therapist/couples/{couple.id}")
        token = csrf_token_from(page.text)
        url = f"/therapist/couples/{couple.id}/partners/1/invite"
        codes = [client.post(url, data={"csrf_token": token}).status_code for _ in range(3)]
        assert codes == [302, 302, 429]
    finally:
        app.config["INVITATION_LIMIT"] = "30 per hour"


def test_development_mail_goes_to_the_log(tmp_path, caplog, monkeypatch):
    import logging

    from app import create_app
    from app.mail import send_mail

    monkeypatch.delenv("MAIL_SERVER", raising=False)
    monkeypatch.setenv("REKINDLE_ENV", "development")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    with app.test_request_context(), caplog.at_level(logging.INFO):
        send_mail("someone@example.org", "Your Rekindle invitation", "invitation",
                  name="Sam", link="http://127.0.0.1:5000/invitation/abc", hours=72)
    assert any("http://127.0.0.1:5000/invitation/abc" in r.getMessage() for r in caplog.records)
