"""Scoped loaders: the one way routes load records. Anything that is not the caller's
raises NotVisible, which the app answers exactly like an id that does not exist (404)."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Couple, Invitation, Partner, User


class NotVisible(LookupError):
    """The record does not exist, or is not the caller's to see."""

    def __init__(self, object_type: str, object_id: object = None) -> None:
        super().__init__(object_type)
        self.object_type = object_type
        self.object_id = object_id


def couple_for_therapist(couple_id: int, user: User) -> Couple:
    """A couple of the therapist's own caseload."""
    couple = db.session.get(Couple, couple_id)
    if (
        couple is None
        or not user.is_therapist
        or couple.therapist_id != user.id
        or couple.practice_id != user.practice_id
    ):
        raise NotVisible("couples", couple_id)
    return couple


def couple_for_partner(user: User) -> Couple:
    """The couple a partner belongs to."""
    couple = db.session.scalar(sa.select(Couple).join(Partner).where(Partner.user_id == user.id))
    if couple is None or not user.is_client:
        raise NotVisible("couples")
    return couple


def couple_for_admin(couple_id: int, user: User) -> Couple:
    """A couple of the admin's practice (for assignment, never its clinical content)."""
    couple = db.session.get(Couple, couple_id)
    if couple is None or not user.is_admin or couple.practice_id != user.practice_id:
        raise NotVisible("couples", couple_id)
    return couple


def clinician_for_admin(user_id: int, admin: User) -> User:
    """A therapist or admin of the admin's practice."""
    user = db.session.get(User, user_id)
    if (
        user is None
        or not admin.is_admin
        or user.practice_id != admin.practice_id
        or user.is_client
    ):
        raise NotVisible("users", user_id)
    return user


def invitation_for_therapist(invitation_id: int, couple: Couple) -> Invitation:
    """An invitation of a couple already loaded through couple_for_therapist."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.couple_id != couple.id:
        raise NotVisible("invitations", invitation_id)
    return invitation


def invitation_for_admin(invitation_id: int, admin: User) -> Invitation:
    """A clinician's invitation in the admin's practice."""
    invitation = db.session.get(Invitation, invitation_id)
    if (
        invitation is None
        or not admin.is_admin
        or invitation.practice_id != admin.practice_id
        or invitation.role == "client"
    ):
        raise NotVisible("invitations", invitation_id)
    return invitation


def therapists_of_practice(practice_id: int) -> list[User]:
    """Therapists a couple can be given to: active, joined (an invited clinician without a
    password is left out: they could not see the couple yet, and listing them would reveal
    which invited addresses had no account before), by name."""
    from app.models import UserRole

    return list(
        db.session.scalars(
            sa.select(User)
            .join(UserRole)
            .where(
                User.practice_id == practice_id,
                UserRole.role == "therapist",
                User.is_active_account.is_(True),
                User.password_hash.is_not(None),
            )
            .order_by(User.name)
        )
    )
