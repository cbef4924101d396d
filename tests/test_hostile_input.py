"""Every route, fed hostile values by someone allowed to use it, answers in the app's own
style: never a 500, never a traceback.

The field names are those of the forms the app itself serves (read from its pages), so
each validator and each service behind a form meets values it did not expect: dates at the
ends of the calendar, impossible dates and times, huge and negative numbers, long text,
markup, emoji, full-width digits, lists where one value is expected.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa

from app.clock import now
from app.extensions import db
from app.models import Assignment, TherapySession
from app.services.submissions import new_token
from tests.conftest import csrf_token_from
from tests.helpers import MATRIX, build_world

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
def world(db, make_practice, make_user, make_couple):
    return build_world(db, make_practice, make_user, make_couple)


@pytest.fixture
def field_names(app, world):
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


def test_every_form_takes_hostile_values_without_a_server_error(app, world, field_names):
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


def test_every_page_takes_hostile_query_values_and_days(app, world):
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


class _Forms(HTMLParser):
    """The POST forms of a page: action and each field's name and shown value (text,
    hidden, the checked radio or box, the selected option, a textarea's text)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[tuple[str | None, dict[str, str]]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self.forms.append((a.get("action") or self.page, {}))
            else:
                self.forms.append((None, {}))  # a GET form: not sent
            return
        if not self.forms:
            return
        fields = self.forms[-1][1]
        if tag == "option" and self._select:
            if "selected" in a or not fields.get(self._select):
                fields[self._select] = a.get("value") or ""
            return
        name = a.get("name")
        if not name:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                if "checked" in a or name not in fields:
                    fields[name] = a.get("value") or "y"
            elif kind not in ("submit", "button"):
                fields[name] = a.get("value") or ""
        elif tag == "select":
            self._select = name
            fields.setdefault(name, "")
        elif tag == "textarea":
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1][1][self._textarea] += data


# A shorter list for one field at a time, the others keeping their usual values.
ONE_FIELD = ["", "9999-12-31", "0001-01-01", "1900-01-01", "-1", "99999999999",
             "x" * 20_000, "\u00b2"]


def test_each_field_of_each_form_takes_hostile_values_alone(app, world):
    """Field by field, with every other field as the page filled it in: the services
    behind valid-looking forms meet the extremes too (a start date in year 1, a session
    in year 9999)."""
    users, ids = world
    seen: set[tuple[str, str]] = set()
    for endpoint, (method, template, expected) in MATRIX.items():
        if method != "GET":
            continue
        role = next((r for r, status in expected.items() if status == 200), None)
        if role is None or role == "anonymous":
            continue
        client = _signed_in(app, users[role])
        url = template.format(**ids)
        page = client.get(url)
        parser = _Forms(url)
        parser.feed(page.text)
        for action, fields in parser.forms:
            if not action or (action, role) in seen or "sign_out" in action:
                continue
            seen.add((action, role))
            for name in fields:
                if name in ("csrf_token", "once"):
                    continue
                for value in ONE_FIELD:
                    client = _signed_in(app, users[role])
                    data = {**fields, name: value, "once": new_token(),
                            "csrf_token": csrf_token_from(client.get("/reset").text)}
                    response = client.post(action, data=data)
                    _assert_handled(response, (endpoint, action, name, value[:20]))
    assert len(seen) >= 20, sorted(seen)
    # Nothing absurd was kept: dates far from today are refused with a message.
    today = now().date()
    starts = db.session.scalars(sa.select(Assignment.start_date)).all()
    assert all(abs((start - today).days) <= 366 for start in starts), starts
    sessions = db.session.scalars(sa.select(TherapySession.scheduled_at)).all()
    assert all(-366 <= (when.date() - today).days <= 2 * 366 for when in sessions), sessions
    # Whatever those values made, every page still opens.
    for endpoint, (method, template, expected) in MATRIX.items():
        role = next((r for r, status in expected.items() if status == 200), None)
        if method == "GET" and role not in (None, "anonymous"):
            response = _signed_in(app, users[role]).get(template.format(**ids))
            _assert_handled(response, ("after", endpoint))
