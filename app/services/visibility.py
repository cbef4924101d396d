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
- While the couple is on a safety hold (app/services/safety_hold.py), whatever the policy
  and the setting: a new entry is private to the therapist and cannot be shared, and
  neither partner sees the other's completion. What was logged while a hold was open
  never shows its completion, even after the hold is lifted: its author was told that
  only the therapist sees it.

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


def is_held(couple: Couple) -> bool:
    """Whether the couple is on a safety hold now."""
    return any(hold.lifted_at is None for hold in couple.safety_holds)


def logged_while_held(couple: Couple, moment: dt.datetime) -> bool:
    """Whether `moment` fell while a safety hold of the couple was open."""
    return any(hold.covers(moment) for hold in couple.safety_holds)


def is_private_for_now(couple: Couple) -> bool:
    """Whether every new entry is private to the therapist whatever the policy (a hold)."""
    return is_held(couple)


def completion_shared_for(couple: Couple, assignment: Assignment) -> bool:
    """Whether, from now on, what a partner logs on this assignment shows its completion
    to the other partner: homework given to both, in a couple whose setting shares it,
    not on a safety hold."""
    return (is_given_to_both(assignment) and couple.is_completion_shared
            and not is_held(couple))


def completion_seen_by_partner(couple: Couple, assignment: Assignment, entry: Logged) -> bool:
    """Whether the other partner sees this entry's completion (done / partly / not done):
    on homework given to both, when the couple shares completion, for an entry logged
    since the setting last changed (what was logged while it was off, or before it was
    turned on again, is never shown). The entry's visibility plays no part: it governs
    the words."""
    logged_at = entry.created_at  # read first: a caller that passes no entry fails at once
    if not completion_shared_for(couple, assignment):
        return False
    if logged_while_held(couple, logged_at):
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


def can_choose_readers(couple: Couple, assignment: Assignment) -> bool:
    """Whether its author decides who reads an entry of this assignment at all: under the
    limited policy, on homework given to both. (Open: always shared; one partner's:
    never.) During a safety hold they can still stop sharing, not share."""
    return couple.confidentiality_policy == "limited" and is_given_to_both(assignment)


def can_be_shared(couple: Couple, assignment: Assignment) -> bool:
    """Whether its author can share an entry of this assignment with the other partner:
    they choose who reads it, and the couple is not on a safety hold."""
    return can_choose_readers(couple, assignment) and not is_private_for_now(couple)


def has_words(answers: list, ratings: list) -> bool:
    """Whether an entry holds anything to read (an answer or a rating): a shared entry
    without any shows the other partner nothing, not even that it exists."""
    return any(answers) or any(value is not None for value in ratings)
