"""The practice admin, through the real HTTP interface: figures, clinicians, invitations,
couples' assignment, settings, the audit trail, and who may reach any of it."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.clock import now as clock_now
from app.models import AuditEvent, Couple, CrisisLine, Invitation, MailOutbox, Practice, User
from tests.conftest import PASSWORD, IsolatedClient, csrf_token_from
from tests.helpers import failed_mail_row

ADMIN_GET_PATHS = (
    "/admin/",
    "/admin/clinicians",
    "/admin/clinicians/invite",
    "/admin/couples",
    "/admin/settings",
    "/admin/audit",
)


# --- helpers ---------------------------------------------------------------------------


def sign_in(client, user: User) -> None:
    """sign_in_as for a second test client (another browser)."""
    stamp = clock_now().timestamp()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["_auth_at"] = stamp
        session["_seen_at"] = stamp


def other_browser(app) -> IsolatedClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


def post_from(client, page: str, action: str, data: dict | None = None, **kwargs):
    """GET the page (as a person would) and POST its form with the page's CSRF token."""
    token = csrf_token_from(client.get(page).text)
    return client.post(action, data={**(data or {}), "csrf_token": token}, **kwargs)


def figure(html: str, label: str) -> int:
    match = re.search(rf"<strong>(\d+)</strong> {re.escape(label)}<", html)
    assert match, f"no figure {label!r} on the page"
    return int(match.group(1))


def events(db, action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


@pytest.fixture
def make_admin(make_user):
    def _make(practice=None, **kw):
        return make_user(("admin",), practice=practice, **kw)

    return _make


# --- the overview ----------------------------------------------------------------------


def test_overview_shows_practice_figures_and_no_clinical_content(
    db, client, sign_in_as, make_admin, make_therapist, make_user, make_couple, make_practice
):
    practice = make_practice("Hillside Practice")
    admin = make_admin(practice)
    solo = make_user(("admin", "therapist"), practice=practice)
    therapist = make_therapist(practice=practice)
    gone = make_therapist(practice=practice)
    gone.is_active_account = False
    invited = make_therapist(practice=practice, password=None)  # never joined: not counted
    joined = make_couple(therapist)
    paused = make_couple(therapist)
    paused.status = "paused"
    closed = make_couple(solo, joined=False)
    closed.status = "closed"
    db.session.commit()
    elsewhere = make_couple()  # another practice: never counted
    assert elsewhere.practice_id != practice.id

    sign_in_as(admin)
    page = client.get("/admin/")
    assert page.status_code == 200
    html = page.text
    assert "Hillside Practice" in html
    assert figure(html, "Active therapists") == 2  # therapist and solo
    assert figure(html, "Active admins") == 2  # admin and solo
    assert figure(html, "Deactivated accounts") == 1
    assert figure(html, "Active") == 1
    assert figure(html, "Paused") == 1
    assert figure(html, "Closed") == 1
    assert figure(html, "Joined") == 4
    assert figure(html, "Not yet joined") == 2
    assert figure(html, "Pending invitations") == 2  # the two of the couple not yet joined
    for couple in (joined, paused, closed):
        assert couple.name not in html
        for partner in couple.partners:
            assert partner.user.name not in html
            assert partner.user.email not in html
    assert invited.name not in html
    assert "policy" not in html.lower()
    for path in ("/admin/clinicians", "/admin/couples", "/admin/settings", "/admin/audit"):
        assert f'href="{path}"' in html


def test_overview_and_couples_pages_use_a_constant_number_of_queries(
    db, client, sign_in_as, make_admin, make_therapist, make_couple, make_practice, count_queries
):
    practice = make_practice()
    admin = make_admin(practice)
    therapists = [make_therapist(practice=practice) for _ in range(2)]
    sign_in_as(admin)

    def counts() -> tuple[int, int]:
        client.get("/admin/")  # warm up
        found = []
        for path in ("/admin/", "/admin/couples"):
            with count_queries() as statements:
                assert client.get(path).status_code == 200
            found.append(len(statements))
        return found[0], found[1]

    for index in range(2):
        make_couple(therapists[index % 2], joined=index == 0)
    with_two = counts()
    for index in range(18):
        make_couple(therapists[index % 2], joined=index % 3 == 0)
    assert db.session.scalar(sa.select(sa.func.count(Couple.id))) == 20
    with_twenty = counts()
    assert with_twenty == with_two
    assert with_two[0] <= 8


# --- clinicians and invitations --------------------------------------------------------


def test_invited_clinician_gets_a_real_email_whose_link_lets_them_join(
    db, app, client, sign_in_as, make_admin, mailbox
):
    admin = make_admin()
    sign_in_as(admin)
    form = client.get("/admin/clinicians/invite")
    assert '<input checked id="therapist" name="therapist" type="checkbox"' in form.text
    assert '<input id="admin" name="admin" type="checkbox"' in form.text
    response = client.post(
        "/admin/clinicians/invite",
        data={
            "name": "Jamie Doe",
            "email": "Jamie.Doe@Example.org ",
            "therapist": "y",
            "csrf_token": csrf_token_from(form.text),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/clinicians"
    listing = client.get("/admin/clinicians")
    assert "An invitation was sent to jamie.doe@example.org." in listing.text
    assert "Jamie Doe" in listing.text

    [message] = mailbox.to("jamie.doe@example.org")
    assert "already has an account" not in mailbox.body(message)
    link = mailbox.link_to("jamie.doe@example.org", "/invitation/")
    newcomer = other_browser(app)
    accept_page = newcomer.get(link)
    assert accept_page.status_code == 200
    assert "Welcome, Jamie" in accept_page.text
    joined = newcomer.post(
        link,
        data={
            "password": PASSWORD,
            "confirm": PASSWORD,
            "timezone": "Europe/Paris",
            "csrf_token": csrf_token_from(accept_page.text),
        },
    )
    assert joined.headers["Location"] == "/therapist/"
    assert newcomer.get("/therapist/").status_code == 200

    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == "jamie.doe@example.org"))
    assert user.practice_id == admin.practice_id
    assert user.roles == {"therapist"}
    [event] = events(db, "clinician.invited")
    assert event.actor_id == admin.id
    assert event.details == {"roles": ["therapist"]}
    listing = client.get("/admin/clinicians")
    assert f'action="/admin/clinicians/{user.id}/deactivate"' in listing.text
    assert "Invited, not yet joined" in listing.text
    assert "No open invitations." in listing.text


def test_invite_form_keeps_what_was_typed_and_needs_a_role(db, client, sign_in_as, make_admin):
    sign_in_as(make_admin())
    form = client.get("/admin/clinicians/invite")
    response = client.post(
        "/admin/clinicians/invite",
        data={"name": "Jamie Doe", "email": "not-an-address",
              "csrf_token": csrf_token_from(form.text)},
    )
    assert response.status_code == 422
    assert "Enter an email address like name@example.com." in response.text
    assert "Choose therapist, admin or both." in response.text
    assert 'value="Jamie Doe"' in response.text
    assert 'value="not-an-address"' in response.text
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def _normalised(html: str) -> str:
    html = re.sub(r'name="csrf_token"( type="hidden")? value="[^"]+"', "CSRF", html)
    html = re.sub(r'name="once" value="[^"]+"', "ONCE", html)  # one-time form tokens
    html = re.sub(r"[\w.+-]+@[\w.-]+\.\w+", "EMAIL", html)
    return re.sub(r"\d+", "N", html)


def test_inviting_an_address_that_has_an_account_looks_exactly_the_same(
    db, app, make_practice, make_admin, make_user, make_couple, mailbox
):
    partner = make_couple().partners[0].user  # a partner in some other practice
    fresh = "newcomer@example.org"
    seen = []
    for email in (fresh, partner.email):
        practice = make_practice("Same Name Practice")
        admin = make_admin(practice, name="Pat Admin")
        couple = make_couple(make_user(("therapist",), practice=practice, name="Robin"))
        couple.name = "Same Couple"
        db.session.commit()
        browser = other_browser(app)
        sign_in(browser, admin)
        response = post_from(
            browser, "/admin/clinicians/invite", "/admin/clinicians/invite",
            {"name": "Jamie Doe", "email": email, "therapist": "y", "admin": "y"},
        )
        pages = ("/admin/clinicians", "/admin/", "/admin/couples")
        seen.append(
            (
                response.status_code,
                response.headers["Location"],
                *(_normalised(browser.get(page).text) for page in pages),
            )
        )
    assert seen[0] == seen[1]
    assert "An invitation was sent to EMAIL." in seen[0][2]
    assert "Jamie Doe" in seen[0][2]
    assert "Jamie Doe" not in seen[0][4]  # cannot be given a couple before joining

    link_mail = mailbox.body(mailbox.to(fresh)[0])
    assert "/invitation/" in link_mail
    [notice] = mailbox.to(partner.email)
    assert "already has an account" in mailbox.body(notice)
    assert "/invitation/" not in mailbox.body(notice)
    db.session.expire_all()
    unchanged = db.session.get(User, partner.id)
    assert unchanged.roles == {"client"}
    assert unchanged.practice_id == partner.practice_id


def test_resend_replaces_the_link_and_withdraw_ends_it(
    db, app, client, sign_in_as, make_admin, mailbox
):
    admin = make_admin()
    sign_in_as(admin)
    post_from(client, "/admin/clinicians/invite", "/admin/clinicians/invite",
              {"name": "Jo Park", "email": "jo@example.org", "admin": "y"})
    first = mailbox.link_to("jo@example.org", "/invitation/")
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.email == "jo@example.org")
    )
    assert invitation.role == "admin"

    response = post_from(client, "/admin/clinicians",
                         f"/admin/invitations/{invitation.id}/resend")
    assert response.headers["Location"] == "/admin/clinicians"
    assert len(mailbox.to("jo@example.org")) == 2
    second = mailbox.link_to("jo@example.org", "/invitation/")
    assert second != first
    visitor = other_browser(app)
    assert visitor.get(first).status_code == 400
    assert visitor.get(second).status_code == 200

    post_from(client, "/admin/clinicians", f"/admin/invitations/{invitation.id}/revoke")
    page = visitor.get(second)
    assert page.status_code == 400
    assert "withdrawn" in page.text
    assert [e.object_id for e in events(db, "invitation.resent")] == [invitation.id]
    assert [e.object_id for e in events(db, "invitation.revoked")] == [invitation.id]

    # Invited again after the withdrawal, the same person gets a link that works.
    post_from(client, "/admin/clinicians/invite", "/admin/clinicians/invite",
              {"name": "Jo Park", "email": "jo@example.org", "admin": "y"})
    third = mailbox.link_to("jo@example.org", "/invitation/")
    assert visitor.get(third).status_code == 200


def test_deactivation_ends_the_sign_in_at_once_and_keeps_the_couples(
    db, app, client, sign_in_as, make_admin, make_therapist, make_couple, make_practice,
    sign_in_by_form,
):
    practice = make_practice()
    admin = make_admin(practice)
    therapist = make_therapist(practice=practice, name="Robin Avery")
    couple = make_couple(therapist)
    theirs = other_browser(app)
    sign_in(theirs, therapist)
    assert theirs.get("/therapist/").status_code == 200

    sign_in_as(admin)
    response = post_from(
        client, "/admin/clinicians", f"/admin/clinicians/{therapist.id}/deactivate"
    )
    assert response.headers["Location"] == "/admin/clinicians"
    after = theirs.get("/therapist/")
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/sign-in")

    db.session.expire_all()
    assert db.session.get(User, therapist.id).is_active_account is False
    assert db.session.get(Couple, couple.id).therapist_id == therapist.id
    listing = client.get("/admin/clinicians")
    assert "Robin Avery&#39;s account is deactivated" in listing.text
    assert f'action="/admin/clinicians/{therapist.id}/activate"' in listing.text
    couples = client.get("/admin/couples")
    assert couple.name in couples.text
    assert "Deactivated" in couples.text
    [event] = events(db, "user.deactivated")
    assert (event.actor_id, event.object_type, event.object_id) == (admin.id, "users", therapist.id)

    # Activated again, they can sign in with their password.
    post_from(client, "/admin/clinicians", f"/admin/clinicians/{therapist.id}/activate")
    db.session.expire_all()
    assert db.session.get(User, therapist.id).is_active_account is True
    assert len(events(db, "user.activated")) == 1
    client.delete_cookie("rekindle_session")
    assert sign_in_by_form(therapist.email).headers["Location"] == "/therapist/"


def test_admin_cannot_deactivate_themselves(db, client, sign_in_as, make_admin):
    admin = make_admin()
    sign_in_as(admin)
    listing = client.get("/admin/clinicians")
    assert f"/admin/clinicians/{admin.id}/deactivate" not in listing.text
    post_from(client, "/admin/clinicians", f"/admin/clinicians/{admin.id}/deactivate")
    assert "You cannot deactivate your own account" in client.get("/admin/clinicians").text
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_active_account is True
    assert events(db, "user.deactivated") == []


def test_role_change_takes_effect_and_is_audited(
    db, app, client, sign_in_as, make_admin, make_therapist, make_practice
):
    practice = make_practice()
    admin = make_admin(practice)
    therapist = make_therapist(practice=practice)
    theirs = other_browser(app)
    sign_in(theirs, therapist)
    assert theirs.get("/admin/").status_code == 404

    sign_in_as(admin)
    path = f"/admin/clinicians/{therapist.id}/roles"
    post_from(client, "/admin/clinicians", path, {"therapist": "y", "admin": "y"})
    db.session.expire_all()
    assert db.session.get(User, therapist.id).roles == {"admin", "therapist"}
    [event] = events(db, "roles.changed")
    assert event.details == {"roles": ["admin", "therapist"]}
    assert theirs.get("/admin/").status_code == 302  # their sign-in ended with the change
    sign_in(theirs, db.session.get(User, therapist.id))
    assert theirs.get("/admin/").status_code == 200

    # No role at all is refused and changes nothing.
    post_from(client, "/admin/clinicians", path, {})
    assert "Choose therapist, admin or both." in client.get("/admin/clinicians").text
    db.session.expire_all()
    assert db.session.get(User, therapist.id).roles == {"admin", "therapist"}
    assert len(events(db, "roles.changed")) == 1


def test_admin_keeps_their_own_admin_role_and_stays_signed_in(
    db, client, sign_in_as, make_admin
):
    admin = make_admin()
    sign_in_as(admin)
    path = f"/admin/clinicians/{admin.id}/roles"
    post_from(client, "/admin/clinicians", path, {"therapist": "y"})
    assert "You cannot remove your own admin role" in client.get("/admin/clinicians").text
    post_from(client, "/admin/clinicians", path, {"therapist": "y", "admin": "y"})
    db.session.expire_all()
    assert db.session.get(User, admin.id).roles == {"admin", "therapist"}
    assert client.get("/admin/").status_code == 200
    assert client.get("/therapist/").status_code == 200


# --- couples ---------------------------------------------------------------------------


def test_moving_a_couple_moves_access(
    db, app, client, sign_in_as, make_admin, make_therapist, make_couple, make_practice
):
    practice = make_practice()
    admin = make_admin(practice)
    old = make_therapist(practice=practice, name="Old Therapist")
    new = make_therapist(practice=practice, name="New Therapist")
    couple = make_couple(old)
    old_browser, new_browser = other_browser(app), other_browser(app)
    sign_in(old_browser, old)
    sign_in(new_browser, new)
    couple_path = f"/therapist/couples/{couple.id}"
    assert old_browser.get(couple_path).status_code == 200
    assert new_browser.get(couple_path).status_code == 404

    sign_in_as(admin)
    page = client.get("/admin/couples")
    assert couple.name in page.text
    for partner in couple.partners:  # nothing about the partners themselves
        assert partner.user.name not in page.text
        assert partner.user.email not in page.text
    response = post_from(client, "/admin/couples", f"/admin/couples/{couple.id}/therapist",
                         {"therapist_id": str(new.id)})
    assert response.headers["Location"] == "/admin/couples"
    assert f"{couple.name} is now with New Therapist." in client.get("/admin/couples").text

    assert old_browser.get(couple_path).status_code == 404
    assert new_browser.get(couple_path).status_code == 200
    [event] = events(db, "couple.moved")
    assert event.details == {"from_therapist": old.id, "to_therapist": new.id}
    assert (event.object_type, event.object_id) == ("couples", couple.id)


def test_a_couple_cannot_go_to_someone_who_is_not_an_active_therapist_here(
    db, client, sign_in_as, make_admin, make_therapist, make_couple, make_practice
):
    practice = make_practice()
    admin = make_admin(practice)
    therapist = make_therapist(practice=practice)
    gone = make_therapist(practice=practice)
    gone.is_active_account = False
    db.session.commit()
    stranger = make_therapist()  # another practice
    couple = make_couple(therapist)
    sign_in_as(admin)
    page = client.get("/admin/couples").text
    assert "No other active therapist" in page  # the only active therapist already has it
    for target in (gone, stranger, admin):
        assert f'<option value="{target.id}"' not in page
        post_from(client, "/admin/couples", f"/admin/couples/{couple.id}/therapist",
                  {"therapist_id": str(target.id)})
        answer = client.get("/admin/couples").text
        assert "Choose an active therapist of the practice." in answer
    db.session.expire_all()
    assert db.session.get(Couple, couple.id).therapist_id == therapist.id
    assert events(db, "couple.moved") == []


# --- settings --------------------------------------------------------------------------


def test_settings_are_saved(db, client, sign_in_as, make_admin, make_practice):
    practice = make_practice("Old Name", timezone="Europe/London")
    admin = make_admin(practice)
    sign_in_as(admin)
    page = client.get("/admin/settings")
    assert 'value="Old Name"' in page.text
    assert '<option selected value="Europe/London">' in page.text
    response = client.post(
        "/admin/settings",
        data={"name": "  Riverside Couples  ", "paper_size": "Letter",
              "default_timezone": "America/Chicago", "csrf_token": csrf_token_from(page.text)},
    )
    assert response.headers["Location"] == "/admin/settings"
    assert "The practice settings were saved." in client.get("/admin/settings").text
    db.session.expire_all()
    saved = db.session.get(Practice, practice.id)
    assert (saved.name, saved.paper_size, saved.default_timezone) == (
        "Riverside Couples", "Letter", "America/Chicago"
    )
    [event] = events(db, "settings.changed")
    assert event.details == {"fields": ["name", "paper_size", "default_timezone"]}
    assert "Riverside Couples" in client.get("/admin/").text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "   ", "paper_size": "Letter", "default_timezone": "Asia/Tokyo"},
         "Give the practice a name."),
        ({"name": "Typed Name", "paper_size": "Letter", "default_timezone": "Mars/Olympus"},
         "Choose a timezone from the list."),
        ({"name": "Typed Name", "paper_size": "A3", "default_timezone": "Asia/Tokyo"},
         "Choose A4 or Letter."),
    ],
)
def test_bad_settings_keep_what_was_typed_with_a_clear_message(
    db, client, sign_in_as, make_admin, make_practice, data, message
):
    practice = make_practice("Kept Name")
    sign_in_as(make_admin(practice))
    page = client.get("/admin/settings")
    response = client.post("/admin/settings",
                           data={**data, "csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text or 'class="has-error"' in response.text
    if data["name"].strip():
        assert 'value="Typed Name"' in response.text
    if data["paper_size"] == "Letter":
        assert re.search(r'<input checked id="paper_size-1"[^>]*value="Letter">', response.text)
    if data["default_timezone"] == "Asia/Tokyo":
        assert '<option selected value="Asia/Tokyo">' in response.text
    db.session.expire_all()
    saved = db.session.get(Practice, practice.id)
    assert (saved.name, saved.paper_size, saved.default_timezone) == ("Kept Name", "A4", "UTC")
    assert events(db, "settings.changed") == []


# --- the audit trail -------------------------------------------------------------------


def test_audit_page_lists_only_the_practices_own_events(
    db, app, client, sign_in_as, make_admin, make_practice
):
    ours = make_admin(make_practice(), name="Our Admin")
    theirs = make_admin(make_practice(), name="Their Admin")
    other = other_browser(app)
    sign_in(other, theirs)
    post_from(other, "/admin/clinicians/invite", "/admin/clinicians/invite",
              {"name": "Jo Park", "email": "jo@example.org", "therapist": "y"})
    other.get("/admin/audit")

    sign_in_as(ours)
    page = client.get("/admin/settings")
    client.post("/admin/settings", data={
        "name": "Renamed", "paper_size": "Letter", "default_timezone": "UTC",
        "csrf_token": csrf_token_from(page.text)})
    audit = client.get("/admin/audit")
    assert audit.status_code == 200
    assert "settings.changed" in audit.text
    assert "Our Admin" in audit.text
    assert "clinician.invited" not in audit.text
    assert "Their Admin" not in audit.text
    assert "audit.viewed" not in audit.text  # recorded after the page was read
    viewed = events(db, "audit.viewed")
    assert [(e.actor_id, e.practice_id) for e in viewed] == [
        (theirs.id, theirs.practice_id), (ours.id, ours.practice_id)
    ]
    assert "audit.viewed" in client.get("/admin/audit").text


# --- who may reach the admin area ------------------------------------------------------


def _admin_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")]


def _path(rule, ids: dict[str, int]) -> str:
    return rule.rule.replace("<int:user_id>", str(ids["user_id"])).replace(
        "<int:couple_id>", str(ids["couple_id"])).replace(
        "<int:invitation_id>", str(ids["invitation_id"])).replace(
        "<int:line_id>", str(ids["line_id"])).replace(
        "<int:row_id>", str(ids["row_id"]))


def test_every_admin_route_is_covered_by_these_tests(app):
    endpoints = {rule.endpoint for rule in _admin_rules(app)}
    assert endpoints == {
        "admin.overview", "admin.clinicians", "admin.invite_clinician",
        "admin.set_clinician_roles", "admin.deactivate", "admin.activate",
        "admin.resend_invitation", "admin.revoke_invitation", "admin.couples",
        "admin.move_couple", "admin.settings", "admin.audit",
        "admin.crisis_resources", "admin.safety_settings", "admin.edit_crisis_line",
        "admin.remove_crisis_line", "admin.move_crisis_line",
        "admin.failed_mail", "admin.retry_mail",
    }


@pytest.fixture
def practice_a(db, make_practice, make_admin, make_therapist, make_couple, mailbox):
    """Practice A: an admin, a therapist, a couple and an open clinician invitation."""
    from app.services.crisis import add_crisis_line
    from app.services.practice import invite_clinician

    practice = make_practice("Practice A")
    admin = make_admin(practice)
    therapist = make_therapist(practice=practice)
    couple = make_couple(therapist)
    outgoing = invite_clinician(admin, email="invitee@example.org", name="In Vitee",
                                roles={"therapist"})
    line = add_crisis_line(admin, practice, name="Line A", number="0800 111 111", hours=None,
                           url=None)
    mail = failed_mail_row(db, therapist)
    db.session.commit()
    return {
        "admin": admin,
        "therapist": therapist,
        "couple": couple,
        "ids": {"user_id": therapist.id, "couple_id": couple.id,
                "invitation_id": outgoing.invitation.id, "line_id": line.id,
                "row_id": mail.id},
    }


def _snapshot(db, ids):
    db.session.expire_all()
    therapist = db.session.get(User, ids["user_id"])
    return (
        therapist.is_active_account,
        therapist.roles,
        therapist.sign_in_token,
        db.session.get(Couple, ids["couple_id"]).therapist_id,
        db.session.get(Invitation, ids["invitation_id"]).revoked_at,
        db.session.get(Invitation, ids["invitation_id"]).send_count,
        [(line.name, line.number, line.position) for line in db.session.scalars(
            sa.select(CrisisLine).order_by(CrisisLine.id))],
        [(row.status, row.attempts) for row in db.session.scalars(
            sa.select(MailOutbox).order_by(MailOutbox.id))],
    )


def test_admin_of_another_practice_gets_not_found_for_every_record(
    db, app, client, sign_in_as, practice_a, make_admin, make_therapist, make_practice
):
    other_practice = make_practice("Practice B")
    other_admin = make_admin(other_practice)
    make_therapist(practice=other_practice)
    before = _snapshot(db, practice_a["ids"])
    sign_in_as(other_admin)
    token = csrf_token_from(client.get("/admin/clinicians").text)
    data = {"csrf_token": token, "therapist": "y", "admin": "y",
            "therapist_id": str(practice_a["therapist"].id)}
    tried = 0
    for rule in _admin_rules(app):
        if "POST" not in rule.methods or "<" not in rule.rule:
            continue
        response = client.post(_path(rule, practice_a["ids"]), data=data)
        assert response.status_code == 404, rule.rule
        tried += 1
    assert tried == 10
    assert _snapshot(db, practice_a["ids"]) == before
    for page in ("/admin/clinicians", "/admin/couples", "/admin/audit"):
        html = client.get(page).text
        assert practice_a["couple"].name not in html
        assert practice_a["therapist"].email not in html
        assert "invitee@example.org" not in html
    assert len(events(db, "access.denied")) == tried


def test_therapists_partners_and_visitors_cannot_reach_the_admin_area(
    db, app, client, sign_in_as, practice_a
):
    before = _snapshot(db, practice_a["ids"])
    partner = practice_a["couple"].partners[0].user
    routes = [
        (rule.methods & {"GET", "POST"}, _path(rule, practice_a["ids"]))
        for rule in _admin_rules(app)
    ]
    token = csrf_token_from(client.get("/sign-in").text)
    data = {"csrf_token": token, "therapist": "y", "therapist_id": str(practice_a["admin"].id),
            "name": "X", "email": "x@example.org", "paper_size": "A4",
            "default_timezone": "UTC"}

    for methods, path in routes:
        for method in methods:
            response = client.open(path, method=method, data=data)
            assert response.status_code == 302, (method, path)
            assert response.headers["Location"].startswith("/sign-in"), (method, path)

    for user in (practice_a["therapist"], partner):
        sign_in_as(user)
        token = csrf_token_from(client.get("/guides/").text)
        for methods, path in routes:
            for method in methods:
                response = client.open(path, method=method, data={**data, "csrf_token": token})
                assert response.status_code == 404, (user, method, path)
    assert _snapshot(db, practice_a["ids"]) == before


def test_an_admin_only_user_sees_no_therapist_pages(client, sign_in_as, practice_a):
    sign_in_as(practice_a["admin"])
    assert client.get("/admin/").status_code == 200
    assert client.get("/therapist/").status_code == 404
    assert client.get(f"/therapist/couples/{practice_a['couple'].id}").status_code == 404
    assert client.get("/portal/").status_code == 404


def test_a_user_who_is_admin_and_therapist_reaches_both(
    client, sign_in_as, make_user, make_couple
):
    solo = make_user(("admin", "therapist"))
    couple = make_couple(solo)
    sign_in_as(solo)
    assert client.get("/admin/").status_code == 200
    assert client.get(f"/therapist/couples/{couple.id}").status_code == 200
    assert couple.name in client.get("/admin/couples").text


# --- a real browser --------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("screen", ["page", "phone_page"])
def test_admin_pages_pass_axe_and_fit_a_phone(
    request, screen, db, make_practice, make_admin, make_therapist, make_couple
):
    from playwright.sync_api import expect

    from tests.e2e.accessibility import serious_violations

    practice = make_practice("Browser Practice")
    admin = make_admin(practice, email="admin-browser@example.org")
    make_couple(make_therapist(practice=practice, name="Robin Avery"))
    make_therapist(practice=practice, name="Sky Moreno")
    tab = request.getfixturevalue(screen)
    tab.goto("/sign-in")
    tab.get_by_label("Email").fill(admin.email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("heading", name="Browser Practice")).to_be_visible()

    # The audit page uses the shared audit_table macro, checked where that macro lives.
    for path in ("/admin/", "/admin/clinicians", "/admin/couples", "/admin/settings",
                 "/admin/clinicians/invite"):
        tab.goto(path)
        assert serious_violations(tab) == [], path
        assert tab.evaluate("document.documentElement.scrollWidth") <= (
            tab.viewport_size["width"]
        ), path

    tab.get_by_role("button", name="Send the invitation").click()
    expect(tab.get_by_text("Enter the clinician's name.")).to_be_visible()
    assert serious_violations(tab) == []

    tab.goto("/admin/couples")
    tab.get_by_label(re.compile("^Move Couple ")).select_option(label="Sky Moreno")
    tab.get_by_role("button", name=re.compile("^Move Couple ")).click()
    expect(tab.get_by_text(re.compile("is now with Sky Moreno"))).to_be_visible()
