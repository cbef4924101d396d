"""Scoped loaders: the one way routes load records. Anything that is not the caller's
raises NotVisible, which the app answers exactly like an id that does not exist (404)."""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Assignment,
    Couple,
    CrisisLine,
    Entry,
    Exercise,
    Invitation,
    MailOutbox,
    Partner,
    Report,
    Step,
    TherapySession,
    User,
)
from app.services.visibility import is_given_to

T = TypeVar("T")


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


def _of_therapists_couple(model: type[T], record_id: int, user: User) -> tuple[Couple, T]:
    """A record (with a couple_id) of one of the therapist's couples, with that couple; a
    record of anyone else's couple is as not-found as a missing one."""
    record = db.session.get(model, record_id)
    name = model.__tablename__  # type: ignore[attr-defined]
    if record is None:
        raise NotVisible(name, record_id)
    try:
        couple = couple_for_therapist(record.couple_id, user)  # type: ignore[attr-defined]
    except NotVisible:
        raise NotVisible(name, record_id) from None
    return couple, record


def assignment_for_therapist(assignment_id: int, user: User) -> tuple[Couple, Assignment]:
    """An assignment of one of the therapist's couples, with that couple."""
    return _of_therapists_couple(Assignment, assignment_id, user)


def assignment_for_partner(assignment_id: int, user: User) -> tuple[Couple, Assignment]:
    """An assignment the partner logs (theirs alone, both partners', or joint)."""
    couple = couple_for_partner(user)
    assignment = db.session.get(Assignment, assignment_id)
    if (
        assignment is None
        or assignment.couple_id != couple.id
        or not is_given_to(assignment, user.id)
    ):
        raise NotVisible("assignments", assignment_id)
    return couple, assignment


def exercise_for_therapist(exercise_id: int, user: User) -> Exercise:
    """A built-in guide's exercise, or one of the therapist's own."""
    exercise = db.session.get(Exercise, exercise_id)
    if exercise is None or exercise.is_archived:
        raise NotVisible("exercises", exercise_id)
    if exercise.owner_id is not None and exercise.owner_id != user.id:
        raise NotVisible("exercises", exercise_id)
    if exercise.step is not None and exercise.step.guide.practice_id not in (None,
                                                                            user.practice_id):
        raise NotVisible("exercises", exercise_id)
    return exercise


def step_for_therapist(step_id: int, user: User) -> Step:
    step = db.session.get(Step, step_id)
    if step is None or step.guide.practice_id not in (None, user.practice_id):
        raise NotVisible("steps", step_id)
    return step


def entry_for_author(entry_id: int, user: User) -> tuple[Couple, Entry]:
    """An entry its author is looking at (for sharing or un-sharing it)."""
    couple = couple_for_partner(user)
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.author_id != user.id or entry.assignment.couple_id != couple.id:
        raise NotVisible("entries", entry_id)
    return couple, entry


def session_for_therapist(session_id: int, user: User) -> tuple[Couple, TherapySession]:
    """A session of one of the therapist's couples, with that couple."""
    return _of_therapists_couple(TherapySession, session_id, user)


def session_for_partner(session_id: int, user: User) -> tuple[Couple, TherapySession]:
    """A session of the partner's own couple (for the measure answered before it)."""
    couple = couple_for_partner(user)
    session = db.session.get(TherapySession, session_id)
    if session is None or session.couple_id != couple.id:
        raise NotVisible("therapy_sessions", session_id)
    return couple, session


def report_for_therapist(report_id: int, user: User) -> tuple[Couple, Report]:
    """An archived report of one of the therapist's couples."""
    return _of_therapists_couple(Report, report_id, user)


def crisis_line_for_admin(line_id: int, admin: User) -> CrisisLine:
    """A crisis line of the admin's practice."""
    line = db.session.get(CrisisLine, line_id)
    if line is None or not admin.is_admin or line.practice_id != admin.practice_id:
        raise NotVisible("crisis_lines", line_id)
    return line


def mail_for_admin(row_id: int, admin: User) -> MailOutbox:
    """An outbox row of the admin's practice (an address not known to be anyone's is no
    practice's, and no admin's)."""
    row = db.session.get(MailOutbox, row_id)
    if row is None or not admin.is_admin or row.practice_id != admin.practice_id:
        raise NotVisible("mail_outbox", row_id)
    return row
