"""Every sentence that tells someone who sees what, in one place.

Templates, flash messages and the policy a partner accepts take their words from here, and
the functions below choose, from app/services/visibility.py's rules, the sentence that is
true for a couple, an assignment and an entry. `SENTENCES` lists them all by key;
tests/test_true_sentences.py signs in as each person a sentence speaks about, under every
policy and setting and after a move to another therapist, and checks what that person can
actually see; it fails on a key it has no check for. "Your therapist" is whoever has the
couple now (couple.therapist): the therapist who has the couple reads everything its
partners wrote, earlier entries included.

A new sentence about who sees what belongs here, with its check.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app.models import Assignment, Couple, Entry
from app.services.visibility import (
    can_be_shared,
    completion_seen_by_partner,
    completion_shared_for,
    is_given_to_both,
    is_private_for_now,
    words_read_by_partner,
)

SENTENCES: dict[str, str] = {
    # The policy, as a partner reads and accepts it, and as the portal shows it.
    "policy.open": (
        "Your couple has chosen the open policy. Everything you write in your reflections, "
        "answers and ratings is read by your therapist and by your partner."
    ),
    "policy.limited": (
        "Your couple has chosen the limited policy. What you write in your reflections, "
        "answers and ratings starts private: only your therapist reads it. For each entry "
        "you can choose to share it with your partner, and stop sharing it later."
    ),
    "policy.completion_shared": (
        "Whether you did an exercise you were both given (done, partly or not done) is seen "
        "by your partner and your therapist."
    ),
    "policy.completion_shared_since": (
        "Whether you did an exercise you were both given (done, partly or not done) is seen "
        "by your partner and your therapist, for what you log since this was turned on "
        "({date})."
    ),
    "policy.completion_not_shared": (
        "Whether you did an exercise (done, partly or not done) is seen by your therapist "
        "only, not by your partner."
    ),
    "policy.one_partner": (
        "An exercise given to one of you alone is never seen by the other: neither the "
        "exercise nor anything logged for it."
    ),
    "policy.therapist": (
        "Your therapist is {therapist}. If your couple moves to another therapist, that "
        "therapist reads what you wrote, earlier entries included."
    ),
    # The entry form, beside "Did you do it?".
    "entry.completion_shared": "Your partner and your therapist see whether you did it.",
    "entry.completion_not_shared": (
        "Only your therapist sees whether you did it; your partner does not."
    ),
    "entry.one_partner": (
        "This exercise is yours alone: your partner does not see it, nor anything you log "
        "for it. Only your therapist reads what you write."
    ),
    # The entry form, about the words, when the author chooses who reads them.
    "choice.therapist": "Only my therapist",
    "choice.partner": "My therapist and my partner",
    "choice.private_completion_seen": (
        "If only your therapist reads it, your partner still sees whether you did it, but "
        "not what you wrote. You can share it later."
    ),
    "choice.private_unseen": (
        "If only your therapist reads it, your partner sees nothing of this entry, not even "
        "that it exists. You can share it later."
    ),
    "entry.open_words": (
        "Your couple's policy is open: what you write here is read by your partner and "
        "your therapist."
    ),
    # Who reads an entry's words once it is saved: the entry page, the saved message, and
    # (short) the author's day in the portal.
    "readers.therapist": "Only your therapist can read what you wrote.",
    "readers.both": "Your therapist and your partner can read what you wrote.",
    "readers.therapist_short": "Only your therapist reads it",
    "readers.both_short": "Your partner reads it too",
    "entry.earlier_versions": "Your therapist can see earlier versions of an entry you change.",
    "entry.draft": (
        "Your words are kept as a draft while you write; only you can see a draft."
    ),
    # Sharing an entry that was private, and taking it back.
    "share.confirm": (
        "Your partner will read what you wrote here, as shown below, on this day of the "
        "exercise. You can stop sharing it later, but they may already have read it."
    ),
    "share.done": "Shared. Your partner can now read what you wrote.",
    "share.undone": (
        "Only your therapist can read what you wrote now. Your partner may already have "
        "read it."
    ),
    # The portal's notice after the therapist changed the couple's completion sharing.
    "notice.changed": "Your therapist changed what you see of each other's homework.",
    # ... when it was changed by the therapist who had the couple before.
    "notice.changed_before_move": "What you see of each other's homework has changed.",
    "notice.now_shared": (
        "From now on, you each see whether the other did the homework you were both given "
        "(done, partly or not done). Nothing logged before this change is shown."
    ),
    "notice.now_not_shared": (
        "From now on, neither of you sees whether the other did their homework; your "
        "therapist still does. Written entries still follow your couple's policy."
    ),
    # The CSI-4 before a session.
    "measure.therapist_only": "Only your therapist sees your answers, never your partner.",
    # The private safety check ("A few questions just for you").
    "safety.readers": (
        "Only your therapist reads your answers. Your partner never sees them, nor "
        "whether you answered."
    ),
    "safety.between_sessions": (
        "Your therapist reads them between sessions, not as you send them. If you need "
        "help now, use the numbers on this page."
    ),
    "safety.not_shown_again": (
        "Once sent, your answers are not shown here again, so that no one who picks up "
        "your phone can read them. You can add to them at any time."
    ),
    # The therapist's pages, about what partners see of each other.
    "therapist.completion_shared": (
        "Each partner sees whether the other did the homework given to both of them "
        "(done, partly or not done)."
    ),
    "therapist.completion_shared_since": (
        "Each partner sees whether the other did the homework given to both of them (done, "
        "partly or not done), for what they log since this was turned on ({date})."
    ),
    "therapist.completion_not_shared": (
        "Partners do not see whether the other did their homework; you see everything."
    ),
    "therapist.one_partner": "Homework given to one partner is never seen by the other.",
    "therapist.now_shared": (
        "Partners now see whether the other did the homework given to both of them, for "
        "what they log from now on. Both are told in their portal."
    ),
    "therapist.now_not_shared": (
        "Partners no longer see whether the other did their homework. Both are told in "
        "their portal."
    ),
    "therapist.policy_open": "Open: partners read each other's written entries.",
    "therapist.policy_limited": (
        "Limited: written entries are private to you unless their author shares them."
    ),
    "therapist.private": "Private to you",
    "therapist.shared": "Shared with partner",
    # While the couple is on a safety hold (app/services/safety_hold.py). The partners'
    # sentences never name the hold: they say only what is true of who reads what.
    "policy.private_for_now": (
        "For now, what you write is read by your therapist only, and neither of you sees "
        "whether the other did their homework."
    ),
    "entry.private_for_now": "For now, what you write here is read by your therapist only.",
    "share.not_now": (
        "For now, what you write is read by your therapist only, so it cannot be shared "
        "with your partner."
    ),
    "therapist.held": (
        "Safety hold: what partners write is private to you, and neither sees whether the "
        "other did their homework."
    ),
}

NOT_REAL_TIME = (
    "Your therapist reads entries between sessions, not as you write them. If you are in "
    "danger or crisis, call your local emergency number."
)


def say(key: str, **values: str) -> str:
    """The sentence of that key, with its blanks filled."""
    return SENTENCES[key].format(**values)


# --- the policy ---------------------------------------------------------------------------


def _completion(couple: Couple, prefix: str) -> str:
    """Whether partners see each other's completion, and since when if it was turned on."""
    if not couple.is_completion_shared:
        return say(f"{prefix}.completion_not_shared")
    if couple.completion_sharing_changed_at is None:
        return say(f"{prefix}.completion_shared")
    since = couple.completion_sharing_changed_at.astimezone(ZoneInfo(couple.timezone))
    return say(f"{prefix}.completion_shared_since", date=since.strftime("%d %B %Y"))


def policy_sentences(couple: Couple) -> list[str]:
    """The couple's privacy, sentence by sentence, as true for it now."""
    if is_private_for_now(couple):
        return [say("policy.private_for_now"), say("policy.one_partner"),
                say("policy.therapist", therapist=couple.therapist.name)]
    return [
        say(f"policy.{couple.confidentiality_policy}"),
        _completion(couple, "policy"),
        say("policy.one_partner"),
        say("policy.therapist", therapist=couple.therapist.name),
    ]


def policy_wording(couple: Couple) -> str:
    """What a partner reads before accepting the policy (kept with their consent)."""
    return " ".join([*policy_sentences(couple), NOT_REAL_TIME])


def policy_summary(couple: Couple) -> list[str]:
    """The couple's privacy in the therapist's words (the couple page)."""
    if is_private_for_now(couple):
        return [say("therapist.held")]
    return [say(f"therapist.policy_{couple.confidentiality_policy}"),
            _completion(couple, "therapist")]


def assigning_hint(couple: Couple) -> str:
    """What the therapist is told about partners when giving homework."""
    if is_private_for_now(couple):
        return f"{say('therapist.held')} {say('therapist.one_partner')}"
    return f"{_completion(couple, 'therapist')} {say('therapist.one_partner')}"


# --- an entry -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryPrivacy:
    """The sentences of one entry's page, each true for that entry."""

    completion: str  # beside "Did you do it?"
    choice: str | None  # the hint of the choice of readers (a new entry that can be shared)
    words: str | None  # who reads the words when there is no choice to make (open policy)
    readers: str | None  # who reads the saved entry's words
    earlier_versions: str | None  # an entry that can still be changed
    draft: str


def entry_privacy(couple: Couple, assignment: Assignment, entry: Entry | None,
                  *, editable: bool) -> EntryPrivacy:
    """The sentences for the author's page of one entry (None: not logged yet)."""
    if not is_given_to_both(assignment):
        completion = say("entry.one_partner")
    elif (completion_seen_by_partner(couple, assignment, entry) if entry is not None
          else completion_shared_for(couple, assignment)):
        completion = say("entry.completion_shared")
    else:
        completion = say("entry.completion_not_shared")
    choice = words = None
    if entry is None and can_be_shared(couple, assignment):
        choice = say("choice.private_completion_seen"
                     if completion_shared_for(couple, assignment) else "choice.private_unseen")
    elif entry is None and is_given_to_both(assignment) and is_private_for_now(couple):
        words = say("entry.private_for_now")
    elif entry is None and is_given_to_both(assignment):
        words = say("entry.open_words")
    return EntryPrivacy(
        completion=completion,
        choice=choice,
        words=words,
        readers=readers(assignment, entry.visibility) if entry is not None else None,
        earlier_versions=say("entry.earlier_versions") if entry is not None and editable
        else None,
        draft=say("entry.draft"),
    )


def readers(assignment: Assignment, visibility: str) -> str:
    """Who reads the words of a saved entry."""
    return say("readers.both" if words_read_by_partner(assignment, visibility)
               else "readers.therapist")


def readers_short(assignment: Assignment, visibility: str) -> str:
    """Who reads the words of a saved entry, for the author's day in the portal."""
    return say("readers.both_short" if words_read_by_partner(assignment, visibility)
               else "readers.therapist_short")


def saved_message(assignment: Assignment, entry: Entry) -> str:
    """The message after saving an entry: who reads it, and for a change, that the
    therapist can see the earlier version."""
    words = f"Saved. {readers(assignment, entry.visibility)}"
    return f"{words} {say('entry.earlier_versions')}" if entry.revision > 1 else words


def therapist_badge(assignment: Assignment, visibility: str) -> str:
    """How the therapist's pages mark who reads an entry's words besides them."""
    return say("therapist.shared" if words_read_by_partner(assignment, visibility)
               else "therapist.private")


# --- the couple's completion sharing --------------------------------------------------------


def sharing_notice(couple: Couple) -> list[str]:
    """What both partners are told after the therapist changed completion sharing."""
    by_current = couple.completion_sharing_changed_by_id == couple.therapist_id
    return [say("notice.changed" if by_current else "notice.changed_before_move"),
            say("notice.now_shared" if couple.is_completion_shared
                else "notice.now_not_shared")]
