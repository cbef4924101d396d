"""Creating couples, invitations by real email, accepting them, and the policy consent."""

import datetime as dt
import re

import sqlalchemy as sa

from app.models import Invitation, PolicyConsent, User
from tests.conftest import PASSWORD, csrf_token_from

NEW_PASSWORD = "river stone lantern moss"


def create_couple_via_form(client, *, email1="ana@example.org", email2="ben@example.org",
                           policy="limited", **overrides):
    page = client.get("/therapist/couples/new")
    data = {
        "csrf_token": csrf_token_from(page.text),
        "name": "Ana & Ben",
        "partner1_name": "Ana Silva",
        "partner1_email": email1,
        "partner2_name": "Ben Okoro",
        "partner2_email": email2,
        "timezone": "Europe/Lisbon",
        "policy": policy,
    }
    data.update(overrides)
    return client.post("/therapist/couples/new", data=data)


def accept_via_form(client, path, *, password=NEW_PASSWORD, timezone="Europe/Lisbon",
                    accept=True):
    page = client.get(path)
    data = {"csrf_token": csrf_token_from(page.text), "password": password,
            "confirm": password, "timezone": timezone}
    if accept:
        data["accepts_policy"] = "y"
    return client.post(path, data=data)


def test_therapist_creates_a_couple_and_each_partner_gets_a_discreet_invitation(
    app, client, sign_in_as, make_therapist, mailbox, db
):
    therapist = make_therapist()
    sign_in_as(therapist)
    response = create_couple_via_form(client)
    assert response.status_code == 302
    assert len(mailbox.messages) == 2
    for address, first_name in (("ana@example.org", "Ana"), ("ben@example.org", "Ben")):
        [message] = mailbox.to(address)
        body = mailbox.body(message)
        assert message["Subject"] == "Your Rekindle invitation"
        assert f"Hello {first_name}" in body
        assert "/invitation/" in body
        lowered = (body + message["Subject"]).lower()
        for word in ("therap", "couple", "counsel", "partner", "ana & ben", therapist.name.lower(),
                     "okoro" if first_name == "Ana" else "silva", "practice"):
            assert word not in lowered, word
    page = client.get(response.headers["Location"])
    assert "Invitation sent" in page.text


def test_partner_accepts_sets_password_timezone_and_policy(
    app, client, sign_in_as, make_therapist, mailbox, db
):
    sign_in_as(make_therapist())
    create_couple_via_form(client, policy="open")
    link = mailbox.link_to("ana@example.org", "/invitation/")
    visitor = app.test_client()
    page = visitor.get(link)
    assert page.status_code == 200
    assert "Your couple has chosen the open policy" in page.text
    response = accept_via_form(visitor, link, timezone="America/Sao_Paulo")
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/"
    assert "Hello, Ana" in visitor.get("/portal/").text

    user = db.session.scalar(sa.select(User).where(User.email == "ana@example.org"))
    assert user.timezone == "America/Sao_Paulo"
    consent = db.session.scalar(sa.select(PolicyConsent).where(PolicyConsent.user_id == user.id))
    assert consent.policy == "open"
    assert "open policy" in consent.wording
    # Single use: the same link no longer works, with a clear message.
    again = app.test_client().get(link)
    assert again.status_code == 400
    assert "already been used" in again.text


def test_accepting_requires_the_policy_and_keeps_what_was_typed(
    app, client, sign_in_as, make_therapist, mailbox
):
    sign_in_as(make_therapist())
    create_couple_via_form(client)
    link = mailbox.link_to("ben@example.org", "/invitation/")
    visitor = app.test_client()
    response = accept_via_form(visitor, link, accept=False, timezone="Asia/Tokyo")
    assert response.status_code == 422
    assert "Please read and accept" in response.text
    assert '<option selected value="Asia/Tokyo">' in response.text


def test_weak_passwords_are_refused_with_a_reason(app, client, sign_in_as, make_therapist,
                                                   mailbox):
    sign_in_as(make_therapist())
    create_couple_via_form(client)
    link = mailbox.link_to("ben@example.org", "/invitation/")
    visitor = app.test_client()
    assert "at least 10 characters" in accept_via_form(visitor, link, password="short").text
    common = accept_via_form(visitor, link, password="password123")
    assert "most commonly used" in common.text
    same = accept_via_form(visitor, link, password="ben@example.org")
    assert "must not be your email" in same.text
    # A long passphrase with spaces and symbols is welcome.
    assert accept_via_form(visitor, link, password="  ünïcode passphrase 🌱 ok ").status_code == 302


def test_expired_invitation_says_so_and_can_be_sent_again(
    app, client, sign_in_as, make_therapist, mailbox, clock, db
):
    therapist = make_therapist()
    clock.set(dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC))
    sign_in_as(therapist)
    create_couple_via_form(client)
    first = mailbox.link_to("ana@example.org", "/invitation/")
    clock.set(dt.datetime(2026, 5, 4, 9, 1, tzinfo=dt.UTC))  # 72 h and a minute later
    expired = app.test_client().get(first)
    assert expired.status_code == 400
    assert "expired" in expired.text
    sign_in_as(therapist)  # the therapist's own session timed out meanwhile

    couple_page = client.get("/therapist/")
    assert "invitation expired" in couple_page.text
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.email == "ana@example.org"))
    page = client.get(f"/therapist/couples/{invitation.couple_id}")
    assert "Invitation expired" in page.text
    client.post(f"/therapist/couples/{invitation.couple_id}/invitations/{invitation.id}/resend",
                data={"csrf_token": csrf_token_from(page.text)})
    second = mailbox.link_to("ana@example.org", "/invitation/")
    assert second != first
    assert app.test_client().get(first).status_code == 400  # the old link stays dead
    assert accept_via_form(app.test_client(), second).status_code == 302


def test_revoked_invitation_stops_working(app, client, sign_in_as, make_therapist, mailbox, db):
    sign_in_as(make_therapist())
    create_couple_via_form(client)
    link = mailbox.link_to("ben@example.org", "/invitation/")
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.email == "ben@example.org"))
    page = client.get(f"/therapist/couples/{invitation.couple_id}")
    client.post(f"/therapist/couples/{invitation.couple_id}/invitations/{invitation.id}/revoke",
                data={"csrf_token": csrf_token_from(page.text)})
    response = app.test_client().get(link)
    assert response.status_code == 400
    assert "withdrawn" in response.text


def test_tampered_or_foreign_links_are_refused(app, client, sign_in_as, make_therapist, mailbox):
    sign_in_as(make_therapist())
    create_couple_via_form(client)
    link = mailbox.link_to("ben@example.org", "/invitation/")
    visitor = app.test_client()
    for bad in (link[:-3] + "abc", "/invitation/nonsense", "/invitation/" + "x" * 600):
        response = visitor.get(bad)
        assert response.status_code == 400
        assert "not valid" in response.text


def test_inviting_an_address_that_has_an_account_reveals_nothing(
    app, client, sign_in_as, make_therapist, make_couple, mailbox, db
):
    elsewhere = make_couple()  # another practice's partner
    existing = elsewhere.partners[0].user.email
    therapist = make_therapist()
    sign_in_as(therapist)
    fresh = create_couple_via_form(client, email1="new.person@example.org", email2="x@example.org")
    fresh_page = client.get(fresh.headers["Location"]).text
    again = create_couple_via_form(client, email1="other.new@example.org", email2=existing,
                                   name="Cy & Di")
    again_page = client.get(again.headers["Location"]).text
    assert fresh.status_code == again.status_code == 302
    assert "both partners were sent an invitation" in fresh_page
    assert "both partners were sent an invitation" in again_page
    assert again_page.count("Invitation sent") == 2
    # The account holder is told they already have an account, with no link to accept.
    [notice] = mailbox.to(existing)
    assert notice["Subject"] == "Your Rekindle invitation"
    body = mailbox.body(notice)
    assert "already has an account" in body and "/invitation/" not in body
    # Their account is untouched and not attached to the new couple.
    user = db.session.scalar(sa.select(User).where(User.email == existing))
    assert user.practice_id != therapist.practice_id
    caseload = client.get("/therapist/").text
    assert caseload.count("(invitation sent)") == 4


def test_form_errors_keep_what_was_typed(client, sign_in_as, make_therapist):
    sign_in_as(make_therapist())
    response = create_couple_via_form(client, email2="not-an-email", partner1_name="Zoë Ñúñez")
    assert response.status_code == 422
    assert "Enter an email address like name@example.com." in response.text
    assert 'value="Zoë Ñúñez"' in response.text
    assert 'value="not-an-email"' in response.text
    same = create_couple_via_form(client, email1="same@example.org", email2="SAME@example.org")
    assert "different email addresses" in same.text


def test_not_yet_invited_partner_can_be_invited_later(app, client, sign_in_as, db, mailbox,
                                                       runner):
    from app.services.demo import DEMO_PASSWORD

    runner.invoke(args=["demo"])
    therapist = db.session.scalar(sa.select(User).where(User.email == "therapist@example.com"))
    sign_in_as(therapist)
    caseload = client.get("/therapist/").text
    assert re.search(r"Morgan Chen <span class=\"muted\">\(not invited yet\)", caseload)
    morgan = db.session.scalar(sa.select(User).where(User.email == "morgan@example.com"))
    couple_id = morgan.id and db.session.execute(
        sa.text("SELECT couple_id FROM partners WHERE user_id = :u"), {"u": morgan.id}
    ).scalar()
    page = client.get(f"/therapist/couples/{couple_id}")
    client.post(f"/therapist/couples/{couple_id}/partners/2/invite",
                data={"csrf_token": csrf_token_from(page.text)})
    link = mailbox.link_to("morgan@example.com", "/invitation/")
    assert accept_via_form(app.test_client(), link, password=DEMO_PASSWORD + "!").status_code == 302
    assert PASSWORD  # the suite-wide password is unrelated to the demo's
