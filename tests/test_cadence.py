"""Issue 12, points 6 to 8, through the real pages: an exercise read and practised before
it is due, extra practice counted apart everywhere, exercises given "as it comes up", and
a whole step previewed and chosen exercise by exercise before it is given."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import sqlalchemy as sa

from app.models import Assignment, Draft, Entry, Exercise, Step
from app.services import DomainError
from app.services.caseload import caseload
from app.services.guides import load_builtin_guides
from app.services.homework import (
    Schedule,
    WeekIsFull,
    assign_exercise,
    assign_step,
    backfill_entry,
    log_entry,
    preview_step,
)
from app.services.occurrences import Tally
from app.services.progress import couple_progress
from app.services.reports import gather
from app.services.schedule import week_of
from app.services.submissions import new_token
from reports.html import build_html
from tests.conftest import csrf_token_from
from tests.helpers import table

D = dt.date
# Thursday 12 March 2026, 18:00 UTC; everyone lives in UTC.
NOW = dt.datetime(2026, 3, 12, 18, 0, tzinfo=dt.UTC)
TODAY, MONDAY, SUNDAY = D(2026, 3, 12), D(2026, 3, 9), D(2026, 3, 15)


def text(html: str) -> str:
    """A page's text, tags out, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def card(html: str, assignment: Assignment) -> str:
    found = re.search(rf'<section[^>]*aria-labelledby="hw-{assignment.id}".*?</section>', html,
                      re.S)
    assert found, assignment.id
    return text(found.group(0))


@pytest.fixture
def couple(db, clock, make_couple):
    clock.set(NOW)
    load_builtin_guides()
    found = make_couple(policy="limited", timezone="UTC")
    found.therapist.timezone = "UTC"
    db.session.commit()
    return found


def exercise(db, slug: str) -> Exercise:
    return db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))


def log_via_form(client, assignment_id: int, day: dt.date, **fields):
    url = f"/portal/homework/{assignment_id}/{day.isoformat()}"
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = {"csrf_token": csrf_token_from(page.text), "completion": "done",
            "once": new_token()}
    data.update(fields)
    return client.post(url, data=data), page


# --- point 6: read before it is due, log when you practise ------------------------------


def test_an_exercise_is_read_and_practised_before_its_first_due_day(
        db, client, sign_in_as, couple):
    a, b = (p.user for p in couple.partners)
    given = assign_exercise(
        couple.therapist, couple, exercise(db, "intentional-dates"), mode="both",
        schedule=Schedule(start=D(2026, 3, 16), cadence="weekly"),
        note="Pick something you have never done together.")
    db.session.commit()

    sign_in_as(a)
    portal = client.get("/portal/").text
    shown = card(portal, given)  # before its first due day, it is in the portal
    assert "First due day: Monday 16 March. You can read it and practise before then." in shown
    assert "Pick something you have never done together." in shown
    assert "I practised today" in shown
    page = client.get(f"/portal/homework/{given.id}")
    assert page.status_code == 200
    words = text(page.text)
    version = given.exercise_version
    assert "Pick something you have never done together." in words
    assert version.instructions.split("\n")[0].removeprefix("1. ") in words  # instructions
    for prompt in version.prompts:
        assert prompt in words
    assert "First due day: Monday 16 March." in words
    # Only from the day it was given: nothing earlier can be logged.
    assert "Today extra practice" in words and "Yesterday" not in words

    response, form = log_via_form(client, given.id, TODAY, completion="done",
                                  **{"answer-0": "We cooked something new."})
    assert "extra practice: this day was not due" in text(form.text)
    assert 'value="not_done"' not in form.text  # a practice was done: no "not done"
    assert response.status_code == 302
    entry = db.session.scalar(sa.select(Entry))
    assert (entry.occurrence_date, entry.completion) == (TODAY, "done")

    shown = card(client.get("/portal/").text, given)
    assert "1 extra practice, counted apart." in shown
    assert "Today Done extra practice" in shown
    assert "I practised today" not in shown  # once a day: it is logged

    # The other partner has not practised; the next week shows it as not due yet.
    sign_in_as(b)
    assert "extra practice" not in card(client.get("/portal/").text, given)
    nxt = card(client.get("/portal/?week=2026-03-16").text, given)
    assert "Mon 16" in nxt


def test_not_done_is_refused_on_a_day_that_was_not_due(db, client, sign_in_as, couple):
    a, _b = (p.user for p in couple.partners)
    weekly = assign_exercise(couple.therapist, couple, exercise(db, "intentional-dates"),
                             mode="both", schedule=Schedule(start=MONDAY, cadence="weekly"))
    db.session.commit()
    sign_in_as(a)
    response, _page = log_via_form(client, weekly.id, D(2026, 3, 10), completion="not_done",
                                   **{"answer-0": "We meant to, but did not."})
    assert response.status_code == 422
    assert "We meant to, but did not." in response.text  # nothing typed is lost
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 0
    with pytest.raises(DomainError, match="log a practice as done or partly"):
        log_entry(a, couple, weekly, D(2026, 3, 10), completion="not_done")


@pytest.mark.parametrize(("start", "end_on", "day", "status"), [
    (MONDAY, None, D(2026, 3, 8), 404),  # before it was given and before its start
    (MONDAY, D(2026, 3, 10), D(2026, 3, 11), 404),  # after it ended
    (MONDAY, None, D(2026, 3, 13), 404),  # ahead
    (MONDAY, None, D(2026, 3, 11), 200),  # a day that was not due: extra practice
])
def test_days_nothing_can_be_logged_on_are_not_found(db, client, sign_in_as, couple, start,
                                                     end_on, day, status):
    a, _b = (p.user for p in couple.partners)
    weekly = assign_exercise(couple.therapist, couple, exercise(db, "intentional-dates"),
                             mode="both", schedule=Schedule(start=start, cadence="weekly",
                                                            end=end_on))
    db.session.commit()
    sign_in_as(a)
    assert client.get(f"/portal/homework/{weekly.id}/{day.isoformat()}").status_code == status
    token = csrf_token_from(client.get("/account/password").text)
    draft = client.post(f"/portal/homework/{weekly.id}/{day.isoformat()}/draft",
                        data={"answer-0": "x", "csrf_token": token})
    assert draft.status_code == status


def test_a_one_partner_exercise_is_not_found_for_the_other(db, client, sign_in_as, couple):
    a, b = (p.user for p in couple.partners)
    mine = assign_exercise(couple.therapist, couple, exercise(db, "intentional-dates"),
                           mode="one", partner=a,
                           schedule=Schedule(start=D(2026, 3, 16), cadence="weekly"))
    db.session.commit()
    sign_in_as(b)
    assert client.get(f"/portal/homework/{mine.id}").status_code == 404
    assert f"hw-{mine.id}" not in client.get("/portal/").text
    sign_in_as(a)
    assert client.get(f"/portal/homework/{mine.id}").status_code == 200


def test_ended_before_its_start_it_takes_no_more_practice(db, couple, clock):
    from app.services.homework import end

    a, _b = (p.user for p in couple.partners)
    ahead = assign_exercise(couple.therapist, couple, exercise(db, "intentional-dates"),
                            mode="both", schedule=Schedule(start=D(2026, 3, 23),
                                                           cadence="weekly"))
    log_entry(a, couple, ahead, TODAY, completion="done")  # practised before it is due
    end(ahead, TODAY)
    assert ahead.ended_on == TODAY
    clock.set(NOW + dt.timedelta(days=1))
    with pytest.raises(DomainError, match="Nothing can be logged"):
        log_entry(a, couple, ahead, D(2026, 3, 13), completion="done")


def test_a_paused_exercise_can_be_read_but_not_practised(db, client, sign_in_as, couple):
    from app.services.homework import pause

    a, _b = (p.user for p in couple.partners)
    daily = assign_exercise(couple.therapist, couple, exercise(db, "daily-check-in"),
                            mode="both", schedule=Schedule(start=MONDAY, cadence="daily"))
    pause(daily, D(2026, 3, 11))
    db.session.commit()
    sign_in_as(a)
    shown = card(client.get("/portal/").text, daily)
    assert "paused by your therapist" in shown and "I practised today" not in shown
    page = text(client.get(f"/portal/homework/{daily.id}").text)
    assert "Paused by your therapist: nothing is due for now." in page
    assert client.get(f"/portal/homework/{daily.id}/{TODAY.isoformat()}").status_code == 404


# --- extra practice in every figure --------------------------------------------------------


@pytest.fixture
def practised(db, couple):
    """A weekly exercise (Mondays) given last week, practised on two other days by one
    partner, and an "as it comes up" exercise used three times by the other."""
    a, b = (p.user for p in couple.partners)
    therapist = couple.therapist
    weekly = assign_exercise(therapist, couple, exercise(db, "intentional-dates"),
                             mode="both", schedule=Schedule(start=D(2026, 3, 2),
                                                            cadence="weekly"))
    patterns = assign_exercise(therapist, couple, exercise(db, "identify-patterns"),
                               mode="both", schedule=Schedule(start=D(2026, 3, 2),
                                                              cadence="suggested"))
    db.session.flush()
    assert (patterns.cadence, patterns.times_per_week) == ("as_it_comes_up", 2)

    def log(user, assignment, day, completion="done"):
        backfill_entry(user, couple, assignment, day, completion=completion,
                       logged_at=dt.datetime.combine(day, dt.time(17), dt.UTC),
                       visibility="partner")
        db.session.flush()

    log(a, weekly, D(2026, 3, 2))
    log(a, weekly, D(2026, 3, 9))
    log(a, weekly, D(2026, 3, 10))  # extra practice, this week
    log(a, weekly, D(2026, 3, 11), "partly")  # extra practice, this week
    log(b, weekly, D(2026, 3, 9), "not_done")
    log(b, patterns, D(2026, 3, 4))
    log(b, patterns, D(2026, 3, 9))
    log(b, patterns, D(2026, 3, 11), "partly")
    db.session.commit()
    return a, b, weekly, patterns


def test_extra_practice_and_uses_are_apart_in_every_figure(db, client, sign_in_as, couple,
                                                          practised):
    a, b, weekly, patterns = practised
    a_week = Tally(done=1, extra=2)
    b_week = Tally(not_done=1, used=2)

    sign_in_as(a)  # the portal
    shown = card(client.get("/portal/").text, weekly)
    assert f"So far this week: {a_week.describe_due()} due." in shown
    assert "2 extra practice, counted apart." in shown
    sign_in_as(b)
    shown = card(client.get("/portal/").text, patterns)
    assert "This week: used 2 of up to 2 times." in shown
    assert "not logged" not in shown and "in a row" not in shown

    sign_in_as(couple.therapist)  # the couple page
    page = client.get(f"/therapist/couples/{couple.id}").text
    adherence = page[page.index('aria-label="Adherence"'):]
    rows = table(adherence[:adherence.index("</table>") + 8]).rows
    cells = [" | ".join(row) for row in rows]
    assert any(f"{a.name} | {a_week.describe()} |" in row for row in cells), cells
    assert any(f"{b.name} | used 2 times | used 3 times | —" in row for row in cells), cells
    assert any(f"{a.name} | not used | not used | —" in row for row in cells), cells
    timeline = text(page[page.index('id="timeline-heading"'):])
    assert timeline.count("Extra practice") == 2 and timeline.count("As it came up") == 3

    # The caseload: the same week, extra practice and uses apart; nothing overdue.
    rows = caseload(couple.therapist)
    assert {p.user_id: p.week for p in rows[0].partners} == {a.id: a_week, b.id: b_week}
    assert rows[0].overdue == 0
    short = {p.user_id: p.short_name for p in rows[0].partners}
    week_cell = table(client.get("/therapist/").text).rows[0][2]
    assert week_cell == f"{short[a.id]} {a_week.describe()} {short[b.id]} {b_week.describe()}"

    # The clinician report: each partner's figures, extra practice and uses apart.
    data = gather(couple, audience="clinician", start=MONDAY, end=SUNDAY)
    tallies = {(row.exercise, p.name): p.tally for row in data.summary.adherence
               for p in row.partners}
    assert tallies[(weekly.exercise_version.title, a.name)] == a_week
    assert tallies[(patterns.exercise_version.title, b.name)] == Tally(used=2)
    html = text(build_html(data))
    assert "+ 2 extra practice" in html
    assert "used 2 times as it came up" in html
    assert f"{b.name}: 0 done, 0 partly, 1 not done, 0 not logged of 1 due in this " \
        f"period (0% done). Apart from that: 2 uses as it came up." in html
    # The couple handout: the couple's figures, the uses between them, no extra practice
    # counted as due.
    handout = gather(couple, audience="couple", start=MONDAY, end=SUNDAY)
    shown = {p.exercise: p.together for p in handout.progress}
    assert shown[patterns.exercise_version.title].describe() == "used 2 times between you"
    assert shown[weekly.exercise_version.title].occurrences == 1  # the 9th: extra not due


def test_nothing_is_overdue_for_an_exercise_given_as_it_comes_up(db, couple, practised):
    _a, b, _weekly, patterns = practised
    progress = couple_progress(couple, week_of(TODAY))
    row = next(r for r in progress.assignments if r.assignment.id == patterns.id)
    for partner in row.partners:
        assert partner.overdue == [] and partner.streak == 0
        assert partner.week.due == partner.overall.due == 0
    assert {p.user_id: p.overall.used for p in row.partners}[b.id] == 3


# --- point 7: "as it comes up" ---------------------------------------------------------------


def assign_via_form(client, couple, query, **fields):
    url = f"/therapist/couples/{couple.id}/assign?{query}"
    page = client.get(url)
    assert page.status_code == 200
    data = {"csrf_token": csrf_token_from(page.text), "mode": "both", "start": "2026-03-09",
            "cadence": "daily", "times_per_week": "3", "up_to": "3", "ends": "never",
            "note": ""}
    data.update(fields)
    return client.post(url, data=data), page


def test_the_therapist_gives_an_exercise_as_it_comes_up(db, client, sign_in_as, couple):
    sign_in_as(couple.therapist)
    patterns = exercise(db, "identify-patterns")
    page = client.get(f"/therapist/couples/{couple.id}/assign?exercise={patterns.id}")
    assert "Suggested: As it comes up, up to 2 times a week" in text(page.text)
    assert re.search(r'<input checked[^>]*value="as_it_comes_up"', page.text)
    assert re.search(r'<option selected value="2">', page.text)
    # A number of times does not go with it.
    response, _page = assign_via_form(client, couple, f"exercise={patterns.id}",
                                      cadence="as_it_comes_up", up_to="2", ends="count",
                                      max_occurrences="5")
    assert response.status_code == 422
    assert "has no number of times to count down" in response.text
    response, _page = assign_via_form(client, couple, f"exercise={patterns.id}",
                                      cadence="as_it_comes_up", up_to="2")
    assert response.status_code == 302
    given = db.session.scalar(sa.select(Assignment))
    assert (given.cadence, given.times_per_week, given.weekdays) == ("as_it_comes_up", 2, None)
    page = client.get(f"/therapist/assignments/{given.id}/edit")
    assert re.search(r'<option selected value="2">', page.text)
    assert "As it comes up, up to 2 times a week" in text(
        client.get(f"/therapist/couples/{couple.id}").text)
    # Changed to up to once a week, from today.
    token = csrf_token_from(page.text)
    response = client.post(f"/therapist/assignments/{given.id}/edit", data={
        "csrf_token": token, "start": TODAY.isoformat(), "cadence": "as_it_comes_up",
        "up_to": "1", "times_per_week": "3", "ends": "never", "note": ""})
    assert response.status_code == 302
    current = db.session.scalars(sa.select(Assignment).order_by(Assignment.id.desc())).first()
    assert (current.cadence, current.times_per_week) == ("as_it_comes_up", 1)


def test_past_its_most_a_week_the_words_are_kept_as_a_draft(db, client, sign_in_as, couple):
    a, _b = (p.user for p in couple.partners)
    patterns = assign_exercise(couple.therapist, couple, exercise(db, "identify-patterns"),
                               mode="both", schedule=Schedule(start=D(2026, 3, 2),
                                                              cadence="as_it_comes_up",
                                                              times_per_week=2))
    db.session.commit()
    sign_in_as(a)
    shown = card(client.get("/portal/").text, patterns)
    assert "This week: used 0 of up to 2 times." in shown
    assert "It came up today: log it" in shown
    for day in (D(2026, 3, 9), D(2026, 3, 11)):
        response, form = log_via_form(client, patterns.id, day,
                                      **{"answer-0": f"The {day.day}th went better."})
        assert "as it came up" in text(form.text)
        assert response.status_code == 302
    shown = card(client.get("/portal/").text, patterns)
    assert "This week: used 2 of up to 2 times." in shown
    assert "Mon 09 Done" in shown and "Wed 11 Done" in shown

    words = "After the argument about the car I noticed I went quiet first."
    url = f"/portal/homework/{patterns.id}/{TODAY.isoformat()}"
    page = client.get(url)
    assert "the most suggested for a week" in text(page.text)  # told ahead
    response = client.post(url, data={"csrf_token": csrf_token_from(page.text),
                                      "completion": "done", "once": new_token(),
                                      "answer-0": words})
    assert response.status_code == 302 and response.location.endswith(url)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 2
    draft = db.session.scalar(sa.select(Draft))
    assert draft.content["answers"][0] == words
    again = client.get(url)
    assert "You have logged this 2 times this week" in text(again.text)
    assert words in again.text  # the text, kept
    with pytest.raises(WeekIsFull):  # the service refuses it as the page did
        log_entry(a, couple, patterns, TODAY, completion="done")
    # The next week takes two again.
    assert log_entry(a, couple, patterns, D(2026, 3, 16) - dt.timedelta(days=7),
                     completion="done").occurrence_date == D(2026, 3, 9)  # its own entry


def test_two_uses_sent_at_once_keep_the_weeks_most(app, db, client, sign_in_as, couple):
    """The week has room for one more use; two days of it are sent at the same moment
    from two windows: one is saved, the other's words are kept as a draft."""
    import threading

    a, _b = (p.user for p in couple.partners)
    patterns = assign_exercise(couple.therapist, couple, exercise(db, "identify-patterns"),
                               mode="both", schedule=Schedule(start=D(2026, 3, 2),
                                                              cadence="as_it_comes_up",
                                                              times_per_week=2))
    log_entry(a, couple, patterns, MONDAY, completion="done")
    db.session.commit()
    sign_in_as(a)
    token = csrf_token_from(client.get("/account/password").text)
    cookie = client.get_cookie("rekindle_session").value
    barrier, answers = threading.Barrier(2), []
    onces = {day: new_token() for day in (D(2026, 3, 10), D(2026, 3, 11))}
    base = f"/portal/homework/{patterns.id}"

    def send(day: dt.date) -> None:
        copy = app.test_client()
        copy.set_cookie("rekindle_session", cookie)
        barrier.wait()
        try:
            answer = copy.post(f"{base}/{day.isoformat()}",
                               data={"csrf_token": token, "completion": "done",
                                     "once": onces[day], "answer-0": f"On the {day.day}th"})
            answers.append(answer.status_code)
        except Exception as error:  # a crash is the failure to show
            answers.append(repr(error))

    threads = [threading.Thread(target=send, args=(day,))
               for day in (D(2026, 3, 10), D(2026, 3, 11))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [302, 302]  # one saved, one led back to its draft
    db.session.expire_all()
    days = db.session.scalars(sa.select(Entry.occurrence_date)).all()
    assert len(days) == 2 and MONDAY in days
    drafts = db.session.scalars(sa.select(Draft)).all()
    assert len(drafts) == 1 and drafts[0].occurrence_date not in days


def test_a_use_is_logged_once_a_day_and_never_as_not_done(db, couple):
    a, _b = (p.user for p in couple.partners)
    patterns = assign_exercise(couple.therapist, couple, exercise(db, "identify-patterns"),
                               mode="both", schedule=Schedule(start=D(2026, 3, 2),
                                                              cadence="as_it_comes_up",
                                                              times_per_week=3))
    db.session.flush()
    with pytest.raises(DomainError, match="Log it on a day you did it"):
        log_entry(a, couple, patterns, TODAY, completion="not_done")
    first = log_entry(a, couple, patterns, TODAY, completion="done")
    again = log_entry(a, couple, patterns, TODAY, completion="partly")  # a revision
    assert again.id == first.id and again.revision == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 1


def test_the_own_exercise_form_suggests_as_it_comes_up(db, client, sign_in_as, couple):
    sign_in_as(couple.therapist)
    page = client.get("/therapist/exercises/new")
    data = {"csrf_token": csrf_token_from(page.text), "title": "After a hard evening",
            "instructions": "Write down what happened, calmly, the next morning.",
            "prompt1": "What did you notice?", "cadence": "as_it_comes_up",
            "up_to_per_week": "9", "times_per_week": "", "minutes": ""}
    refused = client.post("/therapist/exercises/new", data=data)
    assert refused.status_code == 422 and "1 to 7" in refused.text
    data["up_to_per_week"] = "2"
    assert client.post("/therapist/exercises/new", data=data).status_code == 302
    own = db.session.scalar(sa.select(Exercise).where(Exercise.owner_id.is_not(None)))
    assert (own.current.cadence, own.current.times_per_week) == ("as_it_comes_up", 2)
    edit = client.get(f"/therapist/exercises/{own.id}/edit").text
    assert re.search(r'id="up_to_per_week"[^>]*value="2"|value="2"[^>]*id="up_to_per_week"',
                     edit)


# --- point 8: a whole step is not an avalanche -------------------------------------------


def footer(html: str) -> str:
    """The preview's summary: each partner's full week."""
    return text(re.search(r'<ul class="loads">.*?</ul>', html, re.S).group(0))


@pytest.fixture
def step(db, couple) -> Step:
    return db.session.scalar(sa.select(Step).where(Step.slug == "rebuild-communication"))


def test_a_step_shows_each_partners_week_before_it_is_given(db, client, sign_in_as, couple,
                                                           step):
    a, b = (p.user for p in couple.partners)
    sign_in_as(couple.therapist)
    page = client.get(f"/therapist/couples/{couple.id}/assign?step={step.id}")
    assert page.status_code == 200
    preview = table(page.text[page.text.index('id="preview-heading"'):]).rows
    # Listen (3 a week, 15 min), speak without blame (3, 10), check-in (daily, 10), hard
    # conversations (once, 30): 13 a week each, about 2 h 25 min, and one done once.
    assert preview[0][-2:] == ["3 a week", "3 a week"]  # each partner's column
    assert f"<th scope=\"col\">{a.name}</th><th scope=\"col\">{b.name}</th>" in page.text
    assert footer(page.text) == (f"{a.name}: 13 a week (about 2 h 25 min), 1 once "
                                 f"{b.name}: 13 a week (about 2 h 25 min), 1 once")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0

    ids = [e.id for e in step.exercises]
    url = f"/therapist/couples/{couple.id}/assign?step={step.id}"
    form = {"csrf_token": csrf_token_from(page.text), "mode": f"one:{a.id}",
            "start": "2026-03-16", "cadence": "suggested", "times_per_week": "3",
            "up_to": "3", "ends": "never", "note": "", "exercises": [str(ids[0]), str(ids[2])]}
    shown = client.post(url, data={**form, "action": "preview"})
    assert shown.status_code == 200  # shown again, nothing given
    shown = shown.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0
    preview = table(shown[shown.index('id="preview-heading"'):]).rows
    assert footer(shown) == f"{a.name}: 10 a week (about 1 h 55 min) {b.name}: nothing"
    assert [row[0] for row in preview] == [step.exercises[0].current.title,
                                           step.exercises[2].current.title]
    ticked = re.findall(r'<input[^>]*checked[^>]*name="exercises"[^>]*value="(\d+)"',
                        shown)
    assert ticked == [str(ids[0]), str(ids[2])]  # the choice is kept

    nothing = client.post(url, data={**form, "exercises": [], "action": "give",
                                     "csrf_token": csrf_token_from(shown)})
    assert nothing.status_code == 422
    assert "Choose at least one exercise of the step." in nothing.text

    given = client.post(url, data={**form, "action": "give",
                                   "csrf_token": csrf_token_from(shown)})
    assert given.status_code == 302
    made = db.session.scalars(sa.select(Assignment).order_by(Assignment.id)).all()
    assert [m.exercise_version.exercise_id for m in made] == [ids[0], ids[2]]
    assert {(m.mode, m.partner_id, m.step_id) for m in made} == {("one", a.id, step.id)}


def test_the_preview_counts_as_assign_step_gives(db, couple, step):
    schedule = Schedule(start=D(2026, 3, 16), cadence="times_per_week", times_per_week=2)
    preview = preview_step(couple, step, mode="joint", schedule=schedule)
    assert [line.per_week for line in preview.lines] == [2, 2, 2, 2]
    assert [load.per_week for load in preview.partners] == [8, 8]
    made = assign_step(couple.therapist, couple, step, mode="joint", schedule=schedule)
    assert [m.times_per_week for m in made] == [line.times_per_week for line in preview.lines]
    # Days that do not fit the number: the preview says so, as giving would.
    wrong = Schedule(start=D(2026, 3, 16), cadence="times_per_week", times_per_week=3,
                     weekdays=[0])
    assert "Choose 3 days" in preview_step(couple, step, mode="both", schedule=wrong).error
    with pytest.raises(DomainError, match="at least one exercise"):
        assign_step(couple.therapist, couple, step, mode="both", schedule=schedule,
                    chosen=set())
