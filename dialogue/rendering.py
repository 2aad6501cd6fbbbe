"""Turning a dialogue into one person's screen, for the page and for socket pushes alike."""

from django.http import HttpRequest
from django.template.context import make_context
from django.template.loader import get_template
from django.utils import timezone

from dialogue import latest, screens, services
from dialogue.machine import Step
from dialogue.models import Dialogue
from imago_app import access
from imago_app.models import User

PAGE = "dialogue/dialogue.html"


def load_screen(
    dialogue: Dialogue,
    viewer: User,
    *,
    handed_to: int | None = None,
    people: dict[int, User] | None = None,
) -> screens.Screen:
    """Everything `viewer`'s screen shows at `dialogue`'s seq: the round's events read from the
    database or, when this process holds them at that seq, from memory (latest.py); the partners
    read too, unless `people` (their rows by id) is passed from an earlier screen; and at the
    check-in, the couple's therapist."""
    state = services.current_state(dialogue)
    # A screen shows only the round in progress: its cost does not grow with the dialogue. The
    # round is read once per move in this process (latest.py).
    events = latest.round_events(dialogue, state.round)
    if people is None or set(people) != set(state.partners):
        people = {u.pk: u for u in User.objects.filter(pk__in=state.partners)}
    # Only the check-in says who will see what: ask who the therapist is then, not on every push.
    therapist = (None, False)
    if state.step == Step.CHECK_IN:
        therapist = access.couple_therapist(dialogue.couple_id)
    return screens.build(
        dialogue=dialogue,
        state=state,
        events=events,
        people=people,
        viewer=viewer,
        now=timezone.now(),
        handed_to=handed_to,
        therapist=therapist,
    )


def render_parts(
    screen: screens.Screen,
    request: HttpRequest,
    *,
    parts: list[str],
    error: str = "",
    presence: dict | None = None,
) -> str:
    """The named partials of the dialogue page, for a push (htmx swaps each by its id).

    `presence` is {"name": the other partner's name, "here": True/False/None (not known yet)}.
    """
    context = make_context(
        {"screen": screen, "dialogue": screen.dialogue, "error": error, "presence": presence},
        request,
    )
    partials = [get_template(f"{PAGE}#{part}").template for part in parts]
    # One context for the whole push: the context processors run once, not once per part.
    with context.bind_template(partials[0]):
        return "".join(partial.render(context) for partial in partials)
