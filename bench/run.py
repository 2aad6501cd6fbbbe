"""`make bench`: how many couples the live dialogue holds, per deployment, against a bare relay.

    .venv/bin/python -m bench.run                       # all four configurations
    .venv/bin/python -m bench.run --configs sqlite,pg --couples 50,200 --duration 20
    .venv/bin/python -m bench.run --smoke               # `make bench-smoke`: seconds, for CI

For each configuration, and each couple count N in turn, the script starts fresh server
processes, runs bench/loadgen.py for the app (N couples, two sockets each, a move per couple
about every 10 s) and then, on fresh processes again, for the bare relay of bench/relay.py with
the same N, rhythm and payload size. N steps up until the median p99 of partner-visible latency
passes the threshold or a move fails; the largest N that held is the configuration's capacity.
It prints the tables and writes bench/results/<time>.json and .svg (and the server logs).

Configurations: sqlite (one daphne, SQLite, in-memory layer), pg (one daphne, PostgreSQL),
pg-redis (two daphne processes on PostgreSQL and Redis, each couple's partners on different
processes), uvicorn (the sqlite configuration under uvicorn). PostgreSQL and Redis are
throwaway instances started by bench/services.sh and stopped at the end.

Everything runs on this machine on loopback: the load generator shares the cores with the
servers, PostgreSQL and Redis (no pinning), and the output says so.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import report

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
SERVICES = BASE_DIR / "bench" / "services.sh"
PYTHON = sys.executable
# The servers and the load generator must agree on it: sessions are signed with it.
SECRET_KEY = "bench-only-" + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Config:
    name: str
    label: str
    server: str  # "daphne" or "uvicorn"
    processes: int
    postgres: bool
    redis: bool


CONFIGS = {
    c.name: c
    for c in [
        Config("sqlite", "1 daphne, SQLite, in-memory layer", "daphne", 1, False, False),
        Config("pg", "1 daphne, PostgreSQL, in-memory layer", "daphne", 1, True, False),
        Config(
            "pg-redis",
            "2 daphne, PostgreSQL, Redis layer, partners on different processes",
            "daphne",
            2,
            True,
            True,
        ),
        Config("uvicorn", "1 uvicorn, SQLite, in-memory layer", "uvicorn", 1, False, False),
    ]
}


# --- PostgreSQL and Redis ----------------------------------------------------------------------


class Services:
    """The throwaway PostgreSQL cluster and Redis of bench/services.sh."""

    def __init__(self, pg_port: int, redis_port: int) -> None:
        # A folder of its own: services.sh hands it to the postgres user, who could not enter
        # a private scratch folder of root's.
        self.dir = Path(tempfile.mkdtemp(prefix="imago-bench-services-"))
        self.pg_port, self.redis_port = pg_port, redis_port

    def start(self) -> None:
        subprocess.run(
            [str(SERVICES), "start", str(self.dir), str(self.pg_port), str(self.redis_port)],
            check=True,
        )

    def stop(self) -> None:
        """Stop whatever did start (also after a failed start), and remove the folder."""
        subprocess.run([str(SERVICES), "stop", str(self.dir)], check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def createdb(self, name: str) -> str:
        subprocess.run(
            [str(SERVICES), "createdb", str(self.dir), str(self.pg_port), name], check=True
        )
        return f"postgres://app:app@127.0.0.1:{self.pg_port}/{name}"

    @property
    def admin_dsn(self) -> str:
        return f"host=127.0.0.1 port={self.pg_port} user=postgres dbname=postgres"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def pg_pid(self) -> int:
        return int((self.dir / "pg" / "postmaster.pid").read_text().split()[0])

    def redis_pid(self) -> int:
        return int((self.dir / "redis.pid").read_text().strip())

    def versions(self) -> dict[str, str]:
        pg = subprocess.run(
            [
                *("psql", "-h", "127.0.0.1", "-p", str(self.pg_port)),
                *("-U", "postgres", "-tAc", "SHOW server_version"),
            ],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        redis = subprocess.run(
            ["redis-cli", "-p", str(self.redis_port), "info", "server"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        redis_version = next(
            (
                line.split(":", 1)[1].strip()
                for line in redis.splitlines()
                if "redis_version" in line
            ),
            "",
        )
        return {"postgresql": pg, "redis": redis_version}


# --- the servers under test --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env() -> dict[str, str]:
    """A production-like environment (DEBUG off) for the servers and the load generator."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on loopback: no redirect to HTTPS for the readiness check.
        SECURE_SSL_REDIRECT="0",
        BENCH_RELAY="1",
        PYTHONUNBUFFERED="1",
    )
    return env


class Server:
    """One daphne or uvicorn process serving the app on a free loopback port."""

    def __init__(self, kind: str, env: dict[str, str], log_path: Path) -> None:
        self.kind = kind
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        if self.kind == "daphne":
            # Twisted's default listen backlog of 50 overflows when a crowd connects at once.
            endpoint = f"tcp:port={self.port}:interface=127.0.0.1:backlog=1024"
            return [PYTHON, "-m", "daphne", "-e", endpoint, "imago_app.asgi:application"]
        # Channels' router has no lifespan handler; uvicorn's backlog is 2048 already.
        return [
            *(PYTHON, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(self.port)),
            *("--lifespan", "off", "imago_app.asgi:application"),
        ]

    def start(self) -> Server:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command(),
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us, and we stop it in order
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited at start; see {self.log_path}")
            # Both servers import the application before they listen, so an accepted TCP
            # connection means ready; no HTTP request, so the log holds only the load's lines.
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.kind} did not answer within 30 s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)  # daphne takes a second or two to exit
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def log_problems(paths: list[Path]) -> dict[str, int]:
    """Tracebacks, and channels_redis's only sign of dropped messages, in the server logs."""
    counts = {"tracebacks": 0, "over_capacity": 0}
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            counts["tracebacks"] += line.startswith("Traceback")
            counts["over_capacity"] += "over capacity" in line
    return counts


# --- one measurement ---------------------------------------------------------------------------


@dataclass
class Plan:
    duration: float
    interval: float
    timeout: float
    threshold: float
    logs: Path


def measure(
    config: Config,
    env: dict[str, str],
    services: Services | None,
    database: str | None,
    kind: str,
    couples: int,
    run: int,
    payload: int,
    plan: Plan,
) -> dict[str, Any]:
    """Fresh server processes, one load generator run against them, the figures."""
    stem = f"{config.name}-{couples}-{run}-{kind}"
    server_env = dict(env)
    if config.redis and services:
        server_env["REDIS_URL"] = services.redis_url
    servers = [
        Server(config.server, server_env, plan.logs / f"{stem}-server{i + 1}.log")
        for i in range(config.processes)
    ]
    out = plan.logs / f"{stem}.json"
    load_before = os.getloadavg()[0]
    try:
        for server in servers:
            server.start()
        command = [PYTHON, "-m", "bench.loadgen", "--kind", kind]
        for server in servers:
            command += ["--url", server.url, "--server-pid", str(server.proc.pid)]
        command += ["--couples", str(couples), "--duration", str(plan.duration)]
        command += ["--interval", str(plan.interval), "--timeout", str(plan.timeout)]
        command += ["--payload-bytes", str(payload), "--seed", str(run + 1)]
        command += ["--tag", f"{config.name}-{couples}-{run}-{secrets.token_hex(3)}"]
        command += ["--out", str(out)]
        if services and config.postgres:
            command += ["--pg-pid", str(services.pg_pid()), "--pg-dsn", services.admin_dsn]
            command += ["--pg-database", database or ""]
        if services and config.redis:
            command += ["--redis-pid", str(services.redis_pid())]
        # The generator needs no channel layer, and must not print the request e-mails.
        worker_env = {**env, "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
        with (plan.logs / f"{stem}-loadgen.log").open("ab") as log:
            subprocess.run(
                command,
                cwd=BASE_DIR,
                env=worker_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
                # Bounded: setup grows with N, the window and the drain are fixed.
                timeout=300 + 0.5 * couples + 3 * plan.duration + plan.timeout,
            )
        result = json.loads(out.read_text())
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, RuntimeError) as failure:
        print(f"    {stem}: {failure}; see {plan.logs}", file=sys.stderr)
        result = {"failed": str(failure)}
    finally:
        for server in servers:
            server.stop()
    result["load_before"] = round(load_before, 2)
    result["server_log"] = log_problems([s.log_path for s in servers])
    return result


def broken(kind_runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A run whose generator failed outright counts as a step with one unmet move."""
    return [
        r
        if "failed" not in r
        else {**r, "moves": {"attempted": 1, "closed": 1, "errors": [r["failed"]]}}
        for r in kind_runs
    ]


# --- a configuration ---------------------------------------------------------------------------


def prepare(config: Config, scratch: Path, services: Services | None) -> tuple[dict, str | None]:
    """A fresh, migrated database for this configuration; its environment and its name."""
    env = base_env()
    database = None
    if config.postgres:
        if services is None:
            raise RuntimeError("PostgreSQL is not running")
        database = f"bench_{config.name.replace('-', '_')}"
        env["DATABASE_URL"] = services.createdb(database)
    else:
        env["SQLITE_PATH"] = str(scratch / f"{config.name}.sqlite3")
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    return env, database


def run_config(
    config: Config,
    couple_counts: list[int],
    runs: int,
    scratch: Path,
    services: Services | None,
    plan: Plan,
    payload_override: int | None,
    keep_going: bool,
) -> list[dict[str, Any]]:
    env, database = prepare(config, scratch, services)
    steps = []
    for couples in couple_counts:
        app_runs, relay_runs = [], []
        for run in range(runs):
            app = measure(config, env, services, database, "app", couples, run, 0, plan)
            app_runs.append(app)
            # The relay carries what the app typically pushes to the other partner.
            payload = payload_override or pick_payload(app)
            relay_runs.append(
                measure(config, env, services, database, "relay", couples, run, payload, plan)
            )
        app_summary = report.summarize(broken(app_runs))
        relay_summary = report.summarize(broken(relay_runs))
        p99 = app_summary["partner_p99"]
        holds = (
            app_summary["completed"] > 0
            and app_summary["failures"] == 0
            and p99 is not None
            and p99 <= plan.threshold
        )
        steps.append(
            {
                "config": config.name,
                "label": config.label,
                "couples": couples,
                "holds": holds,
                "app": app_summary,
                "relay": relay_summary,
                "app_runs": app_runs,
                "relay_runs": relay_runs,
            }
        )
        print(
            f"  {config.name:9} N={couples:<5} moves {app_summary['completed']:>6}"
            f"  partner p50/p99 {report.pair(app_summary['partner_p50'], p99)} ms"
            f"  relay p99 {report.fmt(relay_summary['partner_p99'])} ms"
            f"  failures {app_summary['failures']}  {'holds' if holds else 'does NOT hold'}",
            flush=True,
        )
        for error in app_summary["errors"][:3]:
            print(f"      e.g. {error}", flush=True)
        if not holds and not keep_going:
            break
    return steps


def pick_payload(app: dict[str, Any]) -> int:
    return int(report.pick(app, "moves.push_bytes_median") or 4000)


# --- the whole benchmark -----------------------------------------------------------------------


def versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    packages = ["Django", "channels", "channels-redis", "daphne", "Twisted", "uvicorn"]
    packages += ["uvloop", "websockets", "redis", "psycopg"]
    for package in packages:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[package] = metadata.version(package)
    return found


def cores_note() -> str:
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0))
    return (
        f"{cores} cores ({usable} usable); the load generator, the server processes, "
        "PostgreSQL and Redis all shared them (no pinning), loopback only"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--configs",
        default=",".join(CONFIGS),
        help=f"comma-separated, from {', '.join(CONFIGS)} (default: all)",
    )
    parser.add_argument(
        "--couples", default="50,200,500,1000,2000", help="couple counts, stepped up in order"
    )
    parser.add_argument("--duration", type=float, default=30, help="seconds of moves per step")
    parser.add_argument(
        "--interval", type=float, default=10, help="mean seconds between a couple's moves"
    )
    parser.add_argument(
        "--fast", action="store_true", help="the 2 s rhythm, as a stress figure (--interval 2)"
    )
    parser.add_argument("--runs", type=int, default=1, help="runs per step; medians reported")
    parser.add_argument("--timeout", type=float, default=10, help="seconds before a move fails")
    parser.add_argument(
        "--threshold-ms", type=float, default=250, help="p99 partner latency a step must keep"
    )
    parser.add_argument("--payload-bytes", type=int, help="relay payload (default: as the app)")
    parser.add_argument(
        "--keep-going", action="store_true", help="measure every N even past capacity"
    )
    parser.add_argument("--pg-port", type=int, default=int(os.environ.get("BENCH_PG_PORT", 55439)))
    parser.add_argument(
        "--redis-port", type=int, default=int(os.environ.get("BENCH_REDIS_PORT", 6399))
    )
    parser.add_argument(
        "--report",
        type=Path,
        help="print the tables of an earlier results JSON, and redraw its SVG",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="CI check: sqlite only, 3 couples, 6 s at the 2 s rhythm; fails if nothing moved",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.configs, args.couples, args.duration, args.interval, args.runs = (
            "sqlite",
            "3",
            6.0,
            2.0,
            1,
        )
    if args.fast:
        args.interval = 2.0
    args.config_list = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [c for c in args.config_list if c not in CONFIGS]
    if unknown:
        parser.error(f"unknown configuration(s): {', '.join(unknown)}")
    args.couple_list = [int(n) for n in args.couples.split(",") if n.strip()]
    if not args.couple_list or min(args.couple_list) < 1:
        parser.error("--couples needs whole numbers of at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        return reprint(args.report)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    logs = RESULTS / f"logs-{stamp}"
    logs.mkdir()
    plan = Plan(args.duration, args.interval, args.timeout, args.threshold_ms, logs)
    configs = [CONFIGS[name] for name in args.config_list]
    scratch = Path(tempfile.mkdtemp(prefix="imago-bench-"))
    services = None
    steps: list[dict[str, Any]] = []
    meta: dict[str, Any] = {
        "started": datetime.now().isoformat(timespec="seconds"),
        "machine": cores_note(),
        "load_at_start": round(os.getloadavg()[0], 2),
        "couples": args.couple_list,
        "duration_s": args.duration,
        "interval_s": args.interval,
        "runs": args.runs,
        "timeout_s": args.timeout,
        "threshold_ms": args.threshold_ms,
        "versions": versions(),
        "configs": {c.name: c.label for c in configs},
        "skipped": {},
    }
    print(
        f"Imago Dialogue benchmark, {meta['started']}\n{meta['machine']}.\n"
        f"Rhythm: a move per couple every {args.interval:g} s on average (jittered ±50%), "
        f"{args.duration:g} s per step, {args.runs} run(s) per step (median), "
        f"capacity = largest N with partner p99 <= {args.threshold_ms:g} ms and no failures.",
        flush=True,
    )
    try:
        if any(c.postgres or c.redis for c in configs):
            services = Services(args.pg_port, args.redis_port)
            try:
                services.start()
                meta["versions"].update(services.versions())
            except (subprocess.CalledProcessError, OSError) as failure:
                print(f"PostgreSQL/Redis could not start ({failure}): skipping them", flush=True)
                services.stop()
                services = None
        for config in configs:
            if (config.postgres or config.redis) and services is None:
                meta["skipped"][config.name] = "PostgreSQL/Redis not available"
                continue
            print(f"{config.name}: {config.label}", flush=True)
            try:
                steps += run_config(
                    config,
                    args.couple_list,
                    args.runs,
                    scratch,
                    services,
                    plan,
                    args.payload_bytes,
                    args.keep_going,
                )
            except (subprocess.CalledProcessError, RuntimeError) as failure:
                print(f"  {config.name} could not run: {failure}", flush=True)
                meta["skipped"][config.name] = str(failure)
    finally:
        if services:
            services.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return finish(steps, meta, stamp, smoke=args.smoke)


def reprint(path: Path) -> int:
    """The tables and chart of an earlier run again, summarized afresh from its raw runs."""
    data = json.loads(path.read_text())
    for step in data["steps"]:
        step["app"] = report.summarize(broken(step["app_runs"]))
        step["relay"] = report.summarize(broken(step["relay_runs"]))
    print(f"Imago Dialogue benchmark, {data['meta']['started']}\n{data['meta']['machine']}.")
    return finish(data["steps"], data["meta"], path.stem, smoke=False)


def finish(steps: list[dict[str, Any]], meta: dict[str, Any], stamp: str, *, smoke: bool) -> int:
    """Print the tables and the capacity, write the JSON and the SVG."""
    capacity: dict[str, int | None] = {}
    for name in meta["configs"]:
        held = [s["couples"] for s in steps if s["config"] == name and s["holds"]]
        capacity[name] = max(held) if held else None
    meta["capacity"] = capacity
    json_path = RESULTS / f"{stamp}.json"
    svg_path = RESULTS / f"{stamp}.svg"
    json_path.write_text(json.dumps({"meta": meta, "steps": steps}, indent=1))
    note = [
        f"{meta['started']}: a move per couple every {meta['interval_s']:g} s (mean), "
        f"{meta['duration_s']:g} s per step, median of {meta['runs']} run(s).",
        f"{meta['machine']}.",
    ]
    if steps:
        svg_path.write_text(report.chart(steps, meta["configs"], meta["threshold_ms"], note))
    print()
    if steps:
        print(report.tables(steps))
    print(
        "\npartner = from sending a move to the push with its sequence number on the other "
        "partner's socket; ack = the same on the mover's socket. fail = refused + timed out + "
        "closed + connections that failed. srv CPU% = all server processes, 100 = one core, "
        "over the window; CPU ms/move = server CPU / completed moves. RSS MB per server process "
        "at the end; KB/conn = RSS growth per open idle connection. q/conn per move = "
        "PostgreSQL queries and new database connections per move (pg_stat_statements; "
        "not measured on SQLite, where the code path is the same)."
    )
    print("\nCapacity (largest N that held):")
    for name, label in meta["configs"].items():
        held = capacity.get(name)
        skipped = meta["skipped"].get(name)
        text = f"skipped: {skipped}" if skipped else (f"{held} couples" if held else "none held")
        tested = [s["couples"] for s in steps if s["config"] == name]
        more = " (the largest N tried; may hold more)" if held and held == max(tested) else ""
        print(f"  {name:9} {label}: {text}{more}")
    generator = [s["app"]["generator_pct"] for s in steps if s["app"]["generator_pct"] is not None]
    if generator:
        print(
            f"\nThe load generator used {min(generator):g}-{max(generator):g}% of one core, on "
            f"the same {os.cpu_count()} cores as everything it measured."
        )
    negotiated = {
        s["config"]: ", ".join(report.pick(r, "connect.extensions") or []) or "none"
        for s in steps
        for r in s["app_runs"]
        if report.pick(r, "connect.extensions") is not None
    }
    if negotiated:
        print(
            "WebSocket extensions agreed (the client offers permessage-deflate, as browsers do): "
            + "; ".join(f"{name}: {ext}" for name, ext in negotiated.items())
        )
    problems = [
        (s["config"], s["couples"], kind, r["server_log"])
        for s in steps
        for kind in ("app_runs", "relay_runs")
        for r in s[kind]
        if any(r.get("server_log", {}).values())
    ]
    for name, n, kind, found in problems:
        print(f"  server log, {name} N={n} {kind}: {found}")
    print(f"\nWrote {json_path.relative_to(BASE_DIR)}", end="")
    if steps:
        print(f" and {svg_path.relative_to(BASE_DIR)}", end="")
    print(f"; server and generator logs in {meta_logs(stamp)}")
    if smoke:
        return smoke_verdict(steps)
    return 0


def meta_logs(stamp: str) -> str:
    return str((RESULTS / f"logs-{stamp}").relative_to(BASE_DIR))


def smoke_verdict(steps: list[dict[str, Any]]) -> int:
    """CI fails when the app completed no move, the relay delivered nothing, or the app refused
    a move the rules allow (the driver and the app disagree: something is broken)."""
    if not steps:
        print("SMOKE FAILED: nothing was measured", file=sys.stderr)
        return 1
    app, relay = steps[0]["app"], steps[0]["relay"]
    if app["completed"] == 0 or relay["completed"] == 0 or app["refused"]:
        print(
            f"SMOKE FAILED: app moves completed {app['completed']}, refused {app['refused']}; "
            f"relay messages delivered {relay['completed']}",
            file=sys.stderr,
        )
        return 1
    print(f"Smoke passed: {app['completed']} moves, {relay['completed']} relay messages.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
