"""The therapist puts a couple on a safety hold and lifts it (app/services/safety_hold.py).

Both are deliberate: a page says what will pause (or resume) and asks for a note (a
reason to lift it is required), and both are audited without the note.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.access import audit_request
from app.forms import status_of
from app.services import DomainError
from app.services.safety_hold import (
    MAX_NOTE,
    holds_of,
    lift_hold,
    open_hold,
    paused_by,
    start_hold,
    would_pause,
)
from app.services.scoping import couple_for_therapist
from app.therapist import bp


class StartHoldForm(FlaskForm):
    note = TextAreaField("Note for your record (optional)", validators=[
        Length(max=MAX_NOTE, message=f"At most {MAX_NOTE:,} characters.")])


class LiftHoldForm(FlaskForm):
    note = TextAreaField("Why the hold can be lifted now", validators=[
        DataRequired(message="Write why the hold can be lifted now."),
        Length(max=MAX_NOTE, message=f"At most {MAX_NOTE:,} characters.")])


def _couple_page(couple) -> str:
    return url_for("therapist.couple", couple_id=couple.id) + "#safety-hold"


@bp.route("/couples/<int:couple_id>/safety-hold/start", methods=["GET", "POST"])
def start_safety_hold(couple_id: int):
    """What a hold does for this couple, and the button that starts it."""
    couple = couple_for_therapist(couple_id, current_user)
    if open_hold(couple) is not None:
        flash("This couple is on a safety hold.", "info")
        return redirect(_couple_page(couple))
    form = StartHoldForm()
    if form.validate_on_submit():
        try:
            change = start_hold(current_user, couple, form.note.data or "")
        except DomainError as error:
            form.note.errors.append(str(error))
        else:
            if change.changed:
                audit_request("safety_hold.started", couple, hold=change.hold.id,
                              paused=change.assignments)
            flash(f"The couple is on a safety hold. {_count(change.assignments)} paused.",
                  "info")
            return redirect(_couple_page(couple))
    return render_template("therapist/safety_hold.html", couple=couple, form=form,
                           lifting=False, assignments=would_pause(couple)), status_of(form)


@bp.route("/couples/<int:couple_id>/safety-hold/lift", methods=["GET", "POST"])
def lift_safety_hold(couple_id: int):
    """Lifting the hold: what resumes, and a note saying why; then the button."""
    couple = couple_for_therapist(couple_id, current_user)
    hold = open_hold(couple)
    if hold is None:
        flash("This couple is not on a safety hold.", "info")
        return redirect(_couple_page(couple))
    form = LiftHoldForm()
    if form.validate_on_submit():
        try:
            change = lift_hold(current_user, couple, form.note.data or "")
        except DomainError as error:
            form.note.errors.append(str(error))
        else:
            if change.changed:
                audit_request("safety_hold.lifted", couple, hold=change.hold.id,
                              resumed=change.assignments)
            flash(f"The safety hold is lifted. {_count(change.assignments)} resumed.", "info")
            return redirect(_couple_page(couple))
    return render_template("therapist/safety_hold.html", couple=couple, form=form,
                           lifting=True, hold=hold, assignments=paused_by(hold)
                           ), status_of(form)


def safety_hold_context(couple) -> dict:
    """What the couple page shows of the safety hold (its own section)."""
    hold = open_hold(couple)
    held = paused_by(hold) if hold is not None else []
    return {"safety_hold": hold, "held_assignments": held,
            "held_ids": {a.id for a in held},
            "lifted_holds": [h for h in holds_of(couple) if h.lifted_at is not None]}


def _count(n: int) -> str:
    return f"{n} exercise{'s' if n != 1 else ''}" if n else "No exercise"
