"""The CSI-4, a measure answered before a session: its items exactly as validated,
scoring, answering and history.

Each partner answers on their own for one scheduled session. A partner never sees the
other's answers or score; only the couple's therapist does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.clock import now
from app.extensions import db
from app.models import Couple, MeasureResponse, TherapySession, User
from app.services import Collision, DomainError


@dataclass(frozen=True)
class Item:
    number: int
    text: str
    answers: tuple[str, ...]  # the label of each answer; its score is its position

    @property
    def max_score(self) -> int:
        return len(self.answers) - 1


# Items and answer labels exactly as the validated scale gives them: a paraphrase would no
# longer be the validated instrument.
CSI4_ITEMS = (
    Item(1, "Please indicate the degree of happiness, all things considered, of your "
            "relationship.",
         ("Extremely Unhappy", "Fairly Unhappy", "A Little Unhappy", "Happy", "Very Happy",
          "Extremely Happy", "Perfect")),
    Item(2, "I have a warm and comfortable relationship with my partner.",
         ("Not at all TRUE", "A little TRUE", "Somewhat TRUE", "Mostly TRUE",
          "Almost Completely TRUE", "Completely TRUE")),
    Item(3, "How rewarding is your relationship with your partner?",
         ("Not at all", "A little", "Somewhat", "Mostly", "Almost Completely", "Completely")),
    Item(4, "In general, how satisfied are you with your relationship?",
         ("Not at all", "A little", "Somewhat", "Mostly", "Almost Completely", "Completely")),
)
CSI4_MAX = sum(item.max_score for item in CSI4_ITEMS)  # 21
CSI4_CUTOFF = 13.5
CSI4_NAME = "Couples Satisfaction Index (CSI-4)"
CSI4_REFERENCE = (
    "Funk, J. L., & Rogge, R. D. (2007). Testing the ruler with item response theory: "
    "Increasing precision of measurement for relationship satisfaction with the Couples "
    "Satisfaction Index. Journal of Family Psychology, 21(4), 572-583. "
    "doi:10.1037/0893-3200.21.4.572"
)


def csi4_score(answers: Sequence[int | None]) -> int:
    """The sum of the four answers, 0 to 21; every item is required."""
    if len(answers) != len(CSI4_ITEMS) or any(a is None for a in answers):
        raise DomainError("Please answer all four questions.")
    for item, answer in zip(CSI4_ITEMS, answers, strict=True):
        if not 0 <= answer <= item.max_score:  # type: ignore[operator]
            raise DomainError("Please answer all four questions.")
    return sum(answers)  # type: ignore[arg-type]


# --- answering -------------------------------------------------------------------------


def is_open_for(session: TherapySession, at: dt.datetime | None = None) -> bool:
    """Partners may answer a requested measure until the session starts."""
    return (
        session.is_measure_requested
        and session.status == "scheduled"
        and session.scheduled_at > (at or now())
    )


def response_of(user: User, session: TherapySession) -> MeasureResponse | None:
    return db.session.scalar(
        sa.select(MeasureResponse).where(
            MeasureResponse.session_id == session.id,
            MeasureResponse.respondent_id == user.id,
            MeasureResponse.instrument == "csi4",
        )
    )


def submit_csi4(user: User, session: TherapySession, answers: Sequence[int | None]
                ) -> MeasureResponse:
    """Record a partner's answers for a session; answering twice is refused."""
    if not is_open_for(session):
        raise DomainError("These questions are closed: the session has started or was changed.")
    score = csi4_score(answers)
    if response_of(user, session) is not None:
        raise DomainError("You have already answered these questions. Thank you.")
    response = MeasureResponse(session_id=session.id, respondent_id=user.id,
                               instrument="csi4", answers=list(answers), score=score,
                               created_at=now())
    db.session.add(response)
    try:
        db.session.flush()
    except IntegrityError:  # answered from another window at the same moment
        raise Collision("You have already answered these questions. Thank you.") from None
    return response


def backfill_csi4(user: User, session: TherapySession, answers: Sequence[int],
                  answered_at: dt.datetime) -> MeasureResponse:
    """Answers given before a past session (demo data and imports); same scoring rules."""
    response = MeasureResponse(session_id=session.id, respondent_id=user.id, instrument="csi4",
                               answers=list(answers), score=csi4_score(answers),
                               created_at=answered_at)
    db.session.add(response)
    return response


def due_measures(user: User, couple: Couple) -> list[TherapySession]:
    """Sessions whose requested measure this partner has not answered yet, soonest first."""
    answered = sa.select(MeasureResponse.session_id).where(
        MeasureResponse.respondent_id == user.id, MeasureResponse.instrument == "csi4"
    )
    return list(
        db.session.scalars(
            sa.select(TherapySession)
            .where(
                TherapySession.couple_id == couple.id,
                TherapySession.is_measure_requested.is_(True),
                TherapySession.status == "scheduled",
                TherapySession.scheduled_at > now(),
                TherapySession.id.not_in(answered),
            )
            .order_by(TherapySession.scheduled_at)
        )
    )


# --- history, for the therapist --------------------------------------------------------


@dataclass
class ScoreRow:
    """Both partners' scores at one session."""

    session: TherapySession
    number: int | None
    scores: dict[int, int | None]  # partner user id -> score
    changes: dict[int, int | None] = field(default_factory=dict)  # since that partner's first

    @property
    def gap(self) -> int | None:
        values = [s for s in self.scores.values() if s is not None]
        return abs(values[0] - values[1]) if len(values) == 2 else None


def responses_for(couple: Couple) -> dict[int, dict[int, MeasureResponse]]:
    """session id -> respondent id -> response, for every session of the couple (one query)."""
    found: dict[int, dict[int, MeasureResponse]] = {}
    rows = db.session.scalars(
        sa.select(MeasureResponse)
        .join(TherapySession, TherapySession.id == MeasureResponse.session_id)
        .where(TherapySession.couple_id == couple.id, MeasureResponse.instrument == "csi4")
    )
    for response in rows:
        found.setdefault(response.session_id, {})[response.respondent_id] = response
    return found


def score_history(partner_ids: Sequence[int], numbered: Sequence[tuple[TherapySession, int | None]],
                  responses: dict[int, dict[int, MeasureResponse]]) -> list[ScoreRow]:
    """One row per session with at least one answer, in session order, with each partner's
    change since their first score."""
    rows: list[ScoreRow] = []
    first: dict[int, int] = {}
    for session, number in numbered:
        answered = responses.get(session.id)
        if not answered:
            continue
        row = ScoreRow(session, number,
                       {pid: answered[pid].score if pid in answered else None
                        for pid in partner_ids})
        for pid, score in row.scores.items():
            if score is None:
                row.changes[pid] = None
                continue
            first.setdefault(pid, score)
            row.changes[pid] = score - first[pid]
        rows.append(row)
    return rows
