"""One transaction per request (app.transactions), on SQLite and PostgreSQL: what a request
did is kept only when it succeeded; a route whose service raises leaves nothing behind;
mail waits for the commit; the audit events that must outlive a rollback are kept."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import Blueprint, abort, redirect

from app.extensions import db as _db
from app.forms import status_of
from app.models import AuditEvent, Couple, Draft, Invitation, User
from app.services import Collision, DomainError
from app.services.couples import PartnerDetails, create_couple
from app.services.homework import Schedule, assign_exercise
from app.services.own_exercises import create_own_exercise
from app.transactions import after_commit, refusals_shown_at
from tests.conftest import PASSWORD, csrf_token_from, make_test_app

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def count(model) -> int:
    _db.session.expire_all()
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _take_on_a_couple(therapist_id: int, tag: str) -> Couple:
    """Real writes: a couple, two partner accounts and their invitations."""
    therapist = _db.session.get(User, therapist_id)
    return create_couple(therapist, name=f"Probe {tag}", timezone="UTC", partners=[
        PartnerDetails("Ana Probe", f"ana-{tag}@example.org"),
        PartnerDetails("Ben Probe", f"ben-{tag}@example.org")]).couple


def _refuse_after_writing(therapist_id: int, tag: str) -> None:
    """A service that changed the database and then refused."""
    _take_on_a_couple(therapist_id, tag)
    raise DomainError("Refused after writing.")


@pytest.fixture
def probe(app, tmp_path):
    """A second app on the same database, with routes that change the database through a
    real service and then end in each way a request can end."""
    second = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "instance")
    bp = Blueprint("probe", __name__, url_prefix="/probe")
    mailed: list[str] = []

    @bp.get("/<int:therapist_id>/kept")
    def kept(therapist_id: int):
        couple = _take_on_a_couple(therapist_id, "kept")
        after_commit(lambda: mailed.append(couple.name))
        return redirect("/")

    @bp.get("/<int:therapist_id>/form-shown-again")
    def form_shown_again(therapist_id: int):
        after_commit(lambda: mailed.append("form"))

        form = SimpleNamespace(errors={})
        try:
            _refuse_after_writing(therapist_id, "form")
        except DomainError as error:
            form.errors = {"name": [str(error)]}
        return "the form again, with its errors", status_of(form)

    @bp.get("/<int:therapist_id>/button-refused")
    def button_refused(therapist_id: int):
        after_commit(lambda: mailed.append("button"))
        with refusals_shown_at("/somewhere"):
            _refuse_after_writing(therapist_id, "button")
        return redirect("/")

    @bp.get("/<int:therapist_id>/not-found")
    def not_found(therapist_id: int):
        _take_on_a_couple(therapist_id, "missing")
        abort(404)

    @bp.get("/<int:therapist_id>/collision")
    def collision(therapist_id: int):
        _take_on_a_couple(therapist_id, "collision")
        raise Collision("Someone else saved it first.")

    @bp.get("/<int:therapist_id>/crash")
    def crash(therapist_id: int):
        _take_on_a_couple(therapist_id, "crash")
        raise RuntimeError("an unexpected failure")

    second.register_blueprint(bp)
    second.config["PROPAGATE_EXCEPTIONS"] = False  # answer a crash as production does
    yield second, mailed
    with second.app_context():
        _db.engine.dispose()


def test_a_route_whose_service_raises_leaves_nothing_behind(db, probe, make_therapist):
    second, mailed = probe
    therapist = make_therapist()
    before = {model: count(model) for model in (Couple, User, Invitation, AuditEvent)}
    client = second.test_client()
    endings = {
        "form-shown-again": 422,
        "button-refused": 302,
        "not-found": 404,
        "collision": 409,
        "crash": 500,
    }
    for path, status in endings.items():
        answer = client.get(f"/probe/{therapist.id}/{path}")
        assert answer.status_code == status, (path, answer.status_code)
        assert answer.status_code != 500 or "Something went wrong" in answer.text
        after = {model: count(model) for model in before}
        assert after == before, (path, after)
    assert mailed == []  # work waiting for a commit never ran
    refused = client.get(f"/probe/{therapist.id}/button-refused")
    assert refused.headers["Location"] == "/somewhere"
    assert "Refused after writing." in client.get("/sign-in").text  # shown where it leads

    assert client.get(f"/probe/{therapist.id}/kept").status_code == 302
    assert count(Couple) == before[Couple] + 1
    assert count(User) == before[User] + 2
    assert mailed == ["Probe kept"]


def test_a_refused_new_couple_keeps_nothing_and_mails_nothing(db, client, sign_in_as,
                                                               make_therapist, mailbox):
    therapist = make_therapist()
    taken = make_therapist()  # an address already in use by a clinician
    sign_in_as(therapist)
    page = client.get("/therapist/couples/new")
    data = {"csrf_token": csrf_token_from(page.text), "name": "Noor & Kai",
            "partner1_name": "Noor", "partner1_email": "noor@example.org",
            "partner2_name": "Kai", "partner2_email": "noor@example.org",
            "timezone": "UTC", "policy": "limited"}
    refused = client.post("/therapist/couples/new", data=data)
    assert refused.status_code == 422 and "different email addresses" in refused.text
    assert 'value="Noor &amp; Kai"' in refused.text  # what was typed is kept
    assert count(Couple) == 0 and mailbox.messages == []
    data["partner2_email"] = taken.email
    assert client.post("/therapist/couples/new", data=data).status_code == 302
    assert count(Couple) == 1 and len(mailbox.messages) == 2


def test_events_that_must_outlive_a_rollback_are_kept(
    db, app, client, sign_in_by_form, make_therapist,
                                                      make_couple, clock):
    therapist = make_therapist()
    refused = sign_in_by_form(therapist.email, "not the password at all")
    assert refused.status_code == 422  # a refused sign-in is rolled back...
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions == ["sign_in.failed"]  # ...and its event is kept

    couple = make_couple()
    sign_in_by_form(couple.partners[0].user.email)
    assert client.get(f"/therapist/couples/{couple.id}").status_code == 404
    assert db.session.scalars(sa.select(AuditEvent.action).order_by(
        AuditEvent.id.desc()).limit(1)).one() == "access.denied"


def test_an_ended_sign_in_keeps_the_draft_and_its_event(
    db, client, sign_in_by_form, make_couple, clock
):
    clock.set(dt.datetime(2026, 3, 12, 12, 0, tzinfo=dt.UTC))
    couple = make_couple()
    exercise = create_own_exercise(couple.therapist, {
        "title": "Listen", "instructions": "Listen.", "prompts": ["What did you hear?"],
        "cadence": "daily"})
    assignment = assign_exercise(couple.therapist, couple, exercise, mode="both",
                                 schedule=Schedule(start=dt.date(2026, 3, 12), cadence="daily"))
    _db.session.commit()
    partner = couple.partners[0].user
    sign_in_by_form(partner.email, PASSWORD)
    url = f"/portal/homework/{assignment.id}/2026-03-12"
    page = client.get(url)
    clock.advance(dt.timedelta(hours=2))  # past the idle limit
    answer = client.post(url, data={"csrf_token": csrf_token_from(page.text),
                                    "completion": "done", "answer-0": "Every word kept"})
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]
    draft = db.session.scalar(sa.select(Draft))
    assert draft is not None and draft.content["answers"] == ["Every word kept"]
    assert "sign_in.expired" in db.session.scalars(sa.select(AuditEvent.action)).all()


FORM = re.compile(r'<form\b[^>]*method="post"[^>]*>(.*?)</form>', re.S | re.I)


def test_every_posted_form_carries_its_one_time_token():
    """Each form a person can post draws form_tokens(): the CSRF token and the one-time
    token by which a second copy of it is known (app.transactions)."""
    forms = 0
    for template in TEMPLATES.rglob("*.html"):
        for body in FORM.findall(template.read_text(encoding="utf-8")):
            forms += 1
            assert "form_tokens()" in body, template.name
    assert forms > 20


def test_only_the_one_place_commits_or_rolls_back():
    """Routes, services, commands and the report code never end a transaction themselves."""
    app_dir = TEMPLATES.parent
    ending = re.compile(r"\.(commit|rollback)\(\)")
    offenders = [
        f"{path.relative_to(app_dir)}:{number}"
        for folder in ("app", "reports")
        for path in sorted((app_dir / folder).rglob("*.py"))
        if path.name != "transactions.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ending.search(line)
    ]
    assert offenders == []


def test_a_password_change_sent_twice_at_once_changes_it_once(
        app, db, client, sign_in_by_form, make_therapist):
    """Each copy signs this browser in again with a new token; the second is rolled back,
    token, cookie and all, so it claims no sign-in the database does not hold: the first
    copy's answer is signed in, the second's is signed out (the first copy ended every
    other sign-in, its own old token too) and asks to sign in again, never an error; one
    change, one audit event, and the new password works."""
    from tests.conftest import send_together

    therapist = make_therapist()
    sign_in_by_form(therapist.email)
    page = client.get("/account/password")
    data = {"csrf_token": csrf_token_from(page.text),
            "once": re.search(r'name="once" value="([^"]+)"',
                              page.text.split("<main")[1]).group(1),
            "current": PASSWORD, "password": "a brand new passphrase",
            "confirm": "a brand new passphrase"}
    answers = send_together(app, client, "/account/password", data, follow=True)
    assert sorted(a[0] for a in answers) == [302, 302], answers
    signed_in = [page for _status, _location, page in answers if "Sign out" in page]
    assert len(signed_in) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "password.changed")) == 1
    assert sign_in_by_form(therapist.email, "a brand new passphrase").status_code == 302
