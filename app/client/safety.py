"""The private safety check in the portal ("A few questions just for you").

Discreet by design: neutral titles and addresses, a "Not now" that records nothing, and
answers never shown back once sent (a phone can be taken). The other partner's pages never
change with any of it (tests/test_safety_invisible.py).
"""


from flask import abort, flash, redirect, render_template, session, url_for
from flask_login import current_user

from app.access import SIGNED_IN_AT, audit_request
from app.auth.forms import EmptyForm
from app.client import bp
from app.client.safety_forms import AdditionForm, SafetyCheckForm
from app.forms import status_of
from app.mail_queue import queue_attention_notice
from app.services import DomainError
from app.services.crisis import crisis_resources
from app.services.policies import say
from app.services.safety_check import add_to_check, due_for, has_answered, submit_check
from app.services.scoping import couple_for_partner

# The session key "Not now" sets: the check is asked again at the next sign-in. Nothing
# is written to the database.
NOT_NOW = "for_you_not_now"


def crisis_context() -> dict:
    """The crisis resources shown beside the check: the same as client.help shows."""
    lines, emergency = crisis_resources(current_user.practice_id)
    return {"lines": lines, "emergency": emergency}


def check_waiting(user, couple) -> bool:
    """Whether the portal home leads this partner to the check first."""
    due = due_for(user, couple) is not None
    return due and session.get(NOT_NOW) != session.get(SIGNED_IN_AT)


def _words() -> dict:
    return {"readers": say("safety.readers"), "between": say("safety.between_sessions"),
            "not_shown": say("safety.not_shown_again"), **crisis_context()}


def _notify_therapist(couple) -> None:
    queue_attention_notice(couple.therapist)


@bp.route("/for-you", methods=["GET", "POST"])
def safety_check():
    """The check, when one is due; otherwise, the page to add to the last one."""
    couple = couple_for_partner(current_user)
    if due_for(current_user, couple) is None:
        return redirect(url_for("client.safety_more"))
    form = SafetyCheckForm()
    if form.validate_on_submit():
        try:
            raised = submit_check(current_user, couple, form.answers(), form.note.data or "")
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            # The event says a check was sent, never what it said.
            audit_request("safety_check.answered", raised.check)
            if raised.flag is not None:
                _notify_therapist(couple)
            session.pop(NOT_NOW, None)
            return redirect(url_for("client.safety_thanks"))
    return render_template("client/safety_check.html", form=form, **_words()), status_of(form)


@bp.post("/for-you/not-now")
def safety_not_now():
    """Put the check off until the next sign-in; nothing is recorded."""
    if EmptyForm().validate_on_submit():
        session[NOT_NOW] = session.get(SIGNED_IN_AT)
    return redirect(url_for("client.welcome"))


@bp.get("/for-you/thanks")
def safety_thanks():
    return render_template("client/safety_thanks.html", **_words())


@bp.route("/for-you/more", methods=["GET", "POST"])
def safety_more():
    """Add to the last check; what was sent before is not shown."""
    couple = couple_for_partner(current_user)
    if not has_answered(current_user):
        if due_for(current_user, couple) is None:
            abort(404)
        return redirect(url_for("client.safety_check"))
    form = AdditionForm()
    if form.validate_on_submit():
        try:
            raised = add_to_check(current_user, couple, form.text.data or "")
        except DomainError as error:
            form.text.errors = [*form.text.errors, str(error)]
        else:
            audit_request("safety_check.added_to", raised.check)
            _notify_therapist(couple)
            flash("Added. Thank you.", "info")
            return redirect(url_for("client.safety_thanks"))
    return render_template("client/safety_more.html", form=form, **_words()), status_of(form)
