"""Invitations: signed, single-use, expiring links to set a password and join.

An address that already has an account gets an invitation row with no user and a
"you already have an account" mail instead of a link; the inviter sees exactly what they
see for any other invitation, so no account is revealed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from app.clock import now
from app.extensions import db
from app.models import Couple, Invitation, PolicyConsent, User
from app.services import DomainError
from app.services.accounts import check_timezone, set_password
from app.services.policies import policy_wording
from app.services.tokens import make_token, matches, new_secret, read_token

PURPOSE = "invitation"


class InvalidLink(DomainError):
    """A link that cannot be used; the message says why in plain words."""


@dataclass(frozen=True)
class Outgoing:
    """A message to send once the transaction has committed."""

    invitation: Invitation
    token: str | None  # None: the address already has an account; send the notice instead


def _issue(invitation: Invitation) -> Outgoing:
    secret, hashed = new_secret()
    invitation.token_hash = hashed
    invitation.expires_at = now() + dt.timedelta(hours=current_app.config["INVITATION_HOURS"])
    invitation.sent_at = now()
    db.session.flush()
    token = make_token(PURPOSE, invitation.id, secret) if invitation.user_id else None
    return Outgoing(invitation, token)


def fresh_link(invitation: Invitation) -> str:
    """A new secret for the invitation's link, made when its email is sent (the queue and
    the outbox never hold one); any earlier link of the invitation stops working."""
    secret, hashed = new_secret()
    invitation.token_hash = hashed
    db.session.flush()
    return make_token(PURPOSE, invitation.id, secret)


def invite_user(
    inviter: User,
    *,
    user: User | None,
    email: str,
    name: str,
    role: str,
    couple: Couple | None = None,
    position: int | None = None,
) -> Outgoing:
    """Record a new invitation and return what to send."""
    invitation = Invitation(
        practice_id=inviter.practice_id,
        user_id=user.id if user else None,
        couple_id=couple.id if couple else None,
        position=position,
        invited_by_id=inviter.id,
        role=role,
        email=email,
        name=name,
        token_hash="",
        send_count=1,
    )
    db.session.add(invitation)
    return _issue(invitation)


def invite_partner(inviter: User, couple: Couple, position: int) -> Outgoing:
    """Invite (or invite again) the partner at this position of the couple."""
    partner = next((p for p in couple.partners if p.position == position), None)
    if partner is None:
        raise DomainError("There is no partner at that position")
    if partner.user.password_hash:
        raise DomainError("This partner has already joined")
    for previous in pending_invitations(couple):
        if previous.position == position:
            previous.revoked_at = now()
    return invite_user(
        inviter,
        user=partner.user,
        email=partner.user.email,
        name=partner.user.name,
        role="client",
        couple=couple,
        position=position,
    )


def pending_invitations(couple: Couple) -> list[Invitation]:
    """Invitations of the couple not yet accepted or revoked (expired ones included)."""
    return pending_invitations_by_couple([couple.id]).get(couple.id, [])


def pending_invitations_by_couple(couple_ids: list[int]) -> dict[int, list[Invitation]]:
    """Open invitations of several couples in one query, by couple id."""
    grouped: dict[int, list[Invitation]] = {}
    if not couple_ids:
        return grouped
    for invitation in db.session.scalars(
        sa.select(Invitation)
        .where(
            Invitation.couple_id.in_(couple_ids),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .order_by(Invitation.position, Invitation.id)
    ):
        grouped.setdefault(invitation.couple_id, []).append(invitation)
    return grouped


def resend(invitation: Invitation) -> Outgoing:
    """A new link (the old one stops working) with a new 72-hour window."""
    if invitation.accepted_at or invitation.revoked_at:
        raise DomainError("This invitation can no longer be sent")
    invitation.send_count += 1
    return _issue(invitation)


def revoke(invitation: Invitation) -> None:
    """The link stops working at once."""
    if invitation.accepted_at:
        raise DomainError("This invitation was already accepted")
    invitation.revoked_at = invitation.revoked_at or now()


def invitation_from_link(token: str) -> Invitation:
    """The usable invitation a link names, or InvalidLink saying why not."""
    parsed = read_token(PURPOSE, token)
    invitation = db.session.get(Invitation, parsed[0]) if parsed else None
    if invitation is None or not matches(parsed[1], invitation.token_hash):
        raise InvalidLink(
            "This invitation link is not valid. It may have been replaced by a newer one: "
            "please use the most recent email, or ask for a new invitation."
        )
    if invitation.accepted_at:
        raise InvalidLink("This invitation has already been used. You can sign in instead.")
    if invitation.revoked_at:
        raise InvalidLink("This invitation was withdrawn. Ask for a new one if you need it.")
    if invitation.expires_at <= now():
        raise InvalidLink("This invitation has expired. Ask for a new one to be sent.")
    if invitation.user is None or invitation.user.password_hash:
        raise InvalidLink("This invitation has already been used. You can sign in instead.")
    return invitation


def couple_of_invitation(invitation: Invitation) -> Couple | None:
    return db.session.get(Couple, invitation.couple_id) if invitation.couple_id else None


def accept(invitation: Invitation, *, password: str, timezone: str, accepts_policy: bool) -> User:
    """Set the password and timezone, record the policy consent, and mark the link used."""
    user = invitation.user
    assert user is not None
    couple = couple_of_invitation(invitation)
    if couple is not None and not accepts_policy:
        raise DomainError("Please read and accept how privacy works in your couple's space.")
    user.timezone = check_timezone(timezone)
    set_password(user, password)
    invitation.accepted_at = now()
    if couple is not None:
        db.session.add(
            PolicyConsent(
                couple_id=couple.id,
                user_id=user.id,
                policy=couple.confidentiality_policy,
                wording=policy_wording(couple),
            )
        )
    db.session.flush()
    return user
