"""Setting up an install: the first admin."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Practice, User
from app.services import DomainError
from app.services.accounts import create_practice, create_user
from app.services.passwords import check_password_policy


def create_first_admin(
    *,
    email: str,
    name: str,
    password: str,
    practice_name: str | None,
    therapist: bool = False,
    timezone: str | None = None,
) -> User:
    """An admin for a new practice (practice_name given) or the only existing one."""
    check_password_policy(password, email=email)
    if practice_name:
        practice = create_practice(practice_name, timezone=timezone or "UTC")
    else:
        practices = db.session.scalars(
            sa.select(Practice).where(Practice.is_demo.is_(False))
        ).all()
        if len(practices) != 1:
            raise DomainError(
                "Name the practice to create with --practice 'Practice name'"
                if not practices
                else "Several practices exist: name a new one with --practice"
            )
        practice = practices[0]
    roles = {"admin", "therapist"} if therapist else {"admin"}
    return create_user(
        practice, email=email, name=name, roles=roles, password=password, timezone=timezone
    )
