"""The audit trail: append-only events, each HMAC-chained to the one before it.

Every append first bumps the single chain-head row, which takes the write lock, so
concurrent requests chain one after another instead of forking. After each commit the
newest head is also written to a checkpoint file outside the database, so that deleting
the newest events (truncation) is detected by `flask audit verify`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.clock import now
from app.extensions import db
from app.models import AuditChainHead, AuditEvent, Couple, User

GENESIS = "0" * 64
SESSION_KEY = "rekindle.audit_head"

# Words that must never be stored in an event's details.
_FORBIDDEN_DETAIL_KEYS = {"password", "answers", "reflection", "text", "notes", "token"}


def _key() -> bytes:
    return current_app.config["AUDIT_HMAC_KEY"].encode()


def _message(event: AuditEvent, previous: str) -> bytes:
    fields = [
        str(event.id),
        previous,
        event.created_at.isoformat(),
        str(event.practice_id or ""),
        str(event.actor_id or ""),
        event.action,
        event.object_type or "",
        str(event.object_id or ""),
        event.address or "",
        json.dumps(event.details or {}, sort_keys=True, separators=(",", ":")),
    ]
    return "\x1f".join(fields).encode()


def event_hmac(event: AuditEvent, previous: str) -> str:
    """The HMAC-SHA256 that chains this event to the previous one."""
    return hmac.new(_key(), _message(event, previous), hashlib.sha256).hexdigest()


def _claim_next_sequence() -> tuple[int, str]:
    """Bump the chain head (taking its row lock) and return (new sequence, previous hmac)."""
    statement = (
        sa.update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(last_sequence=AuditChainHead.last_sequence + 1)
        .returning(AuditChainHead.last_sequence, AuditChainHead.last_hmac)
    )
    row = db.session.execute(statement).one_or_none()
    if row is None:  # an empty database that was not built by the migrations' seed
        db.session.add(AuditChainHead(id=1, last_sequence=0, last_hmac=GENESIS))
        db.session.flush()
        row = db.session.execute(statement).one()
    return int(row[0]), str(row[1])


def record(
    action: str,
    *,
    actor: User | None = None,
    practice_id: int | None = None,
    subject: object | None = None,
    address: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event; the caller commits. Never pass written content or secrets."""
    if details and _FORBIDDEN_DETAIL_KEYS & set(details):
        raise ValueError("audit details must not carry content or secrets")
    sequence, previous = _claim_next_sequence()
    event = AuditEvent(
        id=sequence,
        practice_id=practice_id if practice_id is not None else _practice_of(actor, subject),
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=_type_name(subject),
        object_id=getattr(subject, "id", None),
        address=address,
        details=details or None,
        created_at=now(),
    )
    event.hmac = event_hmac(event, previous)
    db.session.add(event)
    db.session.execute(
        sa.update(AuditChainHead).where(AuditChainHead.id == 1).values(last_hmac=event.hmac)
    )
    checkpoint_path = current_app.config["AUDIT_CHECKPOINT_PATH"]
    db.session.info[SESSION_KEY] = (sequence, event.hmac, checkpoint_path)
    return event


def _type_name(subject: object | None) -> str | None:
    if subject is None:
        return None
    return getattr(subject, "__tablename__", type(subject).__name__.lower())


def _practice_of(actor: User | None, subject: object | None) -> int | None:
    practice_id = getattr(subject, "practice_id", None)
    if practice_id is None and actor is not None:
        practice_id = actor.practice_id
    return practice_id


# --- the checkpoint outside the database ---------------------------------------------


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _write_checkpoint_after_commit(session: sa.orm.Session) -> None:
    pending = session.info.pop(SESSION_KEY, None)
    if pending is not None:
        sequence, digest, path = pending
        write_checkpoint(path, sequence, digest)


@sa.event.listens_for(sa.orm.Session, "after_rollback")
def _forget_checkpoint_after_rollback(session: sa.orm.Session) -> None:
    session.info.pop(SESSION_KEY, None)


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def read_checkpoint(path: str) -> tuple[int, str] | None:
    """(sequence, hmac) of the newest checkpointed event, or None."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        return int(data["sequence"]), str(data["hmac"])
    except FileNotFoundError:
        return None


def write_checkpoint(path: str, sequence: int, digest: str) -> None:
    """Record the chain head, never moving it backwards; atomic and owner-only."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with _locked(path):
        current = read_checkpoint(path)
        if current is not None and current[0] >= sequence:
            return
        temporary = f"{path}.{os.getpid()}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"sequence": sequence, "hmac": digest}, handle)
        os.replace(temporary, path)


# --- verification ----------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    problem: str | None = None
    sequence: int | None = None


def verify_chain(batch: int = 1000) -> Verification:
    """Walk every event in order; report the first altered, missing or truncated one."""
    previous = GENESIS
    expected = 1
    last_id = 0
    query = sa.select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch)
    events = db.session.scalars(query)
    try:
        for event in events:
            if event.id != expected:
                return Verification(False, expected - 1, f"event {expected} is missing", expected)
            if not hmac.compare_digest(event.hmac, event_hmac(event, previous)):
                return Verification(False, expected - 1, f"event {event.id} was altered", event.id)
            previous, last_id, expected = event.hmac, event.id, expected + 1
    finally:
        events.close()  # a server-side cursor on PostgreSQL, left open by an early return

    head = db.session.get(AuditChainHead, 1)
    if head is not None and (head.last_sequence, head.last_hmac) != (last_id, previous):
        if head.last_sequence > last_id:
            return Verification(
                False, last_id, f"events after {last_id} are missing (truncated)", last_id + 1
            )
        return Verification(False, last_id, "the chain head does not match the events", last_id)
    checkpoint = read_checkpoint(current_app.config["AUDIT_CHECKPOINT_PATH"])
    if checkpoint is not None:
        sequence, digest = checkpoint
        if sequence > last_id:
            return Verification(
                False, last_id, f"events after {last_id} are missing (truncated)", last_id + 1
            )
        if sequence >= 1 and sequence <= last_id:
            stored = db.session.scalar(sa.select(AuditEvent.hmac).where(AuditEvent.id == sequence))
            if stored != digest:
                return Verification(
                    False, last_id, f"event {sequence} differs from the checkpoint", sequence
                )
    return Verification(True, last_id)


# --- reading --------------------------------------------------------------------------


def events_for_couple(couple: Couple, limit: int = 200) -> list[AuditEvent]:
    """Events about a couple and its partners, newest first."""
    partner_ids = [partner.user_id for partner in couple.partners]
    conditions = [sa.and_(AuditEvent.object_type == "couples", AuditEvent.object_id == couple.id)]
    if partner_ids:
        conditions.append(AuditEvent.actor_id.in_(partner_ids))
        conditions.append(
            sa.and_(AuditEvent.object_type == "users", AuditEvent.object_id.in_(partner_ids))
        )
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.practice_id == couple.practice_id, sa.or_(*conditions))
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )


def events_for_practice(practice_id: int, limit: int = 500) -> list[AuditEvent]:
    """The practice's events, newest first."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.practice_id == practice_id)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )


def actor_names(events: list[AuditEvent]) -> dict[int, str]:
    """Names of the people who acted in these events, in one query."""
    ids = {event.actor_id for event in events if event.actor_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids)))
    return {row.id: row.name for row in rows}
