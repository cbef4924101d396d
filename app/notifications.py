"""The resend/withdraw buttons that therapists (for partners) and admins (for clinicians)
share; their mail goes through the outbox and the queue (app/mail_queue.py)."""

from __future__ import annotations

from flask import flash

from app.access import audit_request
from app.auth.forms import EmptyForm
from app.mail_queue import queue_invitations
from app.models import Invitation
from app.services.invitations import resend, revoke
from app.transactions import refusals_shown_at


def resend_posted(invitation: Invitation, location: str) -> None:
    """Handle a "Send again" button: a new link, the old one dead, mailed after commit.
    `location` is where the button leads back to."""
    if not EmptyForm().validate_on_submit():
        return
    with refusals_shown_at(location):
        outgoing = resend(invitation)
    audit_request("invitation.resent", invitation)
    queue_invitations([outgoing])
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
