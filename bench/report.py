"""Turning measurements into figures: per-step medians, the text table and the SVG chart."""

from __future__ import annotations

import html
import math
import statistics
from collections.abc import Sequence
from typing import Any

COLOURS = ["#1f6fb2", "#d0641c", "#2f9e44", "#8e44ad", "#b8860b", "#555555"]


def pick(run: dict[str, Any], path: str) -> Any:
    """A value deep in one measurement, by dotted path; None when any part is missing."""
    value: Any = run
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One figure per measure for a step: the median over its runs (failures are summed, so one
    bad run is never hidden by two good ones)."""

    def med(path: str) -> float | None:
        return median([pick(r, path) for r in runs])

    def total(path: str) -> int:
        return sum(pick(r, path) or 0 for r in runs)

    processes = max((len(pick(r, "cpu.server_pct") or []) for r in runs), default=0)

    def per_process(path: str) -> list[float | None]:
        # A failed run has no per-process figures: it is left out of their medians.
        lists = [pick(r, path) or [] for r in runs]
        return [median([v[i] for v in lists if len(v) > i]) for i in range(processes)]

    summary: dict[str, Any] = {
        "runs": len(runs),
        "attempted": total("moves.attempted"),
        "completed": total("moves.completed"),
        "refused": total("moves.refused"),
        "timeouts": total("moves.timeouts"),
        "closed": total("moves.closed"),
        "connect_failed": total("connect.failed_pairs"),
        "late": total("moves.late"),
        "per_s": med("moves.per_s"),
        "partner_p50": med("moves.partner_ms.p50"),
        "partner_p90": med("moves.partner_ms.p90"),
        "partner_p99": med("moves.partner_ms.p99"),
        "partner_max": max((pick(r, "moves.partner_ms.max") or 0 for r in runs), default=None),
        "ack_p50": med("moves.ack_ms.p50"),
        "ack_p99": med("moves.ack_ms.p99"),
        "push_bytes": med("moves.push_bytes_median"),
        "handshake_p99": med("connect.handshake_ms.p99"),
        "connect_wall_s": med("connect.wall_s"),
        "server_cpu_pct": median(
            [sum(pick(r, "cpu.server_pct")) for r in runs if pick(r, "cpu.server_pct")]
        ),
        "cpu_ms_per_move": med("cpu.server_ms_per_move"),
        "postgres_pct": med("cpu.postgres_pct"),
        "redis_pct": med("cpu.redis_pct"),
        "generator_pct": med("cpu.generator_pct"),
        "rss_end_mb": per_process("rss_end_mb"),
        "kb_per_connection": per_process("connect.kb_per_connection"),
        "queries_per_move": med("postgres.queries_per_move"),
        "statements_per_move": med("postgres.statements_per_move"),
        "connections_per_move": med("postgres.connections_per_move"),
        "errors": [e for r in runs for e in pick(r, "moves.errors") or []][:10],
    }
    summary["failures"] = (
        summary["refused"] + summary["timeouts"] + summary["closed"] + summary["connect_failed"]
    )
    return summary


def ratio(app: float | None, base: float | None) -> str:
    if app is None or not base:
        return "-"
    return f"{app / base:.1f}x"


def fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def pair(a: float | None, b: float | None) -> str:
    return f"{fmt(a)} / {fmt(b)}"


def each(values: Sequence[float | None], digits: int = 0) -> str:
    return "+".join(fmt(v, digits) for v in values) if values else "-"


def render_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = [
        " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)),
        "-+-".join("-" * w for w in widths),
    ]
    lines += [" | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def tables(steps: list[dict[str, Any]]) -> str:
    """The app table and the baseline table, one row per configuration and couple count."""
    app_rows, base_rows = [], []
    for step in steps:
        app, base = step["app"], step["relay"]
        name, n = step["config"], str(step["couples"])
        app_rows.append(
            [
                name,
                n,
                fmt(app["per_s"], 1),
                pair(app["partner_p50"], app["partner_p99"]),
                pair(app["ack_p50"], app["ack_p99"]),
                str(app["failures"]),
                fmt(app["connect_wall_s"], 1),
                each([app["server_cpu_pct"]]),
                fmt(app["cpu_ms_per_move"], 1),
                fmt(app["postgres_pct"]) + "/" + fmt(app["redis_pct"]),
                each(app["rss_end_mb"]),
                each(app["kb_per_connection"]),
                fmt(app["queries_per_move"], 1) + "/" + fmt(app["connections_per_move"], 1),
                "yes" if step["holds"] else "NO",
            ]
        )
        base_rows.append(
            [
                name,
                n,
                fmt(base["per_s"], 1),
                pair(base["partner_p50"], base["partner_p99"]),
                str(base["failures"]),
                fmt(base["cpu_ms_per_move"], 2),
                each(base["kb_per_connection"]),
                fmt(base["push_bytes"]),
                ratio(app["partner_p50"], base["partner_p50"]),
                ratio(app["partner_p99"], base["partner_p99"]),
                ratio(app["cpu_ms_per_move"], base["cpu_ms_per_move"]),
            ]
        )
    app_table = render_table(
        [
            "config",
            "N",
            "moves/s",
            "partner p50/p99 ms",
            "ack p50/p99 ms",
            "fail",
            "conn s",
            "srv CPU%",
            "CPU ms/move",
            "pg/redis CPU%",
            "RSS MB",
            "KB/conn",
            "q/conn per move",
            "holds",
        ],
        app_rows,
    )
    base_table = render_table(
        [
            "config",
            "N",
            "msgs/s",
            "relay p50/p99 ms",
            "fail",
            "CPU ms/msg",
            "KB/conn",
            "payload B",
            "app/relay p50",
            "p99",
            "CPU/move",
        ],
        base_rows,
    )
    return f"{app_table}\n\nBaseline (bare relay, same N, rhythm, payload):\n{base_table}"


# --- SVG ---------------------------------------------------------------------------------------


def _log_ticks(low: float, high: float) -> list[float]:
    ticks = []
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for mantissa in (1, 2, 5):
            value = mantissa * 10**exponent
            if low <= value <= high:
                ticks.append(value)
    return ticks


def _panel(
    x0: float,
    title: str,
    series: list[tuple[str, str, bool, list[tuple[int, float]]]],
    xs: list[int],
    threshold: float | None,
) -> list[str]:
    """One log-log panel: couples across, the measure up; dashed series are the baseline."""
    width, height, top, left, bottom = 420.0, 260.0, 40.0, 56.0, 36.0
    values = [v for *_rest, points in series for _x, v in points if v and v > 0]
    if threshold:
        values.append(threshold)
    if not values or not xs:
        return []
    low = 10 ** math.floor(math.log10(min(values)))
    high = 10 ** math.ceil(math.log10(max(values)))
    high = max(high, low * 10)
    x_low, x_high = min(xs), max(xs)
    if x_low == x_high:
        x_low, x_high = x_low / 2, x_high * 2

    def px(n: float) -> float:
        span = math.log(x_high) - math.log(x_low)
        return x0 + left + (math.log(n) - math.log(x_low)) / span * (width - left - 10)

    def py(v: float) -> float:
        span = math.log(high) - math.log(low)
        return top + height - bottom - (math.log(v) - math.log(low)) / span * (height - bottom)

    out = [
        f'<text x="{x0 + left}" y="{top - 14}" font-weight="bold">{html.escape(title)}</text>',
        f'<rect x="{x0 + left}" y="{top}" width="{width - left - 10}" height="{height - bottom}"'
        ' fill="none" stroke="#999"/>',
    ]
    for tick in _log_ticks(low, high):
        y = py(tick)
        out.append(
            f'<line x1="{x0 + left}" x2="{x0 + width - 10}" y1="{y:.1f}" y2="{y:.1f}"'
            ' stroke="#eee"/>'
        )
        out.append(f'<text x="{x0 + left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
    for n in sorted(set(xs)):
        out.append(
            f'<text x="{px(n):.1f}" y="{top + height - bottom + 16}"'
            f' text-anchor="middle">{n}</text>'
        )
    out.append(
        f'<text x="{x0 + left + (width - left) / 2}" y="{top + height - 2}"'
        ' text-anchor="middle">couples (log scale)</text>'
    )
    if threshold:
        y = py(threshold)
        out.append(
            f'<line x1="{x0 + left}" x2="{x0 + width - 10}" y1="{y:.1f}" y2="{y:.1f}"'
            ' stroke="#c00" stroke-dasharray="2,3"/>'
        )
        out.append(
            f'<text x="{x0 + width - 14}" y="{y - 4:.1f}" text-anchor="end" fill="#c00">'
            f"{threshold:g} ms</text>"
        )
    for _label, colour, dashed, points in series:
        drawn = [(n, v) for n, v in points if v and v > 0]
        if not drawn:
            continue
        path = " ".join(f"{px(n):.1f},{py(v):.1f}" for n, v in drawn)
        dash = ' stroke-dasharray="6,4"' if dashed else ""
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        # Open markers for the baseline, so a single point still tells which is which.
        fill = "white" if dashed else colour
        for n, v in drawn:
            out.append(
                f'<circle cx="{px(n):.1f}" cy="{py(v):.1f}" r="3.5" fill="{fill}"'
                f' stroke="{colour}" stroke-width="1.5"/>'
            )
    return out


def chart(
    steps: list[dict[str, Any]], labels: dict[str, str], threshold: float, note_lines: list[str]
) -> str:
    """Partner-visible p99 latency and server CPU per move against couples, each configuration
    in its own colour, the app solid and its bare-relay baseline dashed."""
    configs = list(dict.fromkeys(step["config"] for step in steps))
    colour = {c: COLOURS[i % len(COLOURS)] for i, c in enumerate(configs)}
    xs = [step["couples"] for step in steps]

    def series(measure: str) -> list[tuple[str, str, bool, list[tuple[int, float]]]]:
        found = []
        for config in configs:
            mine = [s for s in steps if s["config"] == config]
            for kind, dashed in (("app", False), ("relay", True)):
                points = [(s["couples"], s[kind][measure]) for s in mine]
                found.append((f"{config} {kind}", colour[config], dashed, points))
        return found

    parts = [
        _panel(0, "Partner-visible p99 latency (ms)", series("partner_p99"), xs, threshold),
        _panel(440, "Server CPU per move (ms)", series("cpu_ms_per_move"), xs, None),
    ]
    legend_y = 320
    legend = []
    for i, config in enumerate(configs):
        y = legend_y + 18 * i
        legend.append(
            f'<line x1="56" x2="86" y1="{y - 4}" y2="{y - 4}" stroke="{colour[config]}"'
            ' stroke-width="2"/>'
        )
        legend.append(
            f'<text x="94" y="{y}">{html.escape(config)}: {html.escape(labels.get(config, ""))}'
            " (solid, filled: app; dashed, open: bare relay)</text>"
        )
    notes = [
        f'<text x="56" y="{legend_y + 18 * (len(configs) + i) + 8}" fill="#555">'
        f"{html.escape(line)}</text>"
        for i, line in enumerate(note_lines)
    ]
    height = legend_y + 18 * (len(configs) + len(note_lines)) + 16
    body = "\n".join(line for part in parts for line in part)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="880" height="{height}"'
        ' font-family="sans-serif" font-size="12">\n'
        '<rect width="100%" height="100%" fill="white"/>\n'
        f"{body}\n" + "\n".join(legend + notes) + "\n</svg>\n"
    )
