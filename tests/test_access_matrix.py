"""Every route x every role, with real object ids. A route missing from both the public
list and the matrix fails the suite, so authorization can't be forgotten."""

from __future__ import annotations

import difflib
import re

import pytest

from tests.conftest import csrf_token_from
from tests.helpers import MATRIX, PUBLIC, ROLES, build_world, sign_in


@pytest.fixture
def world(db, make_practice, make_user, make_couple):
    return build_world(db, make_practice, make_user, make_couple)


def test_every_route_is_public_or_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - PUBLIC - set(MATRIX)
    assert not missing, f"routes without access rows: {sorted(missing)}"
    stale = set(MATRIX) - endpoints
    assert not stale, f"matrix rows for routes that no longer exist: {sorted(stale)}"


def test_every_matrix_row_covers_every_role():
    for endpoint, (_, _, expected) in MATRIX.items():
        assert set(expected) == set(ROLES), endpoint


def _request(app, user, method, url):
    client = app.test_client()
    if user is not None:
        sign_in(client, user)
    if method == "GET":
        return client.get(url)
    # A real CSRF token for this visitor, so the answer is about access, not the token.
    token = csrf_token_from(client.get("/reset").text)
    return client.post(url, data={"csrf_token": token})


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(app, world, endpoint):
    users, ids = world
    method, template, expected = MATRIX[endpoint]
    url = template.format(**ids)
    # Those who must be refused go first, so an allowed state change can't mask a refusal.
    order = sorted(ROLES, key=lambda role: expected[role] not in (404, 302) or role == "anonymous")
    for role in order:
        response = _request(app, users.get(role), method, url)
        assert response.status_code == expected[role], (
            endpoint, role, response.status_code, response.headers.get("Location"))
        if expected[role] == 404:
            assert "Page not found" in response.text
        if role == "anonymous" and expected[role] == 302:
            assert re.match(r"^/sign-in\?next=", response.headers["Location"]), endpoint


def test_the_not_found_page_is_the_same_for_forbidden_and_missing(app, world, sign_in_as, client):
    users, ids = world
    sign_in_as(users["other_therapist"])
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
    owner = {"therapist": "therapist", "admin": "admin", "client": "partner"}
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        role = owner.get(rule.endpoint.split(".")[0], "therapist")
        client = app.test_client()
        sign_in(client, users[role])
        values = {"couple_id": ids["couple"], "assignment_id": ids["assignment"],
                  "entry_id": ids["entry"], "invitation_id": ids["invitation"],
                  "user_id": ids["clinician"], "exercise_id": ids["exercise"],
                  "position": 1, "day": ids["today"], "session_id": ids["session"],
                  "report_id": ids["report"], "line_id": ids["crisis_line"],
                  "row_id": ids["mail"]}
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values.get(m.group(1), "x")), rule.rule)
        response = client.post(url, data={"anything": "1"})
        assert response.status_code == 400, (rule.endpoint, response.status_code)
        assert ("This form has expired" in response.text or "link" in response.text
                or "needed refreshing" in response.text), rule.endpoint


def test_csrf_tokens_last_as_long_as_the_sign_in(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
