"""Writes for the couple's cycle. Each is one transaction; refused actions change nothing. The
channel layer hears only that a cycle changed, never its words."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from exercises import phrasing
from exercises.cycle.models import SIDE_FIELDS, Cycle, Side
from imago_app import access
from imago_app.models import Couple, User
from imago_app.notify import changed_after_commit
from imago_app.services import Refused


def cycle_group(couple_id: int) -> str:
    return f"cycle-{couple_id}"


class NeedsRewording(Refused):
    def __init__(self, hints: dict[str, list[str]]):
        super().__init__(" ".join(h for found in hints.values() for h in found))
        self.hints = hints


def side_hints(fields: dict[str, str]) -> dict[str, list[str]]:
    """Gentle hints, by field: a trigger is a behaviour, not a trait; a feeling is a feeling,
    not a story about the other."""
    found = {}
    trigger = [
        hint
        for hint in phrasing.frustration_problems(fields.get("trigger", ""))
        if "not who your partner is" in hint
    ]
    if trigger:
        found["trigger"] = trigger
    for name in ("feel", "so_i", "long_for"):
        hints = phrasing.feeling_hints(fields.get(name, ""))
        if hints:
            found[name] = hints
    return found


@transaction.atomic
def cycle_create(*, couple: Couple, partner: User, name: str) -> Cycle:
    name = name.strip()
    if not name:
        raise Refused('Give it a short name, like "money" or "the evenings".')
    cycle = Cycle.objects.create(couple=couple, name=name)
    changed_after_commit([cycle_group(couple.pk)], "cycle_changed")
    return cycle


@transaction.atomic
def side_save(*, cycle: Cycle, author: User, keep_as_written: bool, **fields: str) -> Side:
    """Write (or change) the author's own side. Wording with hints is kept only on purpose."""
    fields = {name: fields.get(name, "").strip() for name in SIDE_FIELDS}
    hints = side_hints(fields)
    if hints and not keep_as_written:
        raise NeedsRewording(hints)
    side, _created = Side.objects.get_or_create(cycle=cycle, author=author)
    for name, value in fields.items():
        setattr(side, name, value)
    side.kept_as_written = bool(hints)
    side.updated_at = timezone.now()
    side.save()
    if side.shown:  # the drawn loop changes for both
        changed_after_commit([cycle_group(cycle.couple_id)], "cycle_changed")
    return side


@transaction.atomic
def side_show(*, side: Side, author: User, shown: bool, for_therapist: bool) -> Side:
    """Who sees the author's side: the partner (`shown`) and, separately, the therapist."""
    if side.author_id != author.pk:
        raise Refused("Only its author can show this side.")
    if shown and not side.complete:
        raise Refused("Write at least when, what you feel, and what you do, before you show it.")
    if for_therapist:
        _therapist, agreed = access.couple_therapist(side.cycle.couple_id)
        if not agreed:
            raise Refused(
                "You can show it to a therapist once you have both agreed to their access."
            )
    side.shown, side.for_therapist = shown, for_therapist
    side.save(update_fields=["shown", "for_therapist"])
    changed_after_commit([cycle_group(side.cycle.couple_id)], "cycle_changed")
    return side


@transaction.atomic
def working_on(*, cycle: Cycle, partner: User) -> None:
    """Mark this cycle "we're working on this" (one at a time)."""
    Cycle.objects.filter(couple_id=cycle.couple_id).exclude(pk=cycle.pk).update(working_on=False)
    Cycle.objects.filter(pk=cycle.pk).update(working_on=True)
    changed_after_commit([cycle_group(cycle.couple_id)], "cycle_changed")
