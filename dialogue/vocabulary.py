"""Word lists the dialogue offers. They are data (dialogue/data/*.json), not code."""

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@cache
def unmet_needs() -> list[dict[str, str]]:
    """The needs that may lie under a frustration: [{"slug", "label"}, …]."""
    return json.loads((DATA / "unmet_needs.json").read_text(encoding="utf-8"))


@cache
def feelings() -> dict[str, list[str]]:
    """Feeling words in groups, for the empathy step."""
    return json.loads((DATA / "feelings.json").read_text(encoding="utf-8"))


def all_feelings() -> frozenset[str]:
    return frozenset(word for words in feelings().values() for word in words)
