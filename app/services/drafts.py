"""Drafts: half-written entries kept on the server for their author only.

Never shown to anyone else, never in a report; deleted when the entry is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.clock import now
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
               raw: dict[str, Any]) -> dt.datetime:
    """Keep (or replace) the author's draft for this occurrence; when it was saved. One
    statement that inserts or updates, so two first saves at once (two tabs) keep one."""
    version = assignment.exercise_version
    content = clean_content(raw, len(version.prompts), len(version.rating_questions))
    if any(len(a) > MAX_TEXT for a in content["answers"]):
        raise DomainError(f"An answer can be at most {MAX_TEXT:,} characters")
    saved_at = now()
    insert = (postgresql.insert if db.session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)(Draft)
    statement = insert.values(
        assignment_id=assignment.id, author_id=author.id, occurrence_date=occurrence,
        content=content, updated_at=saved_at,
    )
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["assignment_id", "author_id", "occurrence_date"],
        set_={"content": statement.excluded.content, "updated_at": saved_at},
    ))
    return saved_at


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
