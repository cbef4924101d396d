"""Couples and their partners."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.clock import now
from app.extensions import db
from app.models import Couple, Invitation, Partner, PolicyConsent, User
from app.models.couples import POLICIES
from app.services import DomainError
from app.services.accounts import check_timezone, create_user, email_in_use, normalise_email
from app.services.invitations import Outgoing, invite_user
from app.services.locking import hold
from app.services.policies import policy_wording
from app.services.visibility import is_held


@dataclass(frozen=True)
class PartnerDetails:
    name: str
    email: str
    invite: bool = True


@dataclass(frozen=True)
class NewCouple:
    couple: Couple
    outgoing: list[Outgoing]


def create_couple(
    therapist: User,
    *,
    name: str,
    partners: Sequence[PartnerDetails],
    timezone: str,
    policy: str = "limited",
    completion_shared: bool = True,
) -> NewCouple:
    """A couple in the therapist's practice; each partner gets a client account (no password
    yet) and, unless told otherwise, an invitation. An address that already has an account
    gets an invitation without an account, indistinguishable to the therapist."""
    if not therapist.is_therapist:
        raise DomainError("Only a therapist can take on a couple")
    if not 1 <= len(partners) <= 2:
        raise DomainError("A couple has one or two partners")
    emails = [normalise_email(p.email) for p in partners]
    if len(set(emails)) != len(emails):
        raise DomainError("The two partners need different email addresses")
    if policy not in POLICIES:
        raise DomainError("The confidentiality policy is either open or limited")
    couple = Couple(
        practice_id=therapist.practice_id,
        therapist_id=therapist.id,
        name=name.strip(),
        timezone=check_timezone(timezone),
        confidentiality_policy=policy,
        is_completion_shared=completion_shared,
    )
    db.session.add(couple)
    db.session.flush()
    outgoing = []
    for position, (details, email) in enumerate(zip(partners, emails, strict=True), start=1):
        if email_in_use(email):
            if not details.invite:
                raise DomainError("That email address is already in use")
            outgoing.append(
                invite_user(
                    therapist, user=None, email=email, name=details.name.strip(),
                    role="client", couple=couple, position=position,
                )
            )
            continue
        user = create_user(
            therapist.practice, email=email, name=details.name, roles={"client"},
            timezone=timezone,
        )
        db.session.add(Partner(couple=couple, user=user, position=position))
        db.session.flush()
        if details.invite:
            outgoing.append(
                invite_user(
                    therapist, user=user, email=email, name=user.name,
                    role="client", couple=couple, position=position,
                )
            )
    db.session.refresh(couple, ["partners"])
    return NewCouple(couple, outgoing)


def couples_for_therapist(therapist: User) -> list[Couple]:
    """The therapist's caseload, by name, with partners loaded."""
    return list(
        db.session.scalars(
            sa.select(Couple)
            .where(Couple.therapist_id == therapist.id, Couple.practice_id == therapist.practice_id)
            .options(selectinload(Couple.partners))
            .order_by(Couple.name)
        )
    )


def move_couple(actor: User, couple: Couple, therapist: User) -> None:
    """An admin gives the couple to another therapist of the practice; access moves with it."""
    if not actor.is_admin or actor.practice_id != couple.practice_id:
        raise DomainError("Only an admin of the practice can do that")
    if therapist.practice_id != couple.practice_id or not therapist.is_therapist:
        raise DomainError("Choose a therapist of this practice")
    if not therapist.is_active:
        raise DomainError("That therapist's account is deactivated")
    couple.therapist_id = therapist.id


@dataclass(frozen=True)
class PartnerSlot:
    """What the therapist sees of a partner place: a person, and their invitation state."""

    position: int
    name: str
    email: str
    status: str  # joined, not_invited, pending, expired, revoked
    partner: Partner | None
    invitation: Invitation | None


def partner_slots(couple: Couple, invitations: Sequence[Invitation]) -> list[PartnerSlot]:
    """Both places of a couple, from its partners and its latest invitation per place."""
    latest: dict[int, Invitation] = {}
    for invitation in sorted(invitations, key=lambda i: i.id):
        if invitation.position is not None:
            latest[invitation.position] = invitation
    slots = []
    for position in (1, 2):
        partner = next((p for p in couple.partners if p.position == position), None)
        invitation = latest.get(position)
        if partner is not None and partner.user.password_hash:
            status = "joined"
        elif invitation is not None and invitation.accepted_at is None:
            status = invitation.status
        elif partner is not None:
            status = "not_invited"
        else:
            continue
        slots.append(
            PartnerSlot(
                position=position,
                name=partner.user.name if partner else invitation.name,
                email=partner.user.email if partner else invitation.email,
                status=status,
                partner=partner,
                invitation=invitation,
            )
        )
    return slots


def change_policy(therapist: User, couple: Couple, policy: str) -> None:
    """A new confidentiality policy for entries written from now on; both partners accept it
    again before writing. What was written before keeps its visibility."""
    if couple.therapist_id != therapist.id:
        raise DomainError("Only the couple's therapist can change the policy")
    if policy not in POLICIES:
        raise DomainError("The confidentiality policy is either open or limited")
    if policy == couple.confidentiality_policy:
        raise DomainError("That is already the couple's policy")
    couple.confidentiality_policy = policy
    couple.policy_changed_at = now()


def needs_policy_acceptance(user: User, couple: Couple) -> bool:
    """True until the partner has accepted the couple's current policy."""
    query = sa.select(PolicyConsent.id).where(
        PolicyConsent.couple_id == couple.id,
        PolicyConsent.user_id == user.id,
        PolicyConsent.policy == couple.confidentiality_policy,
    )
    if couple.policy_changed_at is not None:
        query = query.where(PolicyConsent.accepted_at >= couple.policy_changed_at)
    return db.session.scalar(query.limit(1)) is None


def accept_policy(user: User, couple: Couple) -> PolicyConsent:
    """Record that the partner read and accepted the current wording."""
    consent = PolicyConsent(
        couple_id=couple.id,
        user_id=user.id,
        policy=couple.confidentiality_policy,
        wording=policy_wording(couple),
        accepted_at=now(),
    )
    db.session.add(consent)
    db.session.flush()
    return consent


def set_completion_sharing(therapist: User, couple: Couple, shared: bool) -> bool:
    """Whether partners see each other's completion, from now on: what was logged before
    the change is never shown by it, and each partner is told of it in their portal.
    False when it already was so (the same click twice)."""
    if couple.therapist_id != therapist.id:
        raise DomainError("Only the couple's therapist can change what partners see")
    hold(couple)
    if couple.is_completion_shared == shared:
        return False
    if shared and is_held(couple):
        # Both would be told "from now on, you each see ...", which the hold makes untrue.
        raise DomainError("During a safety hold partners cannot be shown each other's "
                          "completion. Turn it on after lifting the hold.")
    couple.is_completion_shared = shared
    couple.completion_sharing_changed_at = now()
    couple.completion_sharing_changed_by_id = therapist.id
    db.session.flush()
    return True


def _partner_of(user: User, couple: Couple) -> Partner | None:
    return next((p for p in couple.partners if p.user_id == user.id), None)


def needs_sharing_notice(user: User, couple: Couple) -> bool:
    """True until the partner has acknowledged the couple's last change of completion
    sharing."""
    changed = couple.completion_sharing_changed_at
    partner = _partner_of(user, couple)
    if changed is None or partner is None:
        return False
    return partner.completion_sharing_seen_at is None or (
        partner.completion_sharing_seen_at < changed)


def acknowledge_sharing_notice(user: User, couple: Couple) -> None:
    """The partner has read the notice of the change."""
    partner = _partner_of(user, couple)
    if partner is not None:
        partner.completion_sharing_seen_at = now()
        db.session.flush()
