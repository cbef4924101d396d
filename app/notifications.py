"""Sending the mail that services prepared, once their transaction has committed."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, flash, url_for

from app.mail import MailError, send_mail
from app.services.invitations import Outgoing

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
