"""One history, every page: the portal, the couple page, the caseload and both reports
show the same homework figures, as occurrences.py counts them."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import sqlalchemy as sa

from app.models import Exercise
from app.services.guides import load_builtin_guides
from app.services.homework import Schedule, assign_exercise, backfill_entry, pause
from app.services.occurrences import Tally, Together
from app.services.reports import gather
from app.services.schedule import weekday_mask
from reports.html import build_html
from tests.helpers import table

D = dt.date
MONDAY, SUNDAY = D(2026, 3, 9), D(2026, 3, 15)
# Thursday 12 March 2026, 18:00: everyone lives in UTC, so the therapist's week is the
# partners' week and the couple's (the caseload and the couple page show the therapist's).
NOW = dt.datetime(2026, 3, 12, 18, 0, tzinfo=dt.UTC)


def text(html: str) -> str:
    """A page's text, tags out, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def section(html: str, heading_id: str) -> str:
    """The text of the <section> labelled by this heading id."""
    found = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html,
                      re.S)
    assert found, heading_id
    return text(found.group(0))


@pytest.fixture
def history(db, clock, make_couple):
    """A couple with four kinds of homework and a week of every kind of entry."""
    clock.set(NOW)
    load_builtin_guides()
    couple = make_couple(timezone="UTC")
    therapist = couple.therapist
    therapist.timezone = "UTC"
    a, b = (p.user for p in couple.partners)

    def exercise(slug: str) -> Exercise:
        return db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))

    check_in = assign_exercise(therapist, couple, exercise("daily-check-in"), mode="both",
                               schedule=Schedule(start=D(2026, 3, 2), cadence="daily"))
    dates = assign_exercise(therapist, couple, exercise("intentional-dates"), mode="joint",
                            schedule=Schedule(start=D(2026, 3, 2), cadence="weekly"))
    # Mondays, Wednesdays and Fridays, five times: 2, 4, 6, 9 and 11 March.
    appreciation = assign_exercise(
        therapist, couple, exercise("daily-appreciation"), mode="one", partner=a,
        schedule=Schedule(start=D(2026, 3, 2), cadence="times_per_week", times_per_week=3,
                          weekdays=[0, 2, 4], max_occurrences=5))
    listening = assign_exercise(therapist, couple, exercise("listen-not-react"), mode="both",
                                schedule=Schedule(start=MONDAY, cadence="daily"))
    db.session.flush()
    assert appreciation.weekdays == weekday_mask([0, 2, 4])

    def log(user, assignment, day: int, completion: str, ratings=()):
        occurrence = D(2026, 3, day)
        backfill_entry(user, couple, assignment, occurrence, completion=completion,
                       logged_at=dt.datetime.combine(occurrence, dt.time(17), dt.UTC),
                       ratings=list(ratings), visibility="partner")

    for day in range(2, 9):  # the week before: all done but the 5th
        log(a, check_in, day, "not_done" if day == 5 else "done")
    for day, completion in ((9, "done"), (10, "partly"), (11, "partly"), (12, "done")):
        log(a, check_in, day, completion)  # the 12th is today, logged already
    log(b, check_in, 9, "partly")
    log(b, check_in, 10, "done")  # nothing on the 11th; the 12th is not over
    log(a, dates, 2, "done", [8, 8])
    log(b, dates, 2, "done", [3, 8])  # a difference: ratings 5 apart
    log(a, dates, 9, "done", [9, 8])
    log(b, dates, 9, "not_done")  # a difference: done against not done
    log(a, appreciation, 11, "not_done")
    log(a, listening, 10, "done")
    pause(listening, D(2026, 3, 10))  # the 10th is no longer due: extra practice
    db.session.commit()
    return couple, a, b, {"check_in": check_in, "dates": dates,
                          "appreciation": appreciation, "listening": listening}


# What occurrences.py makes of it, worked out by hand: this week, per assignment.
WEEK = {
    ("check_in", "a"): Tally(done=2, partly=2),
    ("check_in", "b"): Tally(done=1, partly=1, not_logged=1),
    ("dates", "a"): Tally(done=1),
    ("dates", "b"): Tally(not_done=1),
    ("appreciation", "a"): Tally(not_done=1, not_logged=1),
    ("listening", "a"): Tally(not_logged=1, extra=1),
    ("listening", "b"): Tally(not_logged=1),
}
STREAK = {("check_in", "a"): 7, ("check_in", "b"): 0, ("dates", "a"): 2, ("dates", "b"): 0,
          ("appreciation", "a"): 0, ("listening", "a"): 0, ("listening", "b"): 0}
A_WEEK = Tally(done=3, partly=2, not_done=1, not_logged=2, extra=1)
B_WEEK = Tally(done=1, partly=1, not_done=1, not_logged=2)
OVERDUE = 9


def test_the_tallies_worked_out_by_hand_add_up():
    assert sum((t for (_, who), t in WEEK.items() if who == "a"), Tally()) == A_WEEK
    assert sum((t for (_, who), t in WEEK.items() if who == "b"), Tally()) == B_WEEK
    assert A_WEEK.describe() == (
        "3 done, 2 partly, 1 not done, 2 not logged of 8; 1 extra practice")


def test_the_portal_shows_each_partners_week(db, client, sign_in_as, history):
    _couple, a, b, homework = history
    for who, user in (("a", a), ("b", b)):
        sign_in_as(user)
        page = client.get("/portal/").text
        for key, assignment in homework.items():
            if (key, who) not in WEEK:
                assert f'id="hw-{assignment.id}"' not in page
                continue
            card = section(page, f"hw-{assignment.id}")
            tally, streak = WEEK[(key, who)], STREAK[(key, who)]
            assert f"So far this week: {tally.describe_due()} due." in card, (key, who, card)
            if tally.extra:  # apart, never as due
                assert f"due. {tally.extra} extra practice, counted apart." in card
            else:
                assert "extra practice" not in card
            if streak >= 2:
                assert f"{streak} in a row, done or partly." in card
            else:
                assert "in a row" not in card


def test_a_past_week_in_the_portal_shows_that_weeks_figures_and_streak(
        db, client, sign_in_as, history):
    _couple, a, _b, homework = history
    sign_in_as(a)
    page = client.get("/portal/?week=2026-03-02").text
    card = section(page, f"hw-{homework['check_in'].id}")
    # The week of 2 March: done every day but the 5th; by its Sunday, three in a row
    # (the 6th to the 8th), not today's seven.
    assert "That week: 6 done, 0 partly, 1 not done, 0 not logged of 7 due." in card
    assert "3 in a row by Sun 08 Mar, done or partly." in card
    assert "7 in a row" not in page
    days = section(page, f"hw-{homework['appreciation'].id}")
    assert "That week: 0 done, 0 partly, 0 not done, 3 not logged of 3 due." in days
    # The 2nd is more than a week ago: not logged, and no longer loggable.
    assert re.search(r"Mon 02 Not logged", days)


def test_the_couple_page_shows_the_same_week_streak_and_differences(
        db, client, sign_in_as, history):
    couple, a, b, homework = history
    sign_in_as(couple.therapist)
    page = client.get(f"/therapist/couples/{couple.id}").text
    adherence = page[page.index('aria-label="Adherence"'):]
    titles = {h.exercise_version.title: key for key, h in homework.items()}
    shown, key, overdue = {}, None, 0
    for row in table(adherence[:adherence.index("</table>") + 8]).rows:
        starts = [title for title in titles if row[0].startswith(title)]
        if starts:  # an exercise's first row: its title spans its partners' rows
            key, row = titles[starts[0]], row[1:]
        name, week, overall, streak = row[:4]
        shown[(key, "a" if name == a.name else "b")] = (week, int(streak))
        overdue += int(re.search(r"(\d+) overdue", overall).group(1)) if "overdue" in overall else 0
    assert shown == {key: (WEEK[key].describe(), STREAK[key]) for key in WEEK}
    assert overdue == OVERDUE
    assert "This week: Mon 09 Mar to Sun 15 Mar, so far." in text(page)
    differences = section(page, "differences-heading")
    assert differences.count("Plan intentional dates") == 2  # one per occurrence
    assert f"{a.name} done, {b.name} not done" in differences  # the 9th
    assert (f"Mon 02 Mar: How much did you enjoy the time together? {a.name} 8, {b.name} 3."
            in differences)


def test_the_caseload_shows_the_same_week_and_differences(db, client, sign_in_as, history):
    couple, a, b, _homework = history
    sign_in_as(couple.therapist)
    rows = table(client.get("/therapist/").text).rows
    assert len(rows) == 1
    _couple, _partners, week, _activity, overdue, differences = rows[0]
    # The homework due, and extra practice apart.
    assert week == f"{a.name} {A_WEEK.describe()} {b.name} {B_WEEK.describe()}"
    # Overdue (due 5-11 March, not logged): a the appreciation of the 6th and 9th and the
    # listening of the 9th; b the check-in of the 5th to 8th and 11th and the listening of
    # the 9th. Differences: the dates of the 2nd and the 9th.
    assert (overdue, differences) == (str(OVERDUE), "2")


def test_the_clinician_report_shows_the_same_figures(db, history):
    couple, a, b, homework = history
    data = gather(couple, audience="clinician", start=MONDAY, end=SUNDAY)
    titles = {h.exercise_version.title: key for key, h in homework.items()}
    shown = {}
    for row in data.summary.adherence:
        for partner in row.partners:
            who = "a" if partner.name == a.name else "b"
            shown[(titles[row.exercise], who)] = (partner.tally, partner.streak)
    assert shown == {key: (WEEK[key], STREAK[key]) for key in WEEK}
    html = text(build_html(data))
    assert (f"{a.name}: {A_WEEK.describe_due()} due in this period (38% done). "
            f"Apart from that: 1 extra practice.") in html
    assert f"{b.name}: {B_WEEK.describe_due()} due in this period (20% done)." in html
    assert f"{b.name}: {B_WEEK.describe_due()} due in this period (20% done). Apart" not in html
    # One difference in the period (the 9th: done against not done), visible to both
    # partners: the couple shares completion.
    assert html.count("Different experiences on") == 1
    assert (f"Different experiences on 9 Mar 2026 (one did it, the other did not): "
            f"{a.name} done, {b.name} not done.") in html
    assert "+ 1 extra practice" in html


def test_the_couple_handout_shows_the_couples_figures_from_the_same_arithmetic(db, history):
    """The handout counts, day by day, the occurrences due for both partners (the 12th is
    due for a, who logged it today, not yet for b): never one partner's own figures, and
    never the homework given to one partner only."""
    couple, _a, _b, homework = history
    data = gather(couple, audience="couple", start=MONDAY, end=SUNDAY)
    title = {key: h.exercise_version.title for key, h in homework.items()}
    assert {p.exercise: p.together for p in data.progress} == {
        title["check_in"]: Together(occurrences=3, both=0, one=2, partly=1),
        title["dates"]: Together(occurrences=1, both=0, one=1, partly=0),
        title["listening"]: Together(occurrences=1, both=0, one=0, partly=0),
    }
    html = text(build_html(data))
    assert title["appreciation"] not in html
    assert html.count("one of you marked it done and the other not done") == 1
    assert "9 Mar 2026 · Plan intentional dates" in html
    assert "%" not in html


def test_a_joint_difference_nobody_wrote_about_is_in_both_reports(db, history):
    """Done against not done, with no words or ratings, and one account private: still one
    difference to talk about in both reports (the couple shares completion)."""
    couple, a, b, _homework = history
    surprises = assign_exercise(
        couple.therapist, couple,
        db.session.scalar(sa.select(Exercise).where(Exercise.slug == "small-surprises")),
        mode="joint", schedule=Schedule(start=D(2026, 3, 10), cadence="once"))
    db.session.flush()
    for user, completion, visibility in ((a, "done", "partner"), (b, "not_done", "therapist")):
        backfill_entry(user, couple, surprises, D(2026, 3, 10), completion=completion,
                       logged_at=dt.datetime(2026, 3, 10, 21, tzinfo=dt.UTC),
                       visibility=visibility)
    db.session.commit()
    title = surprises.exercise_version.title
    data = gather(couple, audience="clinician", start=MONDAY, end=SUNDAY)
    group = next(g for g in data.written.groups if g.exercise == title)
    assert [(d.date, d.completions) for d in group.differences] == [
        (D(2026, 3, 10), [(a.name, "done"), (b.name, "not done")])]
    assert group.entries == []  # nothing was written
    handout = gather(couple, audience="couple", start=MONDAY, end=SUNDAY)
    assert [(t.date, t.exercise, t.completion) for t in handout.topics
            if t.exercise == title] == [(D(2026, 3, 10), title, True)]


def test_partners_a_day_apart_see_their_own_week_and_the_therapist_the_same_one(
        db, clock, client, sign_in_as, make_couple, make_therapist):
    """Sunday 15 March, 20:00 UTC: Monday morning in Auckland, where the couple lives and
    its joint exercise is dated; still Sunday for the therapist in London and the partner
    in Los Angeles."""
    clock.set(dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC))
    load_builtin_guides()
    therapist = make_therapist(timezone="Europe/London")
    couple = make_couple(therapist, timezone="Pacific/Auckland")
    a, b = (p.user for p in couple.partners)
    a.timezone = "America/Los_Angeles"
    dates = db.session.scalar(sa.select(Exercise).where(Exercise.slug == "intentional-dates"))
    check_in = db.session.scalar(sa.select(Exercise).where(Exercise.slug == "daily-check-in"))
    together = assign_exercise(therapist, couple, dates, mode="joint",
                               schedule=Schedule(start=D(2026, 3, 9), cadence="daily"))
    alone = assign_exercise(therapist, couple, check_in, mode="both",
                            schedule=Schedule(start=D(2026, 3, 9), cadence="daily"))
    db.session.commit()
    clock.set(dt.datetime(2026, 3, 15, 20, 0, tzinfo=dt.UTC))

    sign_in_as(a)
    portal = client.get("/portal/").text
    # Los Angeles' week, whichever homework comes first; the joint exercise's 9-15 March
    # have all ended in Auckland, the partner's own check-in of Sunday has not.
    assert "09 Mar \u2013 15 Mar 2026" in portal
    assert ("That week" not in text(portal)
            and "So far this week: 0 done, 0 partly, 0 not done, 7 not logged of 7 due."
            in section(portal, f"hw-{together.id}"))
    assert ("So far this week: 0 done, 0 partly, 0 not done, 6 not logged of 6 due."
            in section(portal, f"hw-{alone.id}"))

    sign_in_as(therapist)
    page = client.get(f"/therapist/couples/{couple.id}").text
    assert "This week: Mon 09 Mar to Sun 15 Mar, so far." in text(page)
    caseload = table(client.get("/therapist/").text).rows[0][2]
    # a: 7 joint + 6 check-in; b (Auckland): 7 + 7, Monday the 16th is next week.
    assert caseload == (f"{a.name} 0 done, 0 partly, 0 not done, 13 not logged of 13 "
                        f"{b.name} 0 done, 0 partly, 0 not done, 14 not logged of 14")
    adherence = page[page.index('aria-label="Adherence"'):]
    rows = table(adherence[:adherence.index("</table>") + 8]).rows
    for who, due in ((a.name, (7, 6)), (b.name, (7, 7))):
        weeks = [row[row.index(who) + 1] for row in rows if who in row]
        assert weeks == [f"0 done, 0 partly, 0 not done, {n} not logged of {n}" for n in due]
