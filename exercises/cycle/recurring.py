"""When the same struggle comes back: topics grouped by the words a couple chose. Pure Python."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime

# Words that say nothing about what a struggle is about.
_QUIET = """
a an and about after again all always am are as at be because before but by can could did
do does doing done for from get gets getting got had has have how i i'm if in into is it
its just like me more my never not now of on or our out over so some still talk talking
that the their them then there they this to too up us very was we were what when where
which who why will with you your yours
"""
QUIET_WORDS = frozenset(_QUIET.split())


def words(topic: str) -> dict[str, str]:
    """The topic's meaningful words, keyed so "evening" and "evenings" meet, each with the
    form the couple wrote."""
    found = {}
    for word in re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", topic.lower()):
        if len(word) < 3 or word in QUIET_WORDS:
            continue
        key = word[:-1] if len(word) > 3 and word.endswith("s") else word
        found.setdefault(key, word)
    return found


def groups(topics: list[tuple[str, datetime]], cycles: list[str] = ()) -> list[dict]:
    """The struggles that came back (at least twice): by a cycle's name when a topic holds all
    its words, else by a shared word; most often first. Each: label, times, first, last."""
    cycle_keys = {name: set(words(name)) for name in cycles if words(name)}
    found: dict[str, dict] = defaultdict(lambda: {"times": 0, "first": None, "last": None})
    labels: dict[str, str] = {}
    for topic, at in topics:
        mine = words(topic)
        keys = set(mine)
        matched = False
        for name, needed in cycle_keys.items():
            if needed <= keys:
                _count(found[f"cycle:{name}"], at)
                labels[f"cycle:{name}"] = name
                matched = True
                keys -= needed
        if matched:
            continue
        for key in keys:
            _count(found[key], at)
            labels.setdefault(key, mine[key])
    result = [
        {"label": labels[key], "cycle": key.startswith("cycle:")} | entry
        for key, entry in found.items()
        if entry["times"] >= 2
    ]
    result.sort(key=lambda g: (-g["times"], -g["last"].timestamp(), g["label"]))
    return result


def _count(entry: dict, at: datetime) -> None:
    entry["times"] += 1
    entry["first"] = at if entry["first"] is None else min(entry["first"], at)
    entry["last"] = at if entry["last"] is None else max(entry["last"], at)
