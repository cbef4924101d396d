from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.access import audit_request, limit_from, per_user_key
from app.auth.forms import EmptyForm
from app.extensions import limiter
from app.mail_queue import queue_invitations
from app.notifications import resend_posted, revoke_posted
from app.services import DomainError
from app.services.audit import actor_names, events_for_couple
from app.services.caseload import DESCENDING, normalise_sort, therapist_week
from app.services.caseload import caseload as caseload_rows
from app.services.couples import PartnerDetails, create_couple, partner_slots
from app.services.guides import list_guides
from app.services.invitations import (
    invite_partner,
    pending_invitations,
)
from app.services.measures import (
    CSI4_CUTOFF,
    CSI4_MAX,
    CSI4_NAME,
    CSI4_REFERENCE,
    responses_for,
    score_history,
)
from app.services.outbox import undelivered_invitations
from app.services.own_exercises import own_exercises
from app.services.policies import policy_summary, say, therapist_badge
from app.services.progress import couple_progress, rating_trends, recent
from app.services.reports import authors_of, reports_of
from app.services.safety_check import safety_panel
from app.services.scoping import couple_for_therapist, invitation_for_therapist
from app.services.sessions import sessions_of
from app.therapist import bp
from app.therapist.forms import NewCoupleForm
from app.therapist.safety_hold import safety_hold_context
from app.transactions import refusals_shown_at
from reports.charts import Series, line_chart


@bp.get("/")
def caseload():
    sort = normalise_sort(request.args.get("sort"))
    return render_template(
        "therapist/caseload.html",
        rows=caseload_rows(current_user, sort),
        sort=sort,
        descending=DESCENDING,
        week=therapist_week(current_user),
    )


@bp.route("/couples/new", methods=["GET", "POST"])
def new_couple():
    form = NewCoupleForm()
    if request.method == "GET":
        form.timezone.data = current_user.timezone
    status = 200
    if form.validate_on_submit():
        try:
            created = create_couple(
                current_user,
                name=form.name.data,
                partners=[
                    PartnerDetails(form.partner1_name.data, form.partner1_email.data),
                    PartnerDetails(form.partner2_name.data, form.partner2_email.data),
                ],
                timezone=form.timezone.data,
                policy=form.policy.data,
                completion_shared=form.completion_sharing.data == "shared",
            )
        except DomainError as error:
            form.name.errors.append(str(error))
        else:
            audit_request("couple.created", created.couple,
                          policy=created.couple.confidentiality_policy,
                          completion_shared=created.couple.is_completion_shared)
            for outgoing in created.outgoing:
                audit_request("invitation.sent", outgoing.invitation)
            queue_invitations(created.outgoing)
            flash("The couple was created and both partners were sent an invitation.", "info")
            return redirect(url_for("therapist.couple", couple_id=created.couple.id))
    if form.errors:
        status = 422
    return render_template("therapist/new_couple.html", form=form), status


@bp.get("/couples/<int:couple_id>")
def couple(couple_id: int):
    found = couple_for_therapist(couple_id, current_user)
    slots = partner_slots(found, pending_invitations(found))
    undelivered = undelivered_invitations(
        [slot.invitation.id for slot in slots if slot.status == "pending"])
    progress = couple_progress(found, therapist_week(current_user))
    show_all = request.args.get("entries") == "all"
    timeline = progress.timeline if show_all else recent(progress.timeline, days=14)
    audit_request("couple.viewed", found)
    return render_template(
        "therapist/couple.html",
        couple=found,
        undelivered=undelivered,
        slots=slots,
        policy_summary=policy_summary(found),
        one_partner=say("therapist.one_partner"),
        badge=therapist_badge,
        private_badge=say("therapist.private"),
        form=EmptyForm(),
        progress=progress,
        timeline=timeline,
        hidden_entries=len(progress.timeline) - len(timeline),
        charts=[
            line_chart(
                [Series(name, points, style=i) for i, (name, points) in enumerate(t.series)],
                y_min=t.low, y_max=t.high, width=360, height=170,
                title=f"{t.title}: {t.question}",
            )
            for t in rating_trends(found, progress)
        ],
        names={p.user_id: p.user.name for p in found.partners},
        library=list_guides(),
        **_sessions_context(found),
        own=own_exercises(current_user),
        **safety_hold_context(found),
        safety=safety_panel(found),
    )


@bp.post("/couples/<int:couple_id>/partners/<int:position>/invite")
@limiter.limit(limit_from("INVITATION_LIMIT"), key_func=per_user_key, scope="invitations-sent")
def invite(couple_id: int, position: int):
    found = couple_for_therapist(couple_id, current_user)
    location = url_for("therapist.couple", couple_id=found.id)
    if EmptyForm().validate_on_submit():
        with refusals_shown_at(location):
            outgoing = invite_partner(current_user, found, position)
        audit_request("invitation.sent", outgoing.invitation)
        queue_invitations([outgoing])
        flash(f"An invitation was sent to {outgoing.invitation.email}.", "info")
    return redirect(location)


@bp.post("/couples/<int:couple_id>/invitations/<int:invitation_id>/resend")
@limiter.limit(limit_from("INVITATION_LIMIT"), key_func=per_user_key, scope="invitations-sent")
def resend_invitation(couple_id: int, invitation_id: int):
    found = couple_for_therapist(couple_id, current_user)
    location = url_for("therapist.couple", couple_id=found.id)
    resend_posted(invitation_for_therapist(invitation_id, found), location)
    return redirect(location)


@bp.post("/couples/<int:couple_id>/invitations/<int:invitation_id>/revoke")
def revoke_invitation(couple_id: int, invitation_id: int):
    found = couple_for_therapist(couple_id, current_user)
    location = url_for("therapist.couple", couple_id=found.id)
    revoke_posted(invitation_for_therapist(invitation_id, found), location)
    return redirect(location)


@bp.get("/couples/<int:couple_id>/audit")
def couple_audit(couple_id: int):
    found = couple_for_therapist(couple_id, current_user)
    events = events_for_couple(found)
    audit_request("audit.viewed", found)
    return render_template(
        "therapist/audit.html", couple=found, events=events, names=actor_names(events)
    )


def _sessions_context(couple) -> dict:
    """The couple page's sessions, CSI-4 history and archived reports (constant queries)."""
    numbered = sessions_of(couple)
    responses = responses_for(couple)
    partner_ids = [p.user_id for p in couple.partners]
    rows = score_history(partner_ids, [(n.session, n.number) for n in numbered if n.number],
                         responses)
    tz = ZoneInfo(couple.timezone)
    chart = line_chart(
        [Series(p.user.name, [(r.session.scheduled_at.astimezone(tz).date(), r.scores[p.user_id])
                              for r in rows], style=i)
         for i, p in enumerate(couple.partners)],
        y_min=0, y_max=CSI4_MAX, width=360, height=190, title=f"{CSI4_NAME} by session",
        start=rows[0].session.scheduled_at.astimezone(tz).date() if rows else None,
        end=rows[-1].session.scheduled_at.astimezone(tz).date() if rows else None,
        reference=(CSI4_CUTOFF, f"cutoff {CSI4_CUTOFF}"), value_name="score",
        id_prefix="csi4",
    ) if rows else None
    reports = reports_of(couple)
    return {
        "sessions": numbered,
        "tz": tz,
        "answered": {sid: len(by) for sid, by in responses.items()},
        "csi_rows": rows,
        "csi_chart": chart,
        "csi4_name": CSI4_NAME,
        "csi4_reference": CSI4_REFERENCE,
        "cutoff": CSI4_CUTOFF,
        "reports": reports,
        "names_all": authors_of(reports),
    }
