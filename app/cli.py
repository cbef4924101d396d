"""flask commands: guides load, demo, users create-admin, audit verify, reports test-page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click
from flask import Flask

from app.extensions import db
from app.services import DomainError, audit
from app.services.demo import DEMO_PASSWORD, build_demo
from app.services.guides import load_builtin_guides
from app.transactions import after_commit, unit_of_work


def register_cli(app: Flask) -> None:
    @app.cli.group("guides")
    def guides() -> None:
        """The built-in guide library."""

    @guides.command("load")
    def guides_load() -> None:
        """Load or update the built-in guides (idempotent)."""
        result = load_builtin_guides()
        click.echo(
            f"Guides: {result.guides}, steps: {result.steps}, exercises: {result.exercises}, "
            f"new exercise versions: {result.new_versions}"
        )

    @app.cli.group("users")
    def users() -> None:
        """Accounts."""

    @users.command("create-admin")
    @click.argument("email")
    @click.option("--name", prompt="Your name", help="The admin's name.")
    @click.option("--practice", "practice_name", default=None,
                  help="Name of the practice to create (only when none exists yet).")
    @click.option("--therapist", is_flag=True, help="Also a therapist (a solo practice).")
    @click.option("--timezone", default=None, help="IANA timezone, e.g. Europe/Paris.")
    def create_admin(email, name, practice_name, therapist, timezone) -> None:
        """Create a practice admin; the password is asked at the prompt, never an argument."""
        from app.services.setup import create_first_admin

        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            user = create_first_admin(
                email=email, name=name, password=password, practice_name=practice_name,
                therapist=therapist, timezone=timezone,
            )
        except DomainError as error:
            raise click.ClickException(str(error)) from error
        audit.record(
            "user.created", actor=None, subject=user, details={"roles": sorted(user.roles)}
        )
        after_commit(lambda: click.echo(
            f"Admin {user.email} created in practice “{user.practice.name}”."))

    @app.cli.group("audit")
    def audit_group() -> None:
        """The audit trail."""

    @audit_group.command("verify")
    def audit_verify() -> None:
        """Check every event's HMAC chain and the checkpoint; exit 1 at the first problem."""
        result = audit.verify_chain()
        if result.ok:
            click.echo(f"OK: {result.checked} events, chain intact.")
            return
        click.echo(f"FAILED after {result.checked} good events: {result.problem}", err=True)
        raise SystemExit(1)

    @app.cli.group("reports")
    def reports_group() -> None:
        """PDF reports."""

    @reports_group.command("test-page")
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
    def reports_test_page(out: str) -> None:
        """Render the renderer's test page, to check fonts and WeasyPrint on this machine."""
        from reports import render_test_page

        rendered = render_test_page()
        with open(out, "wb") as handle:
            handle.write(rendered.content)
        click.echo(f"{out}: {rendered.page_count} page(s), sha256 {rendered.sha256}")

    @reports_group.command("render")
    @click.option("--couple", "couple_id", required=True, type=int, help="The couple's id.")
    @click.option("--session", "session_id", type=int, help="Report for this session.")
    @click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day.")
    @click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day.")
    @click.option("--audience", type=click.Choice(["clinician", "couple"]),
                  default="clinician", show_default=True)
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
    def reports_render(couple_id: int, session_id: int | None, start, end, audience: str,
                       out: str) -> None:
        """Render and archive a session progress report for a couple."""
        from app.models import Couple, TherapySession
        from app.services.reports import produce_report
        from reports.html import render_here

        couple = db.session.get(Couple, couple_id)
        if couple is None:
            raise click.ClickException(f"No couple with id {couple_id}.")
        session = None
        if session_id is not None:
            if start or end:
                raise click.ClickException("Give either --session or --from/--to, not both.")
            session = db.session.get(TherapySession, session_id)
            if session is None or session.couple_id != couple.id:
                raise click.ClickException(f"Couple {couple_id} has no session {session_id}.")
        elif not (start and end):
            raise click.ClickException("Give --session, or both --from and --to.")
        try:
            report = produce_report(
                couple, audience=audience, session=session,
                start=start.date() if start else None, end=end.date() if end else None,
                generated_by=couple.therapist, render=render_here,
            )
        except DomainError as error:
            raise click.ClickException(str(error)) from error
        audit.record("report.generated", subject=report, practice_id=couple.practice_id,
                     details={"audience": audience, "via": "command line"})
        summary = (f"{out}: {audience} report, {report.page_count} page(s), "
                   f"{report.period_start} to {report.period_end}, sha256 {report.sha256}")

        def write_file() -> None:  # once archived: the file is the archive's bytes
            with open(out, "wb") as handle:
                handle.write(report.content)
            click.echo(summary)

        after_commit(write_file)

    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Quietly skip when real accounts exist.")
    def demo(if_empty: bool) -> None:
        """Build the demo practice (never on a database with real accounts)."""
        try:
            from reports.html import render_here

            result = build_demo(if_empty=if_empty, render=render_here)
        except DomainError as error:
            raise click.ClickException(str(error)) from error
        click.echo(result.message)
        if result.accounts:
            click.echo(f"Demo accounts (password: {DEMO_PASSWORD}):")
            for email, role in result.accounts:
                click.echo(f"  {email:<24} {role}")

    _in_units_of_work(app.cli)
    from app.jobs import register_cli as register_jobs_cli

    register_jobs_cli(app)  # the consumer is no unit of work: each task is its own


def _in_units_of_work(group: click.Group) -> None:
    """Every command is one transaction: committed when it succeeds, rolled back when it
    fails (app.transactions.unit_of_work, the commands' one place for it)."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _in_units_of_work(command)
        elif command.callback is not None:
            command.callback = _in_a_unit_of_work(command.callback)


def _in_a_unit_of_work(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        with unit_of_work():
            return callback(*args, **kwargs)

    return run
