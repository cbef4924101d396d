from flask import render_template
from flask_login import current_user

from app.services.couples import couples_for_therapist
from app.therapist import bp


@bp.get("/")
def caseload():
    return render_template("therapist/caseload.html", couples=couples_for_therapist(current_user))
