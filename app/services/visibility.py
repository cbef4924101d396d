"""What one partner sees of the other's homework: the one place for these rules. The
portal, the couple handout and every sentence that tells a partner who sees what
(app/services/policies.py) read them here, so what a partner is told and what they are
shown cannot drift apart.

The rules, in short:

- Homework given to one partner does not exist for the other: not its title, not its
  entries (not found).
- On homework given to both (both, or joint), the other partner sees an entry's
  completion (done / partly / not done) when the couple's setting shares completion and
  the entry was logged since that setting last changed, whatever the entry's visibility:
  its words can be private while its completion is seen. Completion is the couple's
  shared homework, as the policy both partners accept says; hiding it whenever the words
  are private would turn every private entry (the default under the limited policy) into
  what looks like a missed day, and a couple for whom even completion should stay private
  has the therapist's setting, which hides all of it. The entry form says which holds.
- The other partner reads an entry's words and ratings only when its author shared it
  (under the open policy every entry is shared), on homework given to both.

Plain functions over values already loaded; no queries.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from app.models import Assignment, Couple


class Logged(Protocol):
    """What these rules read of an entry (an Entry, or a row of its columns)."""

    visibility: str
    created_at: dt.datetime


def is_given_to(assignment: Assignment, user_id: int) -> bool:
    """Whether this partner was given the assignment: it is in their portal at all. An
    assignment for one partner does not exist for the other (not found)."""
    return assignment.mode != "one" or assignment.partner_id == user_id


def is_given_to_both(assignment: Assignment) -> bool:
    """Whether both partners were given the assignment (both, or joint)."""
    return assignment.mode != "one"


def completion_shared_for(couple: Couple, assignment: Assignment) -> bool:
    """Whether, from now on, what a partner logs on this assignment shows its completion
    to the other partner: homework given to both, in a couple whose setting shares it."""
    return is_given_to_both(assignment) and couple.is_completion_shared


def completion_seen_by_partner(couple: Couple, assignment: Assignment, entry: Logged) -> bool:
    """Whether the other partner sees this entry's completion (done / partly / not done):
    on homework given to both, when the couple shares completion, for an entry logged
    since the setting last changed (what was logged while it was off, or before it was
    turned on again, is never shown). The entry's visibility plays no part: it governs
    the words."""
    logged_at = entry.created_at  # read first: a caller that passes no entry fails at once
    if not completion_shared_for(couple, assignment):
        return False
    since = couple.completion_sharing_changed_at
    return since is None or logged_at >= since


def words_seen_by_partner(visibility: str) -> bool:
    """Whether the other partner reads an entry's words and ratings, on homework given to
    both: only when its author shared it (under the open policy every entry is shared)."""
    return visibility == "partner"


def words_read_by_partner(assignment: Assignment, visibility: str) -> bool:
    """Whether the other partner reads this entry's words and ratings at all: shared, on
    homework given to both (one partner's homework is never seen by the other)."""
    return is_given_to_both(assignment) and words_seen_by_partner(visibility)


def can_be_shared(couple: Couple, assignment: Assignment) -> bool:
    """Whether its author chooses who reads an entry of this assignment: under the limited
    policy, on homework given to both. (Open: always shared; one partner's: never.)"""
    return couple.confidentiality_policy == "limited" and is_given_to_both(assignment)


def has_words(answers: list, ratings: list) -> bool:
    """Whether an entry holds anything to read (an answer or a rating): a shared entry
    without any shows the other partner nothing, not even that it exists."""
    return any(answers) or any(value is not None for value in ratings)
