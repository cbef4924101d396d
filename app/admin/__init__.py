from flask import Blueprint

from app.access import require_role

bp = Blueprint("admin", __name__, url_prefix="/admin")
require_role(bp, "admin")

from app.admin import routes  # noqa: E402, F401
