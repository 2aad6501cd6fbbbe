"""Where a server's CPU goes: py-spy's raw (collapsed) profile of a loaded server, read back.

bench/run.py --profile records the server with `py-spy record --gil --format raw` (only the
thread holding the GIL is sampled, so a sample is Python work, not waiting) and then reads it
here. Each sample goes to one *operation*, the first rule below that any frame of its stack
matches (so time under `dialogue_move` counts as the move's transaction, whatever library it is
in), and to one *library*, the innermost frame that belongs to a known library (so a sample in
`django/utils/functional.py` under the template engine counts as templates).

    .venv/bin/python -m bench.profile bench/results/<time>-profile-pg-moves.raw
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")

# (operation, file fragment, function or None): the first rule that any frame of the stack
# matches wins, so the app's own operations come first.
OPERATIONS: list[tuple[str, str, str | None]] = [
    (
        "move: the service transaction (dialogue.services.dialogue_move)",
        "dialogue/services.py",
        "dialogue_move",
    ),
    ("push: render the screen (DialogueConsumer.render)", "dialogue/consumers.py", "render"),
    (
        "home panel render (LivePanelConsumer.render_panel)",
        "imago_app/consumers.py",
        "render_panel",
    ),
    (
        "register_socket (OpenSocket row on connect/disconnect)",
        "imago_app/consumers.py",
        "register_socket",
    ),
    ("connect: other_partner lookup (DialogueConsumer)", "dialogue/consumers.py", "other_partner"),
    ("connect: home group_for", "imago_app/consumers.py", "group_for"),
    ("presence / error partials (render_to_string)", "dialogue/consumers.py", "send_presence"),
    ("presence / error partials (render_to_string)", "dialogue/consumers.py", "send_error"),
    ("receive: JSON + MoveForm (DialogueConsumer.receive)", "dialogue/consumers.py", "receive"),
    # The middleware's __call__ wraps every consumer: only its lookups count here.
    ("connect: session and user (channels.auth, sessions)", "channels/auth.py", "get_user"),
    (
        "connect: session and user (channels.auth, sessions)",
        "channels/sessions.py",
        "resolve_session",
    ),
    ("connect: session and user (channels.auth, sessions)", "django/contrib/sessions/", None),
    ("channel layer (send, group_send, receive)", "channels/layers.py", None),
    ("channel layer (send, group_send, receive)", "channels_redis/", None),
]

# Otherwise the innermost frame of the server's own machinery decides.
MACHINERY: list[tuple[str, str]] = [
    ("autobahn (WebSocket framing)", "autobahn/"),
    ("daphne (ASGI server)", "daphne/"),
    ("twisted (reactor, transport)", "twisted/"),
    ("thread pool / asgiref hand-off", "asgiref/"),
    ("thread pool / asgiref hand-off", "concurrent/futures/"),
    ("thread pool / asgiref hand-off", "threading.py"),
    ("channels (consumer dispatch, routing)", "channels/"),
    ("asyncio event loop", "asyncio/"),
]

# (library, file fragment): the innermost frame that matches one decides.
LIBRARIES: list[tuple[str, str]] = [
    ("psycopg (driver)", "psycopg"),
    ("sqlite3 (driver)", "sqlite3/"),
    ("Django DB backend", "django/db/backends/"),
    ("Django ORM (query building, models)", "django/db/"),
    ("Django templates", "django/template/"),
    ("Django templates", "template_partials/"),
    ("Django forms", "django/forms/"),
    ("Django sessions/auth", "django/contrib/sessions/"),
    ("Django sessions/auth", "django/contrib/auth/"),
    ("Django other (utils, urls, signals, i18n...)", "django/"),
    ("json", "json/"),
    ("re", "re/"),
    ("autobahn", "autobahn/"),
    ("twisted", "twisted/"),
    ("daphne", "daphne/"),
    ("channels_redis / redis", "channels_redis/"),
    ("channels_redis / redis", "redis/"),
    ("channels", "channels/"),
    ("asgiref", "asgiref/"),
    ("asyncio", "asyncio/"),
    ("threads, queues", "concurrent/"),
    ("threads, queues", "threading.py"),
    ("threads, queues", "queue.py"),
    ("app: dialogue", "dialogue/"),
    ("app: imago_app", "imago_app/"),
    ("other packages", "site-packages/"),
    ("other stdlib (logging, random, ...)", "/python3."),
]


def parse_frame(text: str) -> tuple[str, str]:
    match = FRAME.match(text.strip())
    if not match:
        return text.strip(), ""
    return match.group("func"), match.group("file")


def read(path: Path) -> list[tuple[list[tuple[str, str]], int]]:
    """The samples of a raw profile: (frames from the root to the leaf, count)."""
    samples = []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples.append(([parse_frame(f) for f in stack.split(";")], int(count)))
    return samples


def operation(frames: list[tuple[str, str]]) -> str:
    for name, fragment, func in OPERATIONS:
        for f_func, f_file in frames:
            # py-spy names a method Class.method.
            if fragment in f_file and (
                func is None or f_func == func or f_func.endswith("." + func)
            ):
                return name
    for _func, f_file in reversed(frames):
        for name, fragment in MACHINERY:
            if fragment in f_file:
                return name
    return "other"


def library(frames: list[tuple[str, str]]) -> str:
    for _func, f_file in reversed(frames):
        for name, fragment in LIBRARIES:
            if fragment in f_file:
                return name
    return "other"


def short(func: str, file: str) -> str:
    for marker in ("site-packages/", "/python3.11/", "/work/main/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{func} ({file})"


def analyse(path: Path, *, top: int = 20) -> dict[str, Any]:
    samples = read(path)
    total = sum(count for _frames, count in samples) or 1
    by_operation: Counter[str] = Counter()
    by_library: Counter[str] = Counter()
    split: dict[str, Counter[str]] = {}
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in samples:
        op, lib = operation(frames), library(frames)
        by_operation[op] += count
        by_library[lib] += count
        split.setdefault(op, Counter())[lib] += count
        if frames:
            self_time[short(*frames[-1])] += count
        for name in {short(*f) for f in frames}:
            inclusive[name] += count

    def pct(n: int) -> float:
        return round(100 * n / total, 1)

    return {
        "file": str(path),
        "samples": total,
        "operations": [
            {
                "operation": op,
                "pct": pct(n),
                "libraries": [
                    {"library": lib, "pct": pct(m)} for lib, m in split[op].most_common(6)
                ],
            }
            for op, n in by_operation.most_common()
        ],
        "libraries": [{"library": lib, "pct": pct(n)} for lib, n in by_library.most_common()],
        "self": [{"function": f, "pct": pct(n)} for f, n in self_time.most_common(top)],
        "inclusive_app": [
            {"function": f, "pct": pct(n)}
            for f, n in inclusive.most_common()
            if f.split("(", 1)[1].startswith(("dialogue/", "imago_app/", "exercises/"))
        ][:top],
    }


def text(result: dict[str, Any], ms_per_unit: float | None = None, unit: str = "move") -> str:
    """The analysis as plain text; with `ms_per_unit` (server CPU per move), in ms too."""

    def ms(p: float) -> str:
        return f"  {p * ms_per_unit / 100:5.2f} ms/{unit}" if ms_per_unit else ""

    lines = [
        f"{result['file']}: {result['samples']} samples with the GIL held",
        "",
        "By operation:",
    ]
    for op in result["operations"]:
        libs = ", ".join(f"{x['library']} {x['pct']:g}%" for x in op["libraries"][:4])
        lines.append(f"  {op['pct']:5.1f}%{ms(op['pct'])}  {op['operation']}  [{libs}]")
    lines += ["", "By library (innermost known frame):"]
    lines += [f"  {x['pct']:5.1f}%{ms(x['pct'])}  {x['library']}" for x in result["libraries"]]
    lines += ["", "App functions, inclusive:"]
    lines += [f"  {x['pct']:5.1f}%  {x['function']}" for x in result["inclusive_app"]]
    lines += ["", "Functions, self time:"]
    lines += [f"  {x['pct']:5.1f}%  {x['function']}" for x in result["self"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under `| head`
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw", type=Path, help="py-spy --format raw output")
    parser.add_argument("--ms-per-move", type=float, help="server CPU ms per move, to scale")
    args = parser.parse_args(argv)
    print(text(analyse(args.raw), args.ms_per_move))
    return 0


if __name__ == "__main__":
    sys.exit(main())
