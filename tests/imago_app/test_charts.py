import xml.etree.ElementTree as ET
from datetime import date

from imago_app import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart):
    root = ET.fromstring(str(chart["svg"]))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text and desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return root, desc.text


def test_the_check_in_chart_is_valid_svg_that_says_its_values_in_words():
    root, words = parse(
        charts.check_in_chart(
            [("01 Nov", {"Alex": 3, "Sam": 7}), ("08 Nov", {"Alex": 6, "Sam": 8})]
        )
    )
    assert len(root.findall(f"{SVG}circle")) == 4
    assert "Alex: 01 Nov: 3, 08 Nov: 6" in words


def test_names_are_escaped():
    chart = charts.check_in_chart([("01 Nov", {"<b>Al&ex</b>": 3})])
    _root, words = parse(chart)
    assert "<b>" not in str(chart["svg"]) and "<b>Al&ex</b>" in words


def test_the_needs_chart_marks_who_named_what_when():
    root, words = parse(
        charts.needs_chart(
            ["To feel seen", "To feel safe"],
            ["Nov 2026"],
            {("To feel seen", "Nov 2026"): [0, 1]},
            ["Alex", "Sam"],
        )
    )
    assert len(root.findall(f"{SVG}circle")) == 2
    assert "Alex named to feel seen" in words and "Sam named to feel seen" in words


def test_the_follow_through_chart_has_a_bar_per_week_and_series():
    weeks = [
        {"from": date(2026, 11, d), "appreciation_days": d % 3, "gifts": 1, "stretch_logs": 0}
        for d in (1, 8, 15, 22)
    ]
    root, words = parse(charts.follow_through_chart(weeks))
    assert len(root.findall(f"{SVG}rect")) == 4 * 3 + 3  # bars, and three legend keys
    assert "caring behaviours given 1" in words


def test_an_empty_history_draws_nothing():
    weeks = [{"from": date(2026, 11, 1), "appreciation_days": 0, "gifts": 0, "stretch_logs": 0}]
    assert charts.check_in_chart([]) is None
    assert charts.needs_chart(["To feel seen"], [], {}, ["Alex"]) is None
    assert charts.follow_through_chart(weeks) is None
