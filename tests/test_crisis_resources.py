"""Crisis resources (issue 13, point 7): an admin sets the practice's crisis lines and its
local emergency number through the real pages; the partners' "Need help now?" page lists
them, and says "call your local emergency number" until they are set. Rekindle ships no
numbers of its own."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, CrisisLine, Practice
from app.models.crisis import DEFAULT_QUICK_EXIT_URL
from app.services import DomainError
from app.services.crisis import (
    CrisisError,
    add_crisis_line,
    crisis_resources,
    crisis_resources_for_couple,
)
from tests.conftest import csrf_token_from


@pytest.fixture
def couple_and_admin(make_couple, make_user):
    couple = make_couple()
    admin = make_user(("admin",), practice=couple.therapist.practice)
    return couple, admin


def _post(client, page: str, action: str, data: dict):
    token = csrf_token_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


def _events(db, action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _lines(db, practice_id: int) -> list[tuple[str, int]]:
    db.session.expire_all()
    return [(line.name, line.position) for line in db.session.scalars(
        sa.select(CrisisLine).where(CrisisLine.practice_id == practice_id)
        .order_by(CrisisLine.position))]


def test_until_lines_are_set_the_help_page_says_call_your_local_emergency_number(
        db, client, sign_in_as, couple_and_admin):
    couple, _ = couple_and_admin
    sign_in_as(couple.partners[0].user)
    page = client.get("/portal/help")
    assert page.status_code == 200
    assert "call your local emergency number" in page.text
    assert 'href="tel:' not in page.text  # Rekindle ships no numbers of its own
    assert crisis_resources_for_couple(couple) == ([], None)


def test_an_admin_adds_lines_and_partners_see_them_in_order(
        db, client, sign_in_as, couple_and_admin):
    couple, admin = couple_and_admin
    sign_in_as(admin)
    page = client.get("/admin/crisis-resources")
    assert "Rekindle comes with no phone numbers of its own" in page.text
    for name, number, url in (("Abuse helpline", "0808 2000 247", ""),
                              ("Night line", "+44 (0)20 7946-0000", "https://example.org/chat"),
                              ("Text service", "", "https://example.org/text")):
        answer = _post(client, "/admin/crisis-resources", "/admin/crisis-resources",
                       {"name": name, "number": number, "hours": "Every day, at any hour",
                        "url": url})
        assert answer.status_code == 302
    answer = _post(client, "/admin/crisis-resources", "/admin/crisis-resources/settings",
                   {"emergency_number": "999", "quick_exit_url": DEFAULT_QUICK_EXIT_URL})
    assert answer.status_code == 302
    line = db.session.scalar(sa.select(CrisisLine).where(CrisisLine.name == "Text service"))
    answer = _post(client, "/admin/crisis-resources",
                   f"/admin/crisis-resources/{line.id}/move", {"direction": "up"})
    assert answer.status_code == 302
    assert _lines(db, couple.practice_id) == [
        ("Abuse helpline", 1), ("Text service", 2), ("Night line", 3)]

    sign_in_as(couple.partners[1].user)
    page = client.get("/portal/help").text
    assert "call <strong>999</strong>" in page
    assert page.index("Abuse helpline") < page.index("Text service") < page.index("Night line")
    assert 'href="tel:+44(0)207946-0000"' in page
    assert 'href="https://example.org/chat"' in page
    lines, emergency = crisis_resources(couple.practice_id)
    assert [line.name for line in lines] == ["Abuse helpline", "Text service", "Night line"]
    assert emergency == "999"
    assert len(_events(db, "crisis_line.added")) == 3
    assert len(_events(db, "crisis_line.moved")) == 1
    assert _events(db, "safety_settings.changed")[0].details == {"fields": ["emergency_number"]}


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": "", "number": "112"}, "name", "Give the line a name."),
    ({"name": "Line", "number": "call 112"}, "number", "Use only digits, spaces, +, - and"),
    ({"name": "Line", "number": "", "url": ""}, "number", "Enter a number, a web address"),
    ({"name": "Line", "url": "javascript:alert(1)"}, "url", "starting with https://"),
    ({"name": "Line", "url": "ftp://example.org"}, "url", "starting with https://"),
    ({"name": "Line", "url": "https://"}, "url", "starting with https://"),
])
def test_a_line_that_cannot_be_saved_keeps_what_was_typed(
        db, client, sign_in_as, couple_and_admin, data, field, message):
    couple, admin = couple_and_admin
    sign_in_as(admin)
    typed = {"name": "", "number": "", "hours": "Weekdays 9 to 5", "url": "", **data}
    answer = _post(client, "/admin/crisis-resources", "/admin/crisis-resources", typed)
    assert answer.status_code == 422
    assert message in answer.text
    tag = re.search(rf'<input[^>]*\bid="{field}"[^>]*>', answer.text).group(0)
    assert 'aria-invalid="true"' in tag
    assert 'value="Weekdays 9 to 5"' in answer.text
    assert _lines(db, couple.practice_id) == []
    assert _events(db, "crisis_line.added") == []


def test_the_safety_settings_refuse_a_bad_number_or_address_and_keep_what_was_typed(
        db, client, sign_in_as, couple_and_admin):
    couple, admin = couple_and_admin
    sign_in_as(admin)
    answer = _post(client, "/admin/crisis-resources", "/admin/crisis-resources/settings",
                   {"emergency_number": "nine-one-one", "quick_exit_url": "weather.com"})
    assert answer.status_code == 422
    assert "Use only digits" in answer.text
    assert 'value="nine-one-one"' in answer.text and 'value="weather.com"' in answer.text
    answer = _post(client, "/admin/crisis-resources", "/admin/crisis-resources/settings",
                   {"emergency_number": "911", "quick_exit_url": "weather.com"})
    assert answer.status_code == 422
    assert "Enter a web address starting with https://" in answer.text
    db.session.expire_all()
    practice = db.session.get(Practice, couple.practice_id)
    assert practice.emergency_number is None
    assert practice.quick_exit_url == DEFAULT_QUICK_EXIT_URL


def test_an_admin_edits_and_removes_a_line(db, client, sign_in_as, couple_and_admin):
    couple, admin = couple_and_admin
    first = add_crisis_line(admin, admin.practice, name="First", number="111", hours=None,
                            url=None)
    add_crisis_line(admin, admin.practice, name="Second", number="222", hours=None, url=None)
    db.session.commit()
    sign_in_as(admin)
    edit = f"/admin/crisis-resources/{first.id}/edit"
    assert 'value="First"' in client.get(edit).text
    refused = _post(client, edit, edit, {"name": "First line", "number": "1x1"})
    assert refused.status_code == 422 and 'value="First line"' in refused.text
    assert _post(client, edit, edit, {"name": "First line", "number": "111",
                                      "hours": "At night"}).status_code == 302
    assert _events(db, "crisis_line.changed")[0].details == {"fields": ["name", "hours"]}
    assert _post(client, "/admin/crisis-resources", f"/admin/crisis-resources/{first.id}/remove",
                 {}).status_code == 302
    assert _lines(db, couple.practice_id) == [("Second", 1)]
    assert len(_events(db, "crisis_line.removed")) == 1


def test_another_practice_cannot_reach_a_line(db, client, sign_in_as, couple_and_admin,
                                              make_user):
    _, admin = couple_and_admin
    line = add_crisis_line(admin, admin.practice, name="Ours", number="111", hours=None,
                           url=None)
    db.session.commit()
    stranger = make_user(("admin",))
    sign_in_as(stranger)
    assert client.get(f"/admin/crisis-resources/{line.id}/edit").status_code == 404
    assert "Ours" not in client.get("/admin/crisis-resources").text
    with pytest.raises(DomainError):
        add_crisis_line(stranger, admin.practice, name="Theirs", number="112", hours=None,
                        url=None)
    with pytest.raises(CrisisError):  # neither a number nor a web address
        add_crisis_line(admin, admin.practice, name="Empty", number=None, hours=None,
                        url=None)


def test_a_web_only_line_shows_its_hours(db, client, sign_in_as, couple_and_admin):
    couple, admin = couple_and_admin
    add_crisis_line(admin, admin.practice, name="Chat service", number=None,
                    hours="Evenings, 6 to 11", url="https://chat.example.org/")
    db.session.commit()
    sign_in_as(couple.partners[0].user)
    page = client.get("/portal/help").text
    assert "Evenings, 6 to 11" in page and 'href="https://chat.example.org/"' in page


def test_the_add_form_sent_twice_adds_one_line(db, client, sign_in_as, couple_and_admin):
    couple, admin = couple_and_admin
    sign_in_as(admin)
    page = client.get("/admin/crisis-resources").text
    form = re.search(r'<form method="post" action="/admin/crisis-resources" .*?</form>', page,
                     re.S).group(0)
    once = re.search(r'name="once" value="([^"]+)"', form).group(1)
    data = {"csrf_token": csrf_token_from(page), "once": once, "name": "Helpline",
            "number": "116 123"}
    first = client.post("/admin/crisis-resources", data=data)
    second = client.post("/admin/crisis-resources", data=data)
    assert first.status_code == second.status_code == 302
    assert _lines(db, couple.practice_id) == [("Helpline", 1)]
    assert len(_events(db, "crisis_line.added")) == 1
