import datetime as dt
import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.access import audit_request
from app.auth.forms import EmptyForm
from app.client import bp
from app.client.forms import EntryForm
from app.extensions import db
from app.services import DomainError
from app.services.couples import accept_policy, needs_policy_acceptance
from app.services.homework import can_edit, log_entry, set_visibility, today_for
from app.services.policies import NOT_REAL_TIME, SHARED_COMPLETION, policy_wording
from app.services.portal import entry_of, shared_entry_of_partner, week_for_partner
from app.services.schedule import can_log
from app.services.scoping import assignment_for_partner, couple_for_partner, entry_for_author


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        abort(404)


@bp.get("/")
def welcome():
    couple = couple_for_partner(current_user)
    needs_acceptance = needs_policy_acceptance(current_user, couple)
    week = request.args.get("week")
    monday, items = week_for_partner(current_user, couple, _date(week) if week else None)
    return render_template(
        "client/welcome.html",
        couple=couple,
        items=items,
        monday=monday,
        sunday=monday + dt.timedelta(days=6),
        previous_week=monday - dt.timedelta(days=7),
        next_week=monday + dt.timedelta(days=7) if week else None,
        policy_text=policy_wording(couple.confidentiality_policy),
        needs_acceptance=needs_acceptance,
        form=EmptyForm(),
    )


@bp.post("/policy/accept")
def accept_current_policy():
    couple = couple_for_partner(current_user)
    if EmptyForm().validate_on_submit() and needs_policy_acceptance(current_user, couple):
        accept_policy(current_user, couple)
        audit_request("policy.accepted", couple, policy=couple.confidentiality_policy)
        db.session.commit()
        flash("Thank you. You can write your entries again.", "info")
    return redirect(url_for("client.welcome"))


@bp.post("/entries/<int:entry_id>/visibility")
def entry_visibility(entry_id: int):
    couple, entry = entry_for_author(entry_id, current_user)
    wanted = request.form.get("visibility", "")
    if EmptyForm().validate_on_submit():
        try:
            set_visibility(current_user, couple, entry, wanted)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            audit_request("entry.visibility_changed", entry, visibility=entry.visibility)
            db.session.commit()
            flash("Shared with your partner." if entry.visibility == "partner"
                  else "Now only your therapist can read it.", "info")
    return redirect(url_for("client.log", assignment_id=entry.assignment_id,
                            day=entry.occurrence_date.isoformat()))


@bp.route("/homework/<int:assignment_id>/<day>", methods=["GET", "POST"])
def log(assignment_id: int, day: str):
    couple, assignment = assignment_for_partner(assignment_id, current_user)
    if needs_policy_acceptance(current_user, couple):
        flash("Your couple's privacy policy has changed. Please read it before writing.", "info")
        return redirect(url_for("client.welcome"))
    occurrence = _date(day)
    today = today_for(assignment, current_user, couple)
    entry = entry_of(current_user, assignment, occurrence)
    version = assignment.exercise_version
    if entry is None and not can_log(occurrence, today):
        abort(404)
    editable = entry is None or can_edit(entry)
    form = EntryForm(obj=entry)
    answers = list(entry.answers) if entry else [""] * len(version.prompts)
    ratings = list(entry.ratings) if entry else [None] * len(version.rating_questions)
    errors: list[str] = []
    if request.method == "POST":
        answers = [request.form.get(f"answer-{i}", "") for i in range(len(version.prompts))]
        ratings = [_rating(request.form.get(f"rating-{i}")) for i in
                   range(len(version.rating_questions))]
        if form.validate_on_submit() and editable:
            try:
                saved = log_entry(
                    current_user, couple, assignment, occurrence,
                    completion=form.completion.data, answers=answers, ratings=ratings,
                    visibility=form.visibility.data, submission=form.submission.data or None,
                )
            except DomainError as error:
                db.session.rollback()
                errors.append(str(error))
            else:
                audit_request("entry.logged", saved, revision=saved.revision)
                db.session.commit()
                flash("Saved. Thank you.", "info")
                return redirect(url_for("client.welcome", week=None))
    if not form.submission.data:
        form.submission.data = secrets.token_hex(16)
    return render_template(
        "client/log.html",
        couple=couple, assignment=assignment, version=version, occurrence=occurrence,
        today=today, entry=entry, editable=editable, form=form, answers=answers,
        ratings=ratings, errors=errors,
        partner_entry=shared_entry_of_partner(current_user, couple, assignment, occurrence),
        shared_completion=SHARED_COMPLETION, not_real_time=NOT_REAL_TIME,
    )


def _rating(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        return -1  # refused by the service with a clear message
