"""Small server-rendered SVG charts for the therapist's record. No charting JavaScript.

Each function returns {"svg": markup, "summary": a sentence} or None when there is nothing to
draw (the template then says so kindly). Every chart carries a <title> and a <desc> that says in
words what the picture shows; user text is escaped.
"""

from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 20, 48
COLOURS = ("#2f6f62", "#b7791f", "#5b4a8a")  # partner one, partner two, a third series
FONT = 'font-family="system-ui, sans-serif" font-size="12" fill="#24211d"'


def _frame(key: str, title: str, desc: str, body: list[str]) -> SafeString:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{key}-title {key}-desc" class="chart">'
        f'<title id="{key}-title">{escape(title)}</title>'
        f'<desc id="{key}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _x(i: int, n: int) -> float:
    inner = WIDTH - LEFT - RIGHT
    return LEFT + (inner / 2 if n == 1 else inner * i / (n - 1))


def _y(value: float, top: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)


def _legend(names: list[str]) -> list[str]:
    out = []
    for i, name in enumerate(names):
        x = LEFT + i * 170
        colour = COLOURS[i % len(COLOURS)]
        out.append(f'<rect x="{x}" y="{HEIGHT - 18}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 18}" y="{HEIGHT - 8}" {FONT}>{escape(name)}</text>')
    return out


def check_in_chart(points: list[tuple[str, dict[str, int]]]) -> dict | None:
    """Check-in levels (0-10) per partner across dialogues. `points`: (date label, levels)."""
    if not points:
        return None
    names = sorted({name for _label, levels in points for name in levels})
    body = [
        f'<line x1="{LEFT}" y1="{_y(v, 10):.1f}" x2="{WIDTH - RIGHT}" y2="{_y(v, 10):.1f}" '
        f'stroke="#d9d2c7"/><text x="8" y="{_y(v, 10) + 4:.1f}" {FONT}>{v}</text>'
        for v in (0, 5, 10)
    ]
    words = []
    for p, name in enumerate(names):
        coords = [
            (_x(i, len(points)), _y(levels[name], 10))
            for i, (_label, levels) in enumerate(points)
            if name in levels
        ]
        if len(coords) > 1:
            body.append(
                '<polyline fill="none" stroke-width="2" stroke="' + COLOURS[p] + '" '
                'points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>'
            )
        body += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{COLOURS[p]}"/>' for x, y in coords
        ]
        values = ", ".join(f"{label}: {levels[name]}" for label, levels in points if name in levels)
        words.append(f"{name}: {values}")
    body += [
        f'<text x="{_x(i, len(points)):.1f}" y="{HEIGHT - 30}" text-anchor="middle" '
        f"{FONT}>{escape(label)}</text>"
        for i, (label, _l) in enumerate(points)
    ]
    body += _legend(names)
    summary = "Check-in levels out of 10, dialogue by dialogue. " + "; ".join(words) + "."
    return {
        "svg": _frame("checkins", "Check-in levels across dialogues", summary, body),
        "summary": summary,
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
        body.append(f'<text x="4" y="{y + 4:.1f}" {FONT}>{escape(need)}</text>')
        for c, month in enumerate(columns):
            for p in marks.get((need, month), []):
                x = 150 + cell_w * (c + 0.5) + (p * 12 - 6)
                body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{COLOURS[p]}"/>')
    body += [
        f'<text x="{150 + cell_w * (c + 0.5):.1f}" y="{HEIGHT - 30}" '
        f'text-anchor="middle" {FONT}>{escape(month)}</text>'
        for c, month in enumerate(columns)
    ]
    body += _legend(names)
    words = "; ".join(
        f"{month}: "
        + ", ".join(
            f"{names[p]} named {need.lower()}"
            for need in rows
            for p in marks.get((need, month), [])
        )
        for month in columns
        if any((need, month) in marks for need in rows)
    )
    summary = f"Unmet needs named in shared reflections, by month. {words}."
    return {"svg": _frame("needs", "Unmet needs over time", summary, body), "summary": summary}


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
    top = max([w[key] for w in weeks for key, _ in series] + [0])
    if top == 0:
        return None
    group = (WIDTH - LEFT - RIGHT) / len(weeks)
    bar = group / (len(series) + 1)
    body = [
        f'<line x1="{LEFT}" y1="{_y(0, top):.1f}" x2="{WIDTH - RIGHT}" '
        f'y2="{_y(0, top):.1f}" stroke="#5d574f"/>'
    ]
    for w, week in enumerate(weeks):
        for s, (key, _label) in enumerate(series):
            x = LEFT + group * w + bar * (s + 0.5)
            y = _y(week[key], top)
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.9:.1f}" '
                f'height="{_y(0, top) - y:.1f}" fill="{COLOURS[s % len(COLOURS)]}"/>'
            )
        body.append(
            f'<text x="{LEFT + group * (w + 0.5):.1f}" y="{HEIGHT - 30}" '
            f'text-anchor="middle" {FONT}>{week["from"]:%d %b}</text>'
        )
    body += _legend([label for _key, label in series])
    words = "; ".join(
        f"week from {w['from']:%d %B}: "
        + ", ".join(f"{label.lower()} {w[key]}" for key, label in series)
        for w in weeks
    )
    summary = f"Exercise follow-through per week. {words}."
    return {
        "svg": _frame("follow", "Exercise follow-through per week", summary, body),
        "summary": summary,
    }
