"""Sessions: scheduling, recording, the CSI-4 answers, and the PDF reports."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from app.access import audit_request
from app.auth.forms import EmptyForm
from app.clock import now, today_in
from app.forms import status_of
from app.services import DomainError
from app.services.measures import CSI4_CUTOFF, CSI4_ITEMS, CSI4_NAME, CSI4_REFERENCE, responses_for
from app.services.reports import file_name, produce_report, reports_of
from app.services.scoping import couple_for_therapist, report_for_therapist, session_for_therapist
from app.services.sessions import (
    attendance_label,
    attendance_text,
    cancel_session,
    number_of,
    record_history,
    record_session,
    reschedule,
    schedule_session,
    sessions_of,
)
from app.therapist import bp
from app.therapist.session_forms import RecordSessionForm, ReportForm, ScheduleSessionForm
from app.transactions import refusals_shown_at


def _moment(form: ScheduleSessionForm) -> dt.datetime:
    """The form's date and time, in the therapist's own timezone."""
    return dt.datetime.combine(form.date.data, form.time.data,
                               tzinfo=ZoneInfo(current_user.timezone))


@bp.route("/couples/<int:couple_id>/sessions/new", methods=["GET", "POST"])
def new_session(couple_id: int):
    couple = couple_for_therapist(couple_id, current_user)
    form = ScheduleSessionForm()
    if not form.is_submitted():
        form.date.data = today_in(current_user.timezone) + dt.timedelta(days=7)
        form.time.data = dt.time(17, 0)
    if form.validate_on_submit():
        session = schedule_session(current_user, couple, _moment(form),
                                   request_measure=form.request_measure.data)
        audit_request("session.scheduled", session, measure=session.is_measure_requested)
        flash("The session was scheduled.", "info")
        return redirect(url_for("therapist.session", session_id=session.id))
    return render_template("therapist/session_new.html", couple=couple, form=form
                           ), status_of(form)


def _session_page(couple, session, *, record_form=None, schedule_form=None, report_form=None,
                  status=200):
    numbered = sessions_of(couple)
    if record_form is None:
        record_form = RecordSessionForm(partners=couple.partners, formdata=None)
        if session.status == "held":
            record_form.duration.data = session.duration_minutes
            record_form.attendance.data = session.attendance
        record_form.focus.data = session.focus
        record_form.homework_reviewed.data = session.homework_reviewed
        record_form.clinician_notes.data = session.clinician_notes
        record_form.couple_summary.data = session.couple_summary
    if schedule_form is None:
        schedule_form = ScheduleSessionForm(formdata=None)
        local = session.scheduled_at.astimezone(ZoneInfo(current_user.timezone))
        schedule_form.date.data, schedule_form.time.data = local.date(), local.time()
        schedule_form.request_measure.data = session.is_measure_requested
    answers = responses_for(couple).get(session.id, {})
    page = render_template(
        "therapist/session.html",
        couple=couple,
        session=session,
        number=number_of(session, numbered),
        when=session.scheduled_at.astimezone(ZoneInfo(current_user.timezone)),
        is_past=session.scheduled_at <= now() + dt.timedelta(hours=12),
        attendance=attendance_label(session, couple),
        history=record_history(session),
        attendance_text=lambda code: attendance_text(code, couple),
        zone=ZoneInfo(current_user.timezone),
        record_form=record_form,
        schedule_form=schedule_form,
        report_form=report_form or ReportForm(formdata=None),
        form=EmptyForm(),
        answers=answers,
        items=CSI4_ITEMS,
        csi4_name=CSI4_NAME,
        csi4_reference=CSI4_REFERENCE,
        cutoff=CSI4_CUTOFF,
        reports=[r for r in reports_of(couple) if r.session_id == session.id],
    )
    return page, status


@bp.get("/sessions/<int:session_id>")
def session(session_id: int):
    couple, found = session_for_therapist(session_id, current_user)
    audit_request("session.viewed", found)
    return _session_page(couple, found)


@bp.post("/sessions/<int:session_id>/record")
def record(session_id: int):
    couple, found = session_for_therapist(session_id, current_user)
    form = RecordSessionForm(partners=couple.partners)
    if form.validate_on_submit():
        try:
            saved = record_session(
                current_user, found, duration_minutes=form.duration.data,
                attendance=form.attendance.data, focus=form.focus.data.strip(),
                homework_reviewed=form.homework_reviewed.data.strip(),
                clinician_notes=form.clinician_notes.data.strip(),
                couple_summary=form.couple_summary.data.strip(),
            )
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            if saved.outcome == "recorded":
                audit_request("session.recorded", found, version=saved.version)
                flash("The session record was saved.", "info")
            elif saved.outcome == "corrected":
                audit_request("session.corrected", found, version=saved.version,
                              changed=list(saved.changed))
                flash(f"The session record was corrected (version {saved.version}); "
                      "the earlier version is kept below.", "info")
            else:
                flash("Nothing had changed: the session record stays as it was.", "info")
            return redirect(url_for("therapist.session", session_id=found.id))
    return _session_page(couple, found, record_form=form, status=422)


@bp.post("/sessions/<int:session_id>/schedule")
def move(session_id: int):
    couple, found = session_for_therapist(session_id, current_user)
    form = ScheduleSessionForm()
    if form.validate_on_submit():
        try:
            reschedule(found, _moment(form), request_measure=form.request_measure.data)
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            audit_request("session.rescheduled", found, measure=found.is_measure_requested)
            flash("The session's date and CSI-4 request were updated.", "info")
            return redirect(url_for("therapist.session", session_id=found.id))
    return _session_page(couple, found, schedule_form=form, status=422)


@bp.post("/sessions/<int:session_id>/cancel")
def cancel(session_id: int):
    _, found = session_for_therapist(session_id, current_user)
    location = url_for("therapist.session", session_id=found.id)
    if EmptyForm().validate_on_submit():
        with refusals_shown_at(location):
            changed = cancel_session(found)
        if changed:  # else it already was (pressed in another window too)
            audit_request("session.cancelled", found)
        flash("The session was cancelled.", "info")
    return redirect(location)


@bp.post("/sessions/<int:session_id>/reports")
def create_report(session_id: int):
    couple, found = session_for_therapist(session_id, current_user)
    form = ReportForm()
    if not form.validate_on_submit():
        return _session_page(couple, found, report_form=form, status=422)
    from reports.pool import RenderFailedError, pooled_renderer

    try:
        report = produce_report(couple, audience=form.audience.data, session=found,
                                generated_by=current_user, render=pooled_renderer(current_app))
    except RenderFailedError as error:
        current_app.logger.warning("report render failed for session %s: %s", found.id,
                                   type(error).__name__)
        form.form_errors.append(f"{error} Nothing was saved; please try again.")
        return _session_page(couple, found, report_form=form, status=503)
    audit_request("report.generated", report, audience=report.audience,
                  sha256=report.sha256)
    flash("The report is ready.", "info")
    return redirect(url_for("therapist.session", session_id=found.id, new=report.id) + "#reports")


@bp.get("/reports/<int:report_id>")
def download_report(report_id: int):
    couple, report = report_for_therapist(report_id, current_user)
    audit_request("report.downloaded", report, audience=report.audience)
    response = make_response(report.content)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{file_name(report, couple.name)}"')
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

