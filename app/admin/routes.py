"""The practice admin: clinicians, couples' assignment, settings and the audit trail.

Never clinical content: couples are shown by name, status and therapist only.
"""


from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from app.access import audit_request, limit_from, per_user_key, start_sign_in
from app.admin import bp
from app.admin.forms import (
    CrisisLineForm,
    InviteClinicianForm,
    MoveCoupleForm,
    MoveLineForm,
    RolesForm,
    SafetySettingsForm,
    SettingsForm,
)
from app.auth.forms import EmptyForm
from app.extensions import limiter
from app.forms import status_of
from app.jobs import enqueue_after_commit
from app.mail_queue import deliver_mail, queue_invitations
from app.notifications import resend_posted, revoke_posted
from app.services import DomainError
from app.services.accounts import set_active, set_roles
from app.services.audit import actor_names, events_for_practice
from app.services.couples import move_couple
from app.services.crisis import (
    CrisisError,
    add_crisis_line,
    crisis_resources,
    move_crisis_line,
    remove_crisis_line,
    update_crisis_line,
    update_safety_settings,
)
from app.services.outbox import failed_mail, retry_mail
from app.services.practice import (
    SettingsError,
    clinicians_of_practice,
    couples_of_practice,
    invite_clinician,
    open_clinician_invitations,
    practice_figures,
    update_practice_settings,
)
from app.services.scoping import (
    clinician_for_admin,
    couple_for_admin,
    crisis_line_for_admin,
    invitation_for_admin,
    mail_for_admin,
    therapists_of_practice,
)
from app.transactions import Refused, refusals_shown_at


def _admin():
    return current_user._get_current_object()


def _form_errors(form) -> str:
    return " ".join(message for messages in form.errors.values() for message in messages)


@bp.get("/")
def overview():
    admin = _admin()
    return render_template(
        "admin/overview.html",
        practice=admin.practice,
        figures=practice_figures(admin.practice_id),
    )


# --- clinicians ------------------------------------------------------------------------


@bp.get("/clinicians")
def clinicians():
    admin = _admin()
    return render_template(
        "admin/clinicians.html",
        clinicians=clinicians_of_practice(admin.practice_id),
        invitations=open_clinician_invitations(admin.practice_id),
        form=EmptyForm(),
    )


@bp.route("/clinicians/invite", methods=["GET", "POST"], endpoint="invite_clinician")
@limiter.limit(limit_from("INVITATION_LIMIT"), key_func=per_user_key, methods=["POST"],
               scope="invitations-sent")
def invite_clinician_page():
    form = InviteClinicianForm()
    if form.validate_on_submit():
        try:
            outgoing = invite_clinician(
                _admin(),
                email=form.email.data,
                name=form.name.data,
                roles=form.selected_roles(),
            )
        except DomainError as error:
            form.email.errors.append(str(error))
        else:
            audit_request(
                "clinician.invited", outgoing.invitation, roles=sorted(form.selected_roles())
            )
            queue_invitations([outgoing])
            flash(f"An invitation was sent to {outgoing.invitation.email}.", "info")
            return redirect(url_for("admin.clinicians"))
    return render_template("admin/invite_clinician.html", form=form), status_of(form)


@bp.post("/clinicians/<int:user_id>/roles")
def set_clinician_roles(user_id: int):
    admin = _admin()
    clinician = clinician_for_admin(user_id, admin)
    form = RolesForm()
    location = url_for("admin.clinicians")
    if not form.validate_on_submit():
        raise Refused(_form_errors(form) or "Please try again.", location)
    roles = form.selected_roles()
    with refusals_shown_at(location):
        set_roles(admin, clinician, roles)
    audit_request("roles.changed", clinician, roles=sorted(roles))
    if clinician.id == admin.id:
        # set_roles ends every session of the user; keep this browser signed in.
        login_user(clinician)
        start_sign_in(clinician)
        flash("Your roles were saved. You were signed out everywhere else.", "info")
    else:
        flash(f"{clinician.name}'s roles were saved; they were signed out everywhere.",
              "info")
    return redirect(location)


def _set_active(user_id: int, active: bool):
    admin = _admin()
    clinician = clinician_for_admin(user_id, admin)
    location = url_for("admin.clinicians")
    if EmptyForm().validate_on_submit():
        with refusals_shown_at(location):
            set_active(admin, clinician, active)
        audit_request("user.activated" if active else "user.deactivated", clinician)
        if active:
            flash(f"{clinician.name} can sign in again.", "info")
        else:
            flash(
                f"{clinician.name}'s account is deactivated and they were signed out. "
                "Their couples stay assigned to them until you move them.",
                "info",
            )
    return redirect(location)


@bp.post("/clinicians/<int:user_id>/deactivate")
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/clinicians/<int:user_id>/activate")
def activate(user_id: int):
    return _set_active(user_id, True)


@bp.post("/invitations/<int:invitation_id>/resend")
@limiter.limit(limit_from("INVITATION_LIMIT"), key_func=per_user_key, scope="invitations-sent")
def resend_invitation(invitation_id: int):
    location = url_for("admin.clinicians")
    resend_posted(invitation_for_admin(invitation_id, _admin()), location)
    return redirect(location)


@bp.post("/invitations/<int:invitation_id>/revoke")
def revoke_invitation(invitation_id: int):
    location = url_for("admin.clinicians")
    revoke_posted(invitation_for_admin(invitation_id, _admin()), location)
    return redirect(location)


# --- couples ---------------------------------------------------------------------------


@bp.get("/couples")
def couples():
    admin = _admin()
    return render_template(
        "admin/couples.html",
        couples=couples_of_practice(admin.practice_id),
        therapists=therapists_of_practice(admin.practice_id),
    )


@bp.post("/couples/<int:couple_id>/therapist", endpoint="move_couple")
def move_couple_route(couple_id: int):
    admin = _admin()
    couple = couple_for_admin(couple_id, admin)
    form = MoveCoupleForm(therapists=therapists_of_practice(admin.practice_id))
    location = url_for("admin.couples")
    if not form.validate_on_submit():
        raise Refused(_form_errors(form) or "Please try again.", location)
    therapist = clinician_for_admin(form.therapist_id.data, admin)
    previous = couple.therapist_id
    if therapist.id == previous:
        flash(f"{couple.name} is already with {therapist.name}.", "info")
        return redirect(location)
    with refusals_shown_at(location):
        move_couple(admin, couple, therapist)
    audit_request("couple.moved", couple, from_therapist=previous, to_therapist=therapist.id)
    flash(f"{couple.name} is now with {therapist.name}.", "info")
    return redirect(location)


# --- settings and audit ----------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    admin = _admin()
    practice = admin.practice
    form = SettingsForm()
    if request.method == "GET":
        form.name.data = practice.name
        form.paper_size.data = practice.paper_size
        form.default_timezone.data = practice.default_timezone
    if form.validate_on_submit():
        try:
            changed = update_practice_settings(
                admin,
                practice,
                name=form.name.data,
                paper_size=form.paper_size.data,
                default_timezone=form.default_timezone.data,
            )
        except SettingsError as error:
            getattr(form, error.field).errors.append(str(error))
        except DomainError as error:
            form.name.errors.append(str(error))
        else:
            if changed:
                audit_request("settings.changed", practice, fields=changed)
            flash("The practice settings were saved.", "info")
            return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form), status_of(form)


@bp.get("/audit")
def audit():
    admin = _admin()
    events = events_for_practice(admin.practice_id)
    names = actor_names(events)
    audit_request("audit.viewed")
    return render_template("admin/audit.html", events=events, names=names)


# --- crisis resources and the quick exit ------------------------------------------------


def _field_error(form, error: CrisisError) -> None:
    getattr(form, error.field).errors.append(str(error))


def _crisis_page(line_form: CrisisLineForm, safety_form: SafetySettingsForm | None = None):
    """The crisis-resources page; a form sent back with its errors keeps what was typed."""
    admin = _admin()
    practice = admin.practice
    if safety_form is None:
        safety_form = SafetySettingsForm(formdata=None)
        safety_form.emergency_number.data = practice.emergency_number
        safety_form.quick_exit_url.data = practice.quick_exit_url
    lines, _ = crisis_resources(practice.id)
    status = 422 if line_form.errors or safety_form.errors else 200
    return render_template(
        "admin/crisis_resources.html",
        lines=lines,
        line_form=line_form,
        safety_form=safety_form,
        button=EmptyForm(),
    ), status


@bp.route("/crisis-resources", methods=["GET", "POST"], endpoint="crisis_resources")
def crisis_resources_page():
    """The practice's crisis lines (add one here), emergency number and quick exit."""
    form = CrisisLineForm()
    if form.validate_on_submit():
        try:
            line = add_crisis_line(_admin(), _admin().practice, name=form.name.data,
                                   number=form.number.data, hours=form.hours.data,
                                   url=form.url.data)
        except CrisisError as error:
            _field_error(form, error)
        else:
            audit_request("crisis_line.added", line)
            flash(f"{line.name} was added to the crisis lines.", "info")
            return redirect(url_for("admin.crisis_resources"))
    return _crisis_page(form)



@bp.post("/crisis-resources/settings")
def safety_settings():
    """The local emergency number and the quick exit's destination."""
    admin = _admin()
    form = SafetySettingsForm()
    if form.validate_on_submit():
        try:
            changed = update_safety_settings(
                admin, admin.practice, emergency_number=form.emergency_number.data,
                quick_exit_url=form.quick_exit_url.data)
        except CrisisError as error:
            _field_error(form, error)
        else:
            if changed:
                audit_request("safety_settings.changed", admin.practice, fields=changed)
            flash("The emergency number and quick exit were saved.", "info")
            return redirect(url_for("admin.crisis_resources"))
    return _crisis_page(CrisisLineForm(formdata=None), form)


@bp.route("/crisis-resources/<int:line_id>/edit", methods=["GET", "POST"])
def edit_crisis_line(line_id: int):
    admin = _admin()
    line = crisis_line_for_admin(line_id, admin)
    form = CrisisLineForm(obj=line if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            changed = update_crisis_line(admin, line, name=form.name.data,
                                         number=form.number.data, hours=form.hours.data,
                                         url=form.url.data)
        except CrisisError as error:
            _field_error(form, error)
        else:
            if changed:
                audit_request("crisis_line.changed", line, fields=changed)
            flash(f"{line.name} was saved.", "info")
            return redirect(url_for("admin.crisis_resources"))
    return render_template("admin/crisis_line_edit.html", form=form, line=line), \
        status_of(form)


@bp.post("/crisis-resources/<int:line_id>/remove", endpoint="remove_crisis_line")
def remove_crisis_line_route(line_id: int):
    admin = _admin()
    line = crisis_line_for_admin(line_id, admin)
    location = url_for("admin.crisis_resources")
    if EmptyForm().validate_on_submit():
        name = line.name
        audit_request("crisis_line.removed", line)
        with refusals_shown_at(location):
            remove_crisis_line(admin, line)
        flash(f"{name} was removed from the crisis lines.", "info")
    return redirect(location)



@bp.post("/crisis-resources/<int:line_id>/move", endpoint="move_crisis_line")
def move_crisis_line_route(line_id: int):
    admin = _admin()
    line = crisis_line_for_admin(line_id, admin)
    location = url_for("admin.crisis_resources")
    form = MoveLineForm()
    if not form.validate_on_submit():
        raise Refused(_form_errors(form) or "Please try again.", location)
    with refusals_shown_at(location):
        moved = move_crisis_line(admin, line, form.direction.data)
    if moved:
        audit_request("crisis_line.moved", line, direction=form.direction.data)
    return redirect(location)



# --- emails that failed after their retries --------------------------------------------

MAIL_KINDS = {"invitation": "Invitation", "password_reset": "Password reset",
              "attention": "Sign-in notice"}


@bp.get("/mail", endpoint="failed_mail")
def failed_mail_page():
    """The practice's emails that failed after their retries, with the error."""
    return render_template("admin/mail.html", rows=failed_mail(_admin().practice_id),
                           kinds=MAIL_KINDS)


@bp.post("/mail/<int:row_id>/retry", endpoint="retry_mail")
def retry_mail_route(row_id: int):
    admin = _admin()
    row = mail_for_admin(row_id, admin)
    location = url_for("admin.failed_mail")
    if EmptyForm().validate_on_submit():
        with refusals_shown_at(location):
            retry_mail(row, admin)
        audit_request("mail.retried", row, kind=row.kind)
        enqueue_after_commit(deliver_mail, row.id)
        flash(f"The email to {row.recipient} will be sent again.", "info")
    return redirect(location)
