"""The couple's completion sharing, sharing an entry only after confirming it, and what a
partner is shown of the other's homework, through the real pages."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa

from app.extensions import db as _db
from app.models import AuditEvent, Couple, Entry
from app.services import DomainError
from app.services.couples import set_completion_sharing
from app.services.homework import Schedule, assign_exercise, log_entry
from app.services.own_exercises import create_own_exercise
from app.services.policies import say
from app.services.submissions import new_token
from tests.conftest import csrf_token_from
from tests.helpers import sign_in

NOW = dt.datetime(2026, 3, 12, 18, 0, tzinfo=dt.UTC)  # a Thursday
MON, TUE, WED = dt.date(2026, 3, 9), dt.date(2026, 3, 10), dt.date(2026, 3, 11)
WORDS = "We walked to the river and said what we missed"
NOTICE = "Your therapist changed what you see of each other's homework."


@pytest.fixture
def couple(db, make_couple, clock):
    clock.set(NOW)
    return make_couple(policy="limited")


def exercise_for(therapist, title="An evening walk"):
    return create_own_exercise(therapist, {
        "title": title, "instructions": "Walk.", "prompts": ["What did you notice?"],
        "cadence": "daily", "ratings": [{"question": "How close did you feel?", "min": 0,
                                         "max": 10, "min_label": "Far", "max_label": "Close"}]})


def give(db, couple, mode="both", partner=None, start=MON):
    assignment = assign_exercise(couple.therapist, couple, exercise_for(couple.therapist),
                                 mode=mode, partner=partner,
                                 schedule=Schedule(start=start, cadence="daily"))
    db.session.commit()
    return assignment


def person(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def post_form(client, url, data, *, page_url=None):
    page = client.get(page_url or url)
    return client.post(url, data={"csrf_token": csrf_token_from(page.text), "once": new_token(),
                                  **data})


def words(html: str) -> str:
    return " ".join(html.replace("&#39;", "'").split())


def partner_line(portal: str, day: dt.date) -> str | None:
    """The portal's note of the other partner on that day, if any."""
    name = "Today" if day == NOW.date() else day.strftime("%a %d")
    for row in re.findall(r'<li class="day[^"]*">(.*?)</li>', portal, re.S):
        if f'<span class="day-name">{name}</span>' in row:
            found = re.search(r'<span class="day-partner">(.*?)</span>', row, re.S)
            return " ".join(found.group(1).split()) if found else None
    raise AssertionError(f"no row for {day}")


def events(db, action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


# --- the couple's setting -------------------------------------------------------------------


def new_couple(client, **fields):
    page = client.get("/therapist/couples/new")
    data = {"csrf_token": csrf_token_from(page.text), "name": "Ana & Ben",
            "partner1_name": "Ana Silva", "partner1_email": "ana@example.org",
            "partner2_name": "Ben Okoro", "partner2_email": "ben@example.org",
            "timezone": "UTC", "policy": "limited", **fields}
    return client.post("/therapist/couples/new", data=data)


@pytest.mark.parametrize(("choice", "shared"), [("shared", True), ("not_shared", False),
                                                 (None, True)])
def test_the_therapist_chooses_completion_sharing_when_creating_a_couple(
        db, client, sign_in_as, make_therapist, choice, shared):
    sign_in_as(make_therapist())
    form = client.get("/therapist/couples/new").text
    assert re.search(r'<input checked[^>]*value="shared"', form)  # on unless chosen otherwise
    created = new_couple(client, **({"completion_sharing": choice} if choice else {}))
    assert created.status_code == 302
    couple = db.session.scalar(sa.select(Couple))
    assert couple.is_completion_shared is shared
    assert couple.completion_sharing_changed_at is None
    [event] = events(db, "couple.created")
    assert event.details["completion_shared"] is shared
    page = words(client.get(created.headers["Location"]).text)
    assert say("therapist.completion_shared" if shared
               else "therapist.completion_not_shared") in page


def test_a_completion_sharing_that_is_neither_is_refused_and_keeps_what_was_typed(
        db, client, sign_in_as, make_therapist):
    sign_in_as(make_therapist())
    refused = new_couple(client, completion_sharing="sometimes")
    assert refused.status_code == 422
    assert "Ben Okoro" in refused.text and 'class="error"' in refused.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Couple)) == 0


def test_turning_it_off_hides_completion_and_both_partners_are_told(app, db, couple, clock):
    a, b = (p.user for p in couple.partners)
    assignment = give(db, couple)
    clock.set(NOW - dt.timedelta(hours=2))
    log_entry(a, couple, assignment, MON, completion="done", answers=["private words"])
    db.session.commit()
    clock.set(NOW)
    ana, ben, therapist = person(app, a), person(app, b), person(app, couple.therapist)
    assert partner_line(ben.get("/portal/").text, MON) == "Partner: Done"
    assert NOTICE not in words(ben.get("/portal/").text)

    url = f"/therapist/couples/{couple.id}/completion-sharing"
    changed = post_form(therapist, url, {"shared": "no"},
                        page_url=f"/therapist/couples/{couple.id}")
    assert changed.status_code == 302
    assert say("therapist.now_not_shared") in words(therapist.get(changed.headers["Location"]
                                                                  ).text)
    [event] = events(db, "completion_sharing.changed")
    assert event.details == {"shared": False} and event.actor_id == couple.therapist.id

    for client in (ana, ben):
        portal = words(client.get("/portal/").text)
        assert NOTICE in portal and say("notice.now_not_shared") in portal
        assert say("policy.completion_not_shared") in portal
    assert partner_line(ben.get("/portal/").text, MON) is None
    # Ben has read it: gone for him, still there for Ana.
    acknowledged = post_form(ben, "/portal/sharing-notice/seen", {}, page_url="/portal/")
    assert acknowledged.status_code == 302
    assert NOTICE not in words(ben.get("/portal/").text)
    assert NOTICE in words(ana.get("/portal/").text)
    # The same click again changes nothing and records nothing.
    again = post_form(therapist, url, {"shared": "no"},
                      page_url=f"/therapist/couples/{couple.id}")
    assert again.status_code == 302
    assert len(events(db, "completion_sharing.changed")) == 1
    assert NOTICE not in words(ben.get("/portal/").text)


def test_turning_it_on_shows_only_what_is_logged_from_then_on(app, db, make_couple, clock):
    clock.set(NOW - dt.timedelta(hours=3))
    couple = make_couple(policy="limited")
    couple.is_completion_shared = False
    db.session.commit()
    a, b = (p.user for p in couple.partners)
    assignment = give(db, couple)
    log_entry(a, couple, assignment, MON, completion="done")
    db.session.commit()
    clock.set(NOW - dt.timedelta(hours=1))
    therapist = person(app, couple.therapist)
    changed = post_form(therapist, f"/therapist/couples/{couple.id}/completion-sharing",
                        {"shared": "yes"}, page_url=f"/therapist/couples/{couple.id}")
    assert changed.status_code == 302
    clock.set(NOW)
    log_entry(a, couple, assignment, TUE, completion="partly")
    db.session.commit()
    ben = person(app, b)
    portal = ben.get("/portal/").text
    assert partner_line(portal, MON) is None  # logged while it was off: never shown
    assert partner_line(portal, TUE) == "Partner: Partly"
    assert say("notice.now_shared") in words(portal)
    assert "for what you log since this was turned on (12 March 2026)" in words(portal)
    # Ana is told the same about each entry: the older one is not seen, the newer one is.
    ana = person(app, a)
    for day, key in ((MON, "entry.completion_not_shared"), (TUE, "entry.completion_shared")):
        page = words(ana.get(f"/portal/homework/{assignment.id}/{day}").text)
        assert say(key) in page, day


def test_only_the_couples_therapist_changes_it(db, couple, make_therapist):
    with pytest.raises(DomainError):
        set_completion_sharing(make_therapist(practice=couple.practice), couple, False)
    db.session.rollback()
    assert db.session.get(Couple, couple.id).is_completion_shared is True


def test_a_setting_that_is_neither_on_nor_off_is_refused(app, db, couple):
    therapist = person(app, couple.therapist)
    refused = post_form(therapist, f"/therapist/couples/{couple.id}/completion-sharing",
                        {"shared": "maybe"}, page_url=f"/therapist/couples/{couple.id}")
    assert refused.status_code == 302
    page = words(therapist.get(refused.headers["Location"]).text)
    assert "Choose whether partners see each other's completion" in page
    assert db.session.get(Couple, couple.id).is_completion_shared is True
    assert events(db, "completion_sharing.changed") == []


# --- what the other partner is shown ----------------------------------------------------------


def test_with_completion_hidden_a_partner_still_reads_shared_words_and_nothing_else(
        app, db, couple):
    couple.is_completion_shared = False
    db.session.commit()
    a, b = (p.user for p in couple.partners)
    assignment = give(db, couple)
    ben = person(app, b)
    before = ben.get("/portal/").text
    # An entry shared without any words shows nothing: not even that it exists.
    log_entry(a, couple, assignment, TUE, completion="not_done", visibility="partner")
    db.session.commit()
    assert partner_line(ben.get("/portal/").text, TUE) is None
    tue = ben.get(f"/portal/homework/{assignment.id}/{TUE}").text
    assert "What your partner shared" not in tue
    assert re.sub(r'value="[^"]+"', "", before) == re.sub(r'value="[^"]+"', "",
                                                          ben.get("/portal/").text)
    # Words shared: read on that day, with no word of whether it was done.
    log_entry(a, couple, assignment, MON, completion="not_done", answers=[WORDS],
              ratings=[3], visibility="partner")
    db.session.commit()
    assert partner_line(ben.get("/portal/").text, MON) == "Your partner shared what they wrote"
    day = ben.get(f"/portal/homework/{assignment.id}/{MON}").text
    shared = day.split('id="partner-heading"')[1]
    assert WORDS in shared and "How close did you feel? <strong>3</strong>" in shared
    assert "Not done" not in shared and "not_done" not in shared


def test_shared_words_of_a_day_too_old_to_log_can_still_be_read(app, db, couple, clock):
    a, b = (p.user for p in couple.partners)
    assignment = give(db, couple, start=MON - dt.timedelta(days=14))
    old = MON - dt.timedelta(days=7)
    clock.set(dt.datetime.combine(old, dt.time(20), tzinfo=dt.UTC))
    log_entry(a, couple, assignment, old, completion="done", answers=[WORDS],
              visibility="partner")
    log_entry(a, couple, assignment, old - dt.timedelta(days=1), completion="done",
              answers=["kept private"])
    db.session.commit()
    clock.set(NOW)
    ben = person(app, b)
    week = ben.get(f"/portal/?week={old.isoformat()}").text
    assert f"Read<span class=\"visually-hidden\"> {assignment.exercise_version.title}" in week
    page = ben.get(f"/portal/homework/{assignment.id}/{old}")
    assert page.status_code == 200
    assert WORDS in page.text and "<textarea" not in page.text  # to read, not to log
    assert ben.get(f"/portal/homework/{assignment.id}/{old - dt.timedelta(days=1)}"
                   ).status_code == 404


# --- sharing asks first ---------------------------------------------------------------------


def test_the_confirmation_shows_what_the_partner_will_read_to_its_author_only(
        app, db, couple, make_couple):
    a, b = (p.user for p in couple.partners)
    assignment = give(db, couple)
    alone = give(db, couple, mode="one", partner=a)
    private = log_entry(a, couple, assignment, MON, completion="done", answers=[WORDS],
                        ratings=[8])
    empty = log_entry(a, couple, assignment, TUE, completion="done")
    shared = log_entry(a, couple, assignment, WED, completion="done", answers=["open words"],
                       visibility="partner")
    own = log_entry(a, couple, alone, MON, completion="done", answers=["mine alone"])
    db.session.commit()
    ana, ben = person(app, a), person(app, b)

    page = ana.get(f"/portal/entries/{private.id}/share")
    assert page.status_code == 200
    preview = page.text.split('id="preview-heading"')[1]
    assert WORDS in preview and "How close did you feel? <strong>8</strong>" in preview
    assert say("share.confirm") in words(page.text)
    assert ben.get(f"/portal/entries/{private.id}/share").status_code == 404
    assert ana.get(f"/portal/entries/{own.id}/share").status_code == 404  # hers alone
    assert "Already shared" in ana.get(f"/portal/entries/{shared.id}/share").text
    assert "holds no answers or ratings" in ana.get(f"/portal/entries/{empty.id}/share").text
    # Without the confirmation, the button leads to it and shares nothing.
    asked = post_form(ana, f"/portal/entries/{private.id}/visibility",
                      {"visibility": "partner"}, page_url="/portal/")
    assert asked.headers["Location"] == f"/portal/entries/{private.id}/share"
    assert db.session.get(Entry, private.id).visibility == "therapist"
    # A one-partner homework's entry cannot be shared at all.
    refused = post_form(ana, f"/portal/entries/{own.id}/visibility",
                        {"visibility": "partner", "confirmed": "yes"}, page_url="/portal/")
    assert refused.status_code == 404
    db.session.expire_all()
    assert db.session.get(Entry, own.id).visibility == "therapist"

    opened = make_couple(policy="open")
    c = opened.partners[0].user
    entry = log_entry(c, opened, give(db, opened), MON, completion="done", answers=["x"])
    db.session.commit()
    assert person(app, c).get(f"/portal/entries/{entry.id}/share").status_code == 404


def test_editing_an_entry_never_changes_who_reads_it_and_keeps_the_earlier_version(
        app, db, couple):
    a, b = (p.user for p in couple.partners)
    assignment = give(db, couple)
    ana = person(app, a)
    url = f"/portal/homework/{assignment.id}/{MON}"
    first = post_form(ana, url, {"completion": "done", "answer-0": WORDS,
                                 "visibility": "therapist"})
    assert say("readers.therapist") in words(ana.get(first.headers["Location"]).text)
    page = words(ana.get(url).text)
    assert say("entry.earlier_versions") in page
    assert 'name="visibility"' not in ana.get(url).text.split('id="sharing-heading"')[1]
    edited = post_form(ana, url, {"completion": "partly", "answer-0": "Second thoughts",
                                  "visibility": "partner"})
    message = words(ana.get(edited.headers["Location"]).text)
    assert (f"Saved. {say('readers.therapist')} {say('entry.earlier_versions')}"
            in message)
    entry = db.session.scalar(sa.select(Entry))
    assert entry.visibility == "therapist" and entry.revision == 2
    assert "Second thoughts" not in person(app, b).get(url).text
    therapist = person(app, couple.therapist).get(f"/therapist/couples/{couple.id}").text
    earlier = therapist.split('class="earlier-versions"')[1]
    assert WORDS in earlier and "Version 1" in earlier
    assert "Second thoughts" in therapist.split('class="earlier-versions"')[0]


# --- the partner's own words, and the schema ---------------------------------------------------

# Phrases of the partner's pages that name the partner or the therapist without telling who
# sees what (buttons, headings, the other partner's note); every sentence that does tell it
# comes from app/services/policies.py.
LABELS = {
    "Note from your therapist:", "Stop sharing it with my partner", "Share it with my partner…",
    "What your partner shared", "Share with your partner? ·", "Share this entry with your partner?",
    "What your partner will read", "Share it with my partner", "Partner:",
    "· shared what they wrote", "Your partner shared what they wrote",
    "· paused by your therapist", "Paused by your therapist: nothing is due for now.",
}
PARTNER_TEMPLATES = ["templates/client", "templates/email", "templates/auth/accept_invitation.html"]


def test_the_partners_pages_take_every_sentence_about_who_sees_what_from_the_catalogue():
    root = Path(__file__).resolve().parent.parent
    files: list[Path] = []
    for name in PARTNER_TEMPLATES:
        path = root / name
        files += sorted(path.glob("*")) if path.is_dir() else [path]
    found = set()
    for path in files:
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"{#.*?#}|{%.*?%}|{{.*?}}|<[^>]*>", "\n", text, flags=re.S)
        for run in text.split("\n"):
            run = " ".join(run.split())
            if re.search(r"partner|therapist", run, re.I):
                found.add((path.name, run))
    strangers = {(name, run) for name, run in found if run not in LABELS}
    assert not strangers, f"sentences about who sees what outside policies.py: {strangers}"


def test_existing_couples_keep_completion_shared_when_the_migration_runs(empty_app):
    flask_migrate.upgrade(revision="9b7e4d2a1c55")
    with _db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO practices (id, name, paper_size, default_timezone, is_demo, created_at,"
            " updated_at) VALUES (1, 'P', 'A4', 'UTC', false, '2026-01-01', '2026-01-01')"))
        conn.execute(sa.text(
            "INSERT INTO users (id, practice_id, email, name, timezone, is_active, created_at,"
            " updated_at, sign_in_token) VALUES (1, 1, 'a@example.org', 'A', 'UTC', true,"
            " '2026-01-01', '2026-01-01', '')"))
        conn.execute(sa.text(
            "INSERT INTO couples (id, practice_id, therapist_id, name, timezone,"
            " confidentiality_policy, status, created_at, updated_at) VALUES (1, 1, 1, 'C',"
            " 'UTC', 'limited', 'active', '2026-01-01', '2026-01-01')"))
        conn.execute(sa.text(
            "INSERT INTO partners (id, couple_id, user_id, position, created_at, updated_at)"
            " VALUES (1, 1, 1, 1, '2026-01-01', '2026-01-01')"))
    flask_migrate.upgrade()
    with _db.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT is_completion_shared, completion_sharing_changed_at"
                                   " FROM couples")).one()
        assert bool(row[0]) is True and row[1] is None
        assert conn.execute(sa.text("SELECT completion_sharing_seen_at FROM partners")
                            ).scalar() is None
    flask_migrate.downgrade(revision="9b7e4d2a1c55")
    columns = {c["name"] for c in sa.inspect(_db.engine).get_columns("couples")}
    assert "is_completion_shared" not in columns
    with _db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM partners")).scalar() == 1
