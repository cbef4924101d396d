"""Sending the mail that services prepared, once their transaction has committed, and the
resend/withdraw buttons that therapists (for partners) and admins (for clinicians) share."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from flask import current_app, flash, url_for

from app.access import audit_request
from app.auth.forms import EmptyForm
from app.mail import MailError, send_mail
from app.models import Invitation
from app.services.invitations import Outgoing, resend, revoke
from app.transactions import after_commit, refusals_shown_at

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
                    sign_in_link=url_for("auth.sign_in", _external=True),
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
    `location` is where the button leads back to."""
    if not EmptyForm().validate_on_submit():
        return
    with refusals_shown_at(location):
        outgoing = resend(invitation)
    audit_request("invitation.resent", invitation)
    after_commit(partial(deliver_invitations, [outgoing]))
    flash(f"A new invitation was sent to {invitation.email}. The old link no longer works.",
          "info")


def revoke_posted(invitation: Invitation, location: str) -> None:
    """Handle a "Withdraw" button: the link stops working at once."""
    if not EmptyForm().validate_on_submit():
        return
    with refusals_shown_at(location):
        revoke(invitation)
    audit_request("invitation.revoked", invitation)
    flash(f"The invitation to {invitation.email} was withdrawn; its link no longer works.",
          "info")


# --- the safety check ------------------------------------------------------------------

ATTENTION_SUBJECT = "Please sign in to Rekindle"


def deliver_attention_notice(address: str) -> bool:
    """Tell a therapist that someone in their caseload needs their attention: no name, no
    couple, nothing clinical. False if it could not be sent (the flag is there anyway)."""
    try:
        send_mail(address, ATTENTION_SUBJECT, "attention",
                  sign_in_link=url_for("auth.sign_in", _external=True))
    except MailError:
        return False
    return True
