"""One path to a report: the session page, `flask reports render` and the demo make a
report through the same service (produce_report), and the domain services import no
presentation code but through it."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import sqlalchemy as sa
from pypdf import PdfReader

from app.models import Couple, Report, TherapySession
from tests.conftest import csrf_token_from

SERVICES = Path(__file__).resolve().parents[1] / "app" / "services"
PRESENTATION = ("reports", "app.templating", "jinja2", "markupsafe")


def _imports(tree: ast.AST) -> list[tuple[str, str]]:
    """(module imported, name of the function importing it, or "" at module level)."""
    found = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef):
                visit(child, child.name)
                continue
            if isinstance(child, ast.ImportFrom) and child.module:
                found.append((child.module, function))
            elif isinstance(child, ast.Import):
                found.extend((alias.name, function) for alias in child.names)
            visit(child, function)

    visit(tree, "")
    return found


def test_services_import_no_presentation_code_but_through_the_report_path():
    allowed = {("reports.py", "reports.html", "produce_report")}
    seen = set()
    for module in sorted(SERVICES.glob("*.py")):
        for imported, function in _imports(ast.parse(module.read_text(encoding="utf-8"))):
            if imported.split(".")[0] in PRESENTATION or imported in PRESENTATION:
                seen.add((module.name, imported, function))
    assert seen == allowed


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_page_the_command_and_the_demo_make_the_same_report(db, runner, client,
                                                                sign_in_as, tmp_path):
    assert runner.invoke(args=["demo"]).exit_code == 0
    couple = db.session.scalar(sa.select(Couple).order_by(Couple.id))
    session = db.session.scalar(
        sa.select(TherapySession)
        .join(Report, Report.session_id == TherapySession.id)
        .where(TherapySession.couple_id == couple.id))
    by_demo = db.session.scalar(sa.select(Report.content).where(
        Report.session_id == session.id, Report.audience == "clinician"))

    sign_in_as(couple.therapist)
    page = client.get(f"/therapist/sessions/{session.id}")
    assert client.post(f"/therapist/sessions/{session.id}/reports", data={
        "csrf_token": csrf_token_from(page.text), "audience": "clinician"}).status_code == 302
    by_page = db.session.scalars(sa.select(Report.content).where(
        Report.session_id == session.id, Report.audience == "clinician")
        .order_by(Report.id.desc())).first()

    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["reports", "render", "--couple", str(couple.id),
                                 "--session", str(session.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    by_command = out.read_bytes()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report).where(
        Report.session_id == session.id, Report.audience == "clinician")) == 3

    texts = {_text(content) for content in (by_demo, by_page, by_command)}
    assert len(texts) == 1, "the three paths made different reports"
    assert "Session progress report" in texts.pop()
