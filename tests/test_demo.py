"""`flask demo` builds the demo practice through the services, and only on a demo database."""

import datetime as dt

import sqlalchemy as sa

from app.models import Couple, Practice, User
from app.services.demo import DEMO_PASSWORD


def test_demo_builds_the_practice_and_its_sign_ins_work(db, runner, sign_in_by_form, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "therapist@example.com" in result.output
    assert DEMO_PASSWORD in result.output
    couples = db.session.scalars(sa.select(Couple).order_by(Couple.id)).all()
    assert [sorted(p.user.email for p in c.partners) for c in couples] == [
        ["alex@example.com", "sam@example.com"],
        ["casey@example.com", "jordan@example.com"],
        ["morgan@example.com", "riley@example.com"],
    ]
    morgan = db.session.scalar(sa.select(User).where(User.email == "morgan@example.com"))
    assert morgan.password_hash is None  # not yet invited

    signed_in = sign_in_by_form("therapist@example.com", DEMO_PASSWORD)
    assert signed_in.headers["Location"] == "/therapist/"
    caseload = client.get("/therapist/").text
    assert "Alex &amp; Sam" in caseload and "Jordan &amp; Casey" in caseload
    for email in ("alex@example.com", "sam@example.com", "jordan@example.com",
                  "casey@example.com"):
        client.delete_cookie("rekindle_session")
        assert sign_in_by_form(email, DEMO_PASSWORD).headers["Location"] == "/portal/", email


def test_demo_runs_twice_without_duplicating(db, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "already loaded" in second.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Practice)) == 1


def test_demo_refuses_a_database_with_real_accounts(db, runner, make_therapist):
    make_therapist()
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "Refusing to add demo data" in result.output
    assert "non-demo" in result.output
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(Practice).where(Practice.is_demo)
    ) == 0


def test_demo_if_empty_quietly_skips_real_databases(db, runner, make_therapist):
    make_therapist()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert "no demo data added" in result.output


def test_guides_load_command_is_idempotent(runner):
    first = runner.invoke(args=["guides", "load"])
    second = runner.invoke(args=["guides", "load"])
    assert "exercises: 44, new exercise versions: 44" in first.output
    assert "new exercise versions: 0" in second.output


def test_reports_test_page_command_writes_a_pdf(runner, tmp_path):
    out = tmp_path / "test-page.pdf"
    result = runner.invoke(args=["reports", "test-page", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert "sha256" in result.output


def test_demo_has_weeks_of_homework_history(db, runner, client, sign_in_as):
    from app.clock import today_in
    from app.models import Assignment, Entry
    from app.services.progress import couple_progress
    from app.services.schedule import week_of

    assert runner.invoke(args=["demo"]).exit_code == 0
    couples = db.session.scalars(sa.select(Couple).order_by(Couple.id)).all()
    for couple in couples[:2]:
        entries = db.session.scalars(
            sa.select(Entry).join(Assignment).where(Assignment.couple_id == couple.id)).all()
        assert len(entries) > 40
        assert {e.completion for e in entries} == {"done", "partly", "not_done"}
        assert max(e.occurrence_date for e in entries) - min(
            e.occurrence_date for e in entries) >= dt.timedelta(weeks=3)
        assert any(v for e in entries for v in e.ratings if v is not None)
    one = couples[0]
    visibilities = {e.visibility for e in db.session.scalars(
        sa.select(Entry).join(Assignment).where(Assignment.couple_id == one.id))}
    assert visibilities == {"therapist", "partner"}
    progress = couple_progress(one, week_of(today_in(one.therapist.timezone)))
    assert len(progress.differences) >= 1
    assert any(row.assignment.mode == "joint" for row in progress.assignments)
    sign_in_as(one.therapist)
    page = client.get(f"/therapist/couples/{one.id}")
    assert "To talk about" in page.text and "Ratings over time" in page.text
