from flask import Blueprint

from app.access import require_role

bp = Blueprint("therapist", __name__, url_prefix="/therapist")
require_role(bp, "therapist")

from app.therapist import (  # noqa: E402, F401
    exercises,
    homework,
    routes,
    safety_check,
    safety_hold,
    sessions,
)
