from flask import Blueprint

from app.access import require_role

bp = Blueprint("therapist", __name__, url_prefix="/therapist")
require_role(bp, "therapist")

from app.therapist import exercises, homework, routes, safety, sessions  # noqa: E402, F401
