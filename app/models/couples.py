"""Couples: the case, its two partners and its confidentiality policy."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.accounts import Practice, User
from app.models.base import Base, TimestampMixin, one_of, utcnow
from app.models.safety_checks import CHECK_SCHEDULES
from app.models.safety_holds import SafetyHold

POLICIES = ("open", "limited")
COUPLE_STATUSES = ("active", "paused", "closed")


class Couple(TimestampMixin, Base):
    """A case: two partners, one assigned therapist, a timezone and a policy."""

    __tablename__ = "couples"
    __table_args__ = (
        sa.CheckConstraint(one_of("confidentiality_policy", POLICIES), name="policy_valid"),
        sa.CheckConstraint(one_of("status", COUPLE_STATUSES), name="status_valid"),
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        sa.CheckConstraint(one_of("safety_check_schedule", CHECK_SCHEDULES),
                           name="safety_check_schedule_valid"),
        # A change of completion sharing is recorded with its time and who made it, or not
        # at all (never changed since the couple was created).
        sa.CheckConstraint(
            "(completion_sharing_changed_at IS NULL AND completion_sharing_changed_by_id IS NULL)"
            " OR (completion_sharing_changed_at IS NOT NULL"
            " AND completion_sharing_changed_by_id IS NOT NULL)",
            name="sharing_changed_by_iff_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    therapist_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    confidentiality_policy: Mapped[str] = mapped_column(sa.String(10), default="limited")
    status: Mapped[str] = mapped_column(sa.String(10), default="active")
    # Set when the therapist changes the policy: partners accept the new one again.
    policy_changed_at: Mapped[dt.datetime | None]
    # Whether each partner sees the other's completion (done / partly / not done) of the
    # homework given to both; the rule itself lives in app/services/visibility.py.
    is_completion_shared: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Set when the therapist changes that setting: an entry logged before it is never shown
    # by it, and each partner is told of the change in their portal.
    completion_sharing_changed_at: Mapped[dt.datetime | None]
    completion_sharing_changed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id"), index=True)

    # When partners answer the private safety check again after their first: "intake"
    # (never), "session" (before each scheduled session) or "monthly".
    safety_check_schedule: Mapped[str] = mapped_column(sa.String(10), default="intake",
                                                       server_default="intake")

    practice: Mapped[Practice] = relationship()
    therapist: Mapped[User] = relationship(foreign_keys=[therapist_id])
    partners: Mapped[list[Partner]] = relationship(
        back_populates="couple", order_by="Partner.position", lazy="selectin"
    )
    # Every safety hold, open or lifted, oldest first (app/services/visibility.py reads them).
    safety_holds: Mapped[list[SafetyHold]] = relationship(
        order_by=SafetyHold.started_at, lazy="selectin"
    )


class Partner(TimestampMixin, Base):
    """Membership of a client user in a couple: position 1 or 2, at most two per couple."""

    __tablename__ = "partners"
    __table_args__ = (
        sa.CheckConstraint("position IN (1, 2)", name="position_one_or_two"),
        sa.UniqueConstraint("couple_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"), index=True)
    # A client belongs to exactly one couple.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    # When this partner acknowledged the notice of the couple's last change of completion
    # sharing ("Your therapist changed what you see of each other's homework").
    completion_sharing_seen_at: Mapped[dt.datetime | None]

    couple: Mapped[Couple] = relationship(back_populates="partners")
    user: Mapped[User] = relationship(lazy="joined")


class PolicyConsent(Base):
    """A partner's acceptance of the couple's confidentiality policy, as it was worded."""

    __tablename__ = "policy_consents"
    __table_args__ = (
        sa.CheckConstraint(one_of("policy", POLICIES), name="policy_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    policy: Mapped[str] = mapped_column(sa.String(10))
    # The words the partner read, so the record shows what was agreed to.
    wording: Mapped[str] = mapped_column(sa.Text)
    accepted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
