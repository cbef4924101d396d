"""A demo practice built through the app's own services."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from app.extensions import db
from app.models import Practice, User
from app.services import DomainError
from app.services.accounts import create_practice, create_user
from app.services.couples import PartnerDetails, create_couple
from app.services.invitations import accept

DEMO_PASSWORD = "rekindle-demo"  # noqa: S105 - published demo credential
DEMO_PRACTICE = "Riverside Couples Practice"


@dataclass
class DemoResult:
    created: bool
    logins: list[tuple[str, str]] = field(default_factory=list)
    message: str = ""


def demo_logins() -> list[tuple[str, str]]:
    """(email, role description) for every demo account that can sign in."""
    return [
        ("admin@example.com", "practice admin"),
        ("therapist@example.com", "therapist"),
        ("alex@example.com", "partner, couple one"),
        ("sam@example.com", "partner, couple one"),
        ("jordan@example.com", "partner, couple two"),
        ("casey@example.com", "partner, couple two"),
        ("riley@example.com", "partner, couple three (Morgan not yet invited)"),
    ]


def build_demo(*, if_empty: bool = False) -> DemoResult:
    """Create the demo practice; refuse on a database that holds anyone else."""
    non_demo = db.session.scalar(
        sa.select(sa.func.count(User.id)).join(Practice).where(Practice.is_demo.is_(False))
    )
    if non_demo:
        if if_empty:
            return DemoResult(False, message="Real accounts exist; no demo data added.")
        raise DomainError(
            f"Refusing to add demo data: this database holds {non_demo} non-demo "
            "account(s), and demo accounts share a published password."
        )
    if db.session.scalar(sa.select(Practice.id).where(Practice.is_demo.is_(True))):
        return DemoResult(False, demo_logins(), "Demo data is already loaded.")

    practice = create_practice(DEMO_PRACTICE, timezone="America/New_York", is_demo=True)
    therapist = create_user(
        practice,
        email="therapist@example.com",
        name="Dr. Robin Avery",
        roles={"therapist"},
        password=DEMO_PASSWORD,
        timezone="America/New_York",
    )
    create_user(
        practice,
        email="admin@example.com",
        name="Pat Okafor",
        roles={"admin"},
        password=DEMO_PASSWORD,
        timezone="America/New_York",
    )
    couples = [
        ("Alex & Sam", "America/New_York", "limited",
         [("Alex Rivera", "alex@example.com"), ("Sam Rivera", "sam@example.com")]),
        ("Jordan & Casey", "Europe/London", "open",
         [("Jordan Lee", "jordan@example.com"), ("Casey Morgan", "casey@example.com")]),
        ("Riley & Morgan", "America/Chicago", "limited",
         [("Riley Chen", "riley@example.com"), ("Morgan Chen", "morgan@example.com")]),
    ]
    for name, timezone, policy, people in couples:
        created = create_couple(
            therapist,
            name=name,
            # Morgan has not been invited yet; everyone else has.
            partners=[PartnerDetails(n, e, invite=e != "morgan@example.com") for n, e in people],
            timezone=timezone,
            policy=policy,
        )
        for outgoing in created.outgoing:
            accept(
                outgoing.invitation,
                password=DEMO_PASSWORD,
                timezone=timezone,
                accepts_policy=True,
            )
    db.session.flush()
    return DemoResult(True, demo_logins(), "Demo practice created.")
