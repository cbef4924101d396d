"""Response headers every page carries."""

from __future__ import annotations

from flask import Flask, Response, abort, request
from flask_login import current_user

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

# Pages open to anyone and holding no personal data may be cached.
CACHEABLE_ENDPOINTS = {"static", "guides.index", "guides.guide", "health.healthz"}
LIBRARY_ENDPOINTS = {"guides.index", "guides.guide"}


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_nul_characters():
        # No text we keep may hold NUL: PostgreSQL refuses it, and nobody types it.
        values = [request.path, *request.args.values(), *request.form.values()]
        if any("\x00" in value for value in values):
            abort(400)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("HSTS"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # A library page drawn for someone signed in carries their menu and form tokens:
        # never kept, so Back after a quick exit cannot bring it back (issue 13).
        if request.endpoint not in CACHEABLE_ENDPOINTS or (
                request.endpoint in LIBRARY_ENDPOINTS and current_user.is_authenticated):
            headers["Cache-Control"] = "no-store"
        return response
