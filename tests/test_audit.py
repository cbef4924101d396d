"""The audit trail: what is recorded, what never is, and that tampering is found."""

import json

import pytest
import sqlalchemy as sa

from app.models import AuditEvent
from app.services import audit
from tests.conftest import PASSWORD, audit_guard_lifted


def actions(db) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_sign_ins_views_and_denials_are_recorded(
    db, client, sign_in_by_form, make_couple, sign_in_as
):
    couple = make_couple()
    therapist = couple.therapist
    sign_in_by_form(therapist.email, "a wrong password here")
    sign_in_by_form(therapist.email)
    client.get(f"/therapist/couples/{couple.id}")
    client.get("/therapist/couples/999999")
    sign_in_as(couple.partners[0].user)
    client.get("/therapist/")
    recorded = actions(db)
    assert recorded == ["sign_in.failed", "sign_in.succeeded", "couple.viewed", "access.denied",
                        "access.denied"]
    denied = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert denied[0].actor_id == therapist.id
    assert denied[0].details["path"] == "/therapist/couples/999999"
    assert denied[1].actor_id == couple.partners[0].user_id
    viewed = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "couple.viewed"))
    assert (viewed.object_type, viewed.object_id) == ("couples", couple.id)
    assert viewed.address == "127.0.0.1"
    assert viewed.created_at.tzinfo is not None


def test_no_password_ever_reaches_the_audit_trail(db, client, sign_in_by_form, make_therapist):
    therapist = make_therapist()
    sign_in_by_form(therapist.email, "my secret typo password")
    sign_in_by_form(therapist.email)
    rows = db.session.execute(sa.text("SELECT * FROM audit_events")).all()
    dumped = json.dumps([list(map(str, row)) for row in rows])
    assert "my secret typo password" not in dumped
    assert PASSWORD not in dumped


def test_details_refuse_content_and_secrets(db):
    with pytest.raises(ValueError, match="must not carry"):
        audit.record("entry.viewed", details={"text": "what a partner wrote"})


def tamper(db, *statements) -> None:
    """Run statements as someone who owns the database: past the append-only triggers."""
    db.session.commit()
    with db.engine.begin() as conn, audit_guard_lifted(conn):
        for statement in statements:
            sql, params = statement if isinstance(statement, tuple) else (statement, {})
            conn.execute(sa.text(sql), params)
    db.session.expire_all()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'sign_out' WHERE id = 1",
    "UPDATE audit_events SET details = NULL",
    "DELETE FROM audit_events WHERE id = 1",
    "DELETE FROM audit_events",
])
def test_the_database_refuses_to_change_or_delete_an_event(db, sign_in_by_form, make_therapist,
                                                           statement):
    therapist = make_therapist()
    sign_in_by_form(therapist.email)
    sign_in_by_form(therapist.email, "a wrong password here")
    before = db.session.execute(sa.text("SELECT * FROM audit_events ORDER BY id")).all()
    assert len(before) == 2
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.text(statement))
    db.session.rollback()
    assert db.session.execute(sa.text("SELECT * FROM audit_events ORDER BY id")).all() == before
    # Appending still works, and the chain holds.
    sign_in_by_form(therapist.email)
    assert actions(db)[-1] == "sign_in.succeeded"
    assert audit.verify_chain().ok


def test_chain_verifies_and_the_cli_says_so(db, runner, client, sign_in_by_form, make_therapist):
    therapist = make_therapist()
    for _ in range(3):
        sign_in_by_form(therapist.email)
    assert audit.verify_chain().ok
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "OK: 3 events" in result.output


def test_an_altered_event_is_found(db, runner, client, sign_in_by_form, make_therapist):
    therapist = make_therapist()
    for _ in range(4):
        sign_in_by_form(therapist.email)
    tamper(db, "UPDATE audit_events SET action = 'sign_out' WHERE id = 2")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "event 2 was altered" in result.output


def test_a_missing_event_is_found(db, runner, client, sign_in_by_form, make_therapist):
    therapist = make_therapist()
    for _ in range(4):
        sign_in_by_form(therapist.email)
    tamper(db, "DELETE FROM audit_events WHERE id = 3")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "event 3 is missing" in result.output


def test_truncation_is_found_through_the_checkpoint(
    db, runner, client, sign_in_by_form, make_therapist
):
    therapist = make_therapist()
    for _ in range(4):
        sign_in_by_form(therapist.email)
    # Someone with database access removes the newest events and rewinds the head row.
    last = db.session.scalar(sa.select(AuditEvent.hmac).where(AuditEvent.id == 2))
    tamper(db, "DELETE FROM audit_events WHERE id > 2",
           ("UPDATE audit_chain_heads SET last_sequence = 2, last_hmac = :h", {"h": last}))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "events after 2 are missing (truncated)" in result.output


def test_a_forged_event_without_the_key_is_found(
    db, runner, client, sign_in_by_form, make_therapist
):
    therapist = make_therapist()
    sign_in_by_form(therapist.email)
    db.session.execute(sa.text(
        "INSERT INTO audit_events (id, action, hmac, created_at) "
        "VALUES (2, 'sign_in.succeeded', :h, '2026-01-01 00:00:00')"), {"h": "f" * 64})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "event 2 was altered" in result.output


def test_therapist_sees_their_couples_trail_only(db, client, sign_in_as, make_couple,
                                                make_therapist):
    couple = make_couple()
    other = make_couple(therapist=make_therapist())
    sign_in_as(couple.therapist)
    client.get(f"/therapist/couples/{couple.id}")
    page = client.get(f"/therapist/couples/{couple.id}/audit")
    assert page.status_code == 200
    assert "couple.viewed" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get(f"/therapist/couples/{other.id}/audit").status_code == 404


def test_create_admin_asks_for_the_password_at_the_prompt(db, runner):
    result = runner.invoke(
        args=["users", "create-admin", "Owner@Example.org", "--name", "Oli Owner",
              "--practice", "Harbour Practice", "--therapist"],
        input="a very good passphrase\na very good passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "a very good passphrase" not in result.output
    from app.models import User

    user = db.session.scalar(sa.select(User).where(User.email == "owner@example.org"))
    assert user.roles == {"admin", "therapist"}
    assert user.practice.name == "Harbour Practice"
    assert user.password_hash.startswith("$argon2id$")


def test_create_admin_refuses_a_weak_password(db, runner):
    result = runner.invoke(
        args=["users", "create-admin", "x@example.org", "--name", "X", "--practice", "P"],
        input="password\npassword\n",
    )
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
