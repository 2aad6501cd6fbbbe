"""{% move_fields %}: the hidden fields every move form carries (dialogue_tags.py)."""

import re
from types import SimpleNamespace

from django.template import Context, Template

TEMPLATE = Template(
    "{% load dialogue_tags %}{% for kw in calls %}|{% if kw == 'plain' %}"
    "{% move_fields 'send' %}{% elif kw == 'anywhere' %}{% move_fields 'pause' anywhere=True %}"
    "{% else %}{% move_fields 'pause' as_id='' %}{% endif %}{% endfor %}"
)


def fields(html: str) -> list[dict[str, str]]:
    return [
        dict(re.findall(r'name="([^"]+)" value="([^"]*)"', part)) for part in html.split("|")[1:]
    ]


def render(calls, **context) -> list[dict[str, str]]:
    return fields(TEMPLATE.render(Context({"calls": calls, **context})))


def screen(actor=None):
    return SimpleNamespace(position="send:1:0", actor=actor)


def test_a_move_carries_its_kind_a_fresh_key_and_the_screens_position():
    first, second = render(["plain", "plain"], screen=screen())
    assert first["move"] == "send" and first["position"] == "send:1:0"
    assert len(first["key"]) >= 16 and first["key"] != second["key"]
    assert "acting_for" not in first and "csrfmiddlewaretoken" not in first


def test_a_move_allowed_anywhere_has_no_position():
    (found,) = render(["anywhere"], screen=screen())
    assert "position" not in found and found["move"] == "pause"


def test_on_a_shared_screen_the_move_is_made_for_the_half_else_the_addressed_partner():
    sam = SimpleNamespace(pk=7)
    alex_half = SimpleNamespace(partner=SimpleNamespace(pk=3))
    assert render(["plain"], screen=screen(actor=sam))[0]["acting_for"] == "7"
    assert render(["plain"], screen=screen(actor=sam), half=alex_half)[0]["acting_for"] == "3"
    # An empty as_id only stands in for one set around it; the half still decides.
    assert render(["blank"], screen=screen(), as_id=9, half=alex_half)[0]["acting_for"] == "3"
    assert render(["plain"], screen=screen(), as_id=9, half=alex_half)[0]["acting_for"] == "9"


def test_the_csrf_token_goes_in_for_the_form_posted_without_javascript_and_is_escaped():
    (found,) = render(["plain"], screen=screen(), csrf_token='tok"en')
    assert found["csrfmiddlewaretoken"] == "tok&quot;en"
    assert (
        render(["plain"], screen=screen(), csrf_token="NOTPROVIDED")[0].get("csrfmiddlewaretoken")
        is None
    )
