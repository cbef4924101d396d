"""Write fingerprints.json from a folder holding the seed articles as .txt files.

Usage: python tests/data/seed-articles/fingerprints.py FOLDER [--out FILE]

Keeps only what the guide tests need: each article's headings and the SHA-256 of each
normalised sentence of 60 characters or more. Not a test; run it when the articles change.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path

MIN_CHARACTERS = 60
STEP_HEADING = re.compile(r"^Step (\d): (.+)$", flags=re.M)
COLON_HEADING = re.compile(r"^([A-Z][^\n]{3,60}):\s*$", flags=re.M)


def normalise(text: str) -> str:
    """Lower-case, every run of non-word characters one space, trimmed."""
    return re.sub(r"\W+", " ", text.lower()).strip()


def sentences(text: str) -> list[str]:
    """The text's sentences: split after . ! or ? and at every line end."""
    return re.split(r"(?<=[.!?])\s+|\n", text)


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_headings(text: str) -> dict[str, list]:
    """An article of numbered steps is headed by its steps; another by its lines ending in ':'."""
    steps = STEP_HEADING.findall(text)
    if steps:
        return {"steps": [[int(number), heading] for number, heading in steps]}
    return {"headings": COLON_HEADING.findall(text)}


def fingerprints(folder: Path) -> dict:
    articles = {}
    long_sentences = set()
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        articles[path.name] = article_headings(text)
        for sentence in sentences(text):
            normal = normalise(sentence)
            if len(normal) >= MIN_CHARACTERS:
                long_sentences.add(normal)
    if not articles:
        raise SystemExit(f"{folder} holds no .txt article")
    return {
        "about": "Headings and sentence fingerprints of the seed articles; see README.md.",
        "articles": articles,
        "sentences": sorted(
            ({"characters": len(s), "sha256": fingerprint(s)} for s in long_sentences),
            key=lambda row: (row["characters"], row["sha256"]),
        ),
    }


def dump(data: dict) -> str:
    """JSON with one heading or sentence per line, so a change reads well in a diff."""
    def rows(items: list) -> str:
        return "[\n" + ",\n".join("    " + json.dumps(item, ensure_ascii=False)
                                   for item in items) + "\n  ]"

    articles = ",\n".join(
        f"  {json.dumps(name)}: {{"
        + ", ".join(f"{json.dumps(key)}: {rows(value)}" for key, value in headings.items())
        + "}"
        for name, headings in data["articles"].items()
    )
    return (f'{{"about": {json.dumps(data["about"])},\n "articles": {{\n{articles}\n }},\n'
            f' "sentences": {rows(data["sentences"])}\n}}\n')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a folder holding the articles as .txt files")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("fingerprints.json"))
    arguments = parser.parse_args()
    data = fingerprints(arguments.folder)
    arguments.out.write_text(dump(data), encoding="utf-8")
    print(f"{arguments.out}: {len(data['articles'])} articles, "
          f"{len(data['sentences'])} sentence fingerprints")


if __name__ == "__main__":
    main()
