"""The parts of the childhood picture, in order, and the proposals made from a person's words.

Pure Python: no Django. A step is a short slug that also appears in the part's URL.
"""

from __future__ import annotations

from collections.abc import Iterable

GROUND = "ground"
PEOPLE = "people"
FRUSTRATIONS = "frustrations"
SUMMARY = "summary"
MAX_CARETAKERS = 3


def person(position: int) -> str:
    return f"person-{position}"


def steps(caretakers: int) -> list[str]:
    """Every part, in order, for a picture with this many caretakers."""
    return [
        GROUND,
        PEOPLE,
        *(person(n) for n in range(1, caretakers + 1)),
        FRUSTRATIONS,
        SUMMARY,
    ]


def is_step(step: str) -> bool:
    return step in steps(MAX_CARETAKERS)


def position_of(step: str) -> int | None:
    """The caretaker's position for a `person-N` step, else None."""
    if step.startswith("person-") and step[7:].isdigit():
        return int(step[7:])
    return None


def next_step(step: str, caretakers: int) -> str:
    """The part after `step`, one of the picture's parts (the summary is the last, and comes
    back to itself)."""
    order = steps(caretakers)
    return order[min(order.index(step) + 1, len(order) - 1)]


def _pieces(texts: Iterable[str]) -> list[str]:
    """The person's words split at commas, semicolons and new lines, each once, in order."""
    found: list[str] = []
    for text in texts:
        for line in text.replace(";", "\n").replace(",", "\n").splitlines():
            piece = line.strip(" .-•*\t")
            if piece and piece.lower() not in (f.lower() for f in found):
                found.append(piece)
    return found


def proposals(caretakers: list[dict], reactions: str) -> dict[str, list[str]]:
    """The words each summary sentence could be made from, all the person's own:
    the people I'm drawn to (every caretaker's traits, good and hard), what I longed for
    (what I wanted and did not get), how I protected myself (how I reacted)."""
    return {
        "drawn_to": _pieces(
            [c.get("positive", "") for c in caretakers]
            + [c.get("negative", "") for c in caretakers]
        ),
        "longed_for": _pieces(c.get("wanted", "") for c in caretakers),
        "protected_by": _pieces([reactions]),
    }
