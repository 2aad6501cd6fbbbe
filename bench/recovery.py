"""How long the other partner waits for a move whose process died between commit and broadcast.

    .venv/bin/python -m bench.recovery --tries 20                # the mover's daphne is killed
    .venv/bin/python -m bench.recovery --tries 20 --how process  # the mover: a process of its own
    .venv/bin/python -m bench.recovery --tries 5 --resync-seconds 3600  # as without the watcher

Starts throwaway PostgreSQL and Redis (bench/services.sh, on ports of their own), migrates a fresh
database and runs two daphne processes on them, as `make bench` runs the pg-redis configuration
(DEBUG off). Each try makes a new couple whose dialogue Sam asked for, opens Sam's socket on
daphne 2 and Alex's on daphne 1, waits a random part of the resync interval, and then Alex
accepts in a process that dies by SIGKILL as the move commits, before its broadcast
(tests/dying.py):

- `--how daphne` (default): daphne 1 serves `tests.dying:application`; Alex's socket sends the move
  and daphne 1 dies with it, as a server killed right after a commit would. It is started again
  for the next try.
- `--how process`: the move is made by `python -m tests.dying` on the same database and Redis;
  daphne 1 stays up, and Alex's own socket on it is measured too.

Delivery time: from the commit (the time the dying process printed just before it killed itself)
to the moment Sam's socket receives the screen with the new sequence number (the bar's
data-seq); a try that sees nothing within `--timeout` counts as missed. A third socket, of
another couple, stays open on daphne 2 throughout, so its watcher keeps ticking between tries as
it would in a busy process. Last, the watcher's query is timed for `--cost-dialogues` dialogues
(the one query a process runs per tick, as with that many dialogues open on it).

Prints the figures and writes bench/results/<time>-recovery.json (server logs beside it).
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

from bench.run import BASE_DIR, PYTHON, RESULTS, Server, Services, base_env

DYING_APP = "tests.dying:application"


class DyingServer(Server):
    """A daphne that serves tests/dying.py's app: it dies as the first move made on it commits."""

    def command(self) -> list[str]:
        return [*super().command()[:-1], DYING_APP]


class Screen:
    """One partner's socket, and the sequence numbers of the screens it received."""

    def __init__(self, base_url: str, path: str, cookie: str) -> None:
        self._stack = contextlib.ExitStack()
        self.ws = self._stack.enter_context(
            connect(
                base_url.replace("http://", "ws://") + path,
                additional_headers={"origin": base_url, "cookie": cookie},
                open_timeout=20,
                proxy=None,
            )
        )

    def wait_for_seq(self, seq: int, timeout: float) -> float | None:
        """time.time() when the screen of `seq` arrived, or None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        needle = f'data-seq="{seq}"'
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.ws.recv(timeout=left)
            except TimeoutError:
                return None
            if needle in html.unescape(message if isinstance(message, str) else ""):
                return time.time()
        return None

    def send_move(self, kind: str) -> None:
        key = f"recovery-{time.time_ns()}"
        self.ws.send(json.dumps({"move": kind, "key": key}))

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the server under it was killed
            self._stack.close()


def committed_at(text: str) -> float | None:
    lines = [line for line in text.splitlines() if line.startswith("committed ")]
    return float(lines[-1].split()[1]) if lines else None


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imago_app.settings")
    import django

    django.setup()


def new_couple() -> tuple[Any, Any, int, dict[int, str]]:
    """A couple whose dialogue Sam asked for (so Alex moves first), and their session cookies."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from tests.factories import make_couple, make_dialogue, make_partner

    alex, sam = make_partner("Alex"), make_partner("Sam")
    dialogue = make_dialogue(make_couple(alex, sam), sam, topic="Sunday")
    cookies = {}
    for user in (alex, sam):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies[user.pk] = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    return alex, sam, dialogue.pk, cookies


def one_try(
    how: str,
    number: int,
    first: Server,
    second: Server,
    env: dict[str, str],
    args: argparse.Namespace,
    logs: Path,
) -> dict[str, Any]:
    alex, sam, dialogue_id, cookies = new_couple()
    path = f"/ws/dialogue/{dialogue_id}/"
    if how == "daphne":
        first.log_path = logs / f"dying-{number}.log"
        first.start()
    b = Screen(second.url, path, cookies[sam.pk])
    a = Screen(first.url, path, cookies[alex.pk])
    result: dict[str, Any] = {"try": number, "dialogue": dialogue_id}
    try:
        if b.wait_for_seq(1, 20) is None or a.wait_for_seq(1, 20) is None:
            return {**result, "error": "no first screen"}
        # Anywhere in the watcher's cycle, as a real move would land.
        time.sleep(random.uniform(0, min(args.resync_seconds, 5)))
        if how == "daphne":
            a.send_move("accept")
            code = first.proc.wait(30)
            output = first.log_path.read_text(errors="replace")
        else:
            done = subprocess.run(
                [PYTHON, "-m", "tests.dying", str(dialogue_id), str(alex.pk), "accept"],
                cwd=BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            code, output = done.returncode, done.stdout + done.stderr
        commit = committed_at(output)
        if code != -signal.SIGKILL or commit is None:
            return {**result, "error": f"the mover exited {code}: {output[-500:]!r}"}
        left = max(0.1, args.timeout - (time.time() - commit))
        if how == "daphne":
            result["sam_s"] = seen(b.wait_for_seq(2, left), commit)
            return result
        # Both sockets at once, each timed as its screen arrives.
        with ThreadPoolExecutor(2) as pool:
            sam_gets, alex_gets = (pool.submit(s.wait_for_seq, 2, left) for s in (b, a))
            result["sam_s"] = seen(sam_gets.result(), commit)
            result["alex_s"] = seen(alex_gets.result(), commit)
        return result
    finally:
        a.close()
        b.close()


def seen(arrived: float | None, commit: float) -> float | None:
    return None if arrived is None else round(arrived - commit, 4)


def query_cost(count: int, repeats: int = 50) -> dict[str, Any]:
    """Wall time of the watcher's one query (dialogue/resync.py) for `count` dialogues, as a
    process with that many dialogues open would run it every RESYNC_SECONDS."""
    from django.db import connection
    from django.utils import timezone

    from dialogue import resync
    from dialogue.models import Dialogue

    # Rows like a real one (ended, so the one-open-dialogue rule allows them); the query reads
    # only their id and seq, through the primary key.
    model = Dialogue.objects.first()
    rows = Dialogue.objects.bulk_create(
        Dialogue(
            couple_id=model.couple_id,
            requested_by_id=model.requested_by_id,
            mode=model.mode,
            device=model.device,
            seq=random.randint(1, 200),
            snapshot=model.snapshot,
            ended_at=timezone.now(),
        )
        for _ in range(count)
    )
    ids = [row.pk for row in rows]
    query = resync.current_seqs.func  # the watcher's call, without the thread hop
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        seqs = query(ids)
        timings.append(1000 * (time.perf_counter() - started))
        assert len(seqs) == count
    connection.close()
    return {
        "dialogues": count,
        "repeats": repeats,
        "median_ms": round(statistics.median(timings), 2),
        "max_ms": round(max(timings), 2),
    }


def summary(values: list[float | None]) -> dict[str, Any]:
    got = sorted(v for v in values if v is not None)
    return {
        "n": len(values),
        "delivered": len(got),
        "missed": len(values) - len(got),
        "median_s": round(statistics.median(got), 3) if got else None,
        "worst_s": round(got[-1], 3) if got else None,
        "best_s": round(got[0], 3) if got else None,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tries", type=int, default=20)
    parser.add_argument("--how", choices=("daphne", "process"), default="daphne")
    parser.add_argument(
        "--resync-seconds", type=float, default=2.0, help="RESYNC_SECONDS of the servers"
    )
    parser.add_argument(
        "--timeout", type=float, default=15, help="seconds before a try counts as missed"
    )
    parser.add_argument("--cost-dialogues", type=int, default=1000, help="0: skip the query cost")
    parser.add_argument("--pg-port", type=int, default=55441)
    parser.add_argument("--redis-port", type=int, default=6401)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    random.seed(args.seed)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    logs = RESULTS / f"logs-{stamp}-recovery"
    logs.mkdir(parents=True, exist_ok=True)
    services = Services(args.pg_port, args.redis_port)
    servers: list[Server] = []
    bystander: Screen | None = None
    try:
        services.start()
        env = base_env()
        env["DATABASE_URL"] = services.createdb("bench_recovery")
        env["REDIS_URL"] = services.redis_url
        env["RESYNC_SECONDS"] = str(args.resync_seconds)
        env["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )
        setup_django(env)
        first_kind = DyingServer if args.how == "daphne" else Server
        first = first_kind("daphne", env, logs / "first.log")
        second = Server("daphne", env, logs / "second.log").start()
        servers = [first, second]
        if args.how == "process":
            first.start()
        # Another couple's socket on daphne 2 for the whole run: its watcher keeps ticking.
        _, other_sam, other_id, other_cookies = new_couple()
        bystander = Screen(second.url, f"/ws/dialogue/{other_id}/", other_cookies[other_sam.pk])
        bystander.wait_for_seq(1, 20)
        print(
            f"recovery: {args.tries} tries, mover killed by SIGKILL between commit and broadcast"
            f" ({args.how}), RESYNC_SECONDS={args.resync_seconds}, 2 daphne, PostgreSQL + Redis",
            flush=True,
        )
        tries = []
        for number in range(1, args.tries + 1):
            outcome = one_try(args.how, number, first, second, env, args, logs)
            tries.append(outcome)
            print(f"  try {number:>3}: {describe(outcome)}", flush=True)
        cost = query_cost(args.cost_dialogues) if args.cost_dialogues else None
    finally:
        if bystander:
            bystander.close()
        for server in servers:
            server.stop()
        services.stop()
    sam = summary([t.get("sam_s") for t in tries if "error" not in t])
    errors = [t for t in tries if "error" in t]
    result: dict[str, Any] = {
        "how": args.how,
        "resync_seconds": args.resync_seconds,
        "timeout_s": args.timeout,
        "other_partner": sam,
        "errors": len(errors),
        "tries": tries,
        "query_cost": cost,
        "cpus": os.cpu_count(),
    }
    print()
    print(
        f"other partner (socket on daphne 2): n={sam['n']}  delivered {sam['delivered']}"
        f"  missed {sam['missed']}  median {fmt(sam['median_s'])}  worst {fmt(sam['worst_s'])}"
        f"  best {fmt(sam['best_s'])}"
    )
    if args.how == "process":
        alex = summary([t.get("alex_s") for t in tries if "error" not in t])
        result["mover_own_page"] = alex
        print(
            f"mover's own page (socket on daphne 1): n={alex['n']}  delivered"
            f" {alex['delivered']}  median {fmt(alex['median_s'])}"
            f"  worst {fmt(alex['worst_s'])}"
        )
    if errors:
        print(f"tries that could not run: {len(errors)}, e.g. {errors[0]['error']}")
    if cost:
        print(
            f"watcher query for {cost['dialogues']} dialogues: median {cost['median_ms']} ms,"
            f" max {cost['max_ms']} ms (one per process per RESYNC_SECONDS)"
        )
    out = RESULTS / f"{stamp}-recovery.json"
    out.write_text(json.dumps(result, indent=1))
    print(f"written: {out.relative_to(BASE_DIR)}")
    return 1 if errors else 0


def describe(outcome: dict[str, Any]) -> str:
    if "error" in outcome:
        return f"could not run: {outcome['error']}"
    parts = [f"Sam {fmt(outcome.get('sam_s'), 'missed')}"]
    if "alex_s" in outcome:
        parts.append(f"Alex {fmt(outcome['alex_s'], 'missed')}")
    return ", ".join(parts)


def fmt(value: float | None, none: str = "-") -> str:
    return none if value is None else f"{value:.2f} s"


if __name__ == "__main__":
    sys.exit(main())
