"""Gentle hints while someone writes what they want to share. A helper, never a judge: the
person can always send what they wrote."""

from imago_app.wording import BLAMING

SOFT_LIMIT = 400  # characters; past it, a hint suggests a smaller piece


def hints(text: str) -> list[str]:
    """Hints for a piece someone is about to share; empty when there is nothing to suggest."""
    found = []
    if len(text.strip()) > SOFT_LIMIT:
        found.append(
            "That's quite a lot for one piece. Smaller pieces are easier to mirror: you could "
            "send part of it now and add the rest when asked if there's more."
        )
    if BLAMING.search(text):
        found.append(
            'Some words point at your partner ("you always", "you never"). It may land '
            'more softly from your side: "I felt… when…" or "What I needed was…".'
        )
    return found
