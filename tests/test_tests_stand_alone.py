"""The tests stand alone: no file under tests/ refers to a path outside the repository.

A clone in an empty folder (CI, a newcomer) has nothing beside it, so whatever a test reads
must live in the repository (tests/data/ holds the data). This reads every text file under
tests/ and fails on each reference that leaves the repository.
"""

import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPOSITORY = TESTS.parent

# Hostile input, not references: these tests prove that the PDF renderer's resource loader
# refuses URLs that climb out of its folder, so the URLs must climb out. Nothing reads them.
REFUSED_URLS = {
    "tests/test_report_render.py": ["rekindle-asset:../render.py", '"../render.py"'],
    "tests/test_report_safety.py": ["rekindle-asset:../render.py",
                                    '"../../../../../../etc/passwd"'],
}

# Places on a machine that are its own, not the operating system's (which every machine
# has the same: /usr/bin/chromium, /etc, /dev ...).
MACHINE_ROOTS = ("work", "home", "root", "tmp", "mnt", "media", "opt", "srv", "shared")
RULES = [
    ("climbs out with '..'", re.compile(r"(?<![\w.])\.\.(?=[/\\\"'])|\bos\.pardir\b")),
    ("names a machine's own folder",
     re.compile(r"(?<![\w:/.])/(?:" + "|".join(MACHINE_ROOTS) + r")(?:/|\b(?=[\"']))")),
    ("names the home folder",
     re.compile(r"[\"']~[/\"']|expanduser|Path\.home\(|\$HOME\b|[\"']HOME[\"']")),
    ("names the team's shared folder",
     re.compile(r"\bshared[\"']?\s*[/,]\s*[\"']?(?:seeds|measures|hooks)\b")),
]
PARENTS = re.compile(r"\.parents\[(\d+)\]")
PARENT_RUN = re.compile(r"(?:\.parent\b(?!s))+")
DIRNAME = re.compile(r"\bdirname\(")


def outside_references(text: str, depth: int) -> list[str]:
    """Each line of a file `depth` folders below the repository's top that leaves it."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        problems = [name for name, rule in RULES if rule.search(line)]
        # From a file `depth` folders down, parents[depth] is the repository's top.
        climbed = [int(index) for index in PARENTS.findall(line)]
        if "__file__" in line:
            # Path(__file__).parent is parents[0]; each further step climbs one more.
            steps = sum(run.group().count(".parent") for run in PARENT_RUN.finditer(line))
            steps += sum(index + 1 for index in climbed) + len(DIRNAME.findall(line))
            climbed.append(steps - 1)
        if any(index > depth for index in climbed):
            problems.append("climbs above the repository's top")
        found += [f"line {number}: {problem}: {line.strip()}" for problem in problems]
    return found


def test_no_test_refers_to_a_path_outside_the_repository():
    checked, found = 0, []
    for path in sorted(TESTS.rglob("*")):
        # This file is left out: its examples below are what it looks for.
        if not path.is_file() or "__pycache__" in path.parts or path == Path(__file__).resolve():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # not text: a picture or a PDF refers to nothing
        name = path.relative_to(REPOSITORY).as_posix()
        for url in REFUSED_URLS.get(name, []):
            assert url in text, f"{name} no longer holds {url}: remove it from REFUSED_URLS"
            text = text.replace(url, "")
        depth = len(path.relative_to(REPOSITORY).parts) - 1
        found += [f"{name} {problem}" for problem in outside_references(text, depth)]
        checked += 1
    assert checked > 30
    assert not found, "Tests must read only what is in the repository (tests/data/):\n" + (
        "\n".join(found))


@pytest.mark.parametrize(
    ("line", "depth"),
    [
        ('NOTES = Path("../notes/seeds.txt")', 1),
        ('DATA = Path(__file__).resolve().parents[2] / "data"', 1),
        ("ROOT = Path(__file__).resolve().parents[3]", 2),
        ("ROOT = Path(__file__).parent.parent.parent", 1),
        ("ROOT = Path(__file__).parent.parents[1]", 1),
        ("ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))", 1),
        ('HERE = os.path.join(here, "..", "data")', 1),
        ("UP = os.pardir", 1),
        ('SPEC = Path("/work/shared/measures/csi-4.md")', 1),
        ('SPEC = open("/home/someone/notes.txt")', 1),
        ('CACHE = Path("/tmp") / "rekindle"', 1),
        ('CONFIG = Path("~/.rekindle")', 1),
        ("CONFIG = Path.home() / '.rekindle'", 1),
        ("CONFIG = os.path.expanduser(name)", 1),
        ('HOME = os.environ["HOME"]', 1),
        ('MEASURES = TOP / "shared" / "measures"', 1),
    ],
)
def test_the_check_finds_each_way_out(line, depth):
    assert outside_references(line, depth), line


@pytest.mark.parametrize(
    ("line", "depth"),
    [
        ("DATA = Path(__file__).parent / 'data' / 'measures'", 1),
        ("ROOT = Path(__file__).resolve().parents[1]", 1),
        ("ARTIFACTS = Path(__file__).resolve().parents[2] / 'test-artifacts'", 2),
        ("ROOT = Path(__file__).parent.parent", 1),
        ("from .. import conftest", 2),
        ('WAIT = "Loading..."', 1),
        ('ELLIPSIS = "..."', 1),
        ('CHROMIUM = "/usr/bin/chromium"', 1),
        ('PAGE = client.get("/therapist/couples/1")', 1),
        ('TEXT = "Work at home, then share it"', 1),
    ],
)
def test_the_check_passes_references_inside(line, depth):
    assert not outside_references(line, depth), line
