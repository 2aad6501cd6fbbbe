"""Shown text cannot be disguised by invisible controls, and right-to-left writing survives."""

import pytest
from django.template import engines

from imago_app.text import displayable

RLO, PDF, LRI, PDI = "\u202e", "\u202c", "\u2066", "\u2069"
ZWSP, ZWJ, ZWNJ = "\u200b", "\u200d", "\u200c"


@pytest.mark.parametrize(
    "written, shown",
    [
        (f"I'm {RLO}enif{PDF} fine", "I'm enif fine"),
        (f"{LRI}hidden order{PDI}", "hidden order"),
        (f"lo{ZWSP}ve", "love"),
        ("\ufeffstart", "start"),
        ("שלום, מה שלומך?", "שלום, מה שלומך?"),  # Hebrew stays as written
        ("مرحبا بك", "مرحبا بك"),  # and Arabic
        (f"می{ZWNJ}خواهم", f"می{ZWNJ}خواهم"),  # Persian needs its non-joiner
        (f"👩{ZWJ}❤️{ZWJ}👨", f"👩{ZWJ}❤️{ZWJ}👨"),  # an emoji sequence keeps its joiners
    ],
)
def test_invisible_controls_go_and_writing_stays(written, shown):
    assert displayable(written) == shown


def test_the_template_filter_strips_controls_and_still_escapes():
    template = engines["django"].from_string(
        '{% load imago_tags %}<blockquote dir="auto">{{ said|usertext }}</blockquote>'
    )
    html = template.render({"said": f"<b>hi</b> {RLO}olleh"})
    assert RLO not in html
    assert "&lt;b&gt;hi&lt;/b&gt; olleh" in html
