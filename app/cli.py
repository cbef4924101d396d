"""flask commands: guides load, demo, reports test-page."""

from __future__ import annotations

import click
from flask import Flask

from app.extensions import db
from app.services import DomainError
from app.services.demo import DEMO_PASSWORD, build_demo
from app.services.guides import load_builtin_guides


def register_cli(app: Flask) -> None:
    @app.cli.group("guides")
    def guides() -> None:
        """The built-in guide library."""

    @guides.command("load")
    def guides_load() -> None:
        """Load or update the built-in guides (idempotent)."""
        result = load_builtin_guides()
        db.session.commit()
        click.echo(
            f"Guides: {result.guides}, steps: {result.steps}, exercises: {result.exercises}, "
            f"new exercise versions: {result.new_versions}"
        )

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

    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Quietly skip when real accounts exist.")
    def demo(if_empty: bool) -> None:
        """Build the demo practice (never on a database with real accounts)."""
        try:
            result = build_demo(if_empty=if_empty)
        except DomainError as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
        click.echo(result.message)
        if result.logins:
            click.echo(f"Demo logins (password: {DEMO_PASSWORD}):")
            for email, role in result.logins:
                click.echo(f"  {email:<24} {role}")
