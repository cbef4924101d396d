"""What one partner sees of the other's homework: the one place for these rules. The
portal, the couple handout and every sentence that tells a partner who sees what read them
here, so what a partner is told and what they are shown cannot drift apart.

Plain functions over models already loaded; no queries.
"""

from __future__ import annotations

from app.models import Assignment, Couple


def is_given_to(assignment: Assignment, user_id: int) -> bool:
    """Whether this partner was given the assignment: it is in their portal at all. An
    assignment for one partner does not exist for the other (not found)."""
    return assignment.mode != "one" or assignment.partner_id == user_id


def is_given_to_both(assignment: Assignment) -> bool:
    """Whether both partners were given the assignment (both, or joint)."""
    return assignment.mode != "one"


def completion_seen_by_partner(couple: Couple, assignment: Assignment, visibility: str) -> bool:
    """Whether the other partner sees an entry's completion (done / partly / not done) in
    their portal: only on homework given to both of them."""
    return is_given_to_both(assignment)


def words_seen_by_partner(visibility: str) -> bool:
    """Whether the other partner reads an entry's words and ratings: only when its author
    shared it (under the open policy every entry is shared)."""
    return visibility == "partner"
