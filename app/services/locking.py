"""Changes of state that must happen one after the other, even when two arrive together."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db


def hold(record: Any) -> None:
    """Take the record's row for this transaction and read it again: an UPDATE that sets
    its status to itself (a row lock on PostgreSQL, the write lock on SQLite, where a
    SELECT ... FOR UPDATE would do nothing). A second change of the same record waits
    here until the first commits, then sees what the first made (a double click on
    Pause pauses once)."""
    model = type(record)
    db.session.execute(
        sa.update(model).where(model.id == record.id).values(status=model.status)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(record)
