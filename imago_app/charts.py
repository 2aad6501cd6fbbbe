"""Small server-rendered SVG charts for the therapist's record. No charting JavaScript.

Each function returns None when there is nothing to draw (the template then says so kindly), or
a dict:

- "svg": the picture, with a <title> and a <desc> that says in words what it shows, axes with
  values, and no legend inside (a long label there runs into the next one);
- "legend": one {"label", "swatch"} per series, for an HTML list beside the picture, where long
  labels wrap instead of overlapping; the swatch is a tiny SVG of the series' mark;
- "table": {"caption", "head", "rows"} with rows as (row heading, cells): the same numbers as a
  table, for anyone who would rather read than look, and for the printout;
- "summary": the <desc> sentence.

Series differ by colour and by shape: the first is solid with round marks, the second hatched
(or dashed) with square marks, the third dotted with diamond marks. User text is escaped.
"""

from html import escape
from math import ceil

from django.utils.safestring import SafeString, mark_safe

from imago_app.text import displayable

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 30, 44
COLOURS = ("#2f6f62", "#9a5b00", "#5b4a8a")  # partner one, partner two, a third series
GRID, AXIS = "#d9d2c7", "#5d574f"
FONT = 'font-family="system-ui, sans-serif" font-size="12" fill="#24211d"'
SMALL = 'font-family="system-ui, sans-serif" font-size="11" fill="#5d574f"'
DASHES = ("", ' stroke-dasharray="7 4"', ' stroke-dasharray="2 3"')
MAX_X_LABELS = 8


def _frame(key: str, title: str, desc: str, body: list[str]) -> SafeString:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{key}-title {key}-desc" class="chart">'
        f'<title id="{key}-title">{escape(title)}</title>'
        f'<desc id="{key}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _x(i: int, n: int) -> float:
    inner = WIDTH - LEFT - RIGHT - 24
    return LEFT + 12 + (inner / 2 if n == 1 else inner * i / (n - 1))


def _y(value: float, top: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)


def _style(s: int) -> tuple[str, str]:
    return COLOURS[s % len(COLOURS)], DASHES[s % len(DASHES)]


def _marker(s: int, x: float, y: float, size: float = 4.5) -> str:
    """Series 0 a circle, 1 a square, 2 a diamond: told apart without colour."""
    colour, _dash = _style(s)
    shape = s % 3
    if shape == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" fill="{colour}"/>'
    if shape == 1:
        d = size * 0.9
        return (
            f'<rect x="{x - d:.1f}" y="{y - d:.1f}" width="{2 * d:.1f}" height="{2 * d:.1f}" '
            f'fill="{colour}"/>'
        )
    d = size * 1.3
    return (
        f'<path d="M{x:.1f} {y - d:.1f}L{x + d:.1f} {y:.1f}L{x:.1f} {y + d:.1f}'
        f'L{x - d:.1f} {y:.1f}Z" fill="{colour}"/>'
    )


def _pattern(pid: str, s: int) -> str:
    """The fill of series `s`'s bars: solid, hatched or dotted, each in its colour."""
    colour, _dash = _style(s)
    ground = '<rect width="6" height="6" fill="#fff"/>'
    if s % 3 == 1:
        inside = f'{ground}<rect width="3" height="6" fill="{colour}"/>'
        extra = ' patternTransform="rotate(45)"'
    else:
        inside = f'{ground}<circle cx="3" cy="3" r="1.6" fill="{colour}"/>'
        extra = ""
    return (
        f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="6" height="6"{extra}>'
        f"{inside}</pattern>"
    )


def _bar_fill(key: str, s: int) -> str:
    return _style(s)[0] if s % 3 == 0 else f"url(#{key}-fill{s})"


def _swatch(s: int, kind: str, key: str) -> SafeString:
    """The series' mark for the HTML legend: a line with its mark, or a bar's fill."""
    colour, dash = _style(s)
    if kind == "bar":
        pid = f"{key}-key{s}"
        defs = f"<defs>{_pattern(pid, s)}</defs>" if s % 3 else ""
        fill = colour if s % 3 == 0 else f"url(#{pid})"
        inner = (
            f'{defs}<rect x="2" y="2" width="24" height="12" fill="{fill}" '
            f'stroke="{colour}" stroke-width="1.5"/>'
        )
    elif kind == "line":
        inner = (
            f'<line x1="1" y1="8" x2="27" y2="8" stroke="{colour}" stroke-width="2"{dash}/>'
            + _marker(s, 14, 8)
        )
    else:
        inner = _marker(s, 14, 8, 5)
    return mark_safe(
        f'<svg class="swatch" viewBox="0 0 28 16" width="28" height="16" aria-hidden="true" '
        f'focusable="false">{inner}</svg>'
    )


def _legend(labels: list[str], kind: str, key: str) -> list[dict]:
    return [{"label": label, "swatch": _swatch(s, kind, key)} for s, label in enumerate(labels)]


def _step(top: int) -> int:
    """A round step for a value axis up to `top`, with at most five steps."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if top / step <= 5:
            return step
    return ceil(top / 5)


def _value_axis(top: int, step: int, title: str) -> list[str]:
    """Gridlines with their values on the left, and what the values count."""
    body = [f'<text x="{LEFT - 8}" y="{TOP - 14}" {SMALL}>{escape(title)}</text>']
    for v in range(0, top + 1, step):
        y = _y(v, top)
        body.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{AXIS if v == 0 else GRID}"/>'
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{v}</text>'
        )
    return body


def _thinned(n: int) -> set[int]:
    """Which of `n` labels along the bottom to write, so they never run into each other."""
    if n <= MAX_X_LABELS:
        return set(range(n))
    return set(range(0, n, ceil(n / MAX_X_LABELS)))


def check_in_chart(points: list[tuple[str, dict[str, int]]]) -> dict | None:
    """Check-in levels (0-10) per partner across dialogues. `points`: (date label, levels)."""
    if not points:
        return None
    names = sorted({name for _label, levels in points for name in levels})
    body = _value_axis(10, 2, "Level, 0 to 10")
    words = []
    for p, name in enumerate(names):
        colour, dash = _style(p)
        coords = [
            (_x(i, len(points)), _y(levels[name], 10))
            for i, (_label, levels) in enumerate(points)
            if name in levels
        ]
        if len(coords) > 1:
            body.append(
                f'<polyline fill="none" stroke-width="2" stroke="{colour}"{dash} points="'
                + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
                + '"/>'
            )
        body += [_marker(p, x, y) for x, y in coords]
        values = ", ".join(f"{label}: {levels[name]}" for label, levels in points if name in levels)
        words.append(f"{displayable(name)}: {values}")
    shown = _thinned(len(points))
    body += [
        f'<text x="{_x(i, len(points)):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
        f"{FONT}>{escape(label)}</text>"
        for i, (label, _l) in enumerate(points)
        if i in shown
    ]
    body.append(
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" text-anchor="end" {SMALL}>Dialogue date</text>'
    )
    summary = "Check-in levels out of 10, dialogue by dialogue. " + "; ".join(words) + "."
    return {
        "svg": _frame("checkins", "Check-in levels across dialogues", summary, body),
        "summary": summary,
        "legend": _legend(names, "line", "checkins"),
        "table": {
            "caption": "Check-in levels out of 10, dialogue by dialogue",
            "head": ["Dialogue", *names],
            "rows": [
                (label, [str(levels[n]) if n in levels else "—" for n in names])
                for label, levels in points
            ],
        },
    }


def needs_chart(
    rows: list[str], columns: list[str], marks: dict[tuple[str, str], list[int]], names: list[str]
) -> dict | None:
    """Which unmet needs each partner named, by month. `marks[(need, month)]` lists partner
    indexes (0 or 1) who named that need that month."""
    if not marks:
        return None
    cell_w = (WIDTH - 150 - RIGHT) / max(len(columns), 1)
    cell_h = (HEIGHT - TOP - BOTTOM) / max(len(rows), 1)
    body = []
    for r, need in enumerate(rows):
        y = TOP + cell_h * (r + 0.5)
        body.append(
            f'<line x1="150" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="4" y="{y + 4:.1f}" {FONT}>{escape(need)}</text>'
        )
        for c, month in enumerate(columns):
            for p in marks.get((need, month), []):
                x = 150 + cell_w * (c + 0.5) + (p * 14 - 7)
                body.append(_marker(p, x, y, 5))
    body += [
        f'<text x="{150 + cell_w * (c + 0.5):.1f}" y="{HEIGHT - BOTTOM + 18}" '
        f'text-anchor="middle" {FONT}>{escape(month)}</text>'
        for c, month in enumerate(columns)
    ]
    words = "; ".join(
        f"{month}: "
        + ", ".join(
            f"{displayable(names[p])} named {need.lower()}"
            for need in rows
            for p in marks.get((need, month), [])
        )
        for month in columns
        if any((need, month) in marks for need in rows)
    )
    summary = f"Unmet needs named in shared reflections, by month. {words}."
    named = [need for need in rows if any((need, month) in marks for month in columns)]
    return {
        "svg": _frame("needs", "Unmet needs over time", summary, body),
        "summary": summary,
        "legend": _legend(names, "mark", "needs"),
        "table": {
            "caption": "Who named each unmet need in a shared reflection, by month",
            "head": ["Need", *columns],
            "rows": [
                (
                    need,
                    [
                        ", ".join(names[p] for p in marks.get((need, month), [])) or "—"
                        for month in columns
                    ],
                )
                for need in named
            ],
        },
    }


FOLLOW_THROUGH = [
    ("appreciation_days", "Days with an appreciation"),
    ("gifts", "Caring behaviours given"),
    ("stretch_logs", "Stretch logs"),
]


def follow_through_chart(
    weeks: list[dict], series: list[tuple[str, str]] | None = None
) -> dict | None:
    """Counts week by week, one bar per series (key in each week, label): by default
    appreciation days, caring behaviours given and stretch logs."""
    series = FOLLOW_THROUGH if series is None else series
    if not series:
        return None
    most = max([w[key] for w in weeks for key, _ in series] + [0])
    if most == 0:
        return None
    step = _step(most)
    top = ceil(most / step) * step
    body = [
        "<defs>"
        + "".join(_pattern(f"follow-fill{s}", s) for s in range(len(series)) if s % 3)
        + "</defs>"
    ]
    body += _value_axis(top, step, "Times in the week")
    group = (WIDTH - LEFT - RIGHT) / len(weeks)
    bar = group / (len(series) + 1)
    for w, week in enumerate(weeks):
        for s, (key, _label) in enumerate(series):
            x = LEFT + group * w + bar * (s + 0.5)
            y = _y(week[key], top)
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.9:.1f}" '
                f'height="{_y(0, top) - y:.1f}" fill="{_bar_fill("follow", s)}" '
                f'stroke="{_style(s)[0]}" stroke-width="1.5"/>'
            )
        body.append(
            f'<text x="{LEFT + group * (w + 0.5):.1f}" y="{HEIGHT - BOTTOM + 18}" '
            f'text-anchor="middle" {FONT}>from {week["from"].day} {week["from"]:%b}</text>'
        )
    body.append(f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" text-anchor="end" {SMALL}>Week</text>')
    words = "; ".join(
        f"week from {w['from'].day} {w['from']:%B}: "
        + ", ".join(f"{label.lower()} {w[key]}" for key, label in series)
        for w in weeks
    )
    summary = f"Exercise follow-through per week. {words}."
    return {
        "svg": _frame("follow", "Exercise follow-through per week", summary, body),
        "summary": summary,
        "legend": _legend([label for _key, label in series], "bar", "follow"),
        "table": {
            "caption": "Exercise follow-through, week by week",
            "head": ["Week from", *(label for _key, label in series)],
            "rows": [
                (f"{w['from'].day} {w['from']:%B}", [str(w[key]) for key, _l in series])
                for w in weeks
            ],
        },
    }
