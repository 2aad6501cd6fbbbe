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


# --- slow-request isolation, churn, profile -------------------------------------------------


def diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 2)


def summarize_isolation(runs: list[dict[str, Any]], limit_ms: float) -> dict[str, Any]:
    """The other couples' latency without and with the slow couple, median over runs; the
    differences are the medians of each run's own difference."""
    ok = [r for r in runs if "isolation" in r]

    def med(path: str) -> float | None:
        return median([pick(r, "isolation." + path) for r in ok])

    def total(path: str) -> int:
        return sum(pick(r, "isolation." + path) or 0 for r in ok)

    def phase_diff(measure: str) -> float | None:
        return median(
            [
                diff(
                    pick(r, f"isolation.without.moves.partner_ms.{measure}"),
                    pick(r, f"isolation.with.moves.partner_ms.{measure}"),
                )
                for r in ok
            ]
        )

    def failures(phase: str) -> int:
        return sum(total(f"{phase}.moves.{k}") for k in ("refused", "timeouts", "closed"))

    def cpu(phase: str) -> float | None:
        return median(
            [
                sum(v for v in pick(r, f"isolation.{phase}.cpu.server_pct") or [] if v)
                for r in ok
                if pick(r, f"isolation.{phase}.cpu.server_pct")
            ]
        )

    summary: dict[str, Any] = {
        "runs": len(runs),
        "failed_runs": len(runs) - len(ok),
        "without_moves": total("without.moves.completed"),
        "with_moves": total("with.moves.completed"),
        "without_p50": med("without.moves.partner_ms.p50"),
        "without_p90": med("without.moves.partner_ms.p90"),
        "without_p99": med("without.moves.partner_ms.p99"),
        "with_p50": med("with.moves.partner_ms.p50"),
        "with_p90": med("with.moves.partner_ms.p90"),
        "with_p99": med("with.moves.partner_ms.p99"),
        "diff_p50": phase_diff("p50"),
        "diff_p99": phase_diff("p99"),
        # The median over blocks of each block's p99, and its difference: robust to one burst.
        "without_block_p99": med("without_block_p99_median"),
        "with_block_p99": med("with_block_p99_median"),
        "diff_block_p99": median(
            [
                diff(
                    pick(r, "isolation.without_block_p99_median"),
                    pick(r, "isolation.with_block_p99_median"),
                )
                for r in ok
            ]
        ),
        "failures": failures("without")
        + failures("with")
        + sum(pick(r, "connect.failed_pairs") or 0 for r in runs)
        + len(runs)
        - len(ok),
        "slow_moves": total("slow.completed"),
        "slow_failures": sum(total(f"slow.{k}") for k in ("refused", "timeouts", "closed")),
        "slow_p50": med("slow.partner_ms.p50"),
        "slow_p99": med("slow.partner_ms.p99"),
        "cpu_without_pct": cpu("without"),
        "cpu_with_pct": cpu("with"),
        "errors": [
            e
            for r in ok
            for phase in ("without", "with", "slow")
            for e in pick(r, f"isolation.{phase}.moves.errors")
            or pick(r, f"isolation.{phase}.errors")
            or []
        ][:10]
        + [r["failed"] for r in runs if "failed" in r][:3],
    }
    summary["holds"] = (
        summary["diff_p99"] is not None
        and summary["diff_p99"] <= limit_ms
        and summary["failures"] == 0
    )
    return summary


def isolation_table(entries: list[dict[str, Any]]) -> str:
    rows = []
    for entry in entries:
        s = entry["summary"]
        rows.append(
            [
                entry["config"],
                str(entry["couples"]),
                entry["db_threads"],
                f"{entry['slow_ms']:g} ms / {entry['slow_interval_s']:g} s",
                pair(s["without_p50"], s["without_p99"]),
                pair(s["with_p50"], s["with_p99"]),
                fmt(s["diff_p50"], 1) + " / " + fmt(s["diff_p99"], 1),
                pair(s["without_block_p99"], s["with_block_p99"])
                + f" ({fmt(s['diff_block_p99'], 1)})",
                f"{s['without_moves']}/{s['with_moves']}",
                f"{s['slow_moves']} ({fmt(s['slow_p50'])} ms)",
                str(s["failures"] + s["slow_failures"]),
                fmt(s["cpu_without_pct"]) + "/" + fmt(s["cpu_with_pct"]),
                str(s["runs"]),
                "yes" if s["holds"] else "NO",
            ]
        )
    return render_table(
        [
            "config",
            "N",
            "DB_THREADS",
            "slow call / rhythm",
            "others p50/p99 without",
            "with slow couple",
            "diff p50/p99 ms",
            "block p99 w/o / with (diff)",
            "moves w/o / with",
            "slow moves (p50)",
            "fail",
            "srv CPU% w/o/with",
            "runs",
            "diff p99 ok",
        ],
        rows,
    )


def summarize_churn(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if "churn" in r]

    def med(path: str) -> float | None:
        return median([pick(r, path) for r in ok])

    def per_process(path: str) -> list[float | None]:
        lists = [pick(r, path) or [] for r in ok]
        count = max((len(v) for v in lists), default=0)
        return [median([v[i] for v in lists if len(v) > i]) for i in range(count)]

    def stat(where: str, key: str) -> list[Any]:
        first = ok[0] if ok else {}
        return [(s or {}).get(key) for s in pick(first, f"{where}.stats") or []]

    growth = per_process("rss_growth_pct")
    summary = {
        "runs": len(runs),
        "failed_runs": len(runs) - len(ok),
        "cycles": med("churn.cycles"),
        "failed": sum(pick(r, "churn.failed") or 0 for r in ok)
        + sum(pick(r, "warmup.failed") or 0 for r in ok)
        + len(runs)
        - len(ok),
        "per_s": med("churn.per_s"),
        "handshake_p50": med("churn.handshake_ms.p50"),
        "handshake_p99": med("churn.handshake_ms.p99"),
        "cpu_ms_per_cycle": med("cpu.server_ms_per_move"),
        "rss_start_mb": per_process("start.rss_mb"),
        "rss_end_mb": per_process("end.rss_mb"),
        "rss_growth_pct": growth,
        "open_socket_rows": sum(pick(r, "open_socket_rows") or 0 for r in ok),
        "idle_sockets": med("idle.sockets"),
        "kb_per_connection": per_process("idle.kb_per_connection"),
        "gc_objects": [stat("start", "gc_objects"), stat("end", "gc_objects")],
        "asyncio_tasks": [stat("start", "asyncio_tasks"), stat("end", "asyncio_tasks")],
        "layer_channels": [stat("start", "layer_channels"), stat("end", "layer_channels")],
        "layer_groups": [stat("start", "layer_groups"), stat("end", "layer_groups")],
        "errors": [e for r in ok for e in pick(r, "churn.failures") or []][:10]
        + [r["failed"] for r in runs if "failed" in r][:3],
    }
    present = [g for g in growth if g is not None]
    summary["holds"] = bool(present) and max(present) <= 5 and summary["failed"] == 0
    return summary


def _arrow(values: list[list[Any]]) -> str:
    start, end = values
    return "+".join(fmt(v) for v in start) + " -> " + "+".join(fmt(v) for v in end)


def churn_table(entries: list[dict[str, Any]]) -> str:
    rows = []
    for entry in entries:
        s = entry["summary"]
        rows.append(
            [
                entry["config"],
                fmt(s["cycles"]),
                fmt(s["per_s"]),
                pair(s["handshake_p50"], s["handshake_p99"]),
                fmt(s["cpu_ms_per_cycle"], 1),
                each(s["rss_start_mb"], 1),
                each(s["rss_end_mb"], 1),
                each(s["rss_growth_pct"], 1),
                _arrow(s["gc_objects"]),
                _arrow(s["asyncio_tasks"]),
                _arrow(s["layer_channels"]) + " / " + _arrow(s["layer_groups"]),
                str(s["open_socket_rows"]),
                each(s["kb_per_connection"]),
                str(s["failed"]),
                str(s["runs"]),
                "yes" if s["holds"] else "NO",
            ]
        )
    return render_table(
        [
            "config",
            "cycles",
            "cycles/s",
            "handshake p50/p99 ms",
            "CPU ms/cycle",
            "RSS MB start",
            "end",
            "growth %",
            "gc objects",
            "tasks",
            "layer channels / groups",
            "rows left",
            "KB/idle conn",
            "fail",
            "runs",
            "<= 5%",
        ],
        rows,
    )


# --- SVG ---------------------------------------------------------------------------------------


def bar_panel(
    x0: float,
    y0: float,
    title: str,
    groups: list[tuple[str, list[tuple[str, float | None]]]],
    unit: str,
    limit: float | None = None,
) -> list[str]:
    """Horizontal bars, a group per row (e.g. a configuration), a bar per series."""
    values = [v for _g, bars in groups for _s, v in bars if v is not None]
    if not values:
        return []
    top = max([*values, limit or 0]) * 1.1 or 1
    left, width, bar_h = 270.0, 450.0, 12.0
    out = [f'<text x="{x0 + 56}" y="{y0}" font-weight="bold">{html.escape(title)}</text>']
    y = y0 + 12
    for label, bars in groups:
        out.append(
            f'<text x="{x0 + left - 8}" y="{y + 10}" text-anchor="end">{html.escape(label)}</text>'
        )
        for i, (series, value) in enumerate(bars):
            colour = COLOURS[i % len(COLOURS)]
            w = 0 if value is None else max(0.5, value / top * width)
            out.append(
                f'<rect x="{x0 + left}" y="{y}" width="{w:.1f}" height="{bar_h - 2}"'
                f' fill="{colour}"/>'
            )
            out.append(
                f'<text x="{x0 + left + w + 4:.1f}" y="{y + 9}" font-size="10">'
                f"{html.escape(series)}: {fmt(value, 1)} {unit}</text>"
            )
            y += bar_h
        y += 6
    if limit:
        x = x0 + left + limit / top * width
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y0 + 8}" y2="{y}" stroke="#c00"'
            ' stroke-dasharray="2,3"/>'
        )
    out.append(f"<!-- height {y - y0 + 20:.0f} -->")
    return out


def panel_height(lines: list[str]) -> float:
    for line in reversed(lines):
        if line.startswith("<!-- height "):
            return float(line.split()[2])
    return 0.0


def extra_panels(
    isolation: list[dict[str, Any]], churn: list[dict[str, Any]], y0: float
) -> tuple[list[str], float]:
    """The isolation and churn sections as bar panels from y0 down; (lines, height used)."""
    out: list[str] = []
    y = y0
    if isolation:
        groups = [
            (
                f"{e['config']} N={e['couples']} DB_THREADS={e['db_threads']}",
                [
                    ("others p99 without", e["summary"]["without_p99"]),
                    ("with the slow couple", e["summary"]["with_p99"]),
                    ("median block p99 without", e["summary"].get("without_block_p99")),
                    ("with", e["summary"].get("with_block_p99")),
                ],
            )
            for e in isolation
        ]
        panel = bar_panel(
            0, y + 20, "Slow-request isolation: other couples' p99 (ms)", groups, "ms"
        )
        out += panel
        y += panel_height(panel) + 30
    if churn:
        groups = [
            (
                f"{e['config']} ({fmt(e['summary']['cycles'])} cycles)",
                [
                    ("RSS start", sum(v or 0 for v in e["summary"]["rss_start_mb"])),
                    ("RSS end", sum(v or 0 for v in e["summary"]["rss_end_mb"])),
                ],
            )
            for e in churn
        ]
        panel = bar_panel(0, y + 20, "Server RSS before and after the churn (MB)", groups, "MB")
        out += panel
        y += panel_height(panel) + 30
    return out, y - y0


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
    steps: list[dict[str, Any]],
    labels: dict[str, str],
    threshold: float,
    note_lines: list[str],
    isolation: Sequence[dict[str, Any]] = (),
    churn: Sequence[dict[str, Any]] = (),
) -> str:
    """Partner-visible p99 latency and server CPU per move against couples, each configuration
    in its own colour, the app solid and its bare-relay baseline dashed; below them, bars for
    the isolation and churn sections when they were measured."""
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

    parts = []
    legend_y = 20
    if steps:
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
    notes_y = legend_y + 18 * len(configs)
    notes = [
        f'<text x="56" y="{notes_y + 18 * i + 8}" fill="#555">{html.escape(line)}</text>'
        for i, line in enumerate(note_lines)
    ]
    extra, extra_height = extra_panels(list(isolation), list(churn), notes_y + 18 * len(notes))
    height = notes_y + 18 * len(note_lines) + extra_height + 16
    body = "\n".join(line for part in [*parts, extra] for line in part)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="880" height="{height:.0f}"'
        ' font-family="sans-serif" font-size="12">\n'
        '<rect width="100%" height="100%" fill="white"/>\n'
        f"{body}\n" + "\n".join(legend + notes) + "\n</svg>\n"
    )
