from flask import Blueprint

from app.access import require_role

bp = Blueprint("client", __name__, url_prefix="/portal")
require_role(bp, "client")

from app.client import routes, safety  # noqa: E402, F401
