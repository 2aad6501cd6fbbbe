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


def _words(side) -> dict:
    return {name: getattr(side, name) for name in SIDE_FIELDS}


def panel_for(request: HttpRequest, cycle_id: int) -> tuple[str, dict]:
    cycle, other = get_cycle(request.user, cycle_id)
    sides = {side.author_id: side for side in cycle.sides.all()}
    mine, theirs = sides.get(request.user.pk), sides.get(other.pk)
    shown_theirs = theirs if theirs is not None and theirs.shown else None
    drawn = None
    if mine and mine.shown and shown_theirs and mine.complete and shown_theirs.complete:
        # The same loop on both phones: it starts from the partner who joined the couple first.
        first, second = sorted([(request.user, mine), (other, shown_theirs)], key=lambda p: p[0].pk)
        found = loop.steps(
            _words(first[1]), first[0].display_name, _words(second[1]), second[0].display_name
        )
        drawn = {"steps": found, "svg": loop.layout(found)}
    context = {
        "cycle": cycle,
        "other": other,
        "mine_shown": bool(mine and mine.shown),
        "theirs": shown_theirs,
        "drawn": drawn,
        # Where the loop can lead, when those practices are installed (asked, not imported).
        "can_ask": practices.get("dialogue") is not None,
        "can_request": practices.get("requests") is not None,
    }
    context["panel_key"] = screen_key(
        {
            "cycle": [cycle.name, cycle.working_on],
            "mine": _words(mine) if mine and mine.shown else None,
            "theirs": _words(shown_theirs) if shown_theirs else None,
        }
    )
    return PANEL, context
