"""The built-in guide library: content, idempotent loading, versioning and the pages."""

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from app.models import Exercise, ExerciseVersion, Guide, Step
from app.services import DomainError
from app.services.guides import (
    BUILTIN_DIR,
    exercise_content,
    load_builtin_guides,
    read_guide_file,
)

# What the checks need of the seed articles (their headings and sentence fingerprints), and
# the script that wrote it; the articles themselves are not in the repository.
SEED_ARTICLES = Path(__file__).parent / "data" / "seed-articles"

STEPS = [
    "Rebuild communication",
    "Bring back emotional intimacy",
    "Resolve past conflicts instead of ignoring them",
    "Rebuild trust through actions, not words",
    "Learn each other's needs and love languages",
    "Bring back romance and passion",
    "Fix the patterns, not the moments",
    "Know when to seek support",
    "Choose the relationship again, every day",
]
PRACTICES = {
    1: ["Learn to listen, not react", "Speak without blame", "Create daily check-in moments",
        "Stop avoiding the hard conversations"],
    2: ["Share feelings instead of facts", "Spend quality time without distractions",
        "Show appreciation daily", "Rebuild affection slowly"],
    3: ["Identify the core issue", "Apologize sincerely", "Make a plan, not a promise",
        "Seek closure together"],
    4: ["Be transparent", "Keep your promises", "Give reassurance without being asked",
        "Allow time"],
    5: ["Discover love languages", "Meet emotional needs", "Stop assuming"],
    6: ["Plan intentional dates", "Create surprises", "Flirt again", "Prioritize intimacy"],
    7: ["Identify your repeating patterns", "Take responsibility for your part",
        "Create new healthy habits"],
    8: ["Couples therapy", "Relationship books or courses", "Talking to trusted mentors"],
    9: ["Choose patience", "Choose kindness", "Choose empathy", "Choose growth",
        "Choose love, even on difficult days"],
}
CAUSES = ["Lack of communication", "Unresolved conflict", "Loss of emotional intimacy",
          "Neglect and routine", "Broken trust"]
STRATEGIES = [
    "Prioritize open communication", "Rediscover shared goals and values",
    "Cultivate emotional intimacy", "Make quality time a priority",
    "Practice empathy and understanding", "Seek professional help if needed",
    "Embrace vulnerability", "Practice forgiveness", "Focus on self-improvement",
    "Celebrate progress",
]


@pytest.fixture
def library(db):
    load_builtin_guides()
    db.session.commit()
    return {g.slug: g for g in db.session.scalars(sa.select(Guide))}


def titles(step: Step) -> list[str]:
    return [exercise.current.title for exercise in step.exercises]


def test_two_guides_with_all_steps_and_practices(library):
    assert set(library) == {"save-your-relationship", "reigniting-love"}
    save = library["save-your-relationship"]
    assert save.title == "How to save your relationship"
    assert [step.title for step in save.steps] == STEPS
    for number, practices in PRACTICES.items():
        assert titles(save.steps[number - 1]) == practices
    assert sum(len(step.exercises) for step in save.steps) == 34
    assert [item["title"] for item in save.context["items"]] == CAUSES


def test_ten_strategies_are_exercises(library):
    reignite = library["reigniting-love"]
    assert reignite.title == "Reigniting love and connection"
    exercises = [title for step in reignite.steps for title in titles(step)]
    assert exercises == STRATEGIES


def seed_fingerprints() -> dict:
    return json.loads((SEED_ARTICLES / "fingerprints.json").read_text(encoding="utf-8"))


def test_article_headings_are_all_covered():
    """The articles' own headings, so a heading missing from our lists fails too."""
    articles = seed_fingerprints()["articles"]
    step_headings = articles["000_87857b2237e36242.txt"]["steps"]
    assert [number for number, _ in step_headings] == list(range(1, 10))
    strategy_headings = articles["002_1f0a28ceb5ff3e54.txt"]["headings"]
    assert len(strategy_headings) == 10

    def simple(text: str) -> str:
        return re.sub(r"[^a-z ]", "", text.lower().replace("\u2019", "'"))

    for (number, heading), ours in zip(step_headings, STEPS, strict=True):
        assert simple(ours) in simple(heading.split("—")[0]) or simple(
            heading.split("—")[0]
        ).startswith(simple(ours)[:20]), (number, heading)
    assert [simple(s) for s in STRATEGIES] == [simple(h) for h in strategy_headings]


def test_every_exercise_is_complete(library):
    for guide in library.values():
        for step in guide.steps:
            for exercise in step.exercises:
                version = exercise.current
                assert len(version.instructions.split()) >= 40, version.title
                assert 1 <= len(version.prompts) <= 3, version.title
                for rating in version.rating_questions:
                    assert rating["min"] < rating["max"]
                    assert rating["question"]


def test_cadences_fit_the_practice(library):
    by_title = {
        e.current.title: e.current
        for g in library.values()
        for s in g.steps
        for e in s.exercises
    }
    check_in = by_title["Create daily check-in moments"]
    assert (check_in.cadence, check_in.minutes) == ("daily", 10)
    assert by_title["Plan intentional dates"].cadence == "weekly"
    assert by_title["Apologize sincerely"].cadence == "once"
    assert by_title["Seek closure together"].cadence == "once"


def test_exercises_for_a_moment_that_cannot_be_planned_come_up_when_it_does(library):
    """Those that start "after your next disagreement" or on "the next hard day" are
    suggested "as it comes up", each with its most a week; no other is."""
    versions = [e.current for g in library.values() for s in g.steps for e in s.exercises]
    comes_up = {v.title: v.times_per_week for v in versions if v.cadence == "as_it_comes_up"}
    assert comes_up == {
        "Identify your repeating patterns": 2,  # "After your next disagreement, ..."
        "Choose love, even on difficult days": 2,  # "... the next hard day"
        "Practice empathy and understanding": 3,  # "when your partner tells you ..."
    }
    for version in versions:
        first = version.instructions.split("\n")[0].lower()
        if "after your next disagreement" in first or "next hard day" in first:
            assert version.cadence == "as_it_comes_up", version.title


@pytest.mark.parametrize(("data", "message"), [
    ({"cadence": "as_it_comes_up"}, "up_to_per_week goes with"),
    ({"cadence": "weekly", "up_to_per_week": 2}, "up_to_per_week goes with"),
    ({"cadence": "as_it_comes_up", "up_to_per_week": 8}, "between 1 and 7"),
])
def test_as_it_comes_up_needs_its_most_a_week(data, message):
    with pytest.raises(DomainError, match=message):
        exercise_content({"title": "T", "instructions": "Do it.", "prompts": ["How?"],
                          **data})
    ok = exercise_content({"title": "T", "instructions": "Do it.", "prompts": ["How?"],
                           "cadence": "as_it_comes_up", "up_to_per_week": 2})
    assert (ok["cadence"], ok["times_per_week"]) == ("as_it_comes_up", 2)


def test_loading_twice_duplicates_nothing(db, library):
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(m))
              for m in (Guide, Step, Exercise, ExerciseVersion)]
    result = load_builtin_guides()
    db.session.commit()
    assert result.new_versions == 0
    again = [db.session.scalar(sa.select(sa.func.count()).select_from(m))
             for m in (Guide, Step, Exercise, ExerciseVersion)]
    assert counts == again == [2, 10, 44, 44]


def test_changed_text_adds_a_version_and_keeps_the_old(db, library, tmp_path):
    for path in BUILTIN_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    target = tmp_path / "save-your-relationship.yaml"
    data = read_guide_file(target)
    data["steps"][0]["exercises"][2]["instructions"] += "\n\nA sentence added later."
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    result = load_builtin_guides(tmp_path)
    db.session.commit()
    assert result.new_versions == 1
    exercise = db.session.scalar(sa.select(Exercise).where(Exercise.slug == "daily-check-in"))
    assert [v.number for v in exercise.versions] == [1, 2]
    assert "added later" in exercise.current.instructions
    assert "added later" not in exercise.versions[0].instructions


def normalise(text: str) -> str:
    """As the fingerprints were made: lower-case, runs of non-word characters one space."""
    return re.sub(r"\W+", " ", text.lower()).strip()


def copied_sentences(text: str, fingerprints: list[dict]) -> list[str]:
    """The stretches of the normalised text, each from a word's start, that hash to a sentence
    of the articles: every window as long as some fingerprinted sentence is hashed."""
    normal = normalise(text)
    wanted = {row["sha256"] for row in fingerprints}
    lengths = sorted({row["characters"] for row in fingerprints})
    starts = [0, *(space.end() for space in re.finditer(" ", normal))]
    found = []
    for start in starts:
        for length in lengths:
            window = normal[start:start + length]
            if len(window) < length:
                break
            if hashlib.sha256(window.encode("utf-8")).hexdigest() in wanted:
                found.append(window)
    return found


def test_guide_texts_are_our_own_words():
    """No sentence of 60+ characters from the articles appears in the data files."""
    fingerprints = seed_fingerprints()["sentences"]
    assert len(fingerprints) >= 80
    assert min(row["characters"] for row in fingerprints) >= 60
    for path in BUILTIN_DIR.glob("*.yaml"):
        copied = copied_sentences(path.read_text(encoding="utf-8"), fingerprints)
        assert not copied, (path.name, copied[:2])


def test_the_copy_check_finds_a_copied_sentence(tmp_path):
    """The check above can fail: the fingerprints the script writes for an article find its
    sentence copied into a text (case and punctuation changed), and not a reworded one."""
    folder = tmp_path / "articles"
    folder.mkdir()
    sentence = "Small, kind words said every evening can slowly rebuild a tired relationship."
    (folder / "001_example.txt").write_text(
        f"Step 1: Say something kind\n{sentence} A short one.\nToo short to count.\n",
        encoding="utf-8",
    )
    out = tmp_path / "fingerprints.json"
    subprocess.run([sys.executable, str(SEED_ARTICLES / "fingerprints.py"), str(folder),
                    "--out", str(out)], check=True, capture_output=True)
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["articles"] == {"001_example.txt": {"steps": [[1, "Say something kind"]]}}
    assert [row["characters"] for row in written["sentences"]] == [len(normalise(sentence))]

    guide = ("instructions: |\n  Try this first. SMALL, kind words -- said every evening --\n"
             "  can slowly rebuild a tired relationship!\n")
    assert copied_sentences(guide, written["sentences"]) == [normalise(sentence)]
    reworded = "instructions: A few warm words each night can, bit by bit, mend a worn bond."
    assert copied_sentences(reworded, written["sentences"]) == []


def test_library_pages_are_public_and_complete(client, library):
    index = client.get("/guides/")
    assert index.status_code == 200
    assert "How to save your relationship" in index.text
    assert "Reigniting love and connection" in index.text
    page = client.get("/guides/save-your-relationship")
    assert page.status_code == 200
    html = page.text.replace("&#39;", "'")
    for step in STEPS:
        assert step in html
    for practices in PRACTICES.values():
        for practice in practices:
            assert practice in html
    assert "Daily" in html and "About 10 minutes" in html
    assert "<script" not in html and " style=" not in html


def test_unknown_guide_is_not_found(client, library):
    assert client.get("/guides/no-such-guide").status_code == 404


def test_guide_library_page_renders_in_constant_queries(client, library, count_queries):
    with count_queries() as statements:
        assert client.get("/guides/save-your-relationship").status_code == 200
    assert len(statements) <= 5, statements
