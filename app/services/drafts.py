"""Drafts: half-written entries kept on the server for their author only.

Never shown to anyone else, never in a report; deleted when the entry is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Assignment, Draft, User
from app.services import DomainError
from app.services.homework import MAX_TEXT


def clean_content(raw: dict[str, Any], prompts: int, ratings: int) -> dict[str, Any]:
    """Only the fields an entry form has, each within its limits."""
    answers = [str(a or "")[:MAX_TEXT] for a in (raw.get("answers") or [])][:prompts]
    values = []
    for value in (raw.get("ratings") or [])[:ratings]:
        values.append(value if isinstance(value, int) and -1 <= value <= 1000 else None)
    completion = raw.get("completion")
    visibility = raw.get("visibility")
    return {
        "answers": answers + [""] * (prompts - len(answers)),
        "ratings": values + [None] * (ratings - len(values)),
        "completion": completion if completion in ("done", "partly", "not_done") else None,
        "visibility": visibility if visibility in ("therapist", "partner") else None,
    }


def save_draft(author: User, assignment: Assignment, occurrence: dt.date,
               raw: dict[str, Any]) -> Draft:
    """Keep (or replace) the author's draft for this occurrence."""
    version = assignment.exercise_version
    content = clean_content(raw, len(version.prompts), len(version.rating_questions))
    if any(len(a) > MAX_TEXT for a in content["answers"]):
        raise DomainError(f"An answer can be at most {MAX_TEXT:,} characters")
    draft = draft_of(author, assignment, occurrence)
    if draft is None:
        draft = Draft(assignment_id=assignment.id, author_id=author.id,
                      occurrence_date=occurrence, content=content)
        db.session.add(draft)
        try:
            db.session.flush()
            return draft
        except IntegrityError:  # another save of the first draft (a second tab) got there
            db.session.rollback()
            draft = draft_of(author, assignment, occurrence)
            if draft is None:
                raise
    draft.content = content
    db.session.flush()
    return draft


def draft_of(author: User, assignment: Assignment, occurrence: dt.date) -> Draft | None:
    return db.session.scalar(
        sa.select(Draft).where(Draft.assignment_id == assignment.id,
                               Draft.author_id == author.id,
                               Draft.occurrence_date == occurrence)
    )


def discard_draft(author: User, assignment: Assignment, occurrence: dt.date) -> None:
    db.session.execute(
        sa.delete(Draft).where(Draft.assignment_id == assignment.id,
                               Draft.author_id == author.id,
                               Draft.occurrence_date == occurrence)
    )
