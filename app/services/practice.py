"""The practice as its admin sees it: figures, clinicians, couples' assignment and settings.

Nothing here reads clinical content. Clinician figures and lists count only people who have
joined (set a password), and partner places are counted alike whether or not their address
already had an account, so nothing an admin sees reveals that an address is known elsewhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from app.clock import now
from app.extensions import db
from app.models import Couple, Invitation, Partner, Practice, User, UserRole
from app.models.accounts import PAPER_SIZES
from app.models.couples import COUPLE_STATUSES
from app.services import DomainError
from app.services.accounts import (
    check_timezone,
    create_user,
    normalise_email,
    set_roles,
    user_by_email,
)
from app.services.invitations import Outgoing, invite_user

CLINICIAN_ROLES = ("therapist", "admin")


class SettingsError(DomainError):
    """A practice setting that cannot be saved; `field` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class PracticeFigures:
    """Practice-level counts for the admin's overview; no clinical content."""

    active_therapists: int
    active_admins: int
    deactivated_accounts: int
    couples_by_status: dict[str, int]
    partners_joined: int
    partners_not_joined: int
    pending_invitations: int


def _require_admin(actor: User, practice_id: int) -> None:
    if not actor.is_admin or actor.practice_id != practice_id:
        raise DomainError("Only an admin of the practice can do that")


def practice_figures(practice_id: int) -> PracticeFigures:
    """The overview's figures in three aggregate queries, whatever the practice's size."""
    joined = User.password_hash.is_not(None)
    active = User.is_active_account.is_(True)

    def count_where(*conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.count(sa.distinct(sa.case((sa.and_(*conditions), User.id))))

    people = db.session.execute(
        sa.select(
            count_where(UserRole.role == "therapist", active, joined),
            count_where(UserRole.role == "admin", active, joined),
            count_where(User.is_active_account.is_(False)),
            count_where(UserRole.role == "client", joined),
        )
        .select_from(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.practice_id == practice_id)
    ).one()

    by_status = dict.fromkeys(COUPLE_STATUSES, 0)
    for status, count in db.session.execute(
        sa.select(Couple.status, sa.func.count(Couple.id))
        .where(Couple.practice_id == practice_id)
        .group_by(Couple.status)
    ):
        by_status[status] = count

    # A partner place not yet joined is a partner without a password, or a place whose
    # invitation went to an address that already had an account (no partner row exists).
    places_not_joined = sa.union(
        sa.select(Partner.couple_id, Partner.position)
        .join(User, User.id == Partner.user_id)
        .where(User.practice_id == practice_id, User.password_hash.is_(None)),
        sa.select(Invitation.couple_id, Invitation.position).where(
            Invitation.practice_id == practice_id,
            Invitation.role == "client",
            Invitation.user_id.is_(None),
            Invitation.accepted_at.is_(None),
        ),
    ).subquery()
    pending = (
        sa.select(sa.func.count(Invitation.id))
        .where(
            Invitation.practice_id == practice_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now(),
        )
        .scalar_subquery()
    )
    not_joined, pending_count = db.session.execute(
        sa.select(sa.func.count(), pending).select_from(places_not_joined)
    ).one()

    return PracticeFigures(
        active_therapists=people[0],
        active_admins=people[1],
        deactivated_accounts=people[2],
        couples_by_status=by_status,
        partners_joined=people[3],
        partners_not_joined=not_joined,
        pending_invitations=pending_count,
    )


def clinicians_of_practice(practice_id: int) -> list[User]:
    """Therapists and admins of the practice who have joined, by name, roles loaded."""
    is_client = (
        sa.select(UserRole.user_id)
        .where(UserRole.user_id == User.id, UserRole.role == "client")
        .exists()
    )
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.practice_id == practice_id,
                User.password_hash.is_not(None),
                ~is_client,
            )
            .order_by(User.name, User.id)
        )
    )


def open_clinician_invitations(practice_id: int) -> list[Invitation]:
    """Clinician invitations not yet accepted or withdrawn (expired ones included)."""
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(
                Invitation.practice_id == practice_id,
                Invitation.role != "client",
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.sent_at.desc(), Invitation.id.desc())
        )
    )


def invite_clinician(admin: User, *, email: str, name: str, roles: Iterable[str]) -> Outgoing:
    """Invite a therapist or admin; the admin sees the same whether or not the address
    already has an account (which then gets a notice rather than a link).

    Open clinician invitations of the practice to the same address are withdrawn, so
    only the newest link works. An address whose account was made by an earlier
    invitation of this practice and never used gets a fresh link.
    """
    _require_admin(admin, admin.practice_id)
    roles = set(roles)
    if not roles or not roles <= set(CLINICIAN_ROLES):
        raise DomainError("Choose therapist, admin or both.")
    email = normalise_email(email)
    name = name.strip()
    if not name:
        raise DomainError("Enter a name.")
    for previous in db.session.scalars(
        sa.select(Invitation).where(
            Invitation.practice_id == admin.practice_id,
            Invitation.role != "client",
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        previous.revoked_at = now()

    user = user_by_email(email)
    if user is None:
        user = create_user(
            admin.practice,
            email=email,
            name=name,
            roles=roles,
            password=None,
            timezone=admin.practice.default_timezone,
        )
    elif (
        user.practice_id == admin.practice_id
        and user.password_hash is None
        and user.is_active
        and not user.is_client
    ):
        set_roles(admin, user, roles)
        user.name = name
    else:
        user = None
    role = "therapist" if "therapist" in roles else "admin"
    return invite_user(admin, user=user, email=email, name=name, role=role)


@dataclass(frozen=True)
class CoupleRow:
    """What an admin sees of a couple: who holds it and its state, nothing clinical."""

    id: int
    name: str
    status: str
    therapist_id: int
    therapist_name: str
    therapist_is_active: bool
    created_at: dt.datetime


def couples_of_practice(practice_id: int) -> list[CoupleRow]:
    """The practice's couples with their therapist, in one query of plain columns."""
    rows = db.session.execute(
        sa.select(
            Couple.id,
            Couple.name,
            Couple.status,
            Couple.therapist_id,
            User.name.label("therapist_name"),
            User.is_active_account.label("therapist_is_active"),
            Couple.created_at,
        )
        .join(User, User.id == Couple.therapist_id)
        .where(Couple.practice_id == practice_id)
        .order_by(Couple.name, Couple.id)
    )
    return [CoupleRow(**row._asdict()) for row in rows]


def update_practice_settings(
    actor: User, practice: Practice, *, name: str, paper_size: str, default_timezone: str
) -> list[str]:
    """Save the practice's name, paper size and default timezone; returns what changed."""
    _require_admin(actor, practice.id)
    name = (name or "").strip()
    if not name:
        raise SettingsError("name", "Give the practice a name.")
    if len(name) > 200:
        raise SettingsError("name", "Keep the name under 200 characters.")
    if paper_size not in PAPER_SIZES:
        raise SettingsError("paper_size", "Choose A4 or Letter.")
    try:
        check_timezone(default_timezone)
    except DomainError as error:
        raise SettingsError("default_timezone", "Choose a timezone from the list.") from error
    changed = []
    for field, value in (
        ("name", name),
        ("paper_size", paper_size),
        ("default_timezone", default_timezone),
    ):
        if getattr(practice, field) != value:
            setattr(practice, field, value)
            changed.append(field)
    db.session.flush()
    return changed
