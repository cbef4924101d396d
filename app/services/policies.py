"""The confidentiality policies, in the plain words partners read and accept."""

from __future__ import annotations

SHARED_COMPLETION = (
    "Whether you did each exercise (done, partly or not done) is shared homework: "
    "your partner and your therapist both see it."
)
NOT_REAL_TIME = (
    "Your therapist reads entries between sessions, not as you write them. If you are in "
    "danger or crisis, call your local emergency number."
)

WORDINGS = {
    "open": (
        "Your couple has chosen the open policy. Everything you write in your reflections, "
        "answers and ratings is read by your therapist and by your partner. "
        f"{SHARED_COMPLETION} {NOT_REAL_TIME}"
    ),
    "limited": (
        "Your couple has chosen the limited policy. What you write in your reflections, "
        "answers and ratings starts private: only your therapist reads it. For each entry "
        "you can choose to share it with your partner, and stop sharing it later. "
        f"{SHARED_COMPLETION} {NOT_REAL_TIME}"
    ),
}

SUMMARIES = {
    "open": "Open: partners read each other's written entries.",
    "limited": "Limited: written entries are private to the therapist unless the author shares.",
}


def policy_wording(policy: str) -> str:
    """What a partner reads before accepting the policy."""
    return WORDINGS[policy]
