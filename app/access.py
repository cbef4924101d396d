"""Request-level access: each blueprint demands its role on every request; the session's
idle and absolute limits; the 404 for anything not the caller's; audit helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from app.clock import now
from app.errors import render_error
from app.extensions import login_manager
from app.models import User
from app.services import audit
from app.services.scoping import NotVisible
from app.transactions import audit_lasting

SIGNED_IN_AT = "_auth_at"
SEEN_AT = "_seen_at"

# endpoint -> function(user) run when a form is posted to it just after the session
# expired, so what the person was writing can be kept for them (see client.routes).
KEEP_ON_EXPIRY: dict[str, Callable[[User], None]] = {}


def address() -> str | None:
    """The client's address (behind ProxyFix when configured)."""
    return request.remote_addr


def audit_request(
    action: str, subject: object | None = None, *, actor: User | None = None, **details: Any
) -> None:
    """Record an audit event with this request's change (kept if the request commits; for
    one that must be kept whatever happens, see app.transactions.audit_lasting)."""
    if actor is None and current_user.is_authenticated:
        actor = current_user._get_current_object()
    audit.record(action, actor=actor, subject=subject, address=address(), details=details or None)


def _deny() -> None:
    """Record the refusal and answer as for something that does not exist."""
    audit_lasting("access.denied", path=request.path[:200])
    abort(404)


def require_role(bp: Blueprint, role: str) -> None:
    """Anonymous visitors are sent to sign in; signed-in users without the role get 404."""

    @bp.before_request
    def _check_role():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.has_role(role):
            _deny()
        return None


def limit_from(setting: str):
    """A Flask-Limiter limit read from configuration at request time."""
    return lambda: current_app.config[setting]


def per_user_key() -> str:
    """Throttling key for actions of a signed-in user, wherever they come from."""
    return f"user-{current_user.get_id().partition(':')[0]}"


def home_url(user: User) -> str:
    """Where a user lands after signing in."""
    if user.is_therapist:
        return url_for("therapist.caseload")
    if user.is_client:
        return url_for("client.welcome")
    if user.is_admin:
        return url_for("admin.overview")
    return url_for("guides.index")


def is_safe_next(target: str | None) -> bool:
    """Only a path inside this app, never another host or scheme."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    return "\\" not in target and not any(ord(c) < 32 for c in target)


def start_sign_in(user: User) -> None:
    """Stamp a fresh session (after login_user)."""
    stamp = now().timestamp()
    session[SIGNED_IN_AT] = stamp
    session[SEEN_AT] = stamp


def init_app(app: Flask) -> None:
    @app.before_request
    def _sign_in_limits():
        # The quick exit ends the sign-in itself, expired or not, and must not stop at the
        # sign-in page on its way out.
        if request.endpoint in {"static", "health.healthz", "health.readyz",
                                "auth.quick_exit"}:
            return None
        if not current_user.is_authenticated:
            return None
        stamp = now().timestamp()
        idle = app.config["SESSION_IDLE_MINUTES"] * 60
        absolute = app.config["SESSION_MAX_HOURS"] * 3600
        started = session.get(SIGNED_IN_AT, 0)
        seen = session.get(SEEN_AT, 0)
        if stamp - seen <= idle and stamp - started <= absolute:
            session[SEEN_AT] = stamp
            return None
        user = current_user._get_current_object()
        keep = KEEP_ON_EXPIRY.get(request.endpoint or "")
        kept = False
        if request.method == "POST" and keep is not None:
            try:
                # The form must carry this (expired) session's own token: only the person
                # who was writing can have anything kept.
                validate_csrf(request.form.get("csrf_token"))
            except ValidationError:
                pass
            else:
                keep(user)
                kept = True
        logout_user()
        session.clear()
        audit_lasting("sign_in.expired", actor=user)
        if kept:
            flash("You were signed out while you were writing. What you wrote is kept: "
                  "sign in again to finish it.", "info")
            return redirect(url_for("auth.sign_in", next=request.path))
        flash(
            "For your privacy you were signed out after a while without activity. "
            "Please sign in again.",
            "info",
        )
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.sign_in", next=target))

    @app.errorhandler(NotVisible)
    def _not_visible(error: NotVisible):
        if current_user.is_authenticated:
            audit_lasting(
                "access.denied",
                details_type=error.object_type,
                details_id=str(error.object_id)[:40] if error.object_id is not None else None,
                path=request.path[:200],
            )
        return render_error(404)
