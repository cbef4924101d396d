"""Error pages in the app's own style; nothing ever shows a traceback."""

from __future__ import annotations

import secrets

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.services import Collision

MESSAGES = {
    400: ("Something in that request was not right", "Please go back and try again."),
    403: ("Not allowed", "You don't have access to this page."),
    404: (
        "Page not found",
        "There is nothing here, or it is not available to you. Check the address, "
        "or go back to your home page.",
    ),
    405: ("Not allowed", "That action is not available here."),
    413: ("Too large", "What you sent is larger than Rekindle accepts. Please shorten it."),
    409: (
        "Changed at the same moment",
        "This was changed from another window at the same moment, so nothing was saved "
        "from this one. Please go back, reload the page and try again.",
    ),
    429: ("Too many attempts", "Please wait a few minutes before trying again."),
}


def render_error(code: int):
    """The app's own error page for an HTTP status, as a (body, status) pair."""
    title, message = MESSAGES.get(code, ("Something went wrong", "Please go back and try again."))
    return render_template("errors/error.html", code=code, title=title, message=message), code


def is_unique_violation(error: IntegrityError) -> bool:
    """Whether a unique key refused the statement (PostgreSQL's 23505, SQLite's UNIQUE)."""
    return (getattr(error.orig, "sqlstate", None) == "23505"
            or "UNIQUE constraint failed" in str(error.orig))


def _wants_json() -> bool:
    return request.path.startswith(("/healthz", "/readyz", "/api/"))


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return (
            render_template(
                "errors/error.html",
                code=400,
                title="This form has expired",
                message="For your safety, please go back, reload the page and send it again.",
            ),
            400,
        )

    @app.errorhandler(Collision)
    def _collision(error: Collision):
        # The other change was saved: show it where this form was, if that page can be
        # opened; the request was rolled back before this ran (app.transactions).
        rule = request.url_rule
        if request.method == "POST" and rule is not None and "GET" in (rule.methods or ()):
            flash(str(error), "info")
            return redirect(request.path)
        return render_error(409)

    @app.errorhandler(IntegrityError)
    def _integrity_error(error: IntegrityError):
        # Two different forms creating the same thing at once (not two copies of one
        # form: app.transactions leads those to the first). Any other broken rule is a bug.
        if is_unique_violation(error):
            return render_error(409)
        return _server_error(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        code = error.code or 500
        if code >= 500:
            return _server_error(error)
        if _wants_json():
            return jsonify(error=MESSAGES.get(code, (error.name,))[0]), code
        return render_error(code)

    @app.errorhandler(Exception)
    def _server_error(error: Exception):
        error_id = secrets.token_hex(6)
        app.logger.error(
            "error %s on %s %s", error_id, request.method, request.path, exc_info=error
        )
        if _wants_json():
            return jsonify(error="internal error", error_id=error_id), 500
        return (
            render_template(
                "errors/error.html",
                code=500,
                title="Something went wrong on our side",
                message="Nothing you wrote was shared. Please try again in a moment; if it "
                "keeps happening, give this reference to your practice.",
                error_id=error_id,
            ),
            500,
        )
