"""Every route x every role, with real object ids. A route missing from both the public
list and the matrix fails the suite, so authorization can't be forgotten."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re

import pytest
import sqlalchemy as sa

from app.clock import now, today_in
from app.models import Invitation, Report
from app.services.homework import Schedule, assign_exercise, log_entry
from app.services.own_exercises import create_own_exercise
from app.services.practice import invite_clinician
from app.services.sessions import schedule_session
from tests.conftest import csrf_token_from

ROLES = (
    "anonymous",
    "partner",
    "other_partner",
    "foreign_partner",
    "other_therapist",
    "foreign_therapist",
    "therapist",
    "admin",
)

# Open to anyone; they reveal nothing that belongs to a user.
PUBLIC = {
    "static",
    "auth.index",
    "auth.login",
    "auth.accept_invitation",
    "auth.reset_request",
    "auth.reset_password",
    "guides.index",
    "guides.guide",
    "health.healthz",
    "health.readyz",
}


def only(allowed: dict[str, int], *, anonymous: int = 302, others: int = 404) -> dict:
    """Expected statuses: the allowed roles as given, anonymous sent to log in, others 404."""
    expected = {role: others for role in ROLES}
    expected["anonymous"] = anonymous
    expected.update(allowed)
    return expected


SIGNED_IN = {role: 200 for role in ROLES if role != "anonymous"}
PARTNERS = {"partner": 200, "other_partner": 200, "foreign_partner": 200}
THERAPIST_GET = only({"therapist": 200})
THERAPIST_POST = only({"therapist": 302})

# endpoint -> (method, url template, expected status per role)
MATRIX: dict[str, tuple[str, str, dict[str, int]]] = {
    "auth.logout": ("POST", "/logout", only({r: 302 for r in SIGNED_IN})),
    "auth.change_own_password": ("GET", "/account/password", only(SIGNED_IN)),
    "client.welcome": ("GET", "/portal/", only(PARTNERS)),
    "therapist.caseload": (
        "GET", "/therapist/", only({"therapist": 200, "other_therapist": 200,
                                    "foreign_therapist": 200})),
    "therapist.new_couple": (
        "GET", "/therapist/couples/new", only({"therapist": 200, "other_therapist": 200,
                                               "foreign_therapist": 200})),
    "therapist.couple": ("GET", "/therapist/couples/{couple}", THERAPIST_GET),
    "therapist.couple_audit": ("GET", "/therapist/couples/{couple}/audit", THERAPIST_GET),
    "therapist.invite": (
        "POST", "/therapist/couples/{couple}/partners/1/invite", THERAPIST_POST),
    "therapist.resend_invitation": (
        "POST", "/therapist/couples/{couple}/invitations/{invitation}/resend", THERAPIST_POST),
    "therapist.revoke_invitation": (
        "POST", "/therapist/couples/{couple}/invitations/{invitation}/revoke", THERAPIST_POST),
}
ALL_THERAPISTS = {"therapist": 200, "other_therapist": 200, "foreign_therapist": 200}
MATRIX.update({
    "therapist.own_exercises": ("GET", "/therapist/exercises", only(ALL_THERAPISTS)),
    "therapist.new_exercise": ("GET", "/therapist/exercises/new", only(ALL_THERAPISTS)),
    "therapist.own_exercise": ("GET", "/therapist/exercises/{exercise}", THERAPIST_GET),
    "therapist.edit_exercise": ("GET", "/therapist/exercises/{exercise}/edit", THERAPIST_GET),
    "therapist.archive_exercise": (
        "POST", "/therapist/exercises/{exercise}/archive", THERAPIST_POST),
})
MATRIX.update({
    "client.log": ("GET", "/portal/homework/{assignment}/{today}",
                   only({"partner": 200, "other_partner": 200})),
    "therapist.choose_couple": ("GET", "/therapist/assign?exercise={exercise}", THERAPIST_GET),
    "therapist.assign": (
        "GET", "/therapist/couples/{couple}/assign?exercise={exercise}", THERAPIST_GET),
    "therapist.pause_assignment": (
        "POST", "/therapist/assignments/{assignment}/pause", THERAPIST_POST),
    "therapist.resume_assignment": (
        "POST", "/therapist/assignments/{assignment}/resume", THERAPIST_POST),
    "therapist.end_assignment": (
        "POST", "/therapist/assignments/{assignment}/end", THERAPIST_POST),
    "therapist.edit_assignment": (
        "GET", "/therapist/assignments/{assignment}/edit", THERAPIST_GET),
    "therapist.change_couple_policy": (
        "POST", "/therapist/couples/{couple}/policy", THERAPIST_POST),
    "client.accept_current_policy": (
        "POST", "/portal/policy/accept",
        only({"partner": 302, "other_partner": 302, "foreign_partner": 302})),
    "client.autosave": ("POST", "/portal/homework/{assignment}/{today}/draft",
                        only({"partner": 200, "other_partner": 200})),
    # Only the author: the other partner gets the same 404 as a stranger.
    "client.entry_visibility": (
        "POST", "/portal/entries/{entry}/visibility", only({"partner": 302})),
})
MATRIX.update({
    "therapist.new_session": (
        "GET", "/therapist/couples/{couple}/sessions/new", THERAPIST_GET),
    "therapist.session": ("GET", "/therapist/sessions/{session}", THERAPIST_GET),
    # Posted with only a CSRF token: the allowed therapist gets the form back with errors.
    "therapist.record": ("POST", "/therapist/sessions/{session}/record",
                         only({"therapist": 422})),
    "therapist.move": ("POST", "/therapist/sessions/{session}/schedule",
                       only({"therapist": 422})),
    "therapist.create_report": ("POST", "/therapist/sessions/{session}/reports",
                                only({"therapist": 422})),
    "therapist.cancel": ("POST", "/therapist/sessions/{session}/cancel", THERAPIST_POST),
    "therapist.download_report": ("GET", "/therapist/reports/{report}", THERAPIST_GET),
    "client.checkin": ("GET", "/portal/check-in/{session}",
                       only({"partner": 200, "other_partner": 200})),
})
ADMIN_GET = only({"admin": 200})
ADMIN_POST = only({"admin": 302})
MATRIX.update({
    "admin.overview": ("GET", "/admin/", ADMIN_GET),
    "admin.clinicians": ("GET", "/admin/clinicians", ADMIN_GET),
    "admin.invite_clinician": ("GET", "/admin/clinicians/invite", ADMIN_GET),
    "admin.couples": ("GET", "/admin/couples", ADMIN_GET),
    "admin.settings": ("GET", "/admin/settings", ADMIN_GET),
    "admin.audit": ("GET", "/admin/audit", ADMIN_GET),
    "admin.set_clinician_roles": ("POST", "/admin/clinicians/{clinician}/roles", ADMIN_POST),
    "admin.deactivate": ("POST", "/admin/clinicians/{clinician}/deactivate", ADMIN_POST),
    "admin.activate": ("POST", "/admin/clinicians/{clinician}/activate", ADMIN_POST),
    "admin.move_couple": ("POST", "/admin/couples/{couple}/therapist", ADMIN_POST),
    "admin.resend_invitation": (
        "POST", "/admin/invitations/{clinician_invitation}/resend", ADMIN_POST),
    "admin.revoke_invitation": (
        "POST", "/admin/invitations/{clinician_invitation}/revoke", ADMIN_POST),
})


@pytest.fixture
def world(db, make_practice, make_user, make_couple):
    """Two practices: ours (admin, the therapist, another therapist, the couple) and a
    foreign one (its therapist and couple)."""
    practice = make_practice("Ours")
    admin = make_user(("admin",), practice=practice)
    therapist = make_user(("therapist",), practice=practice)
    other_therapist = make_user(("therapist",), practice=practice)
    couple = make_couple(therapist)
    foreign_therapist = make_user(("therapist",), practice=make_practice("Theirs"))
    foreign_couple = make_couple(foreign_therapist)
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.couple_id == couple.id).limit(1))
    clinician_invitation = invite_clinician(
        admin, email="new-clinician@example.org", name="New Clinician", roles={"therapist"}
    ).invitation
    exercise = create_own_exercise(therapist, {
        "title": "Listen", "instructions": "Listen.", "prompts": ["What did you hear?"],
        "cadence": "weekly"})
    today = today_in("UTC")
    assignment = assign_exercise(
        therapist, couple, exercise, mode="both",
        schedule=Schedule(start=today - dt.timedelta(days=3), cadence="daily"))
    entry = log_entry(couple.partners[0].user, couple, assignment, today, completion="done",
                      answers=["private words"])
    session = schedule_session(therapist, couple, now() + dt.timedelta(days=2),
                               request_measure=True)
    content = b"%PDF-1.7 stand-in"
    report = Report(couple_id=couple.id, session_id=session.id, audience="clinician",
                    period_start=today, period_end=today, content=content,
                    sha256=hashlib.sha256(content).hexdigest(), byte_size=len(content),
                    page_count=1, generated_by_id=therapist.id)
    db.session.add(report)
    db.session.commit()
    users = {
        "partner": couple.partners[0].user,
        "other_partner": couple.partners[1].user,
        "foreign_partner": foreign_couple.partners[0].user,
        "other_therapist": other_therapist,
        "foreign_therapist": foreign_therapist,
        "therapist": therapist,
        "admin": admin,
    }
    ids = {"couple": couple.id, "invitation": invitation.id, "clinician": other_therapist.id,
           "user": other_therapist.id, "clinician_invitation": clinician_invitation.id,
           "exercise": exercise.id, "assignment": assignment.id, "today": today.isoformat(),
           "entry": entry.id, "session": session.id, "report": report.id}
    return users, ids


def test_every_route_is_public_or_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - PUBLIC - set(MATRIX)
    assert not missing, f"routes without access rows: {sorted(missing)}"
    stale = set(MATRIX) - endpoints
    assert not stale, f"matrix rows for routes that no longer exist: {sorted(stale)}"


def test_every_matrix_row_covers_every_role():
    for endpoint, (_, _, expected) in MATRIX.items():
        assert set(expected) == set(ROLES), endpoint


def _request(app, login_as_user, role, user, method, url):
    client = app.test_client()
    if user is not None:
        login_as_user(client, user)
    if method == "GET":
        return client.get(url)
    # A real CSRF token for this visitor, so the answer is about access, not the token.
    token = csrf_token_from(client.get("/reset").text)
    return client.post(url, data={"csrf_token": token})


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(app, world, endpoint):
    from app.clock import now

    users, ids = world

    def login_as_user(client, user):
        stamp = now().timestamp()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_auth_at"] = stamp
            session["_seen_at"] = stamp

    method, template, expected = MATRIX[endpoint]
    url = template.format(**ids)
    # Those who must be refused go first, so an allowed state change can't mask a refusal.
    order = sorted(ROLES, key=lambda role: expected[role] not in (404, 302) or role == "anonymous")
    for role in order:
        response = _request(app, login_as_user, role, users.get(role), method, url)
        assert response.status_code == expected[role], (
            endpoint, role, response.status_code, response.headers.get("Location"))
        if expected[role] == 404:
            assert "Page not found" in response.text
        if role == "anonymous" and expected[role] == 302:
            assert re.match(r"^/login\?next=", response.headers["Location"]), endpoint


def test_the_not_found_page_is_the_same_for_forbidden_and_missing(app, world, login_as, client):
    users, ids = world
    login_as(users["other_therapist"])
    forbidden = client.get(f"/therapist/couples/{ids['couple']}")
    missing = client.get("/therapist/couples/987654")
    assert forbidden.status_code == missing.status_code == 404
    # The CSRF token of the page's log-out button carries a timestamp; nothing else differs.
    def mask(html):
        return re.sub(r'<input[^>]*name="(?:csrf_token|once)"[^>]*>', "TOKEN", html)

    difference = list(difflib.unified_diff(mask(missing.text).splitlines(),
                                           mask(forbidden.text).splitlines(), lineterm=""))
    assert not difference, "\n".join(difference)


def test_every_state_changing_route_requires_a_csrf_token(app, world):
    """Posted without a token by someone allowed to use it, every POST is refused (400)."""
    users, ids = world
    from app.clock import now

    owner = {"therapist": "therapist", "admin": "admin", "client": "partner"}
    stamp = now().timestamp()
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        role = owner.get(rule.endpoint.split(".")[0], "therapist")
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = users[role].get_id()
            session["_auth_at"] = stamp
            session["_seen_at"] = stamp
        values = {"couple_id": ids["couple"], "assignment_id": ids["assignment"],
                  "entry_id": ids["entry"], "invitation_id": ids["invitation"],
                  "user_id": ids["clinician"], "exercise_id": ids["exercise"],
                  "position": 1, "day": ids["today"], "session_id": ids["session"],
                  "report_id": ids["report"]}
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values.get(m.group(1), "x")), rule.rule)
        response = client.post(url, data={"anything": "1"})
        assert response.status_code == 400, (rule.endpoint, response.status_code)
        assert ("This form has expired" in response.text or "link" in response.text
                or "needed refreshing" in response.text), rule.endpoint


def test_csrf_tokens_last_as_long_as_the_session(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
