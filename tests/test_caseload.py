"""The caseload page: every couple of the therapist with this week's figures, sortable,
in a constant number of queries whatever the caseload's size."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app.models import Couple, Exercise, User
from app.services.couples import PartnerDetails, create_couple
from app.services.guides import load_builtin_guides
from app.services.homework import Schedule, assign_exercise, end, log_entry, pause, resume
from app.services.invitations import accept
from app.services.occurrences import Tally
from app.services.progress import couple_progress
from app.services.schedule import Plan, week_of, weekday_mask
from tests.conftest import PASSWORD
from tests.helpers import table

D = dt.date
UTC = dt.UTC
# Thursday 12 March 2026, 20:00 UTC: Thursday in London and Los Angeles, Friday in Auckland.
NOW = dt.datetime(2026, 3, 12, 20, 0, tzinfo=UTC)


def row_named(html: str, name: str) -> list[str]:
    matches = [row for row in table(html).rows if row[0] == name]
    assert len(matches) == 1, f"{name!r} appears {len(matches)} times"
    return matches[0]


def order(html: str) -> list[str]:
    return [row[0] for row in table(html).rows]


def exercise(db, slug: str) -> Exercise:
    return db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))


@pytest.fixture
def library(db):
    load_builtin_guides()
    db.session.commit()


@pytest.fixture
def therapist(make_therapist) -> User:
    return make_therapist(timezone="Europe/London", name="Dr. Test")


def name_couple(db, couple: Couple, name: str, first: str, second: str, *,
                zones: tuple[str, str] | None = None) -> tuple[User, User]:
    a, b = (p.user for p in couple.partners)
    couple.name = name
    a.name, b.name = f"{first} Okoro", f"{second} Okoro"
    if zones:
        a.timezone, b.timezone = zones
    db.session.commit()
    return a, b


def build_rae_and_sol(db, clock, make_couple, therapist) -> Couple:
    """Partners in Auckland and Los Angeles, a couple in London: a daily check-in for both
    and a weekly joint date, one date the partners rated differently inside the last 14 days
    and one outside."""
    couple = make_couple(therapist, timezone="Europe/London")
    rae, sol = name_couple(db, couple, "Rae & Sol", "Rae", "Sol",
                           zones=("Pacific/Auckland", "America/Los_Angeles"))
    clock.set(dt.datetime(2026, 2, 26, 20, 0, tzinfo=UTC))
    dates = assign_exercise(therapist, couple, exercise(db, "intentional-dates"), mode="joint",
                            schedule=Schedule(start=D(2026, 2, 26), cadence="weekly"))
    check_in = assign_exercise(therapist, couple, exercise(db, "daily-check-in"), mode="both",
                               schedule=Schedule(start=D(2026, 3, 2), cadence="daily"))
    # 14 days before the couple's today (12 March): outside the differences' window.
    log_entry(rae, couple, dates, D(2026, 2, 26), completion="done", ratings=[9, 9])
    log_entry(sol, couple, dates, D(2026, 2, 26), completion="done", ratings=[2, 9])
    db.session.commit()

    clock.set(dt.datetime(2026, 3, 10, 20, 0, tzinfo=UTC))
    log_entry(rae, couple, dates, D(2026, 3, 5), completion="done", ratings=[8, 8])
    log_entry(sol, couple, dates, D(2026, 3, 5), completion="partly", ratings=[3, 8])  # differ
    db.session.commit()

    clock.set(NOW)  # Rae: Friday 13 March in Auckland; Sol: Thursday 12th in Los Angeles
    for day, completion in ((9, "done"), (10, "partly"), (11, "not_done"), (13, "done")):
        log_entry(rae, couple, check_in, D(2026, 3, day), completion=completion, ratings=[7])
    log_entry(rae, couple, dates, D(2026, 3, 12), completion="done", ratings=[7, 7])
    db.session.commit()
    return couple


def build_kit_and_lou(db, make_couple, therapist) -> Couple:
    couple = make_couple(therapist, timezone="UTC")
    kit, lou = name_couple(db, couple, "Kit & Lou", "Kit", "Lou")
    check_in = assign_exercise(therapist, couple, exercise(db, "daily-check-in"), mode="both",
                               schedule=Schedule(start=D(2026, 3, 9), cadence="daily"))
    for day in (9, 10, 11, 12):
        log_entry(kit, couple, check_in, D(2026, 3, day), completion="done")
    for day in (9, 10):
        log_entry(lou, couple, check_in, D(2026, 3, day), completion="done")
    db.session.commit()
    return couple


def test_figures_for_partners_in_two_timezones_with_a_joint_difference(
    db, client, sign_in_as, clock, library, make_couple, therapist
):
    build_rae_and_sol(db, clock, make_couple, therapist)
    sign_in_as(therapist)
    page = client.get("/therapist/")
    assert page.status_code == 200
    _couple, partners, week, activity, overdue, differences = row_named(page.text, "Rae & Sol")
    assert partners == "Rae Okoro Sol Okoro"
    # This week is the therapist's (Mon 9 - Sun 15 March); what is due so far follows each
    # occurrence's calendar. Rae (Auckland, Friday 13th): the check-in of 9-12 (ended) and
    # of the 13th (logged today), and the joint date of the 12th (still Thursday in London,
    # but logged): 6; done the 9th, 13th and the date, partly the 10th, not done the 11th.
    # Sol (Los Angeles, Thursday 12th): the check-in of 9-11; neither his today nor the
    # date of the 12th counts against him before the day ends there.
    assert week == ("Rae 3 done, 1 partly, 1 not done, 1 not logged of 6 "
                    "Sol 0 done, 0 partly, 0 not done, 3 not logged of 3")
    assert activity == "Rae today Sol 2 days ago"
    # Rae: 6, 7, 8 and 12 March not logged (6-12 is her last week); Sol: 5-11 March = 7.
    # The joint date of the 5th was logged by both; the 12th is today, not overdue.
    assert overdue == "11"
    # The 5 March date differs by 5 on a question; the 26 February one falls outside 14 days.
    assert differences == "1"
    assert "This week: Mon 09 Mar to Sun 15 Mar" in page.text


def test_the_week_is_the_therapists_and_due_so_far_each_persons(
    db, client, sign_in_as, clock, library, make_couple, make_therapist
):
    clock.set(dt.datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
    london = make_therapist(timezone="Europe/London")
    auckland = make_therapist(timezone="Pacific/Auckland")
    ahead = make_couple(london, timezone="Europe/London")
    name_couple(db, ahead, "Ahead", "Ana", "Bo", zones=("Pacific/Auckland", "Europe/London"))
    behind = make_couple(auckland, timezone="Europe/London")
    name_couple(db, behind, "Behind", "Cy", "Di")
    for therapist, couple in ((london, ahead), (auckland, behind)):
        assign_exercise(therapist, couple, exercise(db, "daily-check-in"), mode="both",
                        schedule=Schedule(start=D(2026, 3, 9), cadence="daily"))
    db.session.commit()
    # Sunday 15 March, 20:00 UTC: Monday 16th 09:00 in Auckland, Sunday evening in London.
    clock.set(dt.datetime(2026, 3, 15, 20, 0, tzinfo=UTC))

    sign_in_as(london)  # week of 9-15 March: Ana is already in the 16th, which is not in it;
    # Bo's Sunday has not ended yet.
    assert row_named(client.get("/therapist/").text, "Ahead")[2] == (
        "Ana 0 done, 0 partly, 0 not done, 7 not logged of 7 "
        "Bo 0 done, 0 partly, 0 not done, 6 not logged of 6")
    sign_in_as(auckland)  # week of 16-22 March: nothing is due yet in London
    assert row_named(client.get("/therapist/").text, "Behind")[2] == (
        "Cy nothing due Di nothing due")


def test_sorting_by_each_column(db, client, sign_in_as, clock, library, make_couple, therapist):
    build_rae_and_sol(db, clock, make_couple, therapist)
    build_kit_and_lou(db, make_couple, therapist)
    ava = make_couple(therapist, timezone="UTC", joined=False)
    name_couple(db, ava, "Ava & Ben", "Ava", "Ben")
    sign_in_as(therapist)

    expected = {
        "name": ["Ava & Ben", "Kit & Lou", "Rae & Sol"],
        # lowest partner's share done first (Sol 0%, Lou 67%); nothing due this week last
        "adherence": ["Rae & Sol", "Kit & Lou", "Ava & Ben"],
        # never first, then the quieter partner's last entry (Sol, 2 days ago), then today
        "activity": ["Ava & Ben", "Rae & Sol", "Kit & Lou"],
        "overdue": ["Rae & Sol", "Kit & Lou", "Ava & Ben"],  # 11, 1, 0
        "differences": ["Rae & Sol", "Ava & Ben", "Kit & Lou"],  # 1, then ties by name
    }
    directions = {"name": "ascending", "adherence": "ascending", "activity": "ascending",
                  "overdue": "descending", "differences": "descending"}
    for key, names in expected.items():
        page = client.get(f"/therapist/?sort={key}")
        assert order(page.text) == names, key
        sorted_headers = [h for h in table(page.text).headers if h["aria-sort"]]
        assert len(sorted_headers) == 1, key
        assert sorted_headers[0]["aria-sort"] == directions[key]
        assert sorted_headers[0]["href"] == f"/therapist/?sort={key}"

    default = client.get("/therapist/")
    assert order(default.text) == expected["name"]
    assert order(client.get("/therapist/?sort=bogus").text) == expected["name"]
    assert order(client.get("/therapist/?sort=").text) == expected["name"]
    headers = {h["text"].rstrip("↑↓ "): h["href"] for h in table(default.text).headers}
    assert headers == {
        "Couple": "/therapist/?sort=name", "Partners": None,
        "This week": "/therapist/?sort=adherence", "Last activity": "/therapist/?sort=activity",
        "Overdue": "/therapist/?sort=overdue", "Differences": "/therapist/?sort=differences",
    }
    ava_row = row_named(default.text, "Ava & Ben")
    assert ava_row[1] == "Ava Okoro (invitation sent) Ben Okoro (invitation sent)"
    assert ava_row[2:] == ["Ava nothing due Ben nothing due", "Ava never Ben never", "0", "0"]
    # Lou has not logged today yet: it is not due before it ends.
    assert row_named(default.text, "Kit & Lou")[2:] == [
        "Kit 4 done, 0 partly, 0 not done, 0 not logged of 4 "
        "Lou 2 done, 0 partly, 0 not done, 1 not logged of 3",
        "Kit today Lou today", "1", "0"]
    assert 'tabindex="0" role="region" aria-label="Your couples"' in default.text
    assert "<script" not in default.text and "style=" not in default.text


def test_only_the_therapists_own_couples_and_activity_older_than_the_window(
    db, client, sign_in_as, clock, library, make_couple, make_therapist, therapist
):
    clock.set(dt.datetime(2026, 2, 20, 12, 0, tzinfo=UTC))
    quiet = make_couple(therapist, timezone="UTC")
    mo, _ned = name_couple(db, quiet, "Mo & Ned", "Mo", "Ned")
    check_in = assign_exercise(therapist, quiet, exercise(db, "daily-check-in"), mode="both",
                               schedule=Schedule(start=D(2026, 2, 16), cadence="daily"))
    log_entry(mo, quiet, check_in, D(2026, 2, 20), completion="done")
    db.session.commit()
    colleague = make_therapist(practice=therapist.practice)
    theirs = make_couple(colleague)
    name_couple(db, theirs, "Colleague's couple", "Xan", "Yul")
    elsewhere = make_couple()
    name_couple(db, elsewhere, "Another practice's couple", "Zed", "Wyn")
    clock.set(NOW)

    sign_in_as(therapist)
    page = client.get("/therapist/")
    assert order(page.text) == ["Mo & Ned"]
    assert "Xan" not in page.text and "Zed" not in page.text
    # The last entry is older than any window the figures read: it still shows.
    assert row_named(page.text, "Mo & Ned")[3] == "Mo 20 days ago Ned never"
    # Due 5-11 March for both, nothing logged since 20 February.
    assert row_named(page.text, "Mo & Ned")[4] == "14"

    sign_in_as(colleague)
    assert order(client.get("/therapist/").text) == ["Colleague's couple"]
    sign_in_as(make_therapist(practice=therapist.practice))
    empty = client.get("/therapist/").text
    assert "No couples yet" in empty and "Add a couple" in empty


def build_caseload(db, therapist: User, count: int, start: int) -> None:
    """Couples with a daily check-in (paused for every third), a weekly joint date and a few
    entries each; every other one with partners who joined, pending invitations for the
    rest."""
    check_in, dates = exercise(db, "daily-check-in"), exercise(db, "intentional-dates")
    for n in range(start, start + count):
        created = create_couple(
            therapist, name=f"Couple {n:03d}",
            partners=[PartnerDetails(f"A{n} Partner", f"a{n}@example.org"),
                      PartnerDetails(f"B{n} Partner", f"b{n}@example.org")],
            timezone=("UTC", "Europe/Paris", "America/New_York")[n % 3],
        )
        couple = created.couple
        if n % 2:
            for outgoing in created.outgoing:
                accept(outgoing.invitation, password=PASSWORD, timezone=couple.timezone,
                       accepts_policy=True)
        a, b = (p.user for p in couple.partners)
        daily = assign_exercise(therapist, couple, check_in, mode="both",
                                schedule=Schedule(start=D(2026, 3, 2), cadence="daily"))
        joint = assign_exercise(therapist, couple, dates, mode="joint",
                                schedule=Schedule(start=D(2026, 3, 5), cadence="weekly"))
        log_entry(a, couple, daily, D(2026, 3, 11), completion="done", ratings=[6])
        log_entry(a, couple, joint, D(2026, 3, 5), completion="done", ratings=[9, 8])
        log_entry(b, couple, joint, D(2026, 3, 5), completion="partly", ratings=[4, 8])
        if n % 3 == 0:  # paused homework is loaded in the same query
            pause(daily, D(2026, 3, 12))
    db.session.commit()


def test_constant_number_of_queries_for_5_and_100_couples(
    db, client, sign_in_as, clock, library, therapist, count_queries
):
    clock.set(NOW)
    sign_in_as(therapist)

    def measure() -> tuple[int, str]:
        client.get("/therapist/?sort=activity")  # the session and caches settle first
        with count_queries() as statements:
            page = client.get("/therapist/?sort=activity")
        assert page.status_code == 200
        return len(statements), page.text

    build_caseload(db, therapist, 5, start=0)
    five, page = measure()
    assert len(table(page).rows) == 5
    assert row_named(page, "Couple 001")[5] == "1"
    build_caseload(db, therapist, 95, start=5)
    hundred, page = measure()
    assert len(table(page).rows) == 100
    assert hundred == five
    assert five <= 12, five


PLANS = [
    Plan("daily", D(2026, 1, 1)),
    Plan("daily", D(2026, 1, 1), end=D(2026, 2, 20)),
    Plan("daily", D(2026, 1, 1), max_occurrences=40),
    Plan("daily", D(2026, 1, 1), pauses=[(D(2026, 2, 1), D(2026, 2, 18)), (D(2026, 3, 1), None)]),
    Plan("weekly", D(2026, 1, 7)),
    Plan("weekly", D(2026, 1, 7), pauses=[(D(2026, 2, 10), D(2026, 2, 12))]),
    Plan("weekly", D(2026, 1, 7), max_occurrences=6),
    Plan("times_per_week", D(2026, 1, 3), weekdays=weekday_mask([0, 2, 4])),
    Plan("times_per_week", D(2026, 1, 3), weekdays=weekday_mask([6]), end=D(2026, 3, 1)),
    Plan("once", D(2026, 2, 14)),
    Plan("daily", D(2026, 3, 10)),
]


@pytest.mark.parametrize("plan", PLANS)
def test_an_assignment_read_from_a_later_day_keeps_the_same_dates(plan):
    """The caseload starts long-running plans at the first day it looks at (cheaper than
    walking every day since the start): the due dates from then on must not change."""
    from app.services.caseload import _Homework

    homework = _Homework(1, 1, "both", None, plan.cadence, plan.start, plan.end,
                         plan.max_occurrences, plan.weekdays, list(plan.pauses))
    until = D(2026, 3, 20)
    for first in (D(2025, 12, 1), D(2026, 1, 1), D(2026, 2, 11), D(2026, 2, 15), until):
        expected = [day for day in plan.dates(until) if day >= first]
        assert [day for day in homework.plan(first).dates(until) if day >= first] == expected


def test_figures_do_not_leak_between_couples_sharing_a_page(
    db, client, sign_in_as, clock, library, make_couple, therapist
):
    build_rae_and_sol(db, clock, make_couple, therapist)
    build_kit_and_lou(db, make_couple, therapist)
    sign_in_as(therapist)
    page = client.get("/therapist/?sort=name").text
    assert row_named(page, "Rae & Sol")[4:] == ["11", "1"]
    assert row_named(page, "Kit & Lou")[4:] == ["1", "0"]
    links = re.findall(r'href="/therapist/couples/(\d+)"', page)
    assert len(links) == 2 == len(set(links))


def test_one_partner_paused_and_ended_homework_agree_with_the_couple_page(
    db, client, sign_in_as, clock, library, make_couple, therapist
):
    clock.set(NOW)
    therapist.timezone = "UTC"
    db.session.commit()
    couple = make_couple(therapist, timezone="UTC")
    pia, quin = name_couple(db, couple, "Pia & Quin", "Pia", "Quin")
    alone = assign_exercise(therapist, couple, exercise(db, "daily-check-in"), mode="one",
                            partner=pia, schedule=Schedule(start=D(2026, 3, 9), cadence="daily"))
    paused = assign_exercise(therapist, couple, exercise(db, "daily-appreciation"),
                             mode="both", schedule=Schedule(start=D(2026, 3, 2), cadence="daily"))
    pause(paused, D(2026, 3, 10))
    resume(paused, D(2026, 3, 12))  # nothing due on the 10th and 11th
    ended = assign_exercise(therapist, couple, exercise(db, "intentional-dates"), mode="joint",
                            schedule=Schedule(start=D(2026, 2, 5), cadence="weekly"))
    end(ended, D(2026, 3, 1))
    log_entry(pia, couple, alone, D(2026, 3, 12), completion="done")
    log_entry(quin, couple, paused, D(2026, 3, 9), completion="partly")
    db.session.commit()

    sign_in_as(therapist)
    row = row_named(client.get("/therapist/").text, "Pia & Quin")
    # Pia: check-in 9-11 and 12 (logged today), appreciation 9 (the 12th has not ended);
    # Quin: appreciation 9.
    assert row[2] == ("Pia 1 done, 0 partly, 0 not done, 4 not logged of 5 "
                      "Quin 0 done, 1 partly, 0 not done, 0 not logged of 1")
    # Pia: check-in 9-11 and appreciation 5-9; Quin: appreciation 5-8.
    assert row[4] == "12"

    # The couple page's own computation gives the same figures.
    progress = couple_progress(db.session.get(Couple, couple.id), week_of(NOW.date()))
    weeks = {pia.id: Tally(), quin.id: Tally()}
    for item in progress.assignments:
        for p in item.partners:
            weeks[p.user_id] += p.week
    assert weeks == {pia.id: Tally(done=1, not_logged=4), quin.id: Tally(partly=1)}
    assert sum(len(p.overdue) for item in progress.assignments for p in item.partners) == 12
