from flask import abort, render_template
from flask_login import current_user

from app.client import bp
from app.services.couples import couple_of_partner


@bp.get("/")
def welcome():
    couple = couple_of_partner(current_user)
    if couple is None:
        abort(404)
    return render_template("client/welcome.html", couple=couple)
