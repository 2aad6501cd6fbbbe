"""Checks on how an exercise is worded: positive, specific, doable, measurable, time-limited.

These are helpers, not judges. Each returns kind sentences saying what to change; an empty list
means the wording is fine. Caring items may still be kept as written after a hint; requests must
pass, because a stretch needs a clear, positive, measurable target and an end.
"""

import re
from datetime import date, timedelta

from imago_app.wording import BLAMING

MAX_STRETCH = timedelta(days=92)  # "at most three months"
DEFAULT_STRETCH = timedelta(days=14)

_NEGATIVE = re.compile(
    r"\b(stop|stops|stopped|quit|don'?t|do not|doesn'?t|never|no more|no longer|not|less|"
    r"cease|avoid|without)\b",
    re.IGNORECASE,
)
# Words that name a wish without saying what anyone would see happen.
_VAGUE = re.compile(
    r"\b(nicer|better|kinder|more loving|more caring|more attentive|more supportive|"
    r"care more|be there|be present|support me|respect me|love me more|understand me|"
    r"pay attention|be nice|be good|try harder|make an effort|appreciate me)\b",
    re.IGNORECASE,
)
# A trait rather than a behaviour: "you are lazy", "you're selfish".
_TRAIT = re.compile(
    r"\byou(?:'re| are)\s+(?:so\s+|such an?\s+|always\s+|just\s+)?"
    r"(lazy|selfish|cold|careless|useless|rude|mean|thoughtless|distant|controlling|"
    r"irresponsible|inconsiderate|stubborn|needy|crazy|a \w+)\b",
    re.IGNORECASE,
)
_MEASURE = re.compile(
    r"\b(\d+|once|twice|three times|every|each|daily|weekly|nightly|a day|a week|per|"
    r"minutes?|hours?|times?)\b",
    re.IGNORECASE,
)

NEGATIVE = (
    'Put it as something to do, not something to stop: "when you sit with me after dinner" '
    'rather than "when you stop working late".'
)
VAGUE = (
    'Make it specific enough to picture: what would you see them do, and when? "Be nicer" '
    'could be "ask about my day when you get home".'
)
TOO_SHORT = "Say a little more, so it's clear what exactly would happen."
BLAMING_HINT = (
    "This reads a little like a complaint. Try describing a moment you'd love to have: "
    '"I feel cared about when you…".'
)


def _words(text: str) -> int:
    return len(text.split())


def caring_hints(text: str) -> list[str]:
    """Hints for a caring behaviour ("I feel loved and cared about when you…")."""
    text = text.strip()
    found = []
    if _words(text) < 3:
        found.append(TOO_SHORT)
    if BLAMING.search(text):
        found.append(BLAMING_HINT)
    elif _NEGATIVE.search(text):
        found.append(NEGATIVE)
    if _VAGUE.search(text):
        found.append(VAGUE)
    return found


def frustration_problems(text: str) -> list[str]:
    """The frustration: one sentence about a behaviour, not about who the partner is."""
    text = text.strip()
    found = []
    if _words(text) < 4:
        found.append("Describe what happens in a sentence, so your partner can picture it.")
    if _TRAIT.search(text):
        found.append(
            'Describe what happens, not who your partner is: "when you get home late without '
            'calling" rather than "you are thoughtless".'
        )
    if len(re.findall(r"[.!?](\s|$)", text)) > 1:
        found.append("Keep the frustration to one sentence; the rest can go in the desire.")
    return found


def desire_problems(text: str) -> list[str]:
    """The desire under the frustration, said as what you long for."""
    text = text.strip()
    found = []
    if _words(text) < 3:
        found.append(TOO_SHORT)
    if _NEGATIVE.search(text):
        found.append("Say what you long for, rather than what you don't want.")
    return found


def request_problems_by_part(
    text: str, measure: str, ends_on: date | None, today: date
) -> dict[str, list[str]]:
    """One request: positive, specific, measurable and time-limited. Each problem is filed under
    the part it is about ("text", "measure" or "ends_on"), so a form can show it there."""
    text, measure = text.strip(), measure.strip()
    found: dict[str, list[str]] = {"text": [], "measure": [], "ends_on": []}
    if _words(text) < 3:
        found["text"].append(TOO_SHORT)
    if _NEGATIVE.search(text):
        found["text"].append(NEGATIVE)
    if _VAGUE.search(text):
        found["text"].append(VAGUE)
    if not measure:
        found["measure"].append('Say how often or how much, like "three evenings a week".')
    elif not _MEASURE.search(measure):
        found["measure"].append('Give the measure in numbers or a rhythm, like "twice a week".')
    if ends_on is None:
        found["ends_on"].append("Choose an end date, so you both know when to look back on it.")
    elif ends_on <= today:
        found["ends_on"].append("Choose an end date after today.")
    elif ends_on > today + MAX_STRETCH:
        found["ends_on"].append("Keep it to three months at most; you can always agree on another.")
    return found


# "I feel that you…", "I feel like you…": a story about the other, dressed as a feeling.
_STORY = re.compile(r"\bi\s+feel\s+(?:that|like|as if|as though)\s+(?:you|he|she|they)\b", re.I)
STORY_HINT = (
    "This sounds more like a story about them than a feeling. A feeling is often one word: "
    '"I feel lonely", "I feel scared", "I feel hurt".'
)


def feeling_hints(text: str) -> list[str]:
    """Hints for what one feels, or an "I" statement: feelings, not stories about the other."""
    found = []
    if _STORY.search(text):
        found.append(STORY_HINT)
    if BLAMING.search(text) or _TRAIT.search(text):
        found.append(
            "This points at the other person. Try saying what happens in you: "
            '"I feel alone when the evening goes by without us talking."'
        )
    return found


def request_problems(text: str, measure: str, ends_on: date | None, today: date) -> list[str]:
    """One request's problems in one list, whatever part each is about."""
    return [
        p for part in request_problems_by_part(text, measure, ends_on, today).values() for p in part
    ]
