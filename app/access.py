"""The first authorization layer: each blueprint demands its role on every request."""

from __future__ import annotations

from flask import Blueprint, abort, url_for
from flask_login import current_user

from app.extensions import login_manager
from app.models import User


def require_role(bp: Blueprint, role: str) -> None:
    """Anonymous visitors are sent to log in; signed-in users without the role get 404."""

    @bp.before_request
    def _check_role():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.has_role(role):
            abort(404)
        return None


def home_url(user: User) -> str:
    """Where a user lands after signing in."""
    if user.is_therapist:
        return url_for("therapist.caseload")
    if user.is_client:
        return url_for("client.welcome")
    return url_for("guides.index")


def is_safe_next(target: str | None) -> bool:
    """Only a path inside this app, never another host or scheme."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    return "\\" not in target and not any(ord(c) < 32 for c in target)
