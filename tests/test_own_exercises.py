"""A therapist's own exercises: writing, reusing and editing them through the pages, with
every edit a new version that leaves what was already given untouched."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from markupsafe import escape

from app.models import AuditEvent, Exercise, ExerciseVersion
from app.services import DomainError
from app.services.guides import load_builtin_guides
from app.services.own_exercises import create_own_exercise, update_own_exercise
from tests.conftest import csrf_token_from

TITLE = "Écoute — ten minutes 🌱"
INSTRUCTIONS = "1. Sit facing each other.\n2. One speaks for five minutes; the other listens."


def exercise_data(**overrides) -> dict[str, str]:
    data = {
        "title": TITLE,
        "instructions": INSTRUCTIONS,
        "prompt1": "What did you hear that surprised you?",
        "prompt2": "Qu'avez-vous ressenti en écoutant ?",
        "prompt3": "",
        "rating1_question": "How heard did you feel?",
        "rating1_min": "0",
        "rating1_max": "10",
        "rating1_min_label": "Not at all",
        "rating1_max_label": "Completely",
        "rating2_question": "",
        "rating2_min": "0",
        "rating2_max": "10",
        "rating2_min_label": "",
        "rating2_max_label": "",
        "cadence": "times_per_week",
        "times_per_week": "3",
        "minutes": "10",
    }
    data.update(overrides)
    return data


def post_new(client, **overrides):
    page = client.get("/therapist/exercises/new")
    assert page.status_code == 200
    data = exercise_data(**overrides)
    data["csrf_token"] = csrf_token_from(page.text)
    return client.post("/therapist/exercises/new", data=data)


def create_via_form(client, **overrides) -> int:
    response = post_new(client, **overrides)
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].rsplit("/", 1)[1])


class FormValues(HTMLParser):
    """What a browser would submit for the first form on a page, untouched."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._done:
            return
        if tag == "form" and "novalidate" in attrs:
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in attrs:
                    self.values[attrs["name"]] = attrs.get("value", "on")
            elif kind != "submit":
                self.values[attrs["name"]] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.values[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            text = self.values[self._textarea]
            # A browser drops the newline right after <textarea> and sends CRLF line ends.
            text = text.removeprefix("\r\n").removeprefix("\n")
            self.values[self._textarea] = text.replace("\r\n", "\n").replace("\n", "\r\n")
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def untouched_form(html: str) -> dict[str, str]:
    parser = FormValues()
    parser.feed(html)
    return parser.values


def test_therapist_writes_an_exercise_and_finds_it_in_the_library(client, sign_in_as,
                                                                    make_therapist, db):
    therapist = make_therapist()
    sign_in_as(therapist)
    exercise_id = create_via_form(client)

    page = client.get(f"/therapist/exercises/{exercise_id}")
    assert page.status_code == 200
    assert "The exercise was saved in your library." in page.text
    assert escape(TITLE) in page.text
    assert "<li>Sit facing each other.</li>" in page.text
    assert "What did you hear that surprised you?" in page.text
    assert str(escape("Qu'avez-vous ressenti en écoutant ?")) in page.text
    assert "How heard did you feel?" in page.text
    assert "3 times a week" in page.text
    assert "About 10 minutes" in page.text
    assert "Version 1" in page.text

    library = client.get("/therapist/exercises")
    assert library.status_code == 200
    assert escape(TITLE) in library.text
    assert "3 times a week" in library.text
    assert "Version 1" in library.text
    assert "Last edited" in library.text

    db.session.expire_all()
    exercise = db.session.get(Exercise, exercise_id)
    assert exercise.owner_id == therapist.id and exercise.step_id is None
    [version] = exercise.versions
    assert (version.number, version.title, version.instructions) == (1, TITLE, INSTRUCTIONS)
    assert version.prompts == ["What did you hear that surprised you?",
                               "Qu'avez-vous ressenti en écoutant ?"]
    assert version.rating_questions == [{"question": "How heard did you feel?", "min": 0,
                                         "max": 10, "min_label": "Not at all",
                                         "max_label": "Completely"}]
    assert (version.cadence, version.times_per_week, version.minutes) == (
        "times_per_week", 3, 10)
    created = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "exercise.created"))
    assert (created.actor_id, created.object_type, created.object_id) == (
        therapist.id, "exercises", exercise_id)


def test_an_unused_cadence_field_and_rating_are_ignored(client, sign_in_as, make_therapist, db):
    sign_in_as(make_therapist())
    exercise_id = create_via_form(
        client, cadence="daily", times_per_week="nine", minutes="", rating1_question="",
        rating1_min="x", rating1_max="", rating1_min_label="", rating1_max_label="")
    db.session.expire_all()
    version = db.session.get(Exercise, exercise_id).current
    assert (version.cadence, version.times_per_week, version.minutes) == ("daily", None, None)
    assert version.rating_questions == []


def test_editing_adds_a_version_and_leaves_the_given_one_untouched(client, sign_in_as,
                                                                   make_therapist, db):
    therapist = make_therapist()
    sign_in_as(therapist)
    exercise_id = create_via_form(client)
    db.session.expire_all()
    # What an assignment holds: a reference to the version that was given.
    given_id = db.session.get(Exercise, exercise_id).current.id

    edit = client.get(f"/therapist/exercises/{exercise_id}/edit")
    assert edit.status_code == 200
    assert "Saving makes version 2" in edit.text
    values = untouched_form(edit.text)
    assert values["title"] == TITLE
    assert values["instructions"] == INSTRUCTIONS.replace("\n", "\r\n")
    assert values["cadence"] == "times_per_week" and values["times_per_week"] == "3"
    values.update(title="Listening, twice a week", times_per_week="2",
                  prompt3="What will you try next time?")
    response = client.post(f"/therapist/exercises/{exercise_id}/edit", data=values)
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert ("Saved as version 2. Couples already given an earlier version keep theirs."
            in page.text)
    assert "Listening, twice a week" in page.text
    assert "2 times a week" in page.text
    assert "Version 2" in page.text and "Version 1" in page.text  # the history

    db.session.expire_all()
    given = db.session.get(ExerciseVersion, given_id)
    assert (given.number, given.title, given.instructions, given.times_per_week) == (
        1, TITLE, INSTRUCTIONS, 3)
    assert len(given.prompts) == 2
    exercise = db.session.get(Exercise, exercise_id)
    assert [v.number for v in exercise.versions] == [1, 2]
    assert exercise.current.title == "Listening, twice a week"
    assert exercise.current.prompts[-1] == "What will you try next time?"
    edited = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "exercise.edited"))
    assert edited.object_id == exercise_id and edited.details == {"version": 2}
    assert "Listening, twice a week" in client.get("/therapist/exercises").text


def test_saving_an_untouched_form_adds_no_version(client, sign_in_as, make_therapist, db):
    sign_in_as(make_therapist())
    exercise_id = create_via_form(client, instructions="First paragraph.\n\nSecond one.")
    edit = client.get(f"/therapist/exercises/{exercise_id}/edit")
    response = client.post(f"/therapist/exercises/{exercise_id}/edit",
                           data=untouched_form(edit.text))
    assert response.status_code == 302
    assert "No changes to save." in client.get(response.headers["Location"]).text
    db.session.expire_all()
    assert len(db.session.get(Exercise, exercise_id).versions) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "exercise.edited")) == 0


def test_validation_errors_say_what_is_wrong_and_keep_what_was_typed(client, sign_in_as,
                                                                     make_therapist, db):
    sign_in_as(make_therapist())
    long_instructions = ("Respirez ensemble, lentement. 🌿 " * 200)[:4000].strip()
    response = post_new(
        client, title="", instructions=long_instructions, prompt1="", prompt2="",
        rating1_question="Wie verbunden?", rating1_min="5", rating1_max="5",
        rating2_question="", rating2_min_label="Gar nicht",
        cadence="times_per_week", times_per_week="", minutes="999")
    assert response.status_code == 422
    text = response.text
    for message in ("Give the exercise a title.",
                    "Write at least one reflection prompt.",
                    "The highest value must be more than the lowest.",
                    "Write the question, or clear this rating&#39;s labels.",
                    "Say how many times a week: 2 to 6.",
                    "Minutes are between 1 and 240."):
        assert message in text, message
    assert "6 things need fixing" in text
    assert long_instructions in text  # the 4,000 characters, all kept
    assert 'value="Wie verbunden?"' in text
    assert 'value="Gar nicht"' in text
    assert 'value="999"' in text
    chosen = 'checked id="cadence-3" name="cadence" required type="radio" value="times_per_week"'
    assert chosen in text
    assert 'aria-invalid="true"' in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Exercise)) == 0


@pytest.mark.parametrize(("overrides", "message"), [
    ({"title": "T" * 201}, "Keep the title to 200 characters or fewer."),
    ({"instructions": "é" * 5001}, "Keep the instructions to 5,000 characters or fewer."),
    ({"prompt2": "?" * 301}, "Keep a prompt to 300 characters or fewer."),
    ({"rating1_max_label": "x" * 41}, "Keep a label to 40 characters or fewer."),
    ({"rating1_min": "low"}, "Enter a whole number, like 5."),
    ({"rating1_max": ""}, "Enter the highest value of the scale."),
    ({"rating1_max": "1000"}, "Use a number from -100 to 100."),
    ({"times_per_week": "7"}, "Choose 2 to 6 times a week"),
    ({"minutes": "ten"}, "Enter a whole number, like 5."),
    ({"cadence": "hourly"}, "Choose how often partners do this exercise."),
])
def test_each_limit_has_a_clear_message(client, sign_in_as, make_therapist, db, overrides,
                                        message):
    sign_in_as(make_therapist())
    response = post_new(client, **overrides)
    assert response.status_code == 422
    assert str(escape(message)) in response.text
    assert response.text.count(str(escape(message))) == 2  # by the field and in the summary
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Exercise)) == 0


def test_another_therapist_and_a_partner_get_not_found(app, client, sign_in_as, make_therapist,
                                                       make_couple, db):
    therapist = make_therapist()
    couple = make_couple(therapist)
    colleague = make_therapist(practice=therapist.practice)
    sign_in_as(therapist)
    exercise_id = create_via_form(client)

    for intruder in (colleague, couple.partners[0].user):
        visitor = app.test_client()
        login_as_client(visitor, intruder)
        missing = visitor.get("/therapist/exercises/987654")
        assert missing.status_code == 404
        # A valid token of the intruder's own session, so the answer is about access.
        token = csrf_token_from(visitor.get("/reset").text)
        for method, path in (("GET", ""), ("GET", "/edit"), ("POST", "/edit"),
                             ("POST", "/archive")):
            url = f"/therapist/exercises/{exercise_id}{path}"
            if method == "GET":
                response = visitor.get(url)
            else:
                response = visitor.post(url, data={**exercise_data(title="Taken over"),
                                                   "csrf_token": token})
            assert response.status_code == 404, (intruder.email, method, url)
            assert without_tokens(response.text) == without_tokens(missing.text)
        assert TITLE not in visitor.get("/therapist/exercises").text

    db.session.expire_all()
    exercise = db.session.get(Exercise, exercise_id)
    assert not exercise.is_archived and [v.title for v in exercise.versions] == [TITLE]
    denied = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "access.denied", AuditEvent.actor_id == colleague.id)).all()
    assert sum(event.details["details_id"] == str(exercise_id) for event in denied) == 4


def without_tokens(html: str) -> str:
    return re.sub(r'name="(?:csrf_token|once)" value="[^"]+"', "", html)


def login_as_client(client, user) -> None:
    from app.clock import now

    stamp = now().timestamp()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_auth_at"] = stamp
        session["_seen_at"] = stamp


def test_archiving_hides_an_exercise_but_keeps_it(client, sign_in_as, make_therapist, db):
    sign_in_as(make_therapist())
    kept_id = create_via_form(client, title="Daily appreciation")
    archived_id = create_via_form(client, title="An old exercise")
    page = client.get(f"/therapist/exercises/{archived_id}")
    response = client.post(f"/therapist/exercises/{archived_id}/archive",
                           data={"csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/therapist/exercises"

    library = client.get("/therapist/exercises")
    assert "“An old exercise” was archived." in library.text
    assert "Daily appreciation" in library.text
    assert "An old exercise" not in library.text.split("was archived")[1]
    assert "Show archived" in library.text
    with_archived = client.get("/therapist/exercises?archived=1")
    archived_section = with_archived.text.split('id="archived-heading"')[1]
    assert "An old exercise" in archived_section
    assert "Daily appreciation" not in archived_section

    # Still there, with its text, for the couples it was given to; no longer editable.
    shown = client.get(f"/therapist/exercises/{archived_id}")
    assert shown.status_code == 200 and "Archived" in shown.text
    assert f"/therapist/exercises/{archived_id}/edit" not in shown.text
    assert client.get(f"/therapist/exercises/{archived_id}/edit").status_code == 302
    again = client.post(f"/therapist/exercises/{archived_id}/archive",
                        data={"csrf_token": csrf_token_from(page.text)})
    assert "already archived" in client.get(again.headers["Location"]).text

    db.session.expire_all()
    archived = db.session.get(Exercise, archived_id)
    assert archived.is_archived and archived.current.title == "An old exercise"
    assert not db.session.get(Exercise, kept_id).is_archived
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "exercise.archived")) == 1


def test_own_exercises_never_appear_in_the_guide_library(app, client, sign_in_as,
                                                         make_therapist, db):
    load_builtin_guides()
    db.session.commit()
    therapist = make_therapist()
    sign_in_as(therapist)
    create_via_form(client, title="Private practice of mine")
    for visitor in (client, app.test_client()):
        index = visitor.get("/guides/")
        assert index.status_code == 200
        assert "Private practice of mine" not in index.text
        for slug in ("save-your-relationship", "reigniting-love"):
            guide = visitor.get(f"/guides/{slug}")
            assert guide.status_code == 200
            assert "Private practice of mine" not in guide.text


def test_the_library_page_does_not_grow_queries_with_exercises(client, sign_in_as,
                                                               make_therapist, db,
                                                               count_queries):
    therapist = make_therapist()
    sign_in_as(therapist)
    create_own_exercise(therapist, {"title": "One", "instructions": "Do it.",
                                    "prompts": ["Why?"], "cadence": "once"})
    db.session.commit()
    with count_queries() as few:
        assert client.get("/therapist/exercises").status_code == 200
    for n in range(5):
        exercise = create_own_exercise(
            therapist, {"title": f"More {n}", "instructions": "Do it.", "prompts": ["Why?"],
                        "cadence": "daily"})
        update_own_exercise(therapist, exercise, {"title": f"More {n}", "instructions": "Do.",
                                                  "prompts": ["Why?"], "cadence": "daily"})
    db.session.commit()
    with count_queries() as many:
        page = client.get("/therapist/exercises")
    assert page.text.count("Version 2") == 5
    assert len(many) == len(few)


def test_only_the_author_can_change_an_exercise(make_therapist, db):
    author, colleague = make_therapist(), make_therapist()
    exercise = create_own_exercise(author, {"title": "Mine", "instructions": "Do it.",
                                            "prompts": ["Why?"], "cadence": "weekly"})
    db.session.commit()
    with pytest.raises(DomainError, match="Only the therapist who wrote"):
        update_own_exercise(colleague, exercise, {"title": "Yours", "instructions": "x",
                                                  "prompts": ["?"], "cadence": "weekly"})
    with pytest.raises(DomainError, match="between 1 and 240"):
        create_own_exercise(author, {"title": "Long", "instructions": "Do it.",
                                     "prompts": ["Why?"], "cadence": "weekly", "minutes": 300})


def test_a_rating_question_can_be_marked_higher_is_worse_or_about_safety(
        db, client, sign_in_as, make_therapist):
    """The marks the couple handout reads: kept on the version, shown again when editing,
    and a question without them keeps the plain shape (no new version for nothing)."""
    therapist = make_therapist()
    sign_in_as(therapist)
    exercise_id = create_via_form(
        client, rating1_question="How much do you still hold it against them?",
        rating1_higher_is_worse="y", rating2_question="How safe did you feel?",
        rating2_about_safety="y", rating2_max="10", rating2_min="0")
    exercise = db.session.get(Exercise, exercise_id)
    first, second = exercise.current.rating_questions
    assert first["higher_is_worse"] and not first.get("about_safety")
    assert second["about_safety"] and not second.get("higher_is_worse")
    edit = client.get(f"/therapist/exercises/{exercise_id}/edit").text
    assert re.search(r'<input checked[^>]*name="rating1_higher_is_worse"', edit)
    assert re.search(r'<input checked[^>]*name="rating2_about_safety"', edit)
    assert not re.search(r'<input checked[^>]*name="rating1_about_safety"', edit)
    plain = create_via_form(client, title="Plain ratings")
    assert set(db.session.get(Exercise, plain).current.rating_questions[0]) == {
        "question", "min", "max", "min_label", "max_label"}
