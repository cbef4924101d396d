"""Issue 13, point 2: nothing the other partner can reach reveals that a private safety
check exists, is due for their partner, was answered, put off, added to or handled, or
what it said.

One partner (A) answers the check in every possible way through their portal: each
question at each of its options, every question concerning, "rather not say" everywhere,
a written word only, an addition, a refused form, "Not now", and nothing at all; and the
therapist records what they did about one. After each, every page the other partner (B)
can open is compared with what B saw before A did anything: its status, its Location,
its body byte for byte (once the CSRF and once tokens and timestamps are taken out) and
the number of SQL queries it took; and so are the couple handout's data and its PDF's
text. Identical is the only pass. B is sent no mail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.models import Exercise, Guide, SafetyAddition, SafetyCheck, SafetyFlag
from app.services.guides import load_builtin_guides
from app.services.homework import Schedule, assign_exercise, log_entry, set_visibility
from app.services.reports import gather
from app.services.safety_check import QUESTIONS
from app.services.sessions import record_session, schedule_session
from reports.html import build_html, render_here
from tests.helpers import sign_in

NOW = dt.datetime(2026, 3, 12, 18, 0, tzinfo=dt.UTC)  # a Thursday
TODAY = NOW.date()
SAFE = {q.key: q.safest for q in QUESTIONS}
SECRET = "Only my therapist may read this"


def _exercise(db, slug: str | None = None, *, joint: bool = False) -> Exercise:
    if slug:
        return db.session.scalar(sa.select(Exercise).where(Exercise.slug == slug))
    return next(e for e in db.session.scalars(sa.select(Exercise).order_by(Exercise.id))
                if e.current.rating_questions and e.owner_id is None and e.slug
                != "daily-check-in")


@dataclasses.dataclass
class World:
    app: object
    db: object
    couple: object
    a: object  # the partner who answers
    b: object  # the other partner
    urls: list[str]
    held: object


def build_world(app, db, make_couple, answerer: int) -> World:
    load_builtin_guides()
    couple = make_couple(policy="limited")
    therapist = couple.therapist
    a, b = (couple.partners[answerer - 1].user, couple.partners[2 - answerer].user)
    start = TODAY - dt.timedelta(days=10)
    both = assign_exercise(therapist, couple, _exercise(db, "daily-check-in"), mode="both",
                           schedule=Schedule(start=start, cadence="daily"))
    joint = assign_exercise(therapist, couple, _exercise(db, joint=True), mode="joint",
                            schedule=Schedule(start=start, cadence="daily"))
    only_b = assign_exercise(therapist, couple, _exercise(db, "daily-check-in"), mode="one",
                             partner=b, schedule=Schedule(start=start, cadence="daily"))
    only_a = assign_exercise(therapist, couple, _exercise(db, "daily-check-in"), mode="one",
                             partner=a, schedule=Schedule(start=start, cadence="daily"))
    for back in (1, 2, 3):
        day = TODAY - dt.timedelta(days=back)
        for author in (a, b):
            for assignment in (both, joint):
                version = assignment.exercise_version
                entry = log_entry(author, couple, assignment, day, completion="done",
                                  answers=[f"{author.name} on {day}"] * len(version.prompts),
                                  ratings=[5] * len(version.rating_questions))
                if back == 2:
                    set_visibility(author, couple, entry, "partner")
        log_entry(b, couple, only_b, day, completion="partly", answers=["mine"])
        log_entry(a, couple, only_a, day, completion="done", answers=["mine too"])
    held = schedule_session(therapist, couple, NOW - dt.timedelta(days=7),
                            request_measure=False)
    record_session(therapist, held, duration_minutes=50, attendance="both", focus="Repair",
                   homework_reviewed="Yes", clinician_notes="Notes",
                   couple_summary="Keep the evening check-ins going")
    upcoming = schedule_session(therapist, couple, NOW + dt.timedelta(days=2),
                                request_measure=True)
    db.session.commit()
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    guide = db.session.scalar(sa.select(Guide.slug).order_by(Guide.id))
    urls = [
        "/portal/", f"/portal/?week={(monday - dt.timedelta(days=7)).isoformat()}",
        f"/portal/?week={(monday + dt.timedelta(days=7)).isoformat()}",
        "/portal/help", "/account/password", "/guides/", f"/guides/{guide}",
        f"/portal/measures/{upcoming.id}",
        # B's own check (due for B: B never answered), its pages, and what would name A's.
        "/portal/for-you", "/portal/for-you/thanks", "/portal/for-you/more",
        f"/therapist/couples/{couple.id}/private-answers",
    ]
    for assignment in (both, joint, only_b, only_a):
        urls.append(f"/portal/homework/{assignment.id}")
        for back in (0, 1, 2, 3):
            day = (TODAY - dt.timedelta(days=back)).isoformat()
            urls.append(f"/portal/homework/{assignment.id}/{day}")
    return World(app, db, couple, a, b, urls, held)


TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?")
TOKEN = re.compile(r'name="(csrf_token|once)" value="[^"]+"')


def normalised(text: str) -> str:
    return TIMESTAMP.sub("<time>", TOKEN.sub(r'name="\1"', text))


def what_b_sees(world: World, client, count_queries) -> dict[str, tuple]:
    """Each of B's pages: status, Location, normalised body, queries; and the handout."""
    seen: dict[str, tuple] = {}
    for url in world.urls:
        with count_queries() as statements:
            answer = client.get(url)
        seen[url] = (answer.status_code, answer.headers.get("Location"),
                     normalised(answer.get_data(as_text=True)), len(statements))
    with world.app.app_context():
        couple = world.db.session.get(type(world.couple), world.couple.id)
        session = world.db.session.get(type(world.held), world.held.id)
        data = gather(couple, audience="couple", session=session)
        html = build_html(data)
        pdf = render_here(html, data.title, couple.therapist.name)
    seen["handout data"] = re.sub(r"datetime\.datetime\([^)]*\)", "<time>", repr(data))
    seen["handout html"] = normalised(html)
    seen["handout pdf"] = normalised("\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages))
    return seen


def tokens(page: str, action: str | None = None) -> dict[str, str]:
    forms = re.findall(r"<form\b[^>]*>.*?</form>", page, re.S)
    form = next(f for f in forms if (f'action="{action}"' in f.split(">")[0] if action
                                     else "action=" not in f.split(">")[0]))
    return {name: re.search(rf'name="{name}" value="([^"]+)"', form).group(1)
            for name in ("csrf_token", "once")}


def answer(client, answers: dict[str, str], note: str = "", *, status: int = 302) -> None:
    page = client.get("/portal/for-you").text
    sent = client.post("/portal/for-you", data={
        **tokens(page), "note": note, **{f"q_{k}": v for k, v in answers.items()}})
    assert sent.status_code == status, sent.status_code


def add(client, text: str) -> None:
    page = client.get("/portal/for-you/more").text
    assert client.post("/portal/for-you/more",
                       data={**tokens(page), "text": text}).status_code == 302


def not_now(client) -> None:
    home = client.get("/portal/").text
    assert "A few questions just for you" in home
    assert client.post("/portal/for-you/not-now",
                       data=tokens(home, "/portal/for-you/not-now")).status_code == 302
    assert "A few questions just for you" not in client.get("/portal/").text


def handled(world: World) -> None:
    therapist = world.app.test_client()
    sign_in(therapist, world.couple.therapist)
    url = f"/therapist/couples/{world.couple.id}/private-answers"
    page = therapist.get(url).text
    assert SECRET in page
    assert therapist.post(url, data={**tokens(page), "note": "Called alone; safety plan"}
                          ).status_code == 302


def _ways() -> list[tuple[str, object]]:
    """Every way A can answer, each a function of (A's client, the world)."""
    ways: list[tuple[str, object]] = [
        ("nothing at all", lambda c, w: None),
        ("not now", lambda c, w: not_now(c)),
        ("refused: a question left out", lambda c, w: answer(
            c, {k: v for k, v in SAFE.items() if k != "afraid"}, SECRET, status=422)),
        ("all safest", lambda c, w: answer(c, SAFE)),
        ("a written word only", lambda c, w: answer(c, SAFE, SECRET)),
        ("rather not say everywhere", lambda c, w: answer(
            c, {q.key: "rather_not" for q in QUESTIONS})),
        ("every question concerning, with words", lambda c, w: answer(
            c, {q.key: q.options[-2].key for q in QUESTIONS}, SECRET)),
        ("safe, then an addition", lambda c, w: (answer(c, SAFE), add(c, SECRET))),
        ("concerning, an addition, then handled", lambda c, w: (
            answer(c, {**SAFE, "afraid": "often"}, SECRET), add(c, "More"), handled(w))),
    ]
    for question in QUESTIONS:
        for option in question.options:
            if option.key == question.safest:
                continue
            ways.append((f"{question.key}: {option.key}",
                         lambda c, w, k=question.key, v=option.key: answer(c, {**SAFE, k: v})))
    return ways


def _forget_the_checks(db) -> None:
    """Back to before A answered (each way starts from no check)."""
    for model in (SafetyFlag, SafetyAddition, SafetyCheck):
        db.session.execute(sa.delete(model))
    db.session.commit()


@pytest.mark.parametrize("answerer", [1, 2], ids=["first partner answers",
                                                  "second partner answers"])
def test_nothing_the_other_partner_can_reach_changes(
        app, db, make_couple, clock, mailbox, count_queries, answerer):
    clock.set(NOW)
    world = build_world(app, db, make_couple, answerer)
    b = app.test_client()
    sign_in(b, world.b)
    what_b_sees(world, b, count_queries)  # warm: a user's first request loads more
    before = what_b_sees(world, b, count_queries)
    assert before["/portal/"][0] == 200 and before["/portal/for-you/more"][0] == 302
    assert before[f"/therapist/couples/{world.couple.id}/private-answers"][0] == 404
    ways = _ways()
    assert len(ways) == 9 + sum(len(q.options) - 1 for q in QUESTIONS)
    for name, act in ways:
        a = app.test_client()
        sign_in(a, world.a)
        act(a, world)
        db.session.expire_all()
        after = what_b_sees(world, b, count_queries)
        changed = [key for key in before if before[key] != after[key]]
        assert not changed, f"{name}: B's view changed at {changed}"
        assert not [m for m in mailbox.messages
                    if world.b.email.lower() in m["X-Envelope-To"].lower()], name
        for message in mailbox.messages:  # only ever the discreet notice, to the therapist
            assert message["To"] == world.couple.therapist.email, name
            assert SECRET not in str(message), name
        flags = db.session.scalar(sa.select(sa.func.count()).select_from(SafetyFlag))
        assert len(mailbox.messages) == flags, name  # a mail per flag raised
        mailbox.messages.clear()
        _forget_the_checks(db)
    # The comparison sees a change when there is one: A shares a word with B today.
    a = app.test_client()
    sign_in(a, world.a)
    joint = next(u for u in world.urls if u.endswith(TODAY.isoformat()))
    page = a.get(joint).text
    assert a.post(joint, data={**tokens(page), "completion": "done", "visibility": "partner",
                               "answer-0": "Shared today"}).status_code == 302
    after = what_b_sees(world, b, count_queries)
    assert [key for key in before if before[key] != after[key]]
