"""How far a couple has followed their homework: counted from what they did, not ticked off.

Each homework kind belongs to a practice (`Practice.homework_kinds`), which counts it
(`Practice.homework_done`): one query per kind set.
"""

from collections import defaultdict

from imago_app import practices
from imago_app.models import Couple, Homework


def with_progress(couple: Couple, homework: list[Homework]) -> list[dict]:
    """Each homework with how many times it was done in its window (one query per kind)."""
    if not homework:
        return []
    kinds = practices.homework_kinds()
    by_kind: dict[str, list[Homework]] = defaultdict(list)
    for h in homework:
        by_kind[h.kind].append(h)
    done: dict[int, int] = {}
    for kind, items in by_kind.items():
        if kind not in kinds:
            continue  # a kind whose practice is no longer installed: nothing to count
        practice, _kind = kinds[kind]
        for h, n in zip(items, practice.homework_done(couple, items), strict=True):
            done[id(h)] = n
    return [{"homework": h, "done": done.get(id(h), 0)} for h in homework]
