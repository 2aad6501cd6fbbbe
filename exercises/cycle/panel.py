"""The live part of a cycle's page: the other's side, once shown, and the drawn loop. One
function serves the page and its pushes, rendered for each person from the database."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from exercises.access import linked_couple
from exercises.cycle import loop
from exercises.cycle.models import SIDE_FIELDS, Cycle
from imago_app import practices
from imago_app.keys import screen_key

PANEL = "cycle/detail.html#panel"


def get_cycle(user, cycle_id: int) -> tuple[Cycle, object]:
    couple, other = linked_couple(user)
    return get_object_or_404(Cycle, pk=cycle_id, couple=couple), other


def words(side) -> dict:
    return {name: getattr(side, name) for name in SIDE_FIELDS}


def draw(sides: list[tuple]) -> dict:
    """The loop of two (person, side) pairs, the same for everyone who sees it: it starts from
    the person whose account is older."""
    (first, a), (second, b) = sorted(sides, key=lambda pair: pair[0].pk)
    return loop.drawn(words(a), first.display_name, words(b), second.display_name)


def panel_for(request: HttpRequest, cycle_id: int) -> tuple[str, dict]:
    cycle, other = get_cycle(request.user, cycle_id)
    return PANEL, context_for(request.user, cycle, other)


def context_for(user, cycle: Cycle, other) -> dict:
    """The panel's context (with `panel_key`), and `mine`, the user's own side or None."""
    sides = {side.author_id: side for side in cycle.sides.all()}
    mine, theirs = sides.get(user.pk), sides.get(other.pk)
    shown_theirs = theirs if theirs is not None and theirs.shown else None
    drawn = None
    if mine and mine.shown and shown_theirs and mine.complete and shown_theirs.complete:
        drawn = draw([(user, mine), (other, shown_theirs)])
    context = {
        "cycle": cycle,
        "other": other,
        "mine": mine,
        "theirs": shown_theirs,
        "drawn": drawn,
        # Where the loop can lead, when those practices are installed (asked, not imported).
        "can_ask": practices.get("dialogue") is not None,
        "can_request": practices.get("requests") is not None,
    }
    context["panel_key"] = screen_key(
        {
            "cycle": [cycle.name, cycle.working_on],
            "mine": words(mine) if mine and mine.shown else None,
            "theirs": words(shown_theirs) if shown_theirs else None,
        }
    )
    return context
