"""Sending the mail that services prepared, once their transaction has committed, and the
resend/withdraw buttons that therapists (for partners) and admins (for clinicians) share."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, flash, request, url_for
from flask_login import current_user

from app.access import audit_request
from app.auth.forms import EmptyForm
from app.extensions import db
from app.mail import MailError, send_mail
from app.models import Invitation
from app.services import DomainError
from app.services.invitations import Outgoing, resend, revoke
from app.services.submissions import claim_submission

INVITATION_SUBJECT = "Your Rekindle invitation"


def deliver_invitations(outgoing: Iterable[Outgoing]) -> bool:
    """Send each invitation (or the "already registered" notice); False if any failed."""
    ok = True
    for item in outgoing:
        invitation = item.invitation
        try:
            if item.token is None:
                send_mail(
                    invitation.email,
                    INVITATION_SUBJECT,
                    "already_registered",
                    login_link=url_for("auth.login", _external=True),
                )
            else:
                send_mail(
                    invitation.email,
                    INVITATION_SUBJECT,
                    "invitation",
                    name=invitation.name.split(" ")[0],
                    link=url_for("auth.accept_invitation", token=item.token, _external=True),
                    hours=current_app.config["INVITATION_HOURS"],
                )
        except MailError:
            ok = False
    if not ok:
        flash(
            "An email could not be sent. The invitation is saved: use “Send again” once the "
            "mail server is reachable.",
            "error",
        )
    return ok


def resend_posted(invitation: Invitation, location: str) -> None:
    """Handle a "Send again" button: a new link, the old one dead, mailed after commit.
    `location` is where the button leads back to; the same press sent twice mails once."""
    if not EmptyForm().validate_on_submit():
        return
    claim_submission(current_user, request.form.get("once"), location)
    try:
        outgoing = resend(invitation)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return
    audit_request("invitation.resent", invitation)
    db.session.commit()
    deliver_invitations([outgoing])
    flash(f"A new invitation was sent to {invitation.email}. The old link no longer works.",
          "info")


def revoke_posted(invitation: Invitation) -> None:
    """Handle a "Withdraw" button: the link stops working at once."""
    if not EmptyForm().validate_on_submit():
        return
    try:
        revoke(invitation)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return
    audit_request("invitation.revoked", invitation)
    db.session.commit()
    flash(f"The invitation to {invitation.email} was withdrawn; its link no longer works.",
          "info")
