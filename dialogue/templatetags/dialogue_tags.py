import secrets
from functools import lru_cache

from django import template
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dialogue import vocabulary

register = template.Library()

_UNSET = object()


def move_key() -> str:
    """A fresh key for one rendered move form: sending it twice is recognised as one move."""
    return secrets.token_urlsafe(16)


@register.simple_tag(takes_context=True)
def move_fields(context, move, *, as_id=_UNSET, anywhere=False) -> SafeString:
    """The hidden fields of one move form: the CSRF token (for the form posted without
    JavaScript), the move, a fresh key, the screen's position (unless the move is allowed from
    `anywhere`: pause, leave, ready) and, on a shared screen, whom it is made for: `as_id`, else
    the half the form is in, else the partner the screen addresses.

    A tag rather than an included template: each push draws a dozen of these, and the include's
    nodes were a third of drawing a screen."""
    fields = [("move", move), ("key", move_key())]
    screen = context.get("screen")
    if not anywhere:
        fields.append(("position", screen.position))
    if as_id is _UNSET:
        as_id = context.get("as_id")
    half = context.get("half")
    if as_id:
        fields.append(("acting_for", as_id))
    elif half:
        fields.append(("acting_for", half.partner.pk))
    elif screen is not None and screen.actor:
        fields.append(("acting_for", screen.actor.pk))
    csrf_token = context.get("csrf_token")
    if csrf_token and csrf_token != "NOTPROVIDED":
        fields.insert(0, ("csrfmiddlewaretoken", csrf_token))
    return mark_safe(
        "".join(
            f'<input type="hidden" name="{name}" value="{escape(str(value))}">'
            for name, value in fields
        )
    )


@register.simple_tag
def feelings_fieldset(p: str, spoken: bool) -> SafeString:
    """The empathy step's fieldset of feeling words: the same hundred-odd checkboxes on every
    screen of that step, so drawn once for each id prefix and mode and then kept."""
    return _feelings_fieldset(p, bool(spoken))


@lru_cache(maxsize=16)
def _feelings_fieldset(p: str, spoken: bool) -> SafeString:
    context = {"p": p, "spoken": spoken, "feelings": vocabulary.feelings()}
    return mark_safe(get_template("dialogue/_feelings.html").render(context))


_MARKS = {"done": "✓", "current": "●", "stopped": "■"}
_SPOKEN = {"done": " (done)", "stopped": " (stopped here)"}


@register.simple_tag
def progress_items(progress: list[dict]) -> SafeString:
    """The <li> of each step in the bar's progress list. A tag with its results kept: a round
    has a handful of steps and statuses, so the same few lists are drawn over and over, and the
    template loop was half of drawing the bar."""
    return _progress_items(tuple((item["label"], item["status"]) for item in progress))


@lru_cache(maxsize=256)
def _progress_items(items: tuple[tuple[str, str], ...]) -> SafeString:
    out = []
    for label, status in items:
        current = ' aria-current="step"' if status == "current" else ""
        spoken = _SPOKEN.get(status)
        out.append(
            f'<li class="{escape(status)}"{current}>'
            f'<span class="mark" aria-hidden="true">{_MARKS.get(status, "")}</span>{escape(label)}'
            + (f'<span class="visually-hidden">{spoken}</span>' if spoken else "")
            + "</li>"
        )
    return mark_safe("".join(out))
