"""Mail leaves the request (issue 14, points 1 and 2): every email is an outbox row and a
Huey task; the row decides, so a task run twice sends once; a sweep re-sends what a dead
consumer abandoned; failures are retried, then listed for admins; a reset request does the
same work for any address. Real parts: the loopback SMTP server, Huey's own execution
(immediate mode, or a queue drained in-process), and real consumer processes on the SQLite
queue and on a private Redis."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from app import jobs
from app.clock import now
from app.config import TestingConfig
from app.mail import MailError
from app.mail_queue import deliver_mail, queue_attention_notice, sweep
from app.models import AuditEvent, MailOutbox, PasswordReset
from app.services.outbox import MAX_ATTEMPTS, STALE_AFTER, record_mail
from app.transactions import unit_of_work
from tests.conftest import csrf_token_from, free_port


@contextlib.contextmanager
def real_queue(app, **settings):
    """The app's tasks go on a real queue (not run in place) for the block."""
    keys = ("JOBS_IMMEDIATE", "REDIS_URL", "JOBS_SQLITE_PATH")
    saved = {key: app.config.get(key) for key in keys}
    app.config.update({"JOBS_IMMEDIATE": False, "REDIS_URL": None, **settings})
    with app.app_context():
        jobs._configure(app)
    try:
        yield jobs.huey
    finally:
        jobs.huey.flush()
        app.config.update(saved)
        with app.app_context():
            jobs._configure(app)


def drain(app) -> int:
    """Run every queued task in this process with Huey's own execution; the number run."""
    count = 0
    with app.app_context():
        while (task := jobs.huey.dequeue()) is not None:
            jobs.huey.execute(task)
            count += 1
    return count


def rows(db) -> list[MailOutbox]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(MailOutbox).order_by(MailOutbox.id)))


def owe_attention(db, therapist) -> int:
    with unit_of_work():
        row = record_mail("attention", therapist.email, practice_id=therapist.practice_id,
                          user_id=therapist.id)
    return row.id


# --- the row decides -------------------------------------------------------------------


def test_a_task_run_twice_sends_once(db, make_therapist, mailbox):
    therapist = make_therapist()
    row_id = owe_attention(db, therapist)
    jobs.enqueue(deliver_mail, row_id)
    jobs.enqueue(deliver_mail, row_id)  # a duplicate, or Huey's retry of a lost answer
    assert len(mailbox.to(therapist.email)) == 1
    [row] = rows(db)
    assert (row.status, row.attempts) == ("sent", 1)
    assert row.sent_at is not None and row.claimed_at is not None


def test_an_attention_notice_goes_through_the_outbox(db, make_therapist, mailbox):
    therapist = make_therapist()
    with unit_of_work():
        queue_attention_notice(therapist)
        assert not mailbox.messages  # nothing leaves before the commit
    [message] = mailbox.to(therapist.email)
    assert message["Subject"] == "Please sign in to Rekindle"
    assert [r.status for r in rows(db)] == ["sent"]


def test_a_claim_abandoned_by_a_dead_consumer_is_sent_by_the_sweep(db, clock, make_therapist,
                                                                    mailbox):
    therapist = make_therapist()
    clock.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    abandoned = owe_attention(db, therapist)
    recent = owe_attention(db, therapist)
    db.session.execute(sa.update(MailOutbox).values(status="sending", claimed_at=now(),
                                                    attempts=1))
    db.session.commit()

    clock.advance(STALE_AFTER / 2)  # still being sent, perhaps: left alone
    db.session.execute(sa.update(MailOutbox).where(MailOutbox.id == recent)
                       .values(claimed_at=now()))
    db.session.commit()
    assert sweep(now()) == 0
    assert not mailbox.messages

    clock.advance(STALE_AFTER)  # the first claim is now stale: its consumer died
    assert sweep(now()) == 1
    assert len(mailbox.messages) == 1
    assert {r.id: r.status for r in rows(db)} == {abandoned: "sent", recent: "sending"}
    assert sweep(now()) == 0  # nothing left to do: sent once


def test_a_queued_row_whose_task_was_lost_is_swept(app, db, clock, make_therapist, mailbox,
                                                   tmp_path):
    therapist = make_therapist()
    clock.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    with real_queue(app, JOBS_SQLITE_PATH=str(tmp_path / "jobs.db")) as huey:
        row_id = owe_attention(db, therapist)  # recorded, never enqueued: the task was lost
        clock.advance(STALE_AFTER + dt.timedelta(seconds=1))
        with app.app_context():
            assert sweep(now()) == 1
        assert huey.pending_count() == 1
        assert drain(app) == 1
    assert len(mailbox.to(therapist.email)) == 1
    assert db.session.get(MailOutbox, row_id).status == "sent"


# --- failures: retried, then listed for admins -------------------------------------------


def test_a_failing_email_is_retried_then_listed_for_admins_who_can_send_it_again(
        app, db, client, sign_in_as, make_therapist, make_user, mailbox):
    assert (deliver_mail.retries, deliver_mail.retry_delay) == (MAX_ATTEMPTS - 1, 30)
    assert deliver_mail.task_class.default_retry_backoff == 2
    therapist = make_therapist()
    admin = make_user(("admin",), practice=therapist.practice)
    row_id = owe_attention(db, therapist)
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nobody listens there
    try:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if attempt < MAX_ATTEMPTS:  # raised so that Huey tries again after its delay
                with pytest.raises(MailError):
                    deliver_mail.call_local(row_id)
            else:  # the last attempt: listed, not raised
                deliver_mail.call_local(row_id)
            [row] = rows(db)
            assert row.attempts == attempt
            assert row.status == ("queued" if attempt < MAX_ATTEMPTS else "failed")
            assert row.last_error == "the mail server did not accept the message"
    finally:
        app.config["MAIL_PORT"] = port
    assert not mailbox.messages

    sign_in_as(admin)
    page = client.get("/admin/mail")
    assert page.status_code == 200
    assert therapist.email in page.text and "did not accept the message" in page.text
    assert "someone in your caseload" not in page.text.lower()  # never the body
    response = client.post(f"/admin/mail/{row_id}/retry",
                           data={"csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 302
    assert len(mailbox.to(therapist.email)) == 1
    [row] = rows(db)
    assert (row.status, row.attempts) == ("sent", 1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "mail.retried", AuditEvent.object_id == row_id)) == 1
    assert "No email has failed" in client.get("/admin/mail").text


def test_another_practices_admin_cannot_see_or_retry_a_failed_email(
        db, client, sign_in_as, make_therapist, make_user, make_practice):
    therapist = make_therapist()
    row_id = owe_attention(db, therapist)
    db.session.execute(sa.update(MailOutbox).values(status="failed", attempts=MAX_ATTEMPTS))
    db.session.commit()
    sign_in_as(make_user(("admin",), practice=make_practice("Elsewhere")))
    page = client.get("/admin/mail")
    assert therapist.email not in page.text
    response = client.post(f"/admin/mail/{row_id}/retry",
                           data={"csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 404
    assert rows(db)[0].status == "failed"


# --- invitations: the link's secret is made by the task ---------------------------------


def test_an_invitation_link_is_made_when_its_email_is_sent_and_never_queued(
        app, db, client, make_user, mailbox, tmp_path):
    from app.mail_queue import queue_invitations
    from app.models import Invitation
    from app.services.invitations import revoke
    from app.services.practice import invite_clinician

    admin = make_user(("admin",))
    with real_queue(app, JOBS_SQLITE_PATH=str(tmp_path / "jobs.db")) as huey:
        with unit_of_work():
            kept = invite_clinician(admin, email="kept@example.org", name="Kept Person",
                                    roles={"therapist"})
            withdrawn = invite_clinician(admin, email="gone@example.org", name="Gone Person",
                                         roles={"therapist"})
            queue_invitations([kept, withdrawn])
        hash_in_request = kept.invitation.token_hash
        assert [task.args for task in huey.pending()] == [(r.id,) for r in rows(db)]
        with unit_of_work():
            revoke(db.session.get(Invitation, withdrawn.invitation.id))
        assert drain(app) == 2
    assert [r.status for r in rows(db)] == ["sent", "dropped"]
    assert not mailbox.to("gone@example.org")
    db.session.expire_all()
    assert db.session.get(Invitation, kept.invitation.id).token_hash != hash_in_request
    link = mailbox.link_to("kept@example.org", "/invitation/")
    assert client.get(link).status_code == 200


# --- a reset request: the same work for any address --------------------------------------


def _ask_reset(client, email):
    token = csrf_token_from(client.get("/reset").text)
    return client.post("/reset", data={"email": email, "csrf_token": token})


def test_a_reset_request_does_the_same_work_for_a_known_and_an_unknown_address(
        app, db, client, make_therapist, count_queries, mailbox, tmp_path):
    therapist = make_therapist()
    seen = {}
    with real_queue(app, JOBS_SQLITE_PATH=str(tmp_path / "jobs.db")) as huey:
        for label, email in (("known", therapist.email), ("unknown", "nobody-here@example.org")):
            before = len(rows(db))
            resets = db.session.scalar(sa.select(sa.func.count()).select_from(PasswordReset))
            with count_queries() as statements:
                response = _ask_reset(client, email)
            [task] = huey.pending()
            new_rows = rows(db)[before:]
            seen[label] = {
                "answer": (response.status_code, response.text),
                "statements": list(statements),
                "rows": [(r.kind, r.status, r.practice_id, r.user_id) for r in new_rows],
                "task": (task.name, len(task.args), task.kwargs),
                "resets made in the request": db.session.scalar(
                    sa.select(sa.func.count()).select_from(PasswordReset)) - resets,
            }
            assert task.args == (new_rows[0].id,)  # an id: no address, no secret
            assert drain(app) == 1
    assert seen["known"] == seen["unknown"]
    assert seen["known"]["rows"] == [("password_reset", "queued", None, None)]
    assert seen["known"]["resets made in the request"] == 0
    assert len(seen["known"]["statements"]) <= 3
    # What the tasks decided: a link for the account, nothing for the unknown address,
    # whose typed address is not kept.
    assert [r.status for r in rows(db)] == ["sent", "dropped"]
    assert [r.recipient for r in rows(db)] == [therapist.email, ""]
    assert len(mailbox.messages) == 1
    link = mailbox.link_to(therapist.email, "/reset/")
    assert client.get(link).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "password_reset.requested")) == 1


def test_links_in_emails_start_with_the_public_url(app, client, make_therapist, mailbox):
    therapist = make_therapist()
    saved = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = "https://care.example.org/rekindle"
    try:
        _ask_reset(client, therapist.email)
    finally:
        app.config["PUBLIC_URL"] = saved
    body = mailbox.body(mailbox.to(therapist.email)[0])
    assert re.search(r"https://care\.example\.org/rekindle/reset/\S+", body)


def test_production_refuses_to_start_without_a_public_url(monkeypatch, tmp_path):
    from app import create_app
    from app.config import ConfigError

    monkeypatch.setenv("REKINDLE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("AUDIT_HMAC_KEY", "y" * 48)
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


# --- real consumer processes -------------------------------------------------------------

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@contextlib.contextmanager
def consumer(app, tmp_path, **queue_env):
    """`flask jobs worker` in a process of its own, on the test's database and mail server."""
    env = {
        **os.environ,
        "REKINDLE_ENV": "development", "FLASK_APP": "app",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REKINDLE_INSTANCE_PATH": str(tmp_path / "consumer-instance"),
        "SECRET_KEY": TestingConfig.SECRET_KEY, "AUDIT_HMAC_KEY": TestingConfig.AUDIT_HMAC_KEY,
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(app.config["MAIL_PORT"]),
        "PUBLIC_URL": app.config["PUBLIC_URL"],
        **queue_env,
    }
    log = open(tmp_path / "consumer.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "jobs", "worker", "--workers", "2"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.seek(0)
        output = log.read()
        log.close()
        assert "Traceback" not in output, output


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_real_consumer_sends_once_and_picks_up_what_a_dead_one_abandoned(
        request, app, db, client, make_therapist, mailbox, tmp_path, backend):
    if backend == "redis":
        settings = {"REDIS_URL": request.getfixturevalue("private_redis")}
    else:
        settings = {"JOBS_SQLITE_PATH": str(tmp_path / "jobs.db")}
    therapist = make_therapist()
    other = make_therapist()
    with real_queue(app, **settings) as huey, \
            consumer(app, tmp_path, **{k: v for k, v in settings.items()}):
        # A reset asked for in a request: the consumer sends the link, made in the task.
        assert _ask_reset(client, therapist.email).status_code == 200
        wait_for(lambda: len(mailbox.to(therapist.email)) == 1)
        link = mailbox.link_to(therapist.email, "/reset/")
        assert client.get(link).status_code == 200

        # The same task twice more (a duplicate, a retry): nothing is sent again.
        [row] = rows(db)
        with app.app_context():
            jobs.enqueue(deliver_mail, row.id)
            jobs.enqueue(deliver_mail, row.id)
        wait_for(lambda: huey.pending_count() == 0)
        time.sleep(1.0)
        assert len(mailbox.to(therapist.email)) == 1

        # A row a dead consumer claimed ten minutes ago: the sweep enqueues it, this one sends.
        abandoned = owe_attention(db, other)
        db.session.execute(sa.update(MailOutbox).where(MailOutbox.id == abandoned).values(
            status="sending", attempts=1, claimed_at=now() - dt.timedelta(minutes=10)))
        db.session.commit()
        with app.app_context():
            assert sweep(now()) == 1
        wait_for(lambda: len(mailbox.to(other.email)) == 1)
        wait_for(lambda: rows(db)[-1].status == "sent")
    assert [r.status for r in rows(db)] == ["sent", "sent"]


def test_the_therapist_sees_an_invitation_whose_email_failed_and_can_send_it_again(
        app, db, client, sign_in_as, make_therapist, mailbox):
    from app.mail_queue import queue_invitations
    from app.services.couples import PartnerDetails, create_couple

    therapist = make_therapist()
    with unit_of_work():
        created = create_couple(
            therapist, name="Ana & Ben", timezone="UTC", policy="limited",
            partners=[PartnerDetails("Ana Lima", "ana@example.org"),
                      PartnerDetails("Ben Lima", "ben@exmaple.org")])
        queue_invitations(created.outgoing)
    ben = next(o.invitation for o in created.outgoing if o.invitation.email.startswith("ben"))
    # Ben's address is mistyped: his email fails after all its retries.
    db.session.execute(sa.update(MailOutbox).where(MailOutbox.invitation_id == ben.id)
                       .values(status="failed", attempts=MAX_ATTEMPTS,
                               last_error="the mail server did not accept the message"))
    db.session.commit()
    failed = "The email could not be delivered"
    sign_in_as(therapist)
    page = client.get(f"/therapist/couples/{created.couple.id}")
    assert page.text.count(failed) == 1
    row = re.search(r"<tr>(?:(?!</tr>).)*" + failed, page.text, re.S).group(0)
    assert "Ben Lima" in row and "Ana Lima" not in row
    response = client.post(
        f"/therapist/couples/{created.couple.id}/invitations/{ben.id}/resend",
        data={"csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 302
    # Two: the loopback server took the first one before this test marked it failed.
    assert len(mailbox.to("ben@exmaple.org")) == 2
    assert failed not in client.get(f"/therapist/couples/{created.couple.id}").text
