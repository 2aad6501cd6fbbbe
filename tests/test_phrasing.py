"""The wording helpers, table by table."""

from datetime import date, timedelta

import pytest

from exercises import phrasing

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "hints"),
    [
        ("bring me tea in bed on Sunday mornings", []),
        ("sit with me for ten minutes after dinner", []),
        ("stop working late", [phrasing.NEGATIVE]),
        ("don't check your phone at dinner", [phrasing.NEGATIVE]),
        ("be nicer", [phrasing.TOO_SHORT, phrasing.VAGUE]),
        ("are kinder to me at home", [phrasing.VAGUE]),
        ("hug", [phrasing.TOO_SHORT]),
        ("you always forget my birthday", [phrasing.BLAMING_HINT]),
        ("", [phrasing.TOO_SHORT]),
    ],
)
def test_caring_items_are_positive_specific_and_doable(text, hints):
    assert phrasing.caring_hints(text) == hints


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("When you come home late without calling, I worry.", True),
        ("You are thoughtless.", False),
        ("you're so lazy about the dishes", False),
        ("Late", False),
        ("You come home late. You never call. I hate it.", False),
    ],
)
def test_a_frustration_is_one_sentence_about_a_behaviour(text, ok):
    assert (phrasing.frustration_problems(text) == []) is ok


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("to feel that I matter to you at the end of the day", True),
        ("not to be ignored", False),
        ("safe", False),
    ],
)
def test_a_desire_is_said_as_a_longing(text, ok):
    assert (phrasing.desire_problems(text) == []) is ok


IN_TWO_WEEKS = TODAY + timedelta(days=14)


@pytest.mark.parametrize(
    ("text", "measure", "ends_on", "problem"),
    [
        ("text me when you leave work", "every weekday", IN_TWO_WEEKS, None),
        ("cook dinner together", "twice a week", TODAY + timedelta(days=90), None),
        ("stop being late", "every day", IN_TWO_WEEKS, "not something to stop"),
        ("be more supportive of me", "daily", IN_TWO_WEEKS, "specific enough"),
        ("text me when you leave work", "", IN_TWO_WEEKS, "how often or how much"),
        ("text me when you leave work", "sometimes", IN_TWO_WEEKS, "numbers or a rhythm"),
        ("text me when you leave work", "daily", None, "Choose an end date"),
        ("text me when you leave work", "daily", TODAY, "after today"),
        ("text me when you leave work", "daily", TODAY + timedelta(days=93), "three months"),
    ],
)
def test_a_request_is_positive_specific_measurable_and_time_limited(
    text, measure, ends_on, problem
):
    problems = phrasing.request_problems(text, measure, ends_on, TODAY)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems
