"""The therapist's own exercises: a personal library to write, reuse and edit."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.access import audit_request
from app.auth.forms import EmptyForm
from app.forms import status_of
from app.services import DomainError
from app.services.own_exercises import (
    archive_own_exercise,
    create_own_exercise,
    mark_own_exercise,
    own_exercise_for_therapist,
    update_own_exercise,
)
from app.services.own_exercises import own_exercises as exercises_of
from app.therapist import bp
from app.therapist.exercise_forms import ExerciseForm
from app.transactions import refusals_shown_at


@bp.get("/exercises")
def own_exercises():
    show_archived = request.args.get("archived") == "1"
    exercises = exercises_of(current_user, include_archived=show_archived)
    return render_template(
        "therapist/exercises/index.html",
        exercises=[e for e in exercises if not e.is_archived],
        archived=[e for e in exercises if e.is_archived],
        show_archived=show_archived,
    )


@bp.route("/exercises/new", methods=["GET", "POST"])
def new_exercise():
    form = ExerciseForm()
    if form.validate_on_submit():
        try:
            exercise = create_own_exercise(current_user, form.content())
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            audit_request("exercise.created", exercise, version=1)
            flash("The exercise was saved in your library.", "info")
            return redirect(url_for("therapist.own_exercise", exercise_id=exercise.id))
    return render_template("therapist/exercises/form.html", form=form, exercise=None
                           ), status_of(form)


@bp.get("/exercises/<int:exercise_id>")
def own_exercise(exercise_id: int):
    exercise = own_exercise_for_therapist(exercise_id, current_user)
    return render_template(
        "therapist/exercises/exercise.html", exercise=exercise, form=EmptyForm()
    )


@bp.route("/exercises/<int:exercise_id>/edit", methods=["GET", "POST"])
def edit_exercise(exercise_id: int):
    exercise = own_exercise_for_therapist(exercise_id, current_user)
    if exercise.is_archived:
        flash("This exercise is archived, so it can no longer be edited.", "error")
        return redirect(url_for("therapist.own_exercise", exercise_id=exercise.id))
    form = ExerciseForm(data={**ExerciseForm.data_from(exercise.current),
                              "suited_to": exercise.suited_to,
                              "unsafe_under_concern": exercise.is_unsafe_under_concern})
    if form.validate_on_submit():
        try:
            version = update_own_exercise(current_user, exercise, form.content())
            marked = mark_own_exercise(current_user, exercise, form.marks())
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            if marked:
                audit_request("exercise.marked", exercise, suited_to=exercise.suited_to,
                              unsafe_under_concern=exercise.is_unsafe_under_concern)
            if version is None:
                flash("Marks saved." if marked else "No changes to save.", "info")
            else:
                audit_request("exercise.edited", exercise, version=version.number)
                flash(
                    f"Saved as version {version.number}. "
                    "Couples already given an earlier version keep theirs.",
                    "info",
                )
            return redirect(url_for("therapist.own_exercise", exercise_id=exercise.id))
    return render_template("therapist/exercises/form.html", form=form, exercise=exercise
                           ), status_of(form)


@bp.post("/exercises/<int:exercise_id>/archive")
def archive_exercise(exercise_id: int):
    exercise = own_exercise_for_therapist(exercise_id, current_user)
    title = exercise.current.title
    if EmptyForm().validate_on_submit():
        with refusals_shown_at(url_for("therapist.own_exercise", exercise_id=exercise.id)):
            archive_own_exercise(current_user, exercise)
        audit_request("exercise.archived", exercise)
        flash(
            f"“{title}” was archived. It is no longer in your library; "
            "couples already given it keep it.",
            "info",
        )
    return redirect(url_for("therapist.own_exercises"))
