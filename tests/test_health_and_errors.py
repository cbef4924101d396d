"""Health endpoints, security headers and error pages."""

import logging

from app.extensions import db
from tests.conftest import make_test_app


def test_healthz_answers_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"


def test_readyz_is_503_with_json_when_the_database_is_unreachable(tmp_path):
    app = make_test_app(
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1", tmp_path
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}
    assert "nobody" not in response.text and "127.0.0.1" not in response.text
    with app.app_context():
        db.engine.dispose()


def test_every_page_carries_security_headers(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert 'href="/static/rekindle.css"' in response.text


def test_a_crash_shows_a_generic_page_with_an_error_id_that_is_logged(tmp_path, caplog):
    app = make_test_app(f"sqlite:///{tmp_path / 'crash.db'}", tmp_path)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail that must not leak")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "secret detail" not in response.text
    assert "Traceback" not in response.text
    error_id = response.text.split("<code>")[1].split("</code>")[0]
    assert any(error_id in record.getMessage() for record in caplog.records)
    with app.app_context():
        db.engine.dispose()


def test_a_database_error_logs_no_value_of_the_statement(tmp_path, caplog):
    """What a partner wrote can be a statement's value: a failing statement's values
    stay out of the error log (the engine hides them)."""
    import sqlalchemy as sa

    app = make_test_app(f"sqlite:///{tmp_path / 'values.db'}", tmp_path)
    secret = "what I never told my partner"

    @app.get("/fail")
    def fail():
        db.session.execute(sa.text("INSERT INTO no_such_table (text) VALUES (:text)"),
                           {"text": secret})
        return "unreachable"

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/fail")
    assert response.status_code == 500
    logged = "\n".join(logging.Formatter().format(record) for record in caplog.records)
    assert "no_such_table" in logged  # the error itself is logged, with its traceback
    assert secret not in logged and secret not in response.text
    with app.app_context():
        db.engine.dispose()


def test_a_failed_statement_still_gets_the_styled_page_when_signed_in(app, db, make_therapist,
                                                                      tmp_path):
    """After a flush fails, the session must be rolled back before the error page (which
    reads the signed-in user) can be drawn."""
    therapist = make_therapist()
    second = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)

    @second.get("/fail")
    def fail():
        from app.models import AuditChainHead

        db.session.add(AuditChainHead(id=2))  # refused by ck_audit_chain_heads_single_row
        db.session.flush()
        return "unreachable"

    client = second.test_client()
    with client.session_transaction() as session:
        from app.clock import now

        session["_user_id"] = therapist.get_id()
        session["_auth_at"] = session["_seen_at"] = now().timestamp()
    response = client.get("/fail")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "Sign out" in response.text  # drawn for the signed-in user
    with second.app_context():
        db.engine.dispose()


def test_oversized_request_gets_a_413_page(client):
    response = client.post("/sign-in", data={"email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Too large" in response.text
