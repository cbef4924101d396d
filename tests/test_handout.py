"""The couple handout holds exactly what both partners can see in their own portals, on
SQLite and PostgreSQL: generated couples with every mix of homework (for both, joint, for
one partner), policies and visibilities, compared item by item with each partner's portal;
and the PDF itself never carries a withheld title or word."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
from collections import defaultdict
from itertools import combinations

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.models import Exercise
from app.services.guides import load_builtin_guides
from app.services.homework import Schedule, assign_exercise, backfill_entry, plan_of
from app.services.occurrences import Together
from app.services.portal import shared_entry_of_partner, week_for_partner
from app.services.reports import gather, produce_report
from reports.html import build_html, render_here

D = dt.date
START, END = D(2026, 3, 2), D(2026, 3, 15)
MODES = ("both", "joint", "one-a", "one-b")


@pytest.fixture
def library(db):
    load_builtin_guides()
    db.session.commit()
    return [e for e in db.session.scalars(sa.select(Exercise).order_by(Exercise.id))
            if e.owner_id is None]


# Every mix of two or more kinds of homework, under each policy.
MIXES = [(policy, kinds) for policy in ("open", "limited")
         for size in (2, 3, 4) for kinds in combinations(MODES, size)]


def make_history(db, make_couple, library, rng: random.Random, n: int):
    """A couple with one mix of homework kinds and two weeks of random entries (random
    completions, visibilities and ratings)."""
    policy, kinds = MIXES[n]
    couple = make_couple(policy=policy)
    a, b = (p.user for p in couple.partners)
    given = []
    for mode in kinds:
        exercise = library[(7 * n + len(given)) % len(library)]
        cadence = rng.choice(("daily", "weekly", "times_per_week"))
        schedule = Schedule(start=START + dt.timedelta(days=rng.randint(0, 4)), cadence=cadence,
                            times_per_week=3 if cadence == "times_per_week" else None,
                            weekdays=[0, 2, 4] if cadence == "times_per_week" else ())
        given.append(assign_exercise(
            couple.therapist, couple, exercise, mode="one" if mode.startswith("one") else mode,
            partner={"one-a": a, "one-b": b}.get(mode), schedule=schedule))
    db.session.flush()
    for assignment in given:
        authors = [a, b] if assignment.mode != "one" else (
            [a] if assignment.partner_id == a.id else [b])
        questions = assignment.exercise_version.rating_questions
        for day in plan_of(assignment).dates(END):
            for user in authors:
                if rng.random() < 0.3:
                    continue
                backfill_entry(
                    user, couple, assignment, day,
                    logged_at=dt.datetime.combine(day, dt.time(21), dt.UTC),
                    completion=rng.choice(("done", "done", "partly", "not_done")),
                    answers=[f"words {assignment.id} {user.id} {day:%d}"]
                    * len(assignment.exercise_version.prompts),
                    ratings=[rng.randint(q["min"], q["max"]) for q in questions],
                    visibility=rng.choice(("partner", "therapist")),
                )
    db.session.commit()
    return couple, a, b, given


def portal_of(user, couple, assignments):
    """What this partner's portal shows of the period: the homework's titles, each day's
    completions (their own and the other's), and the other's words they can read."""
    titles, days, words = set(), {}, set()
    for monday in (START, START + dt.timedelta(days=7)):
        _, items = week_for_partner(user, couple, monday)
        for item in items:
            titles.add(item.assignment.exercise_version.title)
            for day in item.days:
                days[(item.assignment.id, day.date)] = (day.mine, day.partner)
    for assignment in assignments:
        for day in plan_of(assignment).dates(END):
            entry = shared_entry_of_partner(user, couple, assignment, day)
            if entry is not None:
                words.update(text for text in entry.answers if text)
    return titles, days, words


def expected_together(assignment, a_days, b_days) -> Together:
    """The couple's figures as both portals show them: only days each portal shows the
    same two completions (a day one partner may not see is left out)."""
    both = one = partly = count = 0
    for (assignment_id, day), (a_mine, a_theirs) in a_days.items():
        if assignment_id != assignment.id or not START <= day <= END:
            continue
        if b_days.get((assignment_id, day)) != (a_theirs, a_mine):
            continue
        count += 1
        pair = (a_mine, a_theirs)
        if pair.count("done") == 2:
            both += 1
        elif pair.count("done") == 1:
            one += 1
        elif "partly" in pair:
            partly += 1
    return Together(count, both, one, partly)


def test_the_handout_is_what_both_portals_show(db, clock, make_couple, library):
    clock.set(dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC))
    rng = random.Random(20261201)
    for n in range(len(MIXES)):
        couple, a, b, given = make_history(db, make_couple, library, rng, n)
        handout = gather(couple, audience="couple", start=START, end=END)
        a_titles, a_days, a_words = portal_of(a, couple, given)
        b_titles, b_days, b_words = portal_of(b, couple, given)
        both_titles = a_titles & b_titles
        # Every exercise the handout names, both partners have in their portals; and the
        # homework of one partner never appears anywhere in it.
        named = ({p.exercise for p in handout.progress} | {c.exercise for c in handout.coming_up}
                 | {g.exercise for g in handout.shared} | {t.exercise for t in handout.topics}
                 | {m.exercise for m in handout.went_well.moments}
                 | {c.title.partition(":")[0] for c in handout.ratings})
        assert named <= both_titles, (n, named - both_titles)
        html = build_html(handout)
        for assignment in given:
            if assignment.mode == "one":
                title = assignment.exercise_version.title
                assert title not in html or title in both_titles, (n, title)
        # The couple's figures are those both portals show, for every homework given to
        # both that was due in the period.
        shown = {p.exercise: p.together for p in handout.progress}
        for assignment in given:
            if assignment.mode == "one":
                continue
            expected = expected_together(assignment, a_days, b_days)
            title = assignment.exercise_version.title
            if expected.occurrences:
                assert shown[title] == expected, (n, title)
            else:
                assert title not in shown
        # Words: all the handout quotes, each partner reads in their own portal (their
        # own, or the other's shared); and every shared word of the period is there.
        quoted = {m.text for m in handout.went_well.moments} | {
            text for g in handout.shared for e in g.entries for _, text in e.answers}
        readable_by_both = a_words | b_words  # each reads the other's; the author their own
        assert quoted <= readable_by_both, (n, quoted - readable_by_both)
        in_period = {w for w in readable_by_both
                     if START <= D(2026, 3, int(w.rsplit(" ", 1)[1])) <= END}
        assert {t for g in handout.shared for e in g.entries for _, t in e.answers} == in_period
        # Topics: on days both portals show both completions.
        for topic in handout.topics:
            assignment = next(x for x in given if x.exercise_version.title == topic.exercise)
            key = (assignment.id, topic.date)
            assert key in a_days and b_days.get(key) == a_days[key][::-1], (n, topic)
            if topic.completion:
                assert set(a_days[key]) == {"done", "not_done"}


def test_the_handout_pdf_carries_no_withheld_title_or_word(db, clock, make_couple, library):
    clock.set(dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC))
    couple = make_couple(policy="limited")
    a, b = (p.user for p in couple.partners)
    by_slug = {e.slug: e for e in library}
    ours = assign_exercise(couple.therapist, couple, by_slug["daily-check-in"], mode="both",
                           schedule=Schedule(start=START, cadence="daily"))
    hers = assign_exercise(couple.therapist, couple, by_slug["speak-without-blame"],
                           mode="one", partner=b,
                           schedule=Schedule(start=START, cadence="daily"))
    db.session.flush()
    written = defaultdict(list)
    for offset in range(14):
        day = START + dt.timedelta(days=offset)
        for user, assignment, visibility in ((a, ours, "partner"), (b, ours, "therapist"),
                                             (b, hers, "partner")):
            kind = "ours" if assignment is ours else "hers"
            text = f"{visibility} {kind} {day:%d} by {user.id}"
            backfill_entry(user, couple, assignment, day, completion="done",
                           logged_at=dt.datetime.combine(day, dt.time(21), dt.UTC),
                           answers=[text] * len(assignment.exercise_version.prompts),
                           visibility=visibility)
            written[(assignment.id, visibility)].append(text)
    db.session.commit()
    report = produce_report(couple, audience="couple", start=START, end=END,
                            generated_by=couple.therapist, render=render_here)
    reader = PdfReader(io.BytesIO(report.content))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert ours.exercise_version.title in text
    assert hers.exercise_version.title not in text  # Sam's own homework
    for shared in written[(ours.id, "partner")]:
        assert shared in text
    for withheld in written[(ours.id, "therapist")] + written[(hers.id, "partner")]:
        assert withheld not in text, withheld


def test_ratings_that_got_better_follow_each_questions_direction_and_spare_safety(
        db, clock, make_couple, library):
    """Resentment falling is a rating that got better ("eased"); a question about safety
    is never a topic for the session, nor in what went well, however it moved."""
    clock.set(dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC))
    couple = make_couple(policy="open")
    a, b = (p.user for p in couple.partners)
    by_slug = {e.slug: e for e in library}
    letting_go = assign_exercise(couple.therapist, couple, by_slug["letting-go-letter"],
                                 mode="both", schedule=Schedule(start=START, cadence="daily"))
    speaking = assign_exercise(couple.therapist, couple, by_slug["open-talk-time"],
                               mode="joint", schedule=Schedule(start=START, cadence="daily"))
    db.session.flush()
    assert letting_go.exercise_version.rating_questions[0].get("higher_is_worse")
    assert speaking.exercise_version.rating_questions[0].get("about_safety")
    for offset in range(14):
        day = START + dt.timedelta(days=offset)
        for user, safety in ((a, 2 + offset // 2), (b, 9)):  # 7+ apart early on
            backfill_entry(user, couple, letting_go, day, completion="done",
                           logged_at=dt.datetime.combine(day, dt.time(21), dt.UTC),
                           ratings=[8 if offset < 7 else 3])
            backfill_entry(user, couple, speaking, day, completion="done",
                           logged_at=dt.datetime.combine(day, dt.time(21), dt.UTC),
                           ratings=[safety, 7])
    db.session.commit()
    handout = gather(couple, audience="couple", start=START, end=END)
    better = {b.question: b.change for b in handout.went_well.better}
    resentment = letting_go.exercise_version.rating_questions[0]["question"]
    safety = speaking.exercise_version.rating_questions[0]["question"]
    assert better[resentment].higher_is_worse and better[resentment].is_better
    assert safety not in better  # it rose for one partner; still not offered
    assert handout.topics == []  # the safety ratings were far apart: never a topic
    html = build_html(handout)
    assert f"“<span>{resentment}</span>”: your shared ratings eased from 8 to 3" in html
    assert safety not in html  # not in a topic, what went well, or a chart


def test_with_completion_sharing_off_the_handout_says_nothing_of_who_did_what(
        db, clock, make_couple, library):
    """Each partner sees only the words the other shared: so does their handout (no
    progress, no completion, no difference of completion), and it still quotes what was
    shared."""
    from app.services.couples import set_completion_sharing

    clock.set(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC))
    couple = make_couple(policy="limited")
    set_completion_sharing(couple.therapist, couple, False)
    db.session.commit()
    clock.set(dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC))
    a, b = (p.user for p in couple.partners)
    by_slug = {e.slug: e for e in library}
    dates = assign_exercise(couple.therapist, couple, by_slug["intentional-dates"],
                            mode="joint", schedule=Schedule(start=START, cadence="daily"))
    db.session.flush()
    for offset in range(14):
        day = START + dt.timedelta(days=offset)
        for user, completion in ((a, "done"), (b, "not_done")):
            backfill_entry(user, couple, dates, day, completion=completion,
                           logged_at=dt.datetime.combine(day, dt.time(21), dt.UTC),
                           answers=[f"shared by {user.id} on {day:%d}"], visibility="partner")
    db.session.commit()
    handout = gather(couple, audience="couple", start=START, end=END)
    assert handout.progress == [] and handout.topics == []
    assert handout.went_well.kept_up == []
    entries = [e for g in handout.shared for e in g.entries]
    assert len(entries) == 28 and all(e.completion == "" for e in entries)
    html = build_html(handout)
    for said in ("Done", "Not done", "both of you on", "one of you", "marked it done"):
        assert said not in html, said
