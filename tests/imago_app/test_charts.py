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


def texts(root) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text")]


def look(swatch) -> tuple:
    """What a legend swatch draws with its colours left out: shapes, patterns, dashes."""
    root = ET.fromstring(str(swatch))
    assert root.get("aria-hidden") == "true"
    return tuple(
        (el.tag.removeprefix(SVG), "url(" in el.get("fill", ""), el.get("stroke-dasharray"))
        for el in root.iter()
        if el.tag.removeprefix(SVG) in ("circle", "rect", "path", "line")
    )


WEEKS = [
    {"from": date(2026, 11, d), "appreciation_days": d % 3, "gifts": 1, "stretch_logs": 7}
    for d in (1, 8, 15, 22)
]


def test_the_check_in_chart_is_valid_svg_that_says_its_values_in_words():
    root, words = parse(
        charts.check_in_chart(
            [("01 Nov", {"Alex": 3, "Sam": 7}), ("08 Nov", {"Alex": 6, "Sam": 8})]
        )
    )
    # Alex's marks are circles, Sam's squares: not colour alone.
    assert len(root.findall(f"{SVG}circle")) == 2 and len(root.findall(f"{SVG}rect")) == 2
    assert "Alex: 01 Nov: 3, 08 Nov: 6" in words


def test_names_are_escaped():
    chart = charts.check_in_chart([("01 Nov", {"<b>Al&ex</b>": 3})])
    _root, words = parse(chart)
    assert "<b>" not in str(chart["svg"]) and "<b>Al&ex</b>" in words


def test_the_needs_chart_marks_who_named_what_when():
    chart = charts.needs_chart(
        ["To feel seen", "To feel safe"],
        ["Nov 2026"],
        {("To feel seen", "Nov 2026"): [0, 1]},
        ["Alex", "Sam"],
    )
    root, words = parse(chart)
    assert len(root.findall(f"{SVG}circle")) == 1 and len(root.findall(f"{SVG}rect")) == 1
    assert "Alex named to feel seen" in words and "Sam named to feel seen" in words
    assert chart["table"]["head"] == ["Need", "Nov 2026"]
    assert chart["table"]["rows"] == [("To feel seen", ["Alex, Sam"])]


def test_the_follow_through_chart_has_a_bar_per_week_and_series():
    root, words = parse(charts.follow_through_chart(WEEKS))
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("stroke")]
    assert len(bars) == 4 * 3
    assert "caring behaviours given 1" in words


def test_the_legend_is_outside_the_picture_one_entry_per_series():
    chart = charts.follow_through_chart(WEEKS)
    root, _words = parse(chart)
    labels = [key["label"] for key in chart["legend"]]
    assert labels == ["Days with an appreciation", "Caring behaviours given", "Stretch logs"]
    assert not set(labels) & set(texts(root))  # no label drawn where it could overlap another


def test_series_differ_by_shape_or_pattern_not_colour_alone():
    for chart in (
        charts.follow_through_chart(WEEKS),
        charts.check_in_chart([("01 Nov", {"Alex": 3, "Sam": 7, "Kim": 2})]),
        charts.needs_chart(
            ["To feel seen"], ["Nov"], {("To feel seen", "Nov"): [0, 1]}, ["A", "B"]
        ),
    ):
        # Each swatch, with its colours taken out, still looks different from the others.
        looks = [look(key["swatch"]) for key in chart["legend"]]
        assert len(set(looks)) == len(looks), looks
    bars = [
        r.get("fill")
        for r in parse(charts.follow_through_chart(WEEKS))[0].iter(f"{SVG}rect")
        if r.get("stroke")
    ]
    assert len({f for f in bars if f.startswith("url(#follow-fill")}) == 2  # hatched, dotted


def test_the_bars_have_a_value_axis_and_week_labels():
    root, _words = parse(charts.follow_through_chart(WEEKS))
    words = texts(root)
    assert [w for w in words if w.isdigit()] == ["0", "2", "4", "6", "8"]  # up to 7, by twos
    assert "Times in the week" in words
    assert [w for w in words if w.startswith("from ")] == [
        "from 1 Nov",
        "from 8 Nov",
        "from 15 Nov",
        "from 22 Nov",
    ]


def test_the_check_in_chart_has_values_and_at_most_eight_dates_along_the_bottom():
    points = [(f"{d:02d} Nov", {"Alex": d % 11}) for d in range(1, 31)]
    root, _words = parse(charts.check_in_chart(points))
    words = texts(root)
    assert [w for w in words if w.isdigit()] == ["0", "2", "4", "6", "8", "10"]
    assert 2 <= len([w for w in words if w.endswith(" Nov")]) <= 8


def test_each_chart_has_the_same_numbers_as_a_table():
    follow = charts.follow_through_chart(WEEKS)["table"]
    assert follow["caption"] and follow["head"][0] == "Week from"
    assert follow["rows"][0] == ("1 November", ["1", "1", "7"])
    checkins = charts.check_in_chart([("01 Nov", {"Alex": 3}), ("08 Nov", {"Alex": 6, "Sam": 8})])
    assert checkins["table"]["head"] == ["Dialogue", "Alex", "Sam"]
    assert checkins["table"]["rows"] == [("01 Nov", ["3", "—"]), ("08 Nov", ["6", "8"])]


def test_an_empty_history_draws_nothing():
    weeks = [{"from": date(2026, 11, 1), "appreciation_days": 0, "gifts": 0, "stretch_logs": 0}]
    assert charts.check_in_chart([]) is None
    assert charts.needs_chart(["To feel seen"], [], {}, ["Alex"]) is None
    assert charts.follow_through_chart(weeks) is None
