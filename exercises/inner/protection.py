"""How I protect myself: the statements offered, and the tendency reflected back in words.

Pure Python. Never a score, a type or a verdict: the reflection is a sentence the person may
recognise themselves in, or not.
"""

from __future__ import annotations

PULL_BACK = "pull_back"
REACH_OUT = "reach_out"

# (slug, the movement it belongs to, the statement). Shown interleaved, without the movement.
STATEMENTS = [
    ("quiet", PULL_BACK, "I go quiet and keep what I feel to myself."),
    ("say_more", REACH_OUT, "I say more, and louder, until I feel heard."),
    ("space", PULL_BACK, "I need to get away and be on my own for a while."),
    ("follow", REACH_OUT, "I follow them, or keep calling or messaging, until we've talked."),
    ("numb", PULL_BACK, "I shut down, or go numb inside."),
    ("settle_now", REACH_OUT, "I need it settled right now; waiting feels unbearable."),
    ("fine", PULL_BACK, "I say I'm fine when I'm not."),
    ("closeness", REACH_OUT, "I need to be close and to hear that we're all right."),
    ("busy", PULL_BACK, "I keep busy, or turn to something else."),
    ("shows", REACH_OUT, "What I feel shows straight away, in my voice and my face."),
]
SLUGS = {slug for slug, _movement, _text in STATEMENTS}

REFLECTIONS = {
    PULL_BACK: (
        "You may recognise yourself in the one who pulls back to feel safe: going quiet, "
        "needing space, keeping things inside until they feel manageable. Many people learned "
        "this early, at a time when stepping back was the safest thing to do."
    ),
    REACH_OUT: (
        "You may recognise yourself in the one who reaches out to feel safe: saying more, "
        "wanting closeness, needing things settled soon. Many people learned this early, at a "
        "time when reaching out was the way to be noticed and held."
    ),
    "both": (
        "You may recognise both movements in yourself: sometimes pulling back, sometimes "
        "reaching out. Many people do one with some people, or at some times, and the other "
        "with others."
    ),
}
AFTERWORD = (
    "Neither way is wrong. Each was a good answer once, and each can be understood. Couples "
    "often find that one partner's way of feeling safe is what makes the other feel unsafe."
)


def tendency(chosen: list[str]) -> str | None:
    """The movement the chosen statements lean to (PULL_BACK, REACH_OUT or "both"), or None
    when nothing was chosen."""
    movements = {slug: movement for slug, movement, _text in STATEMENTS}
    pulls = sum(1 for slug in chosen if movements.get(slug) == PULL_BACK)
    reaches = sum(1 for slug in chosen if movements.get(slug) == REACH_OUT)
    if not pulls and not reaches:
        return None
    # As many of each, or several of each and nearly as many: both movements.
    if pulls == reaches or (min(pulls, reaches) >= 2 and abs(pulls - reaches) <= 1):
        return "both"
    return PULL_BACK if pulls > reaches else REACH_OUT


def reflection(chosen: list[str]) -> str | None:
    """The sentence said back to the person, or None when there is nothing to reflect."""
    found = tendency(chosen)
    return REFLECTIONS[found] if found else None
