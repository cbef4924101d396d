"""The therapist's side of the private safety check: the couple's private answers, what
the therapist did about a concern (a required note; audited), and when partners are asked
again."""

from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.access import audit_request
from app.auth.forms import EmptyForm
from app.forms import status_of
from app.services import DomainError
from app.services.safety_check import (
    MAX_NOTE,
    NOTE_SHORT,
    SCHEDULE_LABELS,
    private_answers,
    record_handling,
    set_check_schedule,
)
from app.services.scoping import couple_for_therapist
from app.therapist import bp
from app.transactions import refusals_shown_at


class HandledForm(FlaskForm):
    note = TextAreaField(
        "What you did",
        validators=[DataRequired(message="Write what you did; the note is required."),
                    Length(max=MAX_NOTE)],
    )


@bp.route("/couples/<int:couple_id>/private-answers", methods=["GET", "POST"])
def private_answers_page(couple_id: int):
    """Each partner's private answers, newest first, and the note that closes a concern."""
    couple = couple_for_therapist(couple_id, current_user)
    form = HandledForm()
    if form.validate_on_submit():
        try:
            closed = record_handling(current_user, couple, form.note.data or "")
        except DomainError as error:
            form.note.errors = [*form.note.errors, str(error)]
        else:
            if closed:
                audit_request("safety_concern.handled", couple, flags=closed)
            flash("Recorded. The attention flag is cleared." if closed
                  else "Nothing was waiting: it had already been recorded.", "info")
            return redirect(url_for("therapist.private_answers_page", couple_id=couple.id))
    else:
        audit_request("safety_check.viewed", couple)
    return render_template(
        "therapist/private_answers.html", couple=couple, answers=private_answers(couple),
        form=form, note_short=NOTE_SHORT, tz=ZoneInfo(current_user.timezone),
    ), status_of(form)


@bp.post("/couples/<int:couple_id>/safety-check-schedule")
def change_check_schedule(couple_id: int):
    """When partners answer the private check again after their first."""
    couple = couple_for_therapist(couple_id, current_user)
    location = url_for("therapist.couple", couple_id=couple.id)
    if EmptyForm().validate_on_submit():
        with refusals_shown_at(location):
            changed = set_check_schedule(current_user, couple, request.form.get("schedule", ""))
        if changed:
            audit_request("safety_check.schedule_changed", couple,
                          schedule=couple.safety_check_schedule)
        flash(f"Private check: {SCHEDULE_LABELS[couple.safety_check_schedule].lower()}.",
              "info")
    return redirect(location)
