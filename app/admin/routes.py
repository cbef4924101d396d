"""The practice admin: clinicians, couples' assignment, settings and the audit trail.

Never clinical content: couples are shown by name, status and therapist only.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from app.access import audit_request, limit_from, per_user_key, start_session
from app.admin import bp
from app.admin.forms import InviteClinicianForm, MoveCoupleForm, RolesForm, SettingsForm
from app.auth.forms import EmptyForm
from app.extensions import db, limiter
from app.notifications import deliver_invitations, resend_posted, revoke_posted
from app.services import DomainError
from app.services.accounts import set_active, set_roles
from app.services.audit import actor_names, events_for_practice
from app.services.couples import move_couple
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
    invitation_for_admin,
    therapists_of_practice,
)
from app.services.submissions import claim_submission


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
        location = url_for("admin.clinicians")
        claim_submission(current_user, form.once.data, location)
        try:
            outgoing = invite_clinician(
                _admin(),
                email=form.email.data,
                name=form.name.data,
                roles=form.selected_roles(),
            )
        except DomainError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            audit_request(
                "clinician.invited", outgoing.invitation, roles=sorted(form.selected_roles())
            )
            db.session.commit()
            deliver_invitations([outgoing])
            flash(f"An invitation was sent to {outgoing.invitation.email}.", "info")
            return redirect(location)
    return render_template("admin/invite_clinician.html", form=form)


@bp.post("/clinicians/<int:user_id>/roles")
def set_clinician_roles(user_id: int):
    admin = _admin()
    clinician = clinician_for_admin(user_id, admin)
    form = RolesForm()
    if not form.validate_on_submit():
        flash(_form_errors(form) or "Please try again.", "error")
        return redirect(url_for("admin.clinicians"))
    roles = form.selected_roles()
    try:
        set_roles(admin, clinician, roles)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        audit_request("roles.changed", clinician, roles=sorted(roles))
        db.session.commit()
        if clinician.id == admin.id:
            # set_roles ends every session of the user; keep this browser signed in.
            login_user(clinician)
            start_session(clinician)
            flash("Your roles were saved. Your other sessions were ended.", "info")
        else:
            flash(f"{clinician.name}'s roles were saved; they were logged out everywhere.",
                  "info")
    return redirect(url_for("admin.clinicians"))


def _set_active(user_id: int, active: bool):
    admin = _admin()
    clinician = clinician_for_admin(user_id, admin)
    if EmptyForm().validate_on_submit():
        try:
            set_active(admin, clinician, active)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            audit_request("user.activated" if active else "user.deactivated", clinician)
            db.session.commit()
            if active:
                flash(f"{clinician.name} can log in again.", "info")
            else:
                flash(
                    f"{clinician.name}'s account is deactivated and they were logged out. "
                    "Their couples stay assigned to them until you move them.",
                    "info",
                )
    return redirect(url_for("admin.clinicians"))


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
    revoke_posted(invitation_for_admin(invitation_id, _admin()))
    return redirect(url_for("admin.clinicians"))


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
    if not form.validate_on_submit():
        flash(_form_errors(form) or "Please try again.", "error")
        return redirect(url_for("admin.couples"))
    therapist = clinician_for_admin(form.therapist_id.data, admin)
    previous = couple.therapist_id
    if therapist.id == previous:
        flash(f"{couple.name} is already with {therapist.name}.", "info")
        return redirect(url_for("admin.couples"))
    try:
        move_couple(admin, couple, therapist)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        audit_request("couple.moved", couple, from_therapist=previous, to_therapist=therapist.id)
        db.session.commit()
        flash(f"{couple.name} is now with {therapist.name}.", "info")
    return redirect(url_for("admin.couples"))


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
            db.session.rollback()
            getattr(form, error.field).errors.append(str(error))
        except DomainError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            if changed:
                audit_request("settings.changed", practice, fields=changed)
                db.session.commit()
            flash("The practice settings were saved.", "info")
            return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form)


@bp.get("/audit")
def audit():
    admin = _admin()
    events = events_for_practice(admin.practice_id)
    names = actor_names(events)
    audit_request("audit.viewed")
    db.session.commit()
    return render_template("admin/audit.html", events=events, names=names)
