"""Homework through the real HTTP interface: assigning, logging, and who sees what."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app.models import Assignment, AuditEvent, Entry, Exercise, Step
from app.services.guides import load_builtin_guides
from app.services.submissions import new_token
from tests.conftest import csrf_token_from, send_together

PRIVATE = "I felt unheard when we talked about my mother"
SHARED = "We laughed about the burnt toast"


@pytest.fixture
def couple(db, make_couple, clock):
    clock.set(dt.datetime(2026, 3, 12, 18, 0, tzinfo=dt.UTC))  # a Thursday
    load_builtin_guides()
    db.session.commit()
    return make_couple(policy="limited", timezone="UTC")


def check_in(db) -> Exercise:
    return db.session.scalar(sa.select(Exercise).where(Exercise.slug == "daily-check-in"))


def assign_via_form(client, couple, query, **fields):
    url = f"/therapist/couples/{couple.id}/assign?{query}"
    page = client.get(url)
    assert page.status_code == 200
    data = {"csrf_token": csrf_token_from(page.text), "mode": "both", "start": "2026-03-09",
            "cadence": "daily", "times_per_week": "3", "ends": "never", "note": ""}
    data.update(fields)
    return client.post(url, data=data)


def log_via_form(client, assignment_id, day, **fields):
    url = f"/portal/homework/{assignment_id}/{day}"
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = {"csrf_token": csrf_token_from(page.text), "completion": "done",
            "once": new_token()}
    data.update(fields)
    return client.post(url, data=data), data


def test_the_homework_loop(app, db, client, sign_in_as, couple):
    a, b = (p.user for p in couple.partners)
    sign_in_as(couple.therapist)
    exercise = check_in(db)
    response = assign_via_form(client, couple, f"exercise={exercise.id}",
                               note="Ten minutes after dinner")
    assert response.status_code == 302
    assignment = db.session.scalar(sa.select(Assignment))
    page = client.get(f"/therapist/couples/{couple.id}")
    assert "Create daily check-in moments" in page.text
    # Mon-Wed due so far this week, nothing logged; Thursday has not ended yet.
    assert "0 done, 0 partly, 0 not done, 3 not logged of 3" in words(page.text)

    partner_a = app.test_client()
    login_as_other(partner_a, a)
    portal = partner_a.get("/portal/")
    assert "Create daily check-in moments" in portal.text
    assert "Ten minutes after dinner" in portal.text
    assert ("<strong>So far this week:</strong> 0 done, 0 partly, 0 not done, 3 not logged "
            "of 3 due.") in words(portal.text)
    response, _ = log_via_form(partner_a, assignment.id, "2026-03-12", **{
        "answer-0": PRIVATE, "rating-0": "7", "visibility": "therapist"})
    assert response.status_code == 302
    response, _ = log_via_form(partner_a, assignment.id, "2026-03-11", **{
        "answer-0": SHARED, "visibility": "partner", "completion": "partly"})
    assert response.status_code == 302
    # Today counts as soon as it is logged; partly is never done.
    figures = "1 done, 1 partly, 0 not done, 2 not logged of 4"
    assert f"this week:</strong> {figures} due." in words(partner_a.get("/portal/").text)

    # The other partner sees that it was done, the shared words, and nothing of the private.
    partner_b = app.test_client()
    login_as_other(partner_b, b)
    pages = [partner_b.get("/portal/").text]
    for day in range(9, 13):
        pages.append(partner_b.get(f"/portal/homework/{assignment.id}/2026-03-{day:02d}").text)
    everything = "".join(pages)
    assert "Partner: Done" in pages[0] and "Partner: Partly" in pages[0]
    assert SHARED in pages[3]
    assert PRIVATE not in everything
    assert "unheard" not in everything and "mother" not in everything
    assert "private" not in pages[4].lower().replace("a private entry", "")
    assert pages[4].count("blockquote") == 0

    # The therapist sees both, the private one marked.
    couple_page = client.get(f"/therapist/couples/{couple.id}").text
    assert PRIVATE in couple_page and SHARED in couple_page
    assert "Private to you" in couple_page
    assert figures in words(couple_page)  # the same figures as the partner's portal


def words(html: str) -> str:
    """The page with every run of spaces (no-break spaces too) as one space."""
    return " ".join(html.split())


def login_as_other(client, user):
    from app.clock import now

    stamp = now().timestamp()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_auth_at"] = stamp
        session["_seen_at"] = stamp


def test_double_submit_makes_one_entry_and_errors_keep_the_text(app, db, sign_in_as, client,
                                                                 couple):
    a = couple.partners[0].user
    sign_in_as(couple.therapist)
    assign_via_form(client, couple, f"exercise={check_in(db).id}")
    assignment = db.session.scalar(sa.select(Assignment))
    partner = app.test_client()
    login_as_other(partner, a)
    long_text = "word " * 1999
    bad, _ = log_via_form(partner, assignment.id, "2026-03-12",
                          **{"answer-0": long_text, "rating-0": "11"})
    assert bad.status_code == 422
    assert "from 0 to 10" in bad.text
    assert long_text.strip() in bad.text
    first, data = log_via_form(partner, assignment.id, "2026-03-12", **{"answer-0": "once"})
    again = partner.post(f"/portal/homework/{assignment.id}/2026-03-12", data=data)
    assert first.status_code == again.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 1
    assert db.session.scalar(sa.select(Entry.revision)) == 1


def test_future_and_too_old_days_cannot_be_logged(app, db, sign_in_as, client, couple):
    a = couple.partners[0].user
    sign_in_as(couple.therapist)
    assign_via_form(client, couple, f"exercise={check_in(db).id}", start="2026-03-01")
    assignment = db.session.scalar(sa.select(Assignment))
    partner = app.test_client()
    login_as_other(partner, a)
    assert partner.get(f"/portal/homework/{assignment.id}/2026-03-13").status_code == 404
    assert partner.get(f"/portal/homework/{assignment.id}/2026-03-04").status_code == 404
    assert partner.get(f"/portal/homework/{assignment.id}/2026-03-05").status_code == 200
    assert partner.get(f"/portal/homework/{assignment.id}/not-a-date").status_code == 404


def test_whole_step_and_schedule_controls(db, sign_in_as, client, couple):
    sign_in_as(couple.therapist)
    step = db.session.scalar(sa.select(Step).where(Step.slug == "rebuild-communication"))
    response = assign_via_form(client, couple, f"step={step.id}", cadence="suggested",
                               exercises=[str(e.id) for e in step.exercises])
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 4
    first = db.session.scalars(sa.select(Assignment).order_by(Assignment.id)).first()
    page = client.get(f"/therapist/couples/{couple.id}")
    token = csrf_token_from(page.text)
    client.post(f"/therapist/assignments/{first.id}/pause", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Assignment, first.id).status == "paused"
    client.post(f"/therapist/assignments/{first.id}/resume", data={"csrf_token": token})
    client.post(f"/therapist/assignments/{first.id}/end", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Assignment, first.id).status == "ended"


def test_assign_form_errors_keep_what_was_typed(db, sign_in_as, client, couple):
    sign_in_as(couple.therapist)
    response = assign_via_form(client, couple, f"exercise={check_in(db).id}",
                               ends="date", end_date="2026-03-01", note="Keep this note",
                               cadence="times_per_week", times_per_week="3",
                               weekdays=["0", "2"])
    assert response.status_code == 422
    assert "The end date comes before the start date." in response.text
    assert "Choose 3 days" in response.text
    assert "Keep this note" in response.text


def test_another_therapist_cannot_assign_to_this_couple(db, client, sign_in_as, couple,
                                                        make_therapist):
    sign_in_as(make_therapist())
    assert client.get(
        f"/therapist/couples/{couple.id}/assign?exercise={check_in(db).id}").status_code == 404


def test_policy_change_applies_to_new_entries_and_must_be_accepted(app, db, client, sign_in_as,
                                                                   couple, clock):
    a, b = (p.user for p in couple.partners)
    sign_in_as(couple.therapist)
    assign_via_form(client, couple, f"exercise={check_in(db).id}")
    assignment = db.session.scalar(sa.select(Assignment))
    partner = app.test_client()
    login_as_other(partner, a)
    log_via_form(partner, assignment.id, "2026-03-11", **{"answer-0": PRIVATE})

    page = client.get(f"/therapist/couples/{couple.id}")
    client.post(f"/therapist/couples/{couple.id}/policy",
                data={"csrf_token": csrf_token_from(page.text), "policy": "open"})
    clock.advance(dt.timedelta(minutes=1))
    portal = partner.get("/portal/")
    assert "policy-change-heading" in portal.text
    blocked = partner.get(f"/portal/homework/{assignment.id}/2026-03-12")
    assert blocked.status_code == 302
    partner.post("/portal/policy/accept", data={"csrf_token": csrf_token_from(portal.text)})
    assert "policy-change-heading" not in partner.get("/portal/").text
    log_via_form(partner, assignment.id, "2026-03-12", **{"answer-0": SHARED})

    other = app.test_client()
    login_as_other(other, b)
    other.post("/portal/policy/accept",
               data={"csrf_token": csrf_token_from(other.get("/portal/").text)})
    seen = other.get(f"/portal/homework/{assignment.id}/2026-03-12").text
    assert SHARED in seen  # written under the open policy
    old = other.get(f"/portal/homework/{assignment.id}/2026-03-11").text
    assert PRIVATE not in old  # written before: never widened

    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"policy.changed", "policy.accepted"} <= actions


def test_author_can_share_and_unshare_after_the_edit_window(app, db, client, sign_in_as, couple,
                                                            clock):
    a, b = (p.user for p in couple.partners)
    sign_in_as(couple.therapist)
    assign_via_form(client, couple, f"exercise={check_in(db).id}")
    assignment = db.session.scalar(sa.select(Assignment))
    partner = app.test_client()
    login_as_other(partner, a)
    log_via_form(partner, assignment.id, "2026-03-12", **{"answer-0": PRIVATE})
    entry = db.session.scalar(sa.select(Entry))
    clock.advance(dt.timedelta(hours=25))
    login_as_other(partner, a)
    page = partner.get(f"/portal/homework/{assignment.id}/2026-03-12")
    assert "can be changed for 24 hours" in page.text
    token = csrf_token_from(page.text)
    other = app.test_client()
    login_as_other(other, b)
    forged = other.post(f"/portal/entries/{entry.id}/visibility",
                        data={"csrf_token": csrf_token_from(other.get("/portal/").text),
                              "visibility": "partner"})
    assert forged.status_code == 404
    # Sharing what was private asks first: the button leads to the confirmation.
    asked = partner.post(f"/portal/entries/{entry.id}/visibility",
                         data={"csrf_token": token, "visibility": "partner"})
    assert asked.headers["Location"] == f"/portal/entries/{entry.id}/share"
    assert PRIVATE not in other.get(f"/portal/homework/{assignment.id}/2026-03-12").text
    partner.post(f"/portal/entries/{entry.id}/visibility",
                 data={"csrf_token": token, "visibility": "partner", "confirmed": "yes"})
    assert PRIVATE in other.get(f"/portal/homework/{assignment.id}/2026-03-12").text
    partner.post(f"/portal/entries/{entry.id}/visibility",
                 data={"csrf_token": token, "visibility": "therapist"})
    assert PRIVATE not in other.get(f"/portal/homework/{assignment.id}/2026-03-12").text


def test_joint_exercise_shows_both_accounts_and_one_difference_per_occurrence(
        app, db, client, sign_in_as, couple):
    a, b = (p.user for p in couple.partners)
    couple.timezone = "Pacific/Auckland"  # joint occurrences follow the couple's calendar
    db.session.commit()
    sign_in_as(couple.therapist)
    assign_via_form(client, couple, f"exercise={check_in(db).id}", mode="joint")
    assignment = db.session.scalar(sa.select(Assignment))
    for user, rating, day in ((a, "9", "2026-03-13"), (b, "4", "2026-03-13"),
                              (a, "6", "2026-03-12"), (b, "5", "2026-03-12")):
        partner = app.test_client()
        login_as_other(partner, user)
        response, _ = log_via_form(partner, assignment.id, day,
                                   **{"rating-0": rating, "answer-0": f"{user.name} {day}"})
        assert response.status_code == 302
    page = client.get(f"/therapist/couples/{couple.id}").text
    assert "To talk about" in page
    assert page.count("Different experiences") == 1  # 9 vs 4 differs; 6 vs 5 does not
    assert f"{a.name} 9, {b.name} 4" in page or f"{b.name} 4, {a.name} 9" in page
    assert page.count('class="side-by-side"') == 2


def test_rating_trends_are_charted_per_partner(app, db, client, sign_in_as, couple):
    a, b = (p.user for p in couple.partners)
    sign_in_as(couple.therapist)
    assign_via_form(client, couple, f"exercise={check_in(db).id}")
    assignment = db.session.scalar(sa.select(Assignment))
    for user, day, rating in ((a, "2026-03-10", "4"), (a, "2026-03-11", "7"),
                              (b, "2026-03-11", "5")):
        partner = app.test_client()
        login_as_other(partner, user)
        log_via_form(partner, assignment.id, day, **{"rating-0": rating})
    page = client.get(f"/therapist/couples/{couple.id}").text
    assert "Ratings over time" in page
    assert page.count('role="img"') == 1
    assert f"{a.name}: 2 ratings" in page and f"{b.name}: 1 rating" in page
    assert "<script" not in page  # the chart is inline SVG, no script, no inline style


def test_changing_a_schedule_keeps_what_was_due_before(app, db, client, sign_in_as, couple):
    a = couple.partners[0].user
    sign_in_as(couple.therapist)
    assign_via_form(client, couple, f"exercise={check_in(db).id}")
    first = db.session.scalar(sa.select(Assignment))
    partner = app.test_client()
    login_as_other(partner, a)
    log_via_form(partner, first.id, "2026-03-10", **{"answer-0": "before the change"})
    url = f"/therapist/assignments/{first.id}/edit"
    page = client.get(url)
    assert page.status_code == 200 and "Change “Create daily check-in moments”" in page.text
    response = client.post(url, data={
        "csrf_token": csrf_token_from(page.text), "start": "2026-03-13", "cadence": "weekly",
        "times_per_week": "3", "ends": "count", "max_occurrences": "4",
        "note": "Now once a week, on Fridays"})
    assert response.status_code == 302
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Assignment).order_by(Assignment.id)).all()
    assert [r.status for r in rows] == ["ended", "active"]
    assert rows[0].ended_on == dt.date(2026, 3, 12) and rows[1].replaces_id == rows[0].id
    assert rows[1].cadence == "weekly" and rows[1].max_occurrences == 4
    assert db.session.scalar(sa.select(Entry.assignment_id)) == rows[0].id
    page = client.get(f"/therapist/couples/{couple.id}").text
    assert "before the change" in page and "Now once a week, on Fridays" in page


def test_today_in_the_portal_follows_the_partner_across_a_clock_change(
    app, db, client, sign_in_as, couple, clock
):
    a, b = (p.user for p in couple.partners)
    a.timezone, b.timezone = "America/New_York", "Europe/Berlin"
    db.session.commit()
    sign_in_as(couple.therapist)
    assign_via_form(client, couple, f"exercise={check_in(db).id}", start="2026-03-02")
    assignment = db.session.scalar(sa.select(Assignment))
    # 8 March 2026, 23:30 in New York, the day its clocks went forward: already the 9th in
    # UTC and in Berlin.
    clock.set(dt.datetime(2026, 3, 9, 3, 30, tzinfo=dt.UTC))
    new_york, berlin = app.test_client(), app.test_client()
    login_as_other(new_york, a)
    login_as_other(berlin, b)
    assert new_york.get(f"/portal/homework/{assignment.id}/2026-03-09").status_code == 404
    assert new_york.get(f"/portal/homework/{assignment.id}/2026-03-08").status_code == 200
    assert berlin.get(f"/portal/homework/{assignment.id}/2026-03-09").status_code == 200
    # New York's week is still 2-8 March; Berlin's has moved to 9-15 March.
    assert "02 Mar \u2013 08 Mar 2026" in new_york.get("/portal/").text
    assert "09 Mar \u2013 15 Mar 2026" in berlin.get("/portal/").text


def test_past_weeks_are_a_tap_away_and_the_future_is_not_a_page(db, client, sign_in_as, couple):
    """Thursday 12 March 2026: the week of 2 March links on to this week; this week links
    to no next one; far-off or malformed weeks are not found (and cost no work)."""
    sign_in_as(couple.therapist)
    assign_via_form(client, couple, f"exercise={check_in(db).id}", start="2026-02-23")
    sign_in_as(couple.partners[0].user)
    page = client.get("/portal/?week=2026-03-02")
    assert page.status_code == 200 and "2 Mar" in page.text
    assert 'href="/portal/?week=2026-03-09"' in page.text  # next week: this one
    page = client.get("/portal/?week=2026-03-09")
    assert page.status_code == 200
    assert 'href="/portal/?week=2026-03-02"' in page.text
    assert "Next week" not in page.text
    for week in ("2026-03-30", "9999-12-31", "0001-01-01", "1999-12-31", "2026-02-30", "x"):
        assert client.get(f"/portal/?week={week}").status_code == 404, week


def test_a_double_tap_on_save_makes_one_entry_and_no_error(app, db, client, sign_in_as, couple):
    """The same entry form sent twice at the same moment, from two threads: both answers
    lead back to the portal and one entry is kept (the second copy used to collide on the
    entry's unique day: a 500)."""
    sign_in_as(couple.therapist)
    assign_via_form(client, couple, f"exercise={check_in(db).id}")
    assignment = db.session.scalar(sa.select(Assignment))
    author = couple.partners[0].user
    for day in ("2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12"):
        sign_in_as(author)
        url = f"/portal/homework/{assignment.id}/{day}"
        page = client.get(url)
        once = re.search(r'name="once" value="([^"]+)"', page.text)
        data = {"csrf_token": csrf_token_from(page.text), "completion": "done",
                "once": once.group(1), "answer-0": f"Talked on {day}",
                "visibility": "therapist"}
        answers = send_together(app, client, url, data)
        assert answers == [(302, "/portal/"), (302, "/portal/")], (day, answers)
    db.session.expire_all()
    entries = db.session.scalars(sa.select(Entry).where(Entry.author_id == author.id)).all()
    assert sorted(e.occurrence_date.isoformat() for e in entries) == [
        "2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12"]
    assert all(e.revision == 1 for e in entries)
    # One change, one audit event: the second copy's event went with its rollback.
    logged = db.session.scalars(sa.select(AuditEvent.object_id).where(
        AuditEvent.action == "entry.logged")).all()
    assert sorted(logged) == sorted(e.id for e in entries)
