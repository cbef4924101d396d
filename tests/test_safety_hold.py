"""The safety hold (issue 13, point 4), on SQLite and PostgreSQL: it pauses exactly the
joint homework and the exercises marked unsuitable under a safety concern, and lifting it
resumes exactly those; while it is open, entries are private whatever the policy, sharing
is refused, neither partner sees the other's completion (portal and handout alike), such
homework cannot be given; both portals say only that some homework is paused, as for any
pause; the therapist starts and lifts it through audited pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.models import AssignmentPause, AuditEvent, Entry, Exercise, SafetyHold
from app.services import DomainError
from app.services.homework import (
    Schedule,
    assign_exercise,
    edit_schedule,
    end,
    log_entry,
    pause,
    resume,
    set_visibility,
)
from app.services.own_exercises import create_own_exercise
from app.services.policies import say
from app.services.portal import PAUSED_LINE, week_for_partner
from app.services.reports import gather
from app.services.safety_hold import (
    SafetyRefusal,
    lift_hold,
    open_hold,
    safety_concern_open,
    start_hold,
)
from app.services.submissions import new_token
from app.services.visibility import completion_seen_by_partner
from tests.conftest import csrf_token_from
from tests.helpers import sign_in

NOW = dt.datetime(2026, 3, 12, 18, 0, tzinfo=dt.UTC)  # a Thursday
MON, TUE, WED, THU = (dt.date(2026, 3, 9) + dt.timedelta(days=i) for i in range(4))


@pytest.fixture
def couple(db, make_couple, clock):
    clock.set(NOW)
    return make_couple(policy="limited")


def own(therapist, title, *, unsafe=False):
    exercise = create_own_exercise(therapist, {
        "title": title, "instructions": "Do it.", "prompts": ["What did you notice?"],
        "cadence": "daily"})
    exercise.is_unsafe_under_concern = unsafe
    return exercise


def give(couple, title, mode="both", *, unsafe=False, partner=None):
    return assign_exercise(couple.therapist, couple, own(couple.therapist, title, unsafe=unsafe),
                           mode=mode, partner=partner,
                           schedule=Schedule(start=MON, cadence="daily"))


def person(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def post_form(client, url, data, *, page_url=None):
    page = client.get(page_url or url)
    return client.post(url, data={"csrf_token": csrf_token_from(page.text), "once": new_token(),
                                  **data})


# --- pausing and resuming exactly what the hold made -------------------------------------


def test_hold_pauses_exactly_joint_and_marked_and_lifting_resumes_exactly_those(db, couple,
                                                                               clock):
    a, _b = (p.user for p in couple.partners)
    plain = give(couple, "A walk")
    joint = give(couple, "Dinner together", "joint")
    marked = give(couple, "Tell all", unsafe=True)
    marked_one = give(couple, "A letter", "one", unsafe=True, partner=a)
    paused_before = give(couple, "Paused before")
    joint_paused_before = give(couple, "Joint paused before", "joint")
    pause(paused_before, TUE)
    pause(joint_paused_before, TUE)
    db.session.commit()

    change = start_hold(couple.therapist, couple, "Partner asked privately")
    db.session.commit()
    assert change.changed and change.assignments == 3
    statuses = {x.exercise_version.title: x.status for x in
                (plain, joint, marked, marked_one, paused_before, joint_paused_before)}
    assert statuses == {"A walk": "active", "Dinner together": "paused", "Tell all": "paused",
                        "A letter": "paused", "Paused before": "paused",
                        "Joint paused before": "paused"}
    hold = open_hold(couple)
    by_hold = set(db.session.scalars(sa.select(AssignmentPause.assignment_id).where(
        AssignmentPause.hold_id == hold.id)))
    assert by_hold == {joint.id, marked.id, marked_one.id}
    assert paused_before.pauses[-1].hold_id is None

    clock.set(NOW + dt.timedelta(days=3))
    change = lift_hold(couple.therapist, couple, "Both feel safer; agreed in session")
    db.session.commit()
    assert change.changed and change.assignments == 3
    for assignment in (plain, joint, marked, marked_one):
        db.session.refresh(assignment)
        assert assignment.status == "active", assignment.exercise_version.title
    for assignment in (paused_before, joint_paused_before):
        db.session.refresh(assignment)
        assert assignment.status == "paused", assignment.exercise_version.title
        assert assignment.pauses[-1].resumed_on is None
    assert joint.pauses[-1].paused_on == THU
    assert joint.pauses[-1].resumed_on == THU + dt.timedelta(days=3)
    db.session.refresh(hold)
    assert hold.lifted_by_id == couple.therapist_id and hold.lift_note.startswith("Both")
    assert not safety_concern_open(couple)


def test_while_held_a_pause_it_made_is_not_resumed_by_hand(db, couple):
    joint = give(couple, "Dinner together", "joint")
    other = give(couple, "A walk")
    db.session.commit()
    start_hold(couple.therapist, couple)
    db.session.commit()
    with pytest.raises(DomainError, match="paused by the safety hold"):
        resume(joint, THU)
    with pytest.raises(DomainError, match="paused by the safety hold"):
        edit_schedule(couple.therapist, couple, joint,
                      schedule=Schedule(start=THU, cadence="weekly"), note="")
    # The therapist's own pause during the hold is theirs to resume; ending is allowed.
    pause(other, THU)
    assert resume(other, THU)
    assert end(joint, THU) and joint.status == "ended"
    db.session.commit()
    assert lift_hold(couple.therapist, couple, "Calmer").assignments == 0


def test_at_most_one_open_hold_per_couple(db, couple, clock):
    first = start_hold(couple.therapist, couple)
    db.session.commit()
    again = start_hold(couple.therapist, couple)  # pressed twice: a calm no-op
    assert not again.changed and again.hold.id == first.hold.id
    db.session.add(SafetyHold(couple_id=couple.id, started_by_id=couple.therapist_id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    clock.set(NOW + dt.timedelta(hours=1))
    lift_hold(couple.therapist, couple, "Done")
    db.session.commit()
    clock.set(NOW + dt.timedelta(hours=2))
    assert start_hold(couple.therapist, couple).changed  # a new hold after the lifted one
    db.session.commit()
    assert len(couple.safety_holds) == 2


def test_lifting_needs_a_note_and_only_the_couples_therapist_holds(db, couple, make_therapist):
    with pytest.raises(DomainError):
        start_hold(make_therapist(), couple)
    start_hold(couple.therapist, couple)
    with pytest.raises(DomainError, match="note"):
        lift_hold(couple.therapist, couple, "   ")
    assert open_hold(couple) is not None


# --- privacy while held ------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["open", "limited"])
def test_entries_are_private_while_held_whatever_the_policy(db, make_couple, clock, policy):
    clock.set(NOW)
    couple = make_couple(policy=policy)
    a, _b = (p.user for p in couple.partners)
    walk = give(couple, "A walk")
    db.session.commit()
    start_hold(couple.therapist, couple)
    db.session.commit()
    entry = log_entry(a, couple, walk, THU, completion="done", answers=["Only for you"],
                      visibility="partner")
    assert entry.visibility == "therapist"
    with pytest.raises(DomainError) as refused:
        set_visibility(a, couple, entry, "partner")
    assert str(refused.value) == say("share.not_now")
    db.session.commit()
    lift_hold(couple.therapist, couple, "Calmer")
    db.session.commit()
    assert entry.visibility == "therapist"  # what was written during the hold stays private
    if policy == "limited":
        set_visibility(a, couple, entry, "partner")  # the author may share it afterwards


def test_an_entry_shared_before_the_hold_becomes_private_when_edited_during_it(db, couple):
    a, _b = (p.user for p in couple.partners)
    walk = give(couple, "A walk")
    db.session.commit()
    entry = log_entry(a, couple, walk, THU, completion="done", answers=["before"],
                      visibility="partner")
    db.session.commit()
    start_hold(couple.therapist, couple)
    db.session.commit()
    assert entry.visibility == "partner"  # what was shared before stays as it was
    log_entry(a, couple, walk, THU, completion="done", answers=["written during the hold"])
    db.session.commit()
    assert entry.visibility == "therapist" and entry.revision == 2


def test_completion_sharing_cannot_be_turned_on_during_a_hold(db, couple, clock):
    from app.services.couples import set_completion_sharing

    set_completion_sharing(couple.therapist, couple, False)
    start_hold(couple.therapist, couple)
    db.session.commit()
    with pytest.raises(DomainError, match="safety hold"):
        set_completion_sharing(couple.therapist, couple, True)
    clock.set(NOW + dt.timedelta(hours=1))
    lift_hold(couple.therapist, couple, "Calmer")
    assert set_completion_sharing(couple.therapist, couple, True)


def test_no_completion_is_seen_either_way_while_held_nor_of_what_was_logged_then(
        db, couple, clock):
    a, b = (p.user for p in couple.partners)
    walk = give(couple, "A walk")
    db.session.flush()
    clock.set(dt.datetime(2026, 3, 10, 20, 0, tzinfo=dt.UTC))
    before = log_entry(a, couple, walk, TUE, completion="done")
    db.session.commit()

    def seen_by(user, other_day):
        _monday, items = week_for_partner(user, couple, MON)
        item = next(i for i in items if i.assignment.id == walk.id)
        return {d.date: d.partner for d in item.days}.get(other_day)

    assert seen_by(b, TUE) == "done"
    clock.set(dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.UTC))
    start_hold(couple.therapist, couple)
    db.session.commit()
    clock.set(dt.datetime(2026, 3, 11, 20, 0, tzinfo=dt.UTC))
    during_a = log_entry(a, couple, walk, WED, completion="done")
    during_b = log_entry(b, couple, walk, WED, completion="partly")
    db.session.commit()
    assert seen_by(b, TUE) is None and seen_by(b, WED) is None  # B sees none of A's
    assert seen_by(a, WED) is None  # nor A of B's
    clock.set(NOW)
    lift_hold(couple.therapist, couple, "Calmer")
    db.session.commit()
    assert seen_by(b, TUE) == "done"  # logged before the hold: shown again
    assert seen_by(b, WED) is None and seen_by(a, WED) is None  # logged during it: never
    for entry in (during_a, during_b):
        assert not completion_seen_by_partner(couple, walk, entry)
    assert completion_seen_by_partner(couple, walk, before)


def test_the_handout_reads_the_same_rules(db, couple, clock):
    """Joint homework logged by both, shared words, then a hold: the couple handout shows
    no completion of what was logged while it was open, and no progress while it is."""
    a, b = (p.user for p in couple.partners)
    walk = give(couple, "A walk")
    db.session.commit()
    clock.set(dt.datetime(2026, 3, 10, 20, 0, tzinfo=dt.UTC))
    for user in (a, b):
        log_entry(user, couple, walk, TUE, completion="done", answers=["we walked"],
                  visibility="partner")
    db.session.commit()
    clock.set(dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.UTC))
    start_hold(couple.therapist, couple)
    db.session.commit()
    clock.set(dt.datetime(2026, 3, 11, 20, 0, tzinfo=dt.UTC))
    for user in (a, b):
        log_entry(user, couple, walk, WED, completion="done", answers=["held words"],
                  visibility="partner")
    db.session.commit()
    clock.set(NOW)
    handout = gather(couple, audience="couple", start=MON, end=THU)
    assert handout.progress == []
    entries = [e for g in handout.shared for e in g.entries]
    assert all(e.completion == "" for e in entries)
    assert not any("held words" in answer for e in entries for answer in e.answers)
    lift_hold(couple.therapist, couple, "Calmer")
    db.session.commit()
    handout = gather(couple, audience="couple", start=MON, end=THU)
    entries = [e for g in handout.shared for e in g.entries]
    assert not any("held words" in answer for e in entries for answer in e.answers)
    assert {e.date for e in entries} == {TUE} and all(e.completion for e in entries)


# --- giving homework while a concern is open ---------------------------------------------


def test_refusals_while_a_concern_is_open(db, couple):
    a, _b = (p.user for p in couple.partners)
    therapist = couple.therapist
    unsafe = own(therapist, "Tell all", unsafe=True)
    plain = own(therapist, "A walk")
    db.session.commit()
    assert not safety_concern_open(couple)
    start_hold(therapist, couple)
    db.session.commit()
    assert safety_concern_open(couple)
    schedule = Schedule(start=THU, cadence="daily")
    for mode, partner in (("both", None), ("one", a), ("joint", None)):
        with pytest.raises(SafetyRefusal, match="safety concern"):
            assign_exercise(therapist, couple, unsafe, mode=mode, partner=partner,
                            schedule=schedule)
    with pytest.raises(SafetyRefusal, match="Joint homework"):
        assign_exercise(therapist, couple, plain, mode="joint", schedule=schedule)
    assert assign_exercise(therapist, couple, plain, mode="both", schedule=schedule)
    assert assign_exercise(therapist, couple, plain, mode="one", partner=a, schedule=schedule)
    db.session.commit()
    lift_hold(therapist, couple, "Calmer")
    db.session.commit()
    assert assign_exercise(therapist, couple, unsafe, mode="joint", schedule=schedule)


def test_the_assign_page_refuses_and_keeps_what_was_chosen(app, db, couple):
    unsafe = own(couple.therapist, "Tell all", unsafe=True)
    db.session.commit()
    start_hold(couple.therapist, couple)
    db.session.commit()
    t = person(app, couple.therapist)
    url = f"/therapist/couples/{couple.id}/assign?exercise={unsafe.id}"
    answer = post_form(t, url, {"mode": "both", "start": THU.isoformat(), "cadence": "weekly",
                                "ends": "never", "note": "Kept note"})
    assert answer.status_code == 422
    page = answer.text.replace("&#34;", '"').replace("&#39;", "'")
    assert "cannot be given while a safety concern is open" in page
    assert re.search(r'<input[^>]*checked[^>]*value="both"|<input[^>]*value="both"[^>]*checked',
                     page)
    assert "Kept note" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 0


# --- the portals --------------------------------------------------------------------------


def test_both_portals_say_the_same_neutral_line_and_never_name_the_hold(app, db, make_couple,
                                                                      clock):
    clock.set(NOW)
    held, paused = make_couple(), make_couple()
    give(held, "Dinner together", "joint")
    manual = give(paused, "Dinner together", "joint")
    db.session.commit()
    portals = {}
    for couple in (held, paused):
        for p in couple.partners:
            portals[(couple.id, p.user_id)] = person(app, p.user).get("/portal/").text
    assert not any(PAUSED_LINE in page for page in portals.values())  # nothing paused yet
    start_hold(held.therapist, held)
    pause(manual, THU)
    db.session.commit()
    lines = set()
    for couple in (held, paused):
        for p in couple.partners:
            client = person(app, p.user)
            page = client.get("/portal/").text
            found = re.findall(r"<p[^>]*>Some homework is paused[^<]*</p>", page)
            assert len(found) == 1, page
            lines.add(found[0])
            for url in ("/portal/", "/portal/help"):
                text = client.get(url).text.lower()
                # ("press and hold" a link, on the help page, is about phones, not the hold.)
                assert not re.search(r"\b(safety|on|a) hold\b|\bheld\b|safety concern",
                                     text), url
    assert lines == {f'<p class="flash flash-info paused-line">{PAUSED_LINE}</p>'}


def test_the_entry_form_drops_the_choice_and_says_who_reads(app, db, couple):
    a, _b = (p.user for p in couple.partners)
    walk = give(couple, "A walk")
    db.session.commit()
    client = person(app, a)
    url = f"/portal/homework/{walk.id}/{THU.isoformat()}"
    assert say("choice.therapist") in client.get(url).text
    start_hold(couple.therapist, couple)
    db.session.commit()
    page = client.get(url).text.replace("&#39;", "'")
    assert say("choice.therapist") not in page and 'name="visibility"' not in page
    assert say("entry.private_for_now") in page
    assert say("entry.completion_not_shared") in page
    assert say("policy.private_for_now") in client.get("/portal/").text.replace("&#39;", "'")


def test_sharing_a_private_entry_is_refused_with_a_clear_message(app, db, couple):
    a, _b = (p.user for p in couple.partners)
    walk = give(couple, "A walk")
    db.session.commit()
    entry = log_entry(a, couple, walk, THU, completion="done", answers=["mine"])
    db.session.commit()
    start_hold(couple.therapist, couple)
    db.session.commit()
    client = person(app, a)
    answer = client.get(f"/portal/entries/{entry.id}/share", follow_redirects=True)
    assert say("share.not_now") in answer.text.replace("&#39;", "'")
    entry_page = f"/portal/homework/{walk.id}/{THU.isoformat()}"
    answer = post_form(client, f"/portal/entries/{entry.id}/visibility",
                       {"visibility": "partner", "confirmed": "yes"}, page_url=entry_page)
    assert answer.status_code == 302
    assert say("share.not_now") in client.get(answer.headers["Location"]).text.replace(
        "&#39;", "'")
    db.session.refresh(entry)
    assert entry.visibility == "therapist"


# --- the therapist's pages ---------------------------------------------------------------


def test_the_therapist_starts_and_lifts_it_deliberately_and_audited(app, db, couple):
    joint = give(couple, "Dinner together", "joint")
    db.session.commit()
    t = person(app, couple.therapist)
    page = t.get(f"/therapist/couples/{couple.id}").text
    assert "Put on a safety hold" in page
    start_url = f"/therapist/couples/{couple.id}/safety-hold/start"
    assert "Dinner together" in t.get(start_url).text  # what it will pause, said first
    answer = post_form(t, start_url, {"note": "Private reason"})
    assert answer.status_code == 302
    page = t.get(f"/therapist/couples/{couple.id}").text
    assert "On safety hold" in page and "Lift the safety hold" in page
    assert "paused by the safety hold" in page
    assert f"/therapist/assignments/{joint.id}/resume" not in page

    lift_url = f"/therapist/couples/{couple.id}/safety-hold/lift"
    refused = post_form(t, lift_url, {"note": ""})
    assert refused.status_code == 422 and "Write why the hold can be lifted" in refused.text
    db.session.expire_all()
    assert open_hold(couple) is not None
    answer = post_form(t, lift_url, {"note": "Agreed in session"})
    assert answer.status_code == 302
    db.session.expire_all()
    assert open_hold(couple) is None and joint.status == "active"
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action.like("safety_hold.%")).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["safety_hold.started", "safety_hold.lifted"]
    for event in events:
        assert "Private reason" not in str(event.details)
        assert "Agreed" not in str(event.details)
    assert events[0].details["paused"] == 1 and events[1].details["resumed"] == 1


def test_a_double_press_starts_one_hold(app, db, couple):
    t = person(app, couple.therapist)
    url = f"/therapist/couples/{couple.id}/safety-hold/start"
    token, once = csrf_token_from(t.get(url).text), new_token()
    for _ in range(2):
        assert t.post(url, data={"csrf_token": token, "once": once}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SafetyHold)) == 1


def test_exercise_marks_follow_the_exercise_not_the_version(db, couple):
    exercise = own(couple.therapist, "Tell all")
    walk = assign_exercise(couple.therapist, couple, exercise, mode="both",
                           schedule=Schedule(start=MON, cadence="daily"))
    db.session.commit()
    db.session.get(Exercise, exercise.id).is_unsafe_under_concern = True  # marked later
    db.session.commit()
    start_hold(couple.therapist, couple)
    db.session.commit()
    assert walk.status == "paused"


def test_own_exercises_take_the_marks_without_a_new_version(app, db, couple):
    t = person(app, couple.therapist)
    fields = {"title": "A talk about money", "instructions": "Talk it through.",
              "prompt1": "What did you hear?", "cadence": "weekly", "rating1_min": "0",
              "rating1_max": "10", "rating2_min": "0", "rating2_max": "10"}
    answer = post_form(t, "/therapist/exercises/new",
                       {**fields, "suited_to": "one", "unsafe_under_concern": "y"})
    assert answer.status_code == 302, answer.text
    exercise = db.session.scalar(sa.select(Exercise).where(
        Exercise.owner_id == couple.therapist_id))
    assert exercise.suited_to == "one" and exercise.is_unsafe_under_concern
    page = t.get(answer.headers["Location"]).text
    assert "For one partner alone" in page and "Not while a safety concern is open" in page
    edit = f"/therapist/exercises/{exercise.id}/edit"
    assert re.search(r'<input[^>]*checked[^>]*value="one"|<input[^>]*value="one"[^>]*checked',
                     t.get(edit).text)
    answer = post_form(t, edit, {**fields, "suited_to": "joint"})
    assert answer.status_code == 302
    db.session.expire_all()
    exercise = db.session.get(Exercise, exercise.id)
    assert exercise.suited_to == "joint" and not exercise.is_unsafe_under_concern
    assert len(exercise.versions) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "exercise.marked")) == 1
