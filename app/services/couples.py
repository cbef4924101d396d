"""Couples and their partners."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Couple, Partner, User
from app.models.couples import POLICIES
from app.services import DomainError
from app.services.accounts import check_timezone, create_user


@dataclass(frozen=True)
class PartnerDetails:
    name: str
    email: str


def create_couple(
    therapist: User,
    *,
    name: str,
    partners: Sequence[PartnerDetails],
    timezone: str,
    policy: str = "limited",
) -> Couple:
    """A couple in the therapist's practice, with one client account per partner."""
    if not therapist.is_therapist:
        raise DomainError("Only a therapist can take on a couple")
    if not 1 <= len(partners) <= 2:
        raise DomainError("A couple has one or two partners")
    if policy not in POLICIES:
        raise DomainError("The confidentiality policy is either open or limited")
    couple = Couple(
        practice_id=therapist.practice_id,
        therapist_id=therapist.id,
        name=name.strip(),
        timezone=check_timezone(timezone),
        confidentiality_policy=policy,
    )
    db.session.add(couple)
    db.session.flush()
    for position, details in enumerate(partners, start=1):
        user = create_user(
            therapist.practice,
            email=details.email,
            name=details.name,
            roles={"client"},
            timezone=timezone,
        )
        db.session.add(Partner(couple=couple, user=user, position=position))
    db.session.flush()
    return couple


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


def couple_of_partner(user: User) -> Couple | None:
    """The couple a partner belongs to."""
    return db.session.scalar(
        sa.select(Couple).join(Partner).where(Partner.user_id == user.id)
    )
