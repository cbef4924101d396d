import datetime as dt
from zoneinfo import ZoneInfo

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.access import KEEP_ON_EXPIRY, audit_request
from app.auth.forms import EmptyForm
from app.client import bp
from app.client.forms import PRACTICE_CHOICES, Csi4Form, EntryForm
from app.client.safety import check_waiting
from app.clock import today_in
from app.extensions import csrf
from app.models import User
from app.services import DomainError
from app.services.couples import (
    accept_policy,
    acknowledge_sharing_notice,
    needs_policy_acceptance,
    needs_sharing_notice,
)
from app.services.crisis import crisis_resources
from app.services.drafts import discard_draft, draft_of, save_draft
from app.services.homework import (
    WeekIsFull,
    can_edit,
    day_kind,
    log_entry,
    plan_of,
    set_visibility,
    today_for,
    week_full_for,
)
from app.services.measures import (
    CSI4_NAME,
    CSI4_REFERENCE,
    due_measures,
    is_open_for,
    response_of,
    submit_csi4,
)
from app.services.policies import (
    NOT_REAL_TIME,
    entry_privacy,
    policy_sentences,
    readers,
    saved_message,
    say,
    sharing_notice,
)
from app.services.portal import (
    PAUSED_LINE,
    entry_of,
    has_paused_homework,
    practice_days,
    shared_entry_of_partner,
    week_for_partner,
)
from app.services.schedule import can_log, week_of
from app.services.scoping import (
    assignment_for_partner,
    couple_for_partner,
    entry_for_author,
    session_for_partner,
)
from app.services.visibility import can_be_shared, can_choose_readers, has_words
from app.transactions import refusals_shown_at


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        abort(404)


# Weeks the portal can show: none before Rekindle's time, none beyond the coming week.
EARLIEST_WEEK = dt.date(2000, 1, 3)


def _week(value: str | None) -> dt.date | None:
    """The day ?week= names; not-found for one the portal cannot show."""
    if not value:
        return None
    day = _date(value)
    latest = week_of(today_in(current_user.timezone))[1] + dt.timedelta(days=7)
    if not EARLIEST_WEEK <= day <= latest:
        abort(404)
    return day


@bp.get("/")
def welcome():
    couple = couple_for_partner(current_user)
    needs_acceptance = needs_policy_acceptance(current_user, couple)
    week = _week(request.args.get("week"))
    monday, items = week_for_partner(current_user, couple, week)
    this_monday = week_of(today_in(current_user.timezone))[0]
    week_is = "past" if monday < this_monday else "current" if monday == this_monday else "next"
    return render_template(
        "client/welcome.html",
        couple=couple,
        items=items,
        monday=monday,
        sunday=monday + dt.timedelta(days=6),
        week_is=week_is,
        previous_week=monday - dt.timedelta(days=7),
        next_week=monday + dt.timedelta(days=7) if week and monday < this_monday else None,
        policy_sentences=policy_sentences(couple),
        not_real_time=NOT_REAL_TIME,
        needs_acceptance=needs_acceptance,
        sharing_notice=sharing_notice(couple) if needs_sharing_notice(current_user, couple)
        else None,
        measure_words=say("measure.therapist_only"),
        paused_line=PAUSED_LINE if has_paused_homework(current_user, couple) else None,
        form=EmptyForm(),
        measures_due=[(s, s.scheduled_at.astimezone(ZoneInfo(current_user.timezone)))
                      for s in due_measures(current_user, couple)],
        for_you=check_waiting(current_user, couple),
    )


@bp.get("/help", endpoint="help")
def need_help():
    """Need help now? The practice's crisis lines, or the local emergency number."""
    lines, emergency = crisis_resources(current_user.practice_id)
    return render_template("client/help.html", lines=lines, emergency=emergency,
                           not_real_time=NOT_REAL_TIME)


@bp.post("/policy/accept")
def accept_current_policy():
    couple = couple_for_partner(current_user)
    if EmptyForm().validate_on_submit() and needs_policy_acceptance(current_user, couple):
        accept_policy(current_user, couple)
        audit_request("policy.accepted", couple, policy=couple.confidentiality_policy)
        flash("Thank you. You can write your entries again.", "info")
    return redirect(url_for("client.welcome"))


@bp.post("/sharing-notice/seen")
def acknowledge_sharing_change():
    couple = couple_for_partner(current_user)
    if EmptyForm().validate_on_submit() and needs_sharing_notice(current_user, couple):
        acknowledge_sharing_notice(current_user, couple)
    return redirect(url_for("client.welcome"))


def _shareable_entry(entry_id: int):
    """The author's entry whose readers they choose; not found otherwise."""
    couple, entry = entry_for_author(entry_id, current_user)
    if not can_choose_readers(couple, entry.assignment):
        abort(404)
    return couple, entry


def _entry_page(entry) -> str:
    return url_for("client.log", assignment_id=entry.assignment_id,
                   day=entry.occurrence_date.isoformat())


@bp.get("/entries/<int:entry_id>/share")
def confirm_sharing(entry_id: int):
    """Before a private entry is shared: what the partner will read, and a button."""
    couple, entry = _shareable_entry(entry_id)
    if entry.visibility != "partner" and not can_be_shared(couple, entry.assignment):
        flash(say("share.not_now"), "error")
        return redirect(_entry_page(entry))
    return render_template(
        "client/share.html",
        couple=couple, entry=entry, version=entry.assignment.exercise_version,
        back=_entry_page(entry), has_words=has_words(entry.answers, entry.ratings),
        confirm_words=say("share.confirm"), readers=readers(entry.assignment, entry.visibility),
    )


@bp.post("/entries/<int:entry_id>/visibility")
def entry_visibility(entry_id: int):
    couple, entry = _shareable_entry(entry_id)
    wanted = request.form.get("visibility", "")
    location = _entry_page(entry)
    if wanted == "partner" and entry.visibility != "partner" and not request.form.get(
            "confirmed"):
        # Sharing what was private asks first, showing what the partner will read.
        return redirect(url_for("client.confirm_sharing", entry_id=entry.id))
    if EmptyForm().validate_on_submit():
        before = entry.visibility
        with refusals_shown_at(location):
            set_visibility(current_user, couple, entry, wanted)
        if entry.visibility != before:
            audit_request("entry.visibility_changed", entry, visibility=entry.visibility)
            flash(say("share.done" if entry.visibility == "partner" else "share.undone"),
                  "info")
    return redirect(location)


@bp.get("/homework/<int:assignment_id>")
def exercise(assignment_id: int):
    """An exercise given to the partner: to read at any time (before its first due day
    too), and the days a practice of it can be logged."""
    couple, assignment = assignment_for_partner(assignment_id, current_user)
    today, days = practice_days(current_user, couple, assignment)
    this_week = week_of(today)
    used = sum(1 for day, _kind, mine in days
               if mine in ("done", "partly") and week_of(day) == this_week)
    return render_template(
        "client/exercise.html", couple=couple, assignment=assignment,
        version=assignment.exercise_version, today=today, days=days, used=used,
        last_day=plan_of(assignment).last_day(),
    )


def _posted(version) -> dict:
    """What the entry form carried, in the shape of a draft's content."""
    return {
        "answers": [request.form.get(f"answer-{i}", "") for i in range(len(version.prompts))],
        "ratings": [_rating(request.form.get(f"rating-{i}"))
                    for i in range(len(version.rating_questions))],
        "completion": request.form.get("completion"),
        "visibility": request.form.get("visibility"),
    }


# The entry form checks its own CSRF token (EntryForm is a FlaskForm) so that a stale token
# can be answered with the form and everything typed, instead of a bare error page.
@bp.route("/homework/<int:assignment_id>/<day>", methods=["GET", "POST"])
@csrf.exempt
def log(assignment_id: int, day: str):
    couple, assignment = assignment_for_partner(assignment_id, current_user)
    if needs_policy_acceptance(current_user, couple):
        flash("Your couple's privacy policy has changed. Please read it before writing.", "info")
        return redirect(url_for("client.welcome"))
    occurrence = _date(day)
    today = today_for(assignment, current_user, couple)
    entry = entry_of(current_user, assignment, occurrence)
    version = assignment.exercise_version
    partner_entry = shared_entry_of_partner(current_user, couple, assignment, occurrence)
    # The page holds the partner's own entry, or one they can still log, or the other's
    # shared words for the day (readable on a day too old to log).
    loggable = entry is not None or can_log(occurrence, today)
    kind = day_kind(assignment, current_user, couple, occurrence) if loggable else None
    writable = entry is not None or kind is not None
    if not writable and partner_entry is None:
        abort(404)
    editable = writable and (entry is None or can_edit(entry))
    draft = draft_of(current_user, assignment, occurrence) if editable else None
    form = EntryForm(obj=entry)
    # A practice apart from the due days (extra practice, or a use "as it comes up") is
    # one that was done: done or partly.
    apart = kind == "extra"
    if apart and (entry is None or entry.completion != "not_done"):
        form.completion.choices = PRACTICE_CHOICES
        form.completion.label.text = "How did it go?"
    week_full = entry is None and week_full_for(assignment, current_user, occurrence)
    content = {
        "answers": list(entry.answers) if entry else [""] * len(version.prompts),
        "ratings": list(entry.ratings) if entry else [None] * len(version.rating_questions),
    }
    if draft is not None and request.method == "GET":
        content = draft.content
        form.completion.data = draft.content.get("completion") or form.completion.data
        form.visibility.data = draft.content.get("visibility") or form.visibility.data
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        content = _posted(version)
        if not form.validate_on_submit():
            status = 422
            if form.csrf_token.errors:
                status = 400
                errors.append("For your safety this page needed refreshing. Nothing you wrote "
                              "is lost: check it and press Save again.")
                form.csrf_token.errors = []
        elif editable:
            try:
                saved = log_entry(
                    current_user, couple, assignment, occurrence,
                    completion=form.completion.data, answers=content["answers"],
                    ratings=content["ratings"],
                    # Who reads a saved entry changes only through sharing (which asks
                    # first) or un-sharing, never by editing it.
                    visibility=form.visibility.data if entry is None else None,
                )
            except WeekIsFull as error:
                # Refused, but what was written is kept: as a draft, in a request that
                # ends well (a refusal's 422 would roll the draft back with it).
                save_draft(current_user, assignment, occurrence, content)
                flash(str(error), "error")
                return redirect(url_for("client.log", assignment_id=assignment.id,
                                        day=occurrence.isoformat()))
            except DomainError as error:
                errors.append(str(error))
                status = 422
            else:
                discard_draft(current_user, assignment, occurrence)
                audit_request("entry.logged", saved, revision=saved.revision)
                flash(saved_message(assignment, saved), "info")
                return redirect(url_for("client.welcome"))
        else:
            errors.append("Entries can be changed for 24 hours after logging them.")
            status = 422
    return render_template(
        "client/log.html",
        couple=couple, assignment=assignment, version=version, occurrence=occurrence,
        today=today, entry=entry, writable=writable, editable=editable, form=form,
        kind=kind, week_full=week_full,
        answers=content["answers"], ratings=content["ratings"], errors=errors, draft=draft,
        partner_entry=partner_entry, not_real_time=NOT_REAL_TIME,
        privacy=entry_privacy(couple, assignment, entry, editable=editable),
        # A private entry can be shared, a shared one taken back (during a hold too).
        shareable=entry is not None and (
            can_be_shared(couple, assignment) or (
                entry.visibility == "partner" and can_choose_readers(couple, assignment))),
    ), status


@bp.post("/homework/<int:assignment_id>/<day>/draft")
def autosave(assignment_id: int, day: str):
    """Called by static/js/autosave.js as a partner types; answers JSON."""
    couple, assignment = assignment_for_partner(assignment_id, current_user)
    occurrence = _date(day)
    if not can_log(occurrence, today_for(assignment, current_user, couple)) or day_kind(
            assignment, current_user, couple, occurrence) is None:
        abort(404)
    entry = entry_of(current_user, assignment, occurrence)
    if entry is not None and not can_edit(entry):
        abort(404)
    try:
        saved_at = save_draft(current_user, assignment, occurrence,
                              _posted(assignment.exercise_version))
    except DomainError as error:
        return jsonify(saved=False, error=str(error)), 400
    return jsonify(saved=True, at=saved_at.isoformat())


def _keep_on_expiry(user: User) -> None:
    """The sign-in ended mid-sentence: keep what was posted as a draft."""
    view_args = request.view_args or {}
    try:
        couple, assignment = assignment_for_partner(int(view_args["assignment_id"]), user)
        occurrence = dt.date.fromisoformat(str(view_args["day"]))
    except (LookupError, ValueError):
        return
    if can_log(occurrence, today_for(assignment, user, couple)) and day_kind(
            assignment, user, couple, occurrence) is not None:
        save_draft(user, assignment, occurrence, _posted(assignment.exercise_version))


KEEP_ON_EXPIRY["client.log"] = _keep_on_expiry
# The autosave that first meets the ended session carries the newest text: keep it too.
KEEP_ON_EXPIRY["client.autosave"] = _keep_on_expiry


def _rating(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        return -1  # refused by the service with a clear message


@bp.route("/measures/<int:session_id>", methods=["GET", "POST"])
def measure(session_id: int):
    """The CSI-4 before a session: each partner answers on their own."""
    couple, session = session_for_partner(session_id, current_user)
    if not session.is_measure_requested:
        abort(404)
    answered = response_of(current_user, session)
    form = Csi4Form()
    status = 200
    if answered is None and is_open_for(session) and form.validate_on_submit():
        try:
            response = submit_csi4(current_user, session, form.answers())
        except DomainError as error:
            form.form_errors.append(str(error))
            status = 422
        else:
            audit_request("measure.answered", response, instrument="csi4")
            flash(f"Thank you. {say('measure.therapist_only')}", "info")
            return redirect(url_for("client.welcome"))
    elif form.is_submitted():
        status = 422 if answered is None and is_open_for(session) else 200
    return render_template(
        "client/measure.html",
        couple=couple, session=session, form=form, answered=answered,
        is_open=is_open_for(session),
        when=session.scheduled_at.astimezone(ZoneInfo(current_user.timezone)),
        name=CSI4_NAME, reference=CSI4_REFERENCE, measure_words=say("measure.therapist_only"),
    ), status
