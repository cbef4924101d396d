"""Every route, fed hostile values by someone allowed to use it, answers in the app's own
style: never a 500, never a traceback.

The field names are those of the forms the app itself serves (read from its pages), so
each validator and each service behind a form meets values it did not expect: dates at the
ends of the calendar, impossible dates and times, huge and negative numbers, long text,
markup, emoji, full-width digits, lists where one value is expected.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import pytest

from app.clock import now
from tests.conftest import csrf_token_from
from tests.test_access_matrix import MATRIX, world  # noqa: F401 - world is a fixture

HOSTILE = [
    "",
    " ",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "25:99",
    "23:59:60",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "\uff12\uff10\uff12\uff16-\uff10\uff13-\uff11\uff16",  # 2026-03-16 in full-width digits
    "\u00b2",  # a superscript two: str.isdigit() says yes, int() says no
    "<script>alert(1)</script>",
    "😀" * 50,
    "x" * 20_000,
    "joint:999999",
    "one:-1",
]
QUERY_NAMES = ("sort", "entries", "week", "new", "exercise", "step", "next", "page", "q")
OWNER = {"therapist": "therapist", "admin": "admin", "client": "partner", "auth": "therapist"}
NAME = re.compile(r'\bname="([A-Za-z_][\w-]*)"')


def _signed_in(app, user):
    client = app.test_client()
    stamp = now().timestamp()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_auth_at"] = stamp
        session["_seen_at"] = stamp
    return client


def _url(rule, ids: dict, day: str | None = None) -> str:
    values = {"couple_id": ids["couple"], "assignment_id": ids["assignment"],
              "entry_id": ids["entry"], "invitation_id": ids["invitation"],
              "user_id": ids["clinician"], "exercise_id": ids["exercise"],
              "position": 1, "day": day or ids["today"], "session_id": ids["session"],
              "report_id": ids["report"]}
    if rule.endpoint.startswith("admin.") and "invitation_id" in rule.rule:
        values["invitation_id"] = ids["clinician_invitation"]
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values.get(m.group(1), "x")), rule.rule)


def _assert_handled(response, what) -> None:
    assert response.status_code < 500, (what, response.status_code)
    assert "Traceback" not in response.text, what


@pytest.fixture
def field_names(app, world):  # noqa: F811 - the fixture above
    """Every form field name the app's own pages carry, read as their owners see them."""
    users, ids = world
    names: set[str] = set()
    for _endpoint, (method, template, expected) in MATRIX.items():
        if method != "GET":
            continue
        role = next((r for r, status in expected.items() if status == 200), None)
        if role is None or role == "anonymous":
            continue
        page = _signed_in(app, users[role]).get(template.format(**ids))
        names.update(NAME.findall(page.text))
    names.discard("csrf_token")
    assert {"date", "time", "audience", "start", "cadence", "completion"} <= names, names
    return sorted(names)


def test_every_form_takes_hostile_values_without_a_server_error(app, world, field_names):  # noqa: F811
    users, ids = world
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        role = OWNER.get(rule.endpoint.split(".")[0], "therapist")
        for value in HOSTILE:
            client = _signed_in(app, users[role])
            token = csrf_token_from(client.get("/reset").text)
            data = {name: value for name in field_names}
            data["csrf_token"] = token
            response = client.post(_url(rule, ids), data=data)
            _assert_handled(response, (rule.endpoint, value[:20]))
        # A list where one value is expected.
        client = _signed_in(app, users[role])
        token = csrf_token_from(client.get("/reset").text)
        data = {name: ["1", "2026-03-16", "x"] for name in field_names}
        data["csrf_token"] = token
        _assert_handled(client.post(_url(rule, ids), data=data), (rule.endpoint, "lists"))


def test_every_page_takes_hostile_query_values_and_days(app, world):  # noqa: F811
    users, ids = world
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        role = OWNER.get(rule.endpoint.split(".")[0], "therapist")
        client = _signed_in(app, users[role])
        days = [*HOSTILE[2:6], "2026-13-01", "tomorrow"] if "<day>" in rule.rule else [None]
        for day in days:
            for value in HOSTILE[:14]:
                query = urlencode({name: value for name in QUERY_NAMES})
                path = _url(rule, ids, quote(day) if day else None)
                response = client.get(f"{path}?{query}")
                _assert_handled(response, (rule.endpoint, day, value[:20]))
