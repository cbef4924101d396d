"""The therapist gives, pauses, resumes and ends homework."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.access import audit_request
from app.auth.forms import EmptyForm
from app.clock import today_in
from app.forms import database_id, status_of
from app.services import DomainError
from app.services.couples import change_policy, couples_for_therapist, set_completion_sharing
from app.services.homework import (
    Schedule,
    assign_exercise,
    assign_step,
    edit_schedule,
    end,
    pause,
    preview_step,
    resume,
    step_exercises,
    weekdays_of,
)
from app.services.policies import assigning_hint, say
from app.services.safety_hold import SafetyRefusal, refusal_to_give
from app.services.scoping import (
    assignment_for_therapist,
    couple_for_therapist,
    exercise_for_therapist,
    step_for_therapist,
)
from app.therapist import bp
from app.therapist.homework_forms import AssignForm, EditAssignmentForm
from app.transactions import refusals_shown_at


def _item(user):
    """The exercise or step named by ?exercise= or ?step=, or 404."""
    if (exercise_id := database_id(request.args.get("exercise"))) is not None:
        return exercise_for_therapist(exercise_id, user), None
    if (step_id := database_id(request.args.get("step"))) is not None:
        return None, step_for_therapist(step_id, user)
    abort(404)


@bp.get("/assign")
def choose_couple():
    """From the guide library: which couple gets this exercise or step?"""
    exercise, step = _item(current_user)
    return render_template(
        "therapist/choose_couple.html",
        exercise=exercise,
        step=step,
        couples=couples_for_therapist(current_user),
        query=request.query_string.decode()[:100],
    )


@bp.route("/couples/<int:couple_id>/assign", methods=["GET", "POST"])
def assign(couple_id: int):
    couple = couple_for_therapist(couple_id, current_user)
    exercise, step = _item(current_user)
    offered = step_exercises(step) if step is not None else []
    form = AssignForm(partners=couple.partners, whole_step=step is not None,
                      exercises=offered)
    if request.method == "GET":
        form.start.data = today_in(couple.timezone)
        version = exercise.current if exercise else None
        if version is not None:
            form.cadence.data = version.cadence
            if version.cadence == "times_per_week":
                form.times_per_week.data = str(version.times_per_week)
            elif version.cadence == "as_it_comes_up":
                form.up_to.data = str(version.times_per_week)
        if step is not None:
            form.exercises.data = [str(e.id) for e in offered]
    # A whole step can be shown first: "Show the week" sends the form without giving.
    previewing = step is not None and request.form.get("action") == "preview"
    if form.validate_on_submit() and not previewing:
        mode, partner = _who(form, couple)
        try:
            if step is not None:
                made = assign_step(current_user, couple, step, mode=mode,
                                   schedule=_schedule_from(form), partner=partner,
                                   note=form.note.data or "", chosen=_chosen(form))
            else:
                made = [assign_exercise(current_user, couple, exercise, mode=mode,
                                        schedule=_schedule_from(form), partner=partner,
                                        note=form.note.data or "")]
        except SafetyRefusal as refused:
            form.form_errors.append(str(refused))  # what was chosen stays chosen
        except DomainError as error:
            form.cadence.errors.append(str(error))
        else:
            for assignment in made:
                audit_request("assignment.created", assignment, mode=assignment.mode)
            flash(f"Homework given: {len(made)} exercise{'s' if len(made) != 1 else ''}.",
                  "info")
            return redirect(url_for("therapist.couple", couple_id=couple.id))
    preview = None
    if step is not None and not _preview_blocked(form):
        mode, partner = _who(form, couple)
        preview = preview_step(couple, step, mode=mode, schedule=_schedule_from(form),
                               partner=partner, chosen=_chosen(form))
    return render_template("therapist/assign.html", couple=couple, exercise=exercise,
                           step=step, form=form, preview=preview,
                           # Said before it is tried: this exercise cannot be given now.
                           concern=refusal_to_give(couple, exercise, "both")
                           if exercise is not None and not form.form_errors else None,
                           privacy_hint=assigning_hint(couple),
                           offered={str(e.id): e.current for e in offered},
                           ), status_of(form)


def _who(form, couple) -> tuple[str, Any]:
    """The mode, and the one partner (a user) when it is for one."""
    mode, _, partner_id = (form.mode.data or "both").partition(":")
    partner = next((p.user for p in couple.partners if str(p.user_id) == partner_id), None)
    return mode, partner


def _chosen(form) -> set[int]:
    """The ids of the step's exercises ticked."""
    return {int(value) for value in form.exercises.data or [] if value.isdigit()}


def _preview_blocked(form) -> bool:
    """Whether a step's week cannot be worked out from the form: it needs who does it and
    how often (the start and the end do not change a full week's count)."""
    return bool(form.mode.errors or form.cadence.errors or form.times_per_week.errors
                or form.up_to.errors or form.weekdays.errors or not form.cadence.data)


def _schedule_from(form) -> Schedule:
    cadence = form.cadence.data
    times = None
    if cadence == "times_per_week":
        times = int(form.times_per_week.data)
    elif cadence == "as_it_comes_up":
        times = int(form.up_to.data)
    return Schedule(
        start=form.start.data or today_in("UTC"),
        cadence=cadence,
        times_per_week=times,
        weekdays=[int(day) for day in form.weekdays.data or []]
        if cadence == "times_per_week" else (),
        end=form.end_date.data if form.ends.data == "date" else None,
        max_occurrences=form.max_occurrences.data if form.ends.data == "count" else None,
    )


@bp.route("/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
def edit_assignment(assignment_id: int):
    couple, assignment = assignment_for_therapist(assignment_id, current_user)
    if assignment.status == "ended":
        flash("This assignment has ended; give the exercise again to restart it.", "error")
        return redirect(url_for("therapist.couple", couple_id=couple.id) + "#homework")
    form = EditAssignmentForm(partners=couple.partners)
    if request.method == "GET":
        form.start.data = max(today_in(couple.timezone), assignment.start_date)
        form.cadence.data = assignment.cadence
        form.note.data = assignment.note
        if assignment.cadence == "times_per_week":
            form.times_per_week.data = str(assignment.times_per_week)
            form.weekdays.data = [str(day) for day in weekdays_of(assignment)]
        elif assignment.cadence == "as_it_comes_up":
            form.up_to.data = str(assignment.times_per_week)
        if assignment.end_date:
            form.ends.data, form.end_date.data = "date", assignment.end_date
        elif assignment.max_occurrences:
            form.ends.data, form.max_occurrences.data = "count", assignment.max_occurrences
    if form.validate_on_submit():
        try:
            current = edit_schedule(current_user, couple, assignment,
                                    schedule=_schedule_from(form), note=form.note.data or "")
        except DomainError as error:
            form.cadence.errors.append(str(error))
        else:
            audit_request("assignment.edited", current, replaces=assignment.id)
            flash("The new schedule is saved; what was due before stays as it was.", "info")
            return redirect(url_for("therapist.couple", couple_id=couple.id) + "#homework")
    return render_template("therapist/assign.html", couple=couple,
                           exercise=None, step=None, editing=assignment, form=form,
                           privacy_hint=assigning_hint(couple)), status_of(form)


def _change(assignment_id: int, action, verb: str):
    couple, assignment = assignment_for_therapist(assignment_id, current_user)
    location = url_for("therapist.couple", couple_id=couple.id) + "#homework"
    if EmptyForm().validate_on_submit():
        with refusals_shown_at(location):
            changed = action(assignment, today_in(couple.timezone))
        if changed:  # else it already was (pressed in another window too)
            audit_request(f"assignment.{verb}", assignment)
        flash(f"“{assignment.exercise_version.title}” {verb}.", "info")
    return redirect(location)


@bp.post("/assignments/<int:assignment_id>/pause")
def pause_assignment(assignment_id: int):
    return _change(assignment_id, pause, "paused")


@bp.post("/assignments/<int:assignment_id>/resume")
def resume_assignment(assignment_id: int):
    return _change(assignment_id, resume, "resumed")


@bp.post("/assignments/<int:assignment_id>/end")
def end_assignment(assignment_id: int):
    return _change(assignment_id, end, "ended")


@bp.post("/couples/<int:couple_id>/policy")
def change_couple_policy(couple_id: int):
    couple = couple_for_therapist(couple_id, current_user)
    location = url_for("therapist.couple", couple_id=couple.id)
    if EmptyForm().validate_on_submit():
        previous = couple.confidentiality_policy
        with refusals_shown_at(location):
            change_policy(current_user, couple, request.form.get("policy", ""))
        audit_request("policy.changed", couple, previous=previous,
                      policy=couple.confidentiality_policy)
        flash("The policy was changed for new entries. Both partners will be asked to "
              "accept it before they write again.", "info")
    return redirect(location)


@bp.post("/couples/<int:couple_id>/completion-sharing")
def change_completion_sharing(couple_id: int):
    """Whether partners see each other's completion; both are told in their portal."""
    couple = couple_for_therapist(couple_id, current_user)
    location = url_for("therapist.couple", couple_id=couple.id)
    if EmptyForm().validate_on_submit():
        wanted = request.form.get("shared", "")
        with refusals_shown_at(location):
            if wanted not in ("yes", "no"):
                raise DomainError("Choose whether partners see each other's completion")
            changed = set_completion_sharing(current_user, couple, wanted == "yes")
        if changed:
            audit_request("completion_sharing.changed", couple,
                          shared=couple.is_completion_shared)
        flash(say("therapist.now_shared" if couple.is_completion_shared
                  else "therapist.now_not_shared"), "info")
    return redirect(location)
