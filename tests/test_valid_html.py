"""Every page the app serves is valid HTML by the W3C Nu Html Checker (vnu), run offline on
Java over a folder of pages saved from the app: every GET route of the access matrix for
each role that may see it, on the demo practice, the public pages, the error pages, and
each form shown again with its errors.

The checker runs once over the folder (one JVM). Its jar comes from npm:
`npm install --prefix .venv/npm vnu-jar@VERSION` (or the path in VNU_JAR). Without the
jar or Java the test skips, and in CI (CI=true) it fails.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.clock import now, today_in
from app.extensions import db as _db
from app.models import (
    Assignment,
    Couple,
    Entry,
    EntryRevision,
    Guide,
    Report,
    Step,
    TherapySession,
    User,
)
from app.services.crisis import add_crisis_line
from app.services.invitations import invite_partner
from app.services.own_exercises import archive_own_exercise, create_own_exercise
from app.services.practice import invite_clinician
from app.services.resets import request_reset
from app.services.safety_check import QUESTIONS
from app.services.sessions import schedule_session
from tests.conftest import IN_CI, csrf_token_from
from tests.helpers import MATRIX, failed_mail_row, sign_in

VNU_VERSION = "26.9.27"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JAR = ROOT / ".venv/npm/node_modules/vnu-jar/build/dist/vnu.jar"
INSTALL = (f"npm install --prefix .venv/npm vnu-jar@{VNU_VERSION} "
           "(and a Java runtime: apt-get install default-jre-headless)")


def checker_command() -> list[str]:
    """`java -jar vnu.jar`; skips without them, and fails in CI."""
    jar = Path(os.environ.get("VNU_JAR") or DEFAULT_JAR)
    java = shutil.which("java")
    missing = [what for what, there in (("Java", java), (f"the checker at {jar}", jar.is_file()))
               if not there]
    if missing:
        message = f"The HTML checker needs {' and '.join(missing)}: {INSTALL}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    # A short run: the JIT's first tier and the serial collector halve the CPU it takes;
    # the schema's deep recursion needs a larger thread stack than that tier's default.
    return [java, "-Xss8m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", str(jar)]


def check_folder(folder: Path) -> list[str]:
    """Every error the checker finds in the folder's pages (and SVG images), as
    'page:line:column: message'."""
    run = subprocess.run(
        # Not --also-check-css: with it, vnu 26.9.27 numbers the HTML pages' lines one short.
        [*checker_command(), "--errors-only", "--also-check-svg", "--format", "json",
         "--stdout", str(folder)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"the checker did not answer in JSON (exit {run.returncode}):\n"
                    f"{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    problems = []
    for message in report["messages"]:
        page = Path(message.get("url", "")).name
        where = f"{page}:{message.get('lastLine', '?')}:{message.get('firstColumn', '?')}"
        extract = " ".join(message.get("extract", "").split())
        problems.append(f"{where}: {message['message']}  [{extract}]")
    # Exit 1 means errors were found; anything else with no message is a failed run.
    assert run.returncode in (0, 1) and (run.returncode == 0) == (not problems), (
        run.returncode, run.stderr[-2000:])
    return sorted(problems)


class Pages:
    """Pages saved as files, one per request, named after what was asked and by whom."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.saved: dict[str, str] = {}

    def save(self, label: str, response, status: int = 200, *, errors: bool = False) -> None:
        assert response.status_code == status, (
            label, response.status_code, response.headers.get("Location"))
        if errors:  # the form came back with its errors, as it must
            text = response.get_data(as_text=True)
            assert 'class="error"' in text or "flash-error" in text, label
        suffix = {"text/html": ".html", "image/svg+xml": ".svg"}.get(response.mimetype)
        if suffix is None:
            return  # a PDF download, for one
        name = re.sub(r"[^A-Za-z0-9.-]+", "_", label).strip("_")[:150] + suffix
        assert name not in self.saved, f"two pages named {name}"
        (self.folder / name).write_text(response.get_data(as_text=True), encoding="utf-8")
        response.close()  # a static file's answer holds the file open until closed
        self.saved[name] = label


def _the(db, model, *where):
    return db.session.scalars(sa.select(model).where(*where).order_by(model.id)).first()


def _practice_to_check(db, runner, make_practice, make_user, make_couple):
    """The demo practice, as `flask demo` builds it (couples, homework history, sessions,
    CSI-4 answers, archived reports), and beside it what the matrix's roles also need: a
    second therapist, an open clinician invitation, the therapist's own exercises, and a
    foreign practice with its therapist and couple. Returns (users by role, ids, extras)."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output

    def user(email):
        return _the(db, User, User.email == email)

    therapist, admin = user("therapist@example.com"), user("admin@example.com")
    one = _the(db, Couple, Couple.name == "Alex & Sam")
    two = _the(db, Couple, Couple.name == "Jordan & Casey")
    three = _the(db, Couple, Couple.name == "Riley & Morgan")
    other_therapist = make_user(("therapist",), practice=therapist.practice,
                                name="Dr. Kim Osei")
    foreign_couple = make_couple(make_user(("therapist",), practice=make_practice("Elsewhere")))
    exercise = create_own_exercise(therapist, {
        "title": "Listen without fixing", "instructions": "1. Sit together.\n2. Listen.",
        "prompts": ["What did you hear?", "What did you want to say?"], "cadence": "weekly",
        "ratings": [{"question": "How heard did you feel?", "min": 0, "max": 10,
                     "min_label": "Not at all", "max_label": "Completely"}]})
    archived = create_own_exercise(therapist, {
        "title": "An older idea", "instructions": "Try it.", "prompts": ["How was it?"],
        "cadence": "daily"})
    archive_own_exercise(therapist, archived)
    clinician_link = invite_clinician(admin, email="new-clinician@example.org",
                                      name="New Clinician", roles={"therapist"})
    morgan_link = invite_partner(therapist, three, 2)
    _, reset_token = request_reset("jordan@example.com")
    past = schedule_session(therapist, two, now() - dt.timedelta(hours=3), request_measure=False)
    # The practice's crisis resources (the foreign practice has none: its partner's help
    # page is the one without lines).
    crisis_line = add_crisis_line(admin, admin.practice, name="Example abuse helpline",
                                  number="0800 000 0000", hours="Every day, at any hour",
                                  url="https://helpline.example.org/chat")
    add_crisis_line(admin, admin.practice, name="Example text service", number=None,
                    hours=None, url="https://text.example.org/")
    admin.practice.emergency_number = "999"
    mail = failed_mail_row(db, therapist)  # the admins' list of emails not sent, one row
    db.session.commit()

    alex, sam = (p.user for p in sorted(one.partners, key=lambda p: p.position))
    assignments = db.session.scalars(sa.select(Assignment).where(
        Assignment.couple_id == one.id).order_by(Assignment.id)).all()
    check_in, dates, blame, patterns, ahead = assignments[:5]  # the demo's order
    sessions = db.session.scalars(sa.select(TherapySession).where(
        TherapySession.couple_id == one.id).order_by(TherapySession.scheduled_at)).all()
    upcoming = next(s for s in sessions if s.status == "scheduled")
    held = [s for s in sessions if s.status == "held"][-1]
    today = today_in(alex.timezone)
    old_entry = _the(db, Entry, Entry.author_id == alex.id,
                     Entry.assignment_id == check_in.id,
                     Entry.occurrence_date < today - dt.timedelta(days=3))
    joint_entry = db.session.scalars(sa.select(Entry).where(
        Entry.author_id == alex.id, Entry.assignment_id == dates.id,
    ).order_by(Entry.occurrence_date.desc())).first()
    users = {
        "partner": alex, "other_partner": sam,
        "foreign_partner": foreign_couple.partners[0].user,
        "other_therapist": other_therapist, "foreign_therapist": foreign_couple.therapist,
        "therapist": therapist, "admin": admin,
    }
    ids = {
        "couple": one.id, "invitation": morgan_link.invitation.id,
        "clinician": other_therapist.id, "clinician_invitation": clinician_link.invitation.id,
        "exercise": exercise.id, "assignment": check_in.id, "today": today.isoformat(),
        "entry": old_entry.id, "session": upcoming.id,
        "report": _the(db, Report, Report.couple_id == one.id).id,
        "crisis_line": crisis_line.id, "mail": mail.id,
    }
    extras = {
        "two": two, "three": three, "jordan": user("jordan@example.com"),
        "riley": user("riley@example.com"), "held": held, "old_entry": old_entry,
        "joint_entry": joint_entry, "blame": blame, "dates": dates,
        "step": _the(db, Step), "clinician_token": clinician_link.token,
        "morgan_token": morgan_link.token, "reset_token": reset_token,
        "archived": archived, "past": past, "patterns": patterns, "ahead": ahead,
        "guides": db.session.scalars(sa.select(Guide.slug).order_by(Guide.id)).all(),
    }
    return users, ids, extras


def _client(app, user=None):
    client = app.test_client()
    if user is not None:
        sign_in(client, user)
    return client


def _post(client, url, data=None, **kwargs):
    """Post a form with this visitor's real CSRF token (and whatever else is given)."""
    token = csrf_token_from(client.get("/reset").text)
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def _save_matrix_pages(app, pages, users, ids):
    """Every GET route of the matrix, as each role allowed to see it sees it."""
    for endpoint, (method, template, expected) in sorted(MATRIX.items()):
        if method != "GET":
            continue
        url = template.format(**ids)
        for role, status in expected.items():
            if status == 200:
                pages.save(f"{endpoint} as {role}", _client(app, users[role]).get(url))


def _save_more_pages(app, pages, users, ids, extras):
    """The other couples, weeks, days and states that draw different parts of the pages."""
    therapist = _client(app, users["therapist"])
    for key in ("two", "three"):
        pages.save(f"couple {key}", therapist.get(f"/therapist/couples/{extras[key].id}"))
    pages.save("couple one, all entries",
               therapist.get(f"/therapist/couples/{ids['couple']}?entries=all"))
    for sort in ("adherence", "activity", "overdue", "flags"):
        pages.save(f"caseload by {sort}", therapist.get(f"/therapist/?sort={sort}"))
    pages.save("held session", therapist.get(f"/therapist/sessions/{extras['held'].id}"))
    pages.save("own exercises with archived", therapist.get("/therapist/exercises?archived=1"))
    pages.save("archived own exercise",
               therapist.get(f"/therapist/exercises/{extras['archived'].id}"))
    step = extras["step"].id
    pages.save("choose couple for a step", therapist.get(f"/therapist/assign?step={step}"))
    pages.save("assign a step",
               therapist.get(f"/therapist/couples/{ids['couple']}/assign?step={step}"))
    pages.save("edit a joint assignment",
               therapist.get(f"/therapist/assignments/{extras['dates'].id}/edit"))
    pages.save("edit a times-a-week assignment",
               therapist.get(f"/therapist/assignments/{extras['blame'].id}/edit"))
    pages.save("edit an as-it-comes-up assignment",
               therapist.get(f"/therapist/assignments/{extras['patterns'].id}/edit"))
    step_exercises = [e.id for e in extras["step"].exercises]
    pages.save("a step's week shown for part of it",
               _post(therapist, f"/therapist/couples/{ids['couple']}/assign?step={step}",
                     {"mode": f"one:{users['partner'].id}", "start": ids["today"],
                      "cadence": "suggested", "times_per_week": "3", "up_to": "2",
                      "ends": "never", "action": "preview",
                      "exercises": [str(step_exercises[0])]}))

    alex, sam = _client(app, users["partner"]), _client(app, users["other_partner"])
    last_week = dt.date.fromisoformat(ids["today"]) - dt.timedelta(days=7)
    pages.save("portal, last week", alex.get(f"/portal/?week={last_week.isoformat()}"))
    for key in ("jordan", "riley"):
        pages.save(f"portal of {key}", _client(app, extras[key]).get("/portal/"))
    old = extras["old_entry"]
    pages.save("an entry no longer editable",
               alex.get(f"/portal/homework/{old.assignment_id}/{old.occurrence_date}"))
    joint = extras["joint_entry"]
    pages.save("a joint entry",
               alex.get(f"/portal/homework/{joint.assignment_id}/{joint.occurrence_date}"))
    pages.save("speak without blame, today",
               sam.get(f"/portal/homework/{extras['blame'].id}/{ids['today']}"))
    for key in ("patterns", "ahead"):  # as it comes up; before its first due day
        pages.save(f"exercise {key}", alex.get(f"/portal/homework/{extras[key].id}"))
        pages.save(f"exercise {key}, today",
                   alex.get(f"/portal/homework/{extras[key].id}/{ids['today']}"))

    anonymous = _client(app)
    for url in ("/sign-in", "/reset", "/guides/", "/static/favicon.svg", "/today"):
        pages.save(f"public {url}", anonymous.get(url))
    for slug in extras["guides"]:
        pages.save(f"guide {slug}", anonymous.get(f"/guides/{slug}"))
    pages.save("partner invitation", anonymous.get(f"/invitation/{extras['morgan_token']}"))
    pages.save("clinician invitation",
               anonymous.get(f"/invitation/{extras['clinician_token']}"))
    pages.save("reset link", anonymous.get(f"/reset/{extras['reset_token']}"))
    pages.save("invalid link", anonymous.get("/invitation/not-a-real-link"), 400)
    pages.save("not found, anonymous", anonymous.get("/no-such-page"), 404)
    pages.save("not found, signed in", therapist.get("/therapist/couples/987654"), 404)
    pages.save("expired form", alex.post("/sign-out", data={}), 400)
    pages.save("quick exit, on its way out", _post(_client(app, extras["jordan"]), "/quick-exit"))
    with app.test_request_context("/therapist/"):  # what the app answers to its own crash
        crash = app.handle_user_exception(RuntimeError("the error page is drawn"))
        pages.save("unexpected error", app.make_response(crash), 500)


def _save_forms_with_errors(app, pages, users, ids, extras):
    """Each form posted with what it must refuse, shown again with its errors: empty, and
    with values no browser input could hold (impossible dates and times, words for numbers).
    """

    def refused(label, response, status=422):
        pages.save(label, response, status, errors=True)

    couple, session, held = ids["couple"], ids["session"], extras["held"].id
    anonymous = _client(app)
    refused("sign-in, empty", _post(anonymous, "/sign-in"))
    refused("sign-in, wrong password",
            _post(anonymous, "/sign-in", {"email": "alex@example.com", "password": "wrong!"}))
    refused("reset request, empty", _post(anonymous, "/reset"))
    refused("new password, different",
            _post(anonymous, f"/reset/{extras['reset_token']}",
                  {"password": "a long new passphrase", "confirm": "another one"}))
    for key in ("morgan_token", "clinician_token"):
        refused(f"accept invitation {key}, short password",
                _post(anonymous, f"/invitation/{extras[key]}",
                      {"password": "short", "confirm": "short", "timezone": "Mars/Base"}))

    therapist = _client(app, users["therapist"])
    refused("change password, empty", _post(therapist, "/account/password"))
    refused("change password, wrong current",
            _post(therapist, "/account/password",
                  {"current": "not it at all", "password": "a long new passphrase",
                   "confirm": "a long new passphrase"}))
    refused("new couple, empty", _post(therapist, "/therapist/couples/new"))
    refused("new couple, bad addresses",
            _post(therapist, "/therapist/couples/new",
                  {"name": "A & B", "partner1_name": "A", "partner1_email": "not mail",
                   "partner2_name": "B", "partner2_email": "not mail either",
                   "timezone": "Mars/Base", "policy": "secret"}))
    bad_schedule = {"mode": "nobody", "start": "2026-02-30", "cadence": "times_per_week",
                    "times_per_week": "9", "weekdays": ["8"], "ends": "date",
                    "end_date": "tomorrow", "max_occurrences": "ten"}
    refused("assign an exercise, invalid",
            _post(therapist, f"/therapist/couples/{couple}/assign?exercise={ids['exercise']}",
                  bad_schedule))
    refused("assign a step, empty",
            _post(therapist, f"/therapist/couples/{couple}/assign?step={extras['step'].id}"))
    refused("assign as it comes up, counted",
            _post(therapist, f"/therapist/couples/{couple}/assign?exercise={ids['exercise']}",
                  {"mode": "both", "start": ids["today"], "cadence": "as_it_comes_up",
                   "up_to": "9", "ends": "count", "max_occurrences": "3"}))
    refused("edit assignment, invalid",
            _post(therapist, f"/therapist/assignments/{extras['dates'].id}/edit",
                  {**bad_schedule, "ends": "count"}))
    refused("edit a times-a-week assignment, no count",
            _post(therapist, f"/therapist/assignments/{extras['blame'].id}/edit",
                  {"mode": "both", "start": ids["today"], "cadence": "times_per_week",
                   "times_per_week": "3", "ends": "count", "max_occurrences": "0"}))
    refused("own exercise, empty", _post(therapist, "/therapist/exercises/new"))
    refused("own exercise, words for numbers",
            _post(therapist, f"/therapist/exercises/{ids['exercise']}/edit",
                  {"title": "", "instructions": "", "prompt1": "", "cadence": "hourly",
                   "rating1_question": "How?", "rating1_min": "ten", "rating1_max": "1.5",
                   "times_per_week": "1e309", "minutes": "\uff15"}))  # a full-width 5
    refused("new session, empty", _post(therapist, f"/therapist/couples/{couple}/sessions/new"))
    refused("new session, impossible",
            _post(therapist, f"/therapist/couples/{couple}/sessions/new",
                  {"date": "9999-12-31", "time": "25:99"}))
    refused("record session, empty", _post(therapist, f"/therapist/sessions/{session}/record"),
            422)
    refused("record session, invalid",
            _post(therapist, f"/therapist/sessions/{held}/record",
                  {"duration": "fifty", "attendance": "nobody", "focus": "x" * 5000}), 422)
    refused("move session, empty", _post(therapist, f"/therapist/sessions/{session}/schedule"),
            422)
    refused("move session, impossible",
            _post(therapist, f"/therapist/sessions/{session}/schedule",
                  {"date": "2026-13-01", "time": "noon"}), 422)
    refused("report, empty", _post(therapist, f"/therapist/sessions/{held}/reports"), 422)

    admin = _client(app, users["admin"])
    refused("invite clinician, empty", _post(admin, "/admin/clinicians/invite"))
    refused("invite clinician, no role",
            _post(admin, "/admin/clinicians/invite",
                  {"name": "Someone", "email": "not an address"}))
    refused("settings, empty", _post(admin, "/admin/settings"))
    refused("crisis line, empty", _post(admin, "/admin/crisis-resources"))
    refused("crisis line, a word for a number",
            _post(admin, "/admin/crisis-resources", {"name": "Line", "number": "ring me",
                                                     "url": "not a web address"}))
    refused("crisis line edit, empty",
            _post(admin, f"/admin/crisis-resources/{ids['crisis_line']}/edit"))
    refused("emergency number and quick exit, wrong",
            _post(admin, "/admin/crisis-resources/settings",
                  {"emergency_number": "nine", "quick_exit_url": "javascript:x"}))
    refused("settings, invalid",
            _post(admin, "/admin/settings",
                  {"name": "x" * 300, "paper_size": "A0", "default_timezone": "Mars/Base"}))
    refused("roles, none", _post(admin, f"/admin/clinicians/{ids['clinician']}/roles",
                                 follow_redirects=True), 200)  # led back, with the message
    refused("move couple, nobody", _post(admin, f"/admin/couples/{couple}/therapist",
                                         {"therapist_id": "0"}, follow_redirects=True), 200)

    alex, sam = _client(app, users["partner"]), _client(app, users["other_partner"])
    entry_url = f"/portal/homework/{ids['assignment']}/{ids['today']}"
    refused("entry, no completion",
            _post(alex, entry_url, {"answer-0": "Words kept.", "rating-0": "11"}))
    refused("entry, stale form",
            alex.post(entry_url, data={"csrf_token": "stale", "answer-0": "Words kept."}), 400)
    refused("CSI-4, unanswered", _post(sam, f"/portal/measures/{session}"), 422)
    refused("CSI-4, half answered",
            _post(sam, f"/portal/measures/{session}", {"item_1": "2", "item_2": "9"}), 422)


def _save_safety_pages(app, pages, users, ids):
    """The private safety check: refused, sent with a concern, added to; the attention
    flag on the therapist's pages; the note refused, then recorded."""
    sam = _client(app, users["other_partner"])
    pages.save("safety check, refused",
               _post(sam, "/portal/for-you", {"q_afraid": "often", "note": "Kept words"}),
               422, errors=True)
    answers = {f"q_{q.key}": q.safest for q in QUESTIONS}
    pages.save("safety check, sent",
               _post(sam, "/portal/for-you", {**answers, "q_control": "yes", "note": "Words"},
                     follow_redirects=True))
    pages.save("safety addition", sam.get("/portal/for-you/more"))
    pages.save("safety addition, empty", _post(sam, "/portal/for-you/more", {"text": " "}),
               422, errors=True)
    therapist = _client(app, users["therapist"])
    couple = f"/therapist/couples/{ids['couple']}"
    pages.save("caseload with a flag", therapist.get("/therapist/"))
    pages.save("couple page with a flag", therapist.get(couple))
    pages.save("private answers with a flag", therapist.get(f"{couple}/private-answers"))
    pages.save("private answers, no note",
               _post(therapist, f"{couple}/private-answers", {"note": " "}), 422, errors=True)
    pages.save("private answers, recorded",
               _post(therapist, f"{couple}/private-answers", {"note": "Called Sam alone"},
                     follow_redirects=True))


def _save_pages_after_changes(app, pages, users, ids, extras):
    """States reached by acting: messages shown after a change, a paused assignment, a
    draft, a cancelled session, a policy to accept again, a deactivated clinician, and the
    audit trails that all of the above filled."""
    therapist, admin = _client(app, users["therapist"]), _client(app, users["admin"])
    alex = _client(app, users["partner"])
    pages.save("pause, with its message",
               _post(therapist, f"/therapist/assignments/{ids['assignment']}/pause",
                     follow_redirects=True))
    pages.save("portal with a paused assignment", alex.get("/portal/"))
    blame_today = f"/portal/homework/{extras['blame'].id}/{ids['today']}"
    sam = _client(app, users["other_partner"])
    assert _post(sam, blame_today + "/draft", {"answer-0": "Half a thought"}).status_code == 200
    pages.save("an entry with a draft", sam.get(blame_today))
    two = extras["two"]
    pages.save("a past session to record",
               therapist.get(f"/therapist/sessions/{extras['past'].id}"))
    pages.save("cancelled session",
               _post(therapist, f"/therapist/sessions/{extras['past'].id}/cancel",
                     follow_redirects=True))
    pages.save("policy changed",
               _post(therapist, f"/therapist/couples/{two.id}/policy", {"policy": "limited"},
                     follow_redirects=True))
    pages.save("portal, policy to accept", _client(app, extras["jordan"]).get("/portal/"))
    three = extras["three"].id
    pages.save("invitation withdrawn",
               _post(therapist, f"/therapist/couples/{three}/invitations/{ids['invitation']}"
                     "/revoke", follow_redirects=True))
    pages.save("clinician deactivated",
               _post(admin, f"/admin/clinicians/{ids['clinician']}/deactivate",
                     follow_redirects=True))
    pages.save("reset request, sent", _post(_client(app), "/reset", {"email": "x@example.org"}))
    _save_sharing_pages(app, pages, users, ids, extras)
    _save_safety_hold_pages(app, pages, users, ids, extras)
    _save_safety_pages(app, pages, users, ids)
    pages.save("practice audit trail", admin.get("/admin/audit"))
    pages.save("couple audit trail", therapist.get(f"/therapist/couples/{ids['couple']}/audit"))


def _save_sharing_pages(app, pages, users, ids, extras):
    """Completion sharing turned off and the partners told; an entry shared after its
    confirmation; an edited entry's earlier version on the therapist's page."""
    therapist, alex = _client(app, users["therapist"]), _client(app, users["partner"])
    couple = ids["couple"]
    pages.save("completion sharing turned off",
               _post(therapist, f"/therapist/couples/{couple}/completion-sharing",
                     {"shared": "no"}, follow_redirects=True))
    pages.save("portal with the sharing notice", alex.get("/portal/"))
    old = extras["old_entry"]
    if old.visibility != "partner":
        pages.save("entry shared after its confirmation",
                   _post(alex, f"/portal/entries/{old.id}/visibility",
                         {"visibility": "partner", "confirmed": "yes"}, follow_redirects=True))
    pages.save("confirmation of an entry already shared",
               alex.get(f"/portal/entries/{old.id}/share"))
    entry = _db.session.get(Entry, extras["joint_entry"].id)
    _db.session.add(EntryRevision(entry_id=entry.id, revision=entry.revision,
                                 completion="not_done", visibility="therapist",
                                 answers=["What it said before"], ratings=[]))
    entry.revision += 1
    _db.session.commit()
    pages.save("couple page with an earlier version",
               therapist.get(f"/therapist/couples/{couple}?entries=all"))


def _save_safety_hold_pages(app, pages, users, ids, extras):
    """A couple put on a safety hold: the couple page, the portals, a new entry's form, the
    refusal of joint homework, the page to lift it (refused without a note), and lifted."""
    therapist = _client(app, users["therapist"])
    alex = _client(app, users["partner"])
    couple = ids["couple"]
    pages.save("safety hold started",
               _post(therapist, f"/therapist/couples/{couple}/safety-hold/start",
                     {"note": "Asked for it after the session."}, follow_redirects=True))
    pages.save("portal on safety hold", alex.get("/portal/"))
    pages.save("entry form on safety hold", _client(app, users["other_partner"]).get(
        f"/portal/homework/{extras['blame'].id}/{ids['today']}"))
    pages.save("joint homework refused on safety hold", _post(
        therapist, f"/therapist/couples/{couple}/assign?exercise={ids['exercise']}",
        {"mode": "joint", "start": ids["today"], "cadence": "weekly", "ends": "never"}),
        422, errors=True)
    pages.save("lift the safety hold", therapist.get(
        f"/therapist/couples/{couple}/safety-hold/lift"))
    pages.save("lift the safety hold, no note", _post(
        therapist, f"/therapist/couples/{couple}/safety-hold/lift"), 422, errors=True)
    pages.save("safety hold lifted",
               _post(therapist, f"/therapist/couples/{couple}/safety-hold/lift",
                     {"note": "Both say it is calmer."}, follow_redirects=True))


def test_every_page_is_valid_html(app, db, runner, make_practice, make_user, make_couple,
                                  tmp_path):
    checker_command()  # skip (or fail in CI) before the work when the checker is missing
    users, ids, extras = _practice_to_check(db, runner, make_practice, make_user, make_couple)
    pages = Pages(tmp_path)
    _save_matrix_pages(app, pages, users, ids)
    _save_more_pages(app, pages, users, ids, extras)
    _save_forms_with_errors(app, pages, users, ids, extras)
    _save_pages_after_changes(app, pages, users, ids, extras)
    assert len(pages.saved) > 100, len(pages.saved)

    problems = check_folder(tmp_path)
    assert not problems, (f"{len(problems)} HTML errors in {len(pages.saved)} pages saved in "
                          f"{tmp_path} (page:line:column):\n" + "\n".join(problems))


def test_the_checker_names_the_page_and_line_of_an_error(app, client, tmp_path):
    """The test above can fail: a served page with a duplicated id is caught, by name."""
    checker_command()
    page = client.get("/sign-in").text
    (tmp_path / "sign_in.html").write_text(page, encoding="utf-8")
    assert check_folder(tmp_path) == []

    broken = page.replace("</main>", '<p id="email">A second element with the id email.</p>\n'
                          "</main>")
    (tmp_path / "broken.html").write_text(broken, encoding="utf-8")
    line = broken[:broken.index('<p id="email">')].count("\n") + 1
    problems = check_folder(tmp_path)
    assert problems and all(p.startswith(f"broken.html:{line}:") for p in problems), problems
    assert any("Duplicate ID “email”" in p for p in problems), problems


def test_a_value_no_input_can_hold_is_drawn_as_a_browser_would(make_couple, sign_in_as, client):
    """HTML forbids value="25:99" on a time input: a form sent back draws what the field
    read instead ("\uff15" read as 5), or nothing, which is what a browser would show;
    the error says what was wrong, and a value that is valid is drawn as it was sent."""
    couple = make_couple()
    sign_in_as(couple.therapist)
    token = csrf_token_from(client.get("/reset").text)

    page = client.post(f"/therapist/couples/{couple.id}/sessions/new",
                       data={"csrf_token": token, "date": "9999-12-31", "time": "25:99"}).text
    assert re.search(r'<input [^>]*id="time"[^>]*type="time" value="">', page)
    assert 'id="time-error">Choose the session&#39;s time.' in page
    assert re.search(r'<input [^>]*id="date"[^>]*type="date" value="9999-12-31">', page)
    assert 'id="date-error">Choose a date within a year before' in page

    page = client.post("/therapist/exercises/new", data={
        "csrf_token": token, "title": "Kept", "minutes": "\uff15",
        "rating1_question": "How close did you feel?", "rating1_min": "ten",
    }).text
    assert re.search(r'<input [^>]*id="minutes"[^>]*type="number" value="5">', page)
    assert re.search(r'<input [^>]*id="rating1_min"[^>]*type="number" value="">', page)
    assert 'id="rating1_min-error">Enter a whole number' in page
    assert re.search(r'<input [^>]*id="title"[^>]*value="Kept">', page)
