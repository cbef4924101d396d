from flask import render_template
from flask_login import current_user

from app.client import bp
from app.services.policies import policy_wording
from app.services.scoping import couple_for_partner


@bp.get("/")
def welcome():
    couple = couple_for_partner(current_user)
    return render_template(
        "client/welcome.html",
        couple=couple,
        policy_text=policy_wording(couple.confidentiality_policy),
    )
