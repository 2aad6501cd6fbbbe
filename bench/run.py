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
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import profile as profiling
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
            # The WebSocket size limits of `make run` (settings.WEBSOCKET_MAX_BYTES).
            limits = ["--websocket-max-message-size", "65536"]
            limits += ["--websocket-max-frame-size", "65536"]
            return [PYTHON, "-m", "daphne", "-e", endpoint, *limits, "imago_app.asgi:application"]
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
    counts = {"tracebacks": 0, "over_capacity": 0, "layer_lost": 0}
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            counts["tracebacks"] += line.startswith("Traceback")
            counts["over_capacity"] += "over capacity" in line
            counts["layer_lost"] += "Lost the channel layer's connection" in line
    return counts


# --- one measurement ---------------------------------------------------------------------------


@dataclass
class Plan:
    duration: float
    interval: float
    timeout: float
    threshold: float
    logs: Path
    server_env: dict[str, str] = field(default_factory=dict)  # --server-env, every server


@dataclass
class Job:
    """One load generator run on fresh servers: what it does, and what differs from the plan."""

    kind: str  # "app", "relay" or "churn"
    couples: int
    run: int
    payload: int = 0
    label: str = ""  # in the file names, after the kind
    args: list[str] = field(default_factory=list)  # more load generator options
    server_env: dict[str, str] = field(default_factory=dict)
    tag: str = ""
    duration: float | None = None
    interval: float | None = None
    extra_timeout: float = 0
    profile: Profile | None = None


@dataclass
class Profile:
    """py-spy on the first server while the generator's measured part runs."""

    stem: Path  # written as <stem>.raw (analysed) and <stem>.svg (a flame graph)
    raw_seconds: float
    svg_seconds: float
    result: dict[str, Any] = field(default_factory=dict)


def new_tag(config: Config, job: Job) -> str:
    return f"{config.name}-{job.couples}-{job.run}-{secrets.token_hex(3)}"


def measure(
    config: Config,
    env: dict[str, str],
    services: Services | None,
    database: str | None,
    job: Job,
    plan: Plan,
) -> dict[str, Any]:
    """Fresh server processes, one load generator run against them, the figures."""
    stem = f"{config.name}-{job.couples}-{job.run}-{job.kind}{job.label}"
    duration = plan.duration if job.duration is None else job.duration
    interval = plan.interval if job.interval is None else job.interval
    server_env = {**env, **plan.server_env, **job.server_env}
    if config.redis and services:
        server_env["REDIS_URL"] = services.redis_url
    servers = [
        Server(config.server, server_env, plan.logs / f"{stem}-server{i + 1}.log")
        for i in range(config.processes)
    ]
    out = plan.logs / f"{stem}.json"
    ready = plan.logs / f"{stem}.ready"
    load_before = os.getloadavg()[0]
    try:
        for server in servers:
            server.start()
        command = [PYTHON, "-m", "bench.loadgen", "--kind", job.kind]
        for server in servers:
            command += ["--url", server.url, "--server-pid", str(server.proc.pid)]
        command += ["--couples", str(job.couples), "--duration", str(duration)]
        command += ["--interval", str(interval), "--timeout", str(plan.timeout)]
        command += ["--payload-bytes", str(job.payload), "--seed", str(job.run + 1)]
        command += ["--tag", job.tag or new_tag(config, job)]
        command += ["--out", str(out), "--ready-file", str(ready), *job.args]
        if services and config.postgres:
            command += ["--pg-pid", str(services.pg_pid()), "--pg-dsn", services.admin_dsn]
            command += ["--pg-database", database or ""]
        if services and config.redis:
            command += ["--redis-pid", str(services.redis_pid())]
        # The generator needs no channel layer, and must not print the request e-mails.
        worker_env = {**env, "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
        # Bounded: setup grows with N, the window and the drain are fixed.
        limit = 300 + 0.5 * job.couples + 3 * duration + plan.timeout + job.extra_timeout
        with (plan.logs / f"{stem}-loadgen.log").open("ab") as log:
            generator = subprocess.Popen(
                command, cwd=BASE_DIR, env=worker_env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                if job.profile:
                    record_profile(job.profile, servers[0].proc.pid, ready, generator)
                code = generator.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                generator.kill()
                generator.wait()
                raise
            if code:
                raise subprocess.CalledProcessError(code, command[:4])
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


def py_spy() -> str | None:
    beside = Path(PYTHON).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def record_profile(
    profile: Profile, pid: int, ready: Path, generator: subprocess.Popen[bytes]
) -> None:
    """Once the generator says its measured part began: py-spy's raw profile of `pid` (only
    the thread holding the GIL, so Python's CPU and not its waiting), then a flame graph."""
    binary = py_spy()
    if binary is None:
        profile.result["error"] = "py-spy is not installed (make bench installs the bench extra)"
        return
    deadline = time.monotonic() + 900
    while not ready.exists():
        if generator.poll() is not None or time.monotonic() > deadline:
            profile.result["error"] = "the load generator never reached its measured part"
            return
        time.sleep(0.2)
    time.sleep(2)  # past the first moves or handshakes
    for fmt, suffix, seconds in (
        ("raw", ".raw", profile.raw_seconds),
        ("flamegraph", ".svg", profile.svg_seconds),
    ):
        if seconds <= 0:
            continue
        path = profile.stem.with_suffix(suffix)
        command = [binary, "record", "--pid", str(pid), "--rate", "100", "--gil"]
        command += ["--duration", str(max(1, round(seconds))), "--format", fmt, "-o", str(path)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        profile.result[fmt] = str(path.relative_to(BASE_DIR))
        profile.result[f"{fmt}_log"] = (done.stdout + done.stderr).strip()[-400:]
        if done.returncode:
            profile.result["error"] = f"py-spy exited {done.returncode}"
            return


def broken(kind_runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A run whose generator failed outright counts as a step with one unmet move."""
    return [
        r
        if "failed" not in r
        else {**r, "moves": {"attempted": 1, "closed": 1, "errors": [r["failed"]]}}
        for r in kind_runs
    ]


# --- a configuration ---------------------------------------------------------------------------


PREPARED: dict[tuple[str, str], tuple[dict, str | None]] = {}


def prepare(config: Config, scratch: Path, services: Services | None) -> tuple[dict, str | None]:
    """A fresh, migrated database for this configuration (once per run of the script: the
    sections after the steps go on in it, each with couples of its own); its environment and
    its name."""
    key = (config.name, str(scratch))
    if key not in PREPARED:
        PREPARED[key] = _prepare(config, scratch, services)
    env, database = PREPARED[key]
    return dict(env), database


def _prepare(config: Config, scratch: Path, services: Services | None) -> tuple[dict, str | None]:
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
            app = measure(config, env, services, database, Job("app", couples, run), plan)
            app_runs.append(app)
            # The relay carries what the app typically pushes to the other partner.
            payload = payload_override or pick_payload(app)
            relay = Job("relay", couples, run, payload)
            relay_runs.append(measure(config, env, services, database, relay, plan))
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


# --- more sections: slow-request isolation, churn, profile -------------------------------------


@dataclass
class Extras:
    """The options of the sections besides the capacity steps."""

    slow_ms: float | None
    slow_interval: float
    slow_limit_ms: float
    slow_blocks: int
    db_threads: list[str]  # DB_THREADS values for the isolation runs; "default" = unset
    churn: int | None
    churn_warmup: int
    churn_concurrency: int
    churn_couples: int
    churn_idle: int
    churn_settle: float
    profile: bool
    profile_config: str
    profile_couples: int
    profile_seconds: float
    profile_cycles: int


def run_isolation(
    config: Config,
    couple_counts: list[int],
    runs: int,
    scratch: Path,
    services: Services | None,
    plan: Plan,
    extras: Extras,
) -> list[dict[str, Any]]:
    """The other couples' latency without, then with, one couple whose every move holds a slow
    database call (bench/inject.py), in the same run, for each DB_THREADS value."""
    env, database = prepare(config, scratch, services)
    entries = []
    for couples in couple_counts:
        for threads in extras.db_threads:
            kind_runs = []
            for run in range(runs):
                job = Job("app", couples, run, label=f"-slow-threads{threads}")
                job.tag = new_tag(config, job)
                job.args = ["--slow-interval", str(extras.slow_interval)]
                job.args += ["--blocks", str(extras.slow_blocks)]
                job.duration = plan.duration  # each of the two windows
                job.extra_timeout = 3 * plan.duration
                job.server_env = {
                    "BENCH_SLOW_MS": str(extras.slow_ms),
                    # make_couples names couple 0's partners so (bench/scenario.py).
                    "BENCH_SLOW_USERS": f"bench-{job.tag}-0a,bench-{job.tag}-0b",
                }
                if threads != "default":
                    job.server_env["DB_THREADS"] = threads
                kind_runs.append(measure(config, env, services, database, job, plan))
            summary = report.summarize_isolation(kind_runs, extras.slow_limit_ms)
            entries.append(
                {
                    "config": config.name,
                    "label": config.label,
                    "couples": couples,
                    "db_threads": threads,
                    "slow_ms": extras.slow_ms,
                    "slow_interval_s": extras.slow_interval,
                    "limit_ms": extras.slow_limit_ms,
                    "summary": summary,
                    "runs": kind_runs,
                }
            )
            print(
                f"  {config.name:9} N={couples:<5} DB_THREADS={threads:<7} others p50/p99 "
                f"{report.pair(summary['without_p50'], summary['without_p99'])} ms without, "
                f"{report.pair(summary['with_p50'], summary['with_p99'])} ms with the slow "
                f"couple ({summary['slow_moves']} slow moves): p99 "
                f"{'+' if (summary['diff_p99'] or 0) >= 0 else ''}"
                f"{report.fmt(summary['diff_p99'], 1)} ms (median block p99 "
                f"{report.fmt(summary['diff_block_p99'], 1)} ms), failures {summary['failures']}",
                flush=True,
            )
            for error in summary["errors"][:3]:
                print(f"      e.g. {error}", flush=True)
    return entries


def churn_job(extras: Extras, run: int, cycles: int, idle: int | None = None) -> Job:
    return Job(
        "churn",
        extras.churn_couples,
        run,
        label=f"-{cycles}",
        args=[
            *("--cycles", str(cycles), "--warmup", str(extras.churn_warmup)),
            *("--concurrency", str(extras.churn_concurrency)),
            *("--idle-sockets", str(extras.churn_idle if idle is None else idle)),
            *("--settle", str(extras.churn_settle)),
        ],
        extra_timeout=0.2 * (cycles + extras.churn_warmup + extras.churn_idle),
    )


def run_churn(
    config: Config,
    runs: int,
    scratch: Path,
    services: Services | None,
    plan: Plan,
    extras: Extras,
) -> dict[str, Any]:
    """RSS of fresh servers after a warm-up and after `churn` connect/disconnect cycles."""
    env, database = prepare(config, scratch, services)
    kind_runs = [
        measure(config, env, services, database, churn_job(extras, run, extras.churn or 0), plan)
        for run in range(runs)
    ]
    summary = report.summarize_churn(kind_runs)
    print(
        f"  {config.name:9} {report.fmt(summary['cycles'])} cycles at "
        f"{report.fmt(summary['per_s'])}/s: RSS {report.each(summary['rss_start_mb'], 1)} -> "
        f"{report.each(summary['rss_end_mb'], 1)} MB "
        f"({report.each(summary['rss_growth_pct'], 1)} %), idle connection "
        f"{report.each(summary['kb_per_connection'])} KB, failures {summary['failed']}",
        flush=True,
    )
    for error in summary["errors"][:3]:
        print(f"      e.g. {error}", flush=True)
    return {"config": config.name, "label": config.label, "summary": summary, "runs": kind_runs}


def run_profile(
    scratch: Path, services: Services | None, plan: Plan, extras: Extras, stamp: str
) -> dict[str, Any]:
    """py-spy on the (first) server of one configuration: while N couples move at the 2 s
    rhythm, and while sockets connect and disconnect."""
    config = CONFIGS[extras.profile_config]
    env, database = prepare(config, scratch, services)
    seconds = extras.profile_seconds
    found: dict[str, Any] = {"config": config.name, "couples": extras.profile_couples}
    moves = Job("app", extras.profile_couples, 0, label="-profile")
    moves.interval, moves.duration = 2.0, 2 * seconds + 10
    moves.profile = Profile(RESULTS / f"{stamp}-profile-{config.name}-moves", seconds, seconds)
    result = measure(config, env, services, database, moves, plan)
    per_move = report.pick(result, "cpu.server_ms_per_move")
    found["moves"] = {
        **moves.profile.result,
        "moves_per_s": report.pick(result, "moves.per_s"),
        "cpu_ms_per_move": per_move,
        "server_cpu_pct": report.pick(result, "cpu.server_pct"),
        "partner_p50_ms": report.pick(result, "moves.partner_ms.p50"),
    }
    connects = churn_job(extras, 0, extras.profile_cycles, idle=0)
    connects.label = "-profile"
    connects.profile = Profile(
        RESULTS / f"{stamp}-profile-{config.name}-connects", min(seconds, 20), 0
    )
    result = measure(config, env, services, database, connects, plan)
    found["connects"] = {
        **connects.profile.result,
        "cycles_per_s": report.pick(result, "churn.per_s"),
        "cpu_ms_per_cycle": report.pick(result, "cpu.server_ms_per_move"),
    }
    for part in ("moves", "connects"):
        raw = found[part].get("raw")
        if raw and (BASE_DIR / raw).exists() and (BASE_DIR / raw).stat().st_size:
            found[part]["analysis"] = profiling.analyse(BASE_DIR / raw)
    print(
        f"  profiled {config.name}: {report.fmt(found['moves'].get('moves_per_s'), 1)} moves/s"
        f" at {report.fmt(per_move, 1)} ms CPU/move; connects "
        f"{report.fmt(found['connects'].get('cycles_per_s'))}/s",
        flush=True,
    )
    return found


# --- the whole benchmark -----------------------------------------------------------------------


def versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    packages = ["Django", "channels", "channels-redis", "daphne", "Twisted", "uvicorn"]
    packages += ["uvloop", "websockets", "redis", "psycopg"]
    for package in packages:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[package] = metadata.version(package)
    return found


def source_state() -> dict[str, Any]:
    """The commit measured, and the files outside bench/ that differed from it (the app as
    measured is the work tree, edits included)."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=BASE_DIR, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    changed = [
        line[3:]
        for line in git("status", "--porcelain").splitlines()
        if not line[3:].startswith("bench/")
    ]
    return {"commit": git("rev-parse", "--short", "HEAD"), "changed_outside_bench": changed}


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
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set in every server's environment (repeatable), e.g. DB_THREADS=1",
    )
    parser.add_argument(
        "--no-steps",
        action="store_true",
        help="skip the capacity steps; run only the sections asked for below",
    )
    group = parser.add_argument_group(
        "slow-request isolation",
        "For each configuration and N: the other couples' latency in blocks with couple 0 "
        "idle, and in blocks (alternating with them) where couple 0 moves about every "
        "--slow-interval s and each of its moves holds a --slow-ms database call in its "
        "transaction (bench/inject.py); --duration s of each kind in all.",
    )
    group.add_argument("--slow-ms", type=float, help="e.g. 200: run the isolation section")
    group.add_argument("--slow-interval", type=float, default=1.0, help="the slow couple's rhythm")
    group.add_argument(
        "--slow-limit-ms", type=float, default=20, help="allowed rise of the others' p99"
    )
    group.add_argument(
        "--slow-blocks",
        type=int,
        default=4,
        help="blocks of each kind, alternating without/with/with/without (--duration s each "
        "kind in all)",
    )
    group.add_argument(
        "--db-threads",
        default="default",
        help="DB_THREADS values to run the isolation with, e.g. 1,default",
    )
    group = parser.add_argument_group(
        "churn",
        "On fresh servers: --churn-warmup cycles, RSS, then --churn signed-in sockets opened "
        "(until their first screen) and closed, --churn-concurrency at a time, alternately on "
        "the dialogue and the home page; garbage collected, RSS again; then --churn-idle "
        "sockets held open for the RSS per idle connection.",
    )
    group.add_argument("--churn", type=int, help="e.g. 10000: run the churn section")
    group.add_argument("--churn-warmup", type=int, default=200)
    group.add_argument("--churn-concurrency", type=int, default=50)
    group.add_argument("--churn-couples", type=int, default=50, help="users = 2 x couples")
    group.add_argument("--churn-idle", type=int, default=500)
    group.add_argument(
        "--churn-settle", type=float, default=5, help="seconds to wait before reading RSS"
    )
    group = parser.add_argument_group(
        "profile",
        "py-spy (only the thread holding the GIL) on the server of one configuration while "
        "--profile-couples couples move at the 2 s rhythm, then while sockets churn; "
        "bench/results/<time>-profile-*.raw and .svg, read back by bench/profile.py.",
    )
    group.add_argument("--profile", action="store_true", help="run the profile section")
    group.add_argument("--profile-config", default="pg", choices=list(CONFIGS))
    group.add_argument("--profile-couples", type=int, default=200)
    group.add_argument("--profile-seconds", type=float, default=25, help="per recording")
    group.add_argument("--profile-cycles", type=int, default=4000)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="CI check: sqlite only, 3 couples, 6 s at the 2 s rhythm, and 100 connect/"
        "disconnect cycles; fails if nothing moved",
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
        args.churn, args.churn_warmup, args.churn_couples, args.churn_idle = 100, 10, 5, 0
        args.churn_concurrency, args.churn_settle = 10, 0.5
        args.slow_ms, args.profile, args.no_steps = None, False, False
    if args.fast:
        args.interval = 2.0
    try:
        args.server_env_dict = dict(item.split("=", 1) for item in args.server_env)
    except ValueError:
        parser.error("--server-env needs NAME=VALUE")
    args.db_threads_list = [t.strip() for t in args.db_threads.split(",") if t.strip()]
    if not args.db_threads_list or not all(
        t == "default" or t.isdigit() for t in args.db_threads_list
    ):
        parser.error("--db-threads needs whole numbers or 'default', comma-separated")
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
    plan = Plan(
        args.duration, args.interval, args.timeout, args.threshold_ms, logs, args.server_env_dict
    )
    extras = Extras(
        slow_ms=args.slow_ms,
        slow_interval=args.slow_interval,
        slow_limit_ms=args.slow_limit_ms,
        slow_blocks=args.slow_blocks,
        db_threads=args.db_threads_list,
        churn=args.churn,
        churn_warmup=args.churn_warmup,
        churn_concurrency=args.churn_concurrency,
        churn_couples=args.churn_couples,
        churn_idle=args.churn_idle,
        churn_settle=args.churn_settle,
        profile=args.profile,
        profile_config=args.profile_config,
        profile_couples=args.profile_couples,
        profile_seconds=args.profile_seconds,
        profile_cycles=args.profile_cycles,
    )
    configs = [CONFIGS[name] for name in args.config_list]
    scratch = Path(tempfile.mkdtemp(prefix="imago-bench-"))
    services = None
    steps: list[dict[str, Any]] = []
    sections: dict[str, Any] = {"isolation": [], "churn": [], "profile": None}
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
        "server_env": args.server_env_dict,
        "steps": not args.no_steps,
        "extras": dict(vars(extras)),
        "command": " ".join(sys.argv[1:]) if argv is None else " ".join(argv),
        "versions": versions(),
        "source": source_state(),
        "configs": {c.name: c.label for c in configs} if not args.no_steps else {},
        "skipped": {},
    }
    print(
        f"Imago Dialogue benchmark, {meta['started']}\n{meta['machine']}.\n"
        f"Rhythm: a move per couple every {args.interval:g} s on average (jittered ±50%), "
        f"{args.duration:g} s per step, {args.runs} run(s) per step (median), "
        f"capacity = largest N with partner p99 <= {args.threshold_ms:g} ms and no failures.",
        flush=True,
    )
    if args.server_env_dict:
        print(f"Server environment: {args.server_env_dict}", flush=True)
    if meta["source"]["changed_outside_bench"]:
        print(
            f"The app measured is commit {meta['source']['commit']} with uncommitted changes to "
            f"{len(meta['source']['changed_outside_bench'])} file(s) (listed in the JSON).",
            flush=True,
        )
    wanted = set(configs)
    if args.profile:
        wanted.add(CONFIGS[args.profile_config])
    try:
        if any(c.postgres or c.redis for c in wanted):
            services = Services(args.pg_port, args.redis_port)
            try:
                services.start()
                meta["versions"].update(services.versions())
            except (subprocess.CalledProcessError, OSError) as failure:
                print(f"PostgreSQL/Redis could not start ({failure}): skipping them", flush=True)
                services.stop()
                services = None

        def available(config: Config, section: str) -> bool:
            if (config.postgres or config.redis) and services is None:
                meta["skipped"][f"{config.name}{section}"] = "PostgreSQL/Redis not available"
                return False
            return True

        for config in configs:
            if args.no_steps or not available(config, ""):
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
        if args.slow_ms:
            print(
                f"Slow-request isolation: one couple's moves each hold a {args.slow_ms:g} ms "
                f"database call, a move about every {args.slow_interval:g} s; the other couples "
                f"every {args.interval:g} s; {args.duration:g} s without it and {args.duration:g}"
                f" s with it, in {args.slow_blocks} blocks of each, alternating",
                flush=True,
            )
            for config in configs:
                if not available(config, " (isolation)"):
                    continue
                try:
                    sections["isolation"] += run_isolation(
                        config, args.couple_list, args.runs, scratch, services, plan, extras
                    )
                except (subprocess.CalledProcessError, RuntimeError) as failure:
                    print(f"  {config.name} isolation could not run: {failure}", flush=True)
                    meta["skipped"][f"{config.name} (isolation)"] = str(failure)
        if args.churn:
            print(
                f"Churn: {args.churn} connect/disconnect cycles, {args.churn_concurrency} at a "
                f"time, after {args.churn_warmup} to warm up",
                flush=True,
            )
            for config in configs:
                if not available(config, " (churn)"):
                    continue
                try:
                    sections["churn"].append(
                        run_churn(config, args.runs, scratch, services, plan, extras)
                    )
                except (subprocess.CalledProcessError, RuntimeError) as failure:
                    print(f"  {config.name} churn could not run: {failure}", flush=True)
                    meta["skipped"][f"{config.name} (churn)"] = str(failure)
        if args.profile and available(CONFIGS[args.profile_config], " (profile)"):
            print(f"Profile: {args.profile_config}, py-spy", flush=True)
            try:
                sections["profile"] = run_profile(scratch, services, plan, extras, stamp)
            except (subprocess.CalledProcessError, RuntimeError) as failure:
                print(f"  profile could not run: {failure}", flush=True)
                meta["skipped"]["profile"] = str(failure)
    finally:
        if services:
            services.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return finish(steps, meta, stamp, smoke=args.smoke, sections=sections)


def reprint(path: Path) -> int:
    """The tables and chart of an earlier run again, summarized afresh from its raw runs."""
    data = json.loads(path.read_text())
    for step in data["steps"]:
        step["app"] = report.summarize(broken(step["app_runs"]))
        step["relay"] = report.summarize(broken(step["relay_runs"]))
    sections = {
        "isolation": data.get("isolation", []),
        "churn": data.get("churn", []),
        "profile": data.get("profile"),
    }
    for entry in sections["isolation"]:
        entry["summary"] = report.summarize_isolation(entry["runs"], entry["limit_ms"])
    for entry in sections["churn"]:
        entry["summary"] = report.summarize_churn(entry["runs"])
    print(f"Imago Dialogue benchmark, {data['meta']['started']}\n{data['meta']['machine']}.")
    return finish(data["steps"], data["meta"], path.stem, smoke=False, sections=sections)


def finish(
    steps: list[dict[str, Any]],
    meta: dict[str, Any],
    stamp: str,
    *,
    smoke: bool,
    sections: dict[str, Any] | None = None,
) -> int:
    """Print the tables and the capacity, write the JSON and the SVG."""
    sections = sections or {"isolation": [], "churn": [], "profile": None}
    isolation, churn, profile = sections["isolation"], sections["churn"], sections["profile"]
    capacity: dict[str, int | None] = {}
    for name in meta["configs"]:
        held = [s["couples"] for s in steps if s["config"] == name and s["holds"]]
        capacity[name] = max(held) if held else None
    meta["capacity"] = capacity
    json_path = RESULTS / f"{stamp}.json"
    svg_path = RESULTS / f"{stamp}.svg"
    json_path.write_text(
        json.dumps(
            {
                "meta": meta,
                "steps": steps,
                "isolation": isolation,
                "churn": churn,
                "profile": profile,
            },
            indent=1,
        )
    )
    note = [
        f"{meta['started']}: a move per couple every {meta['interval_s']:g} s (mean), "
        f"{meta['duration_s']:g} s per step, median of {meta['runs']} run(s).",
        f"{meta['machine']}.",
    ]
    drawn = bool(steps or isolation or churn)
    if drawn:
        svg_path.write_text(
            report.chart(steps, meta["configs"], meta["threshold_ms"], note, isolation, churn)
        )
    if steps:
        print()
        print(report.tables(steps))
        print(
            "\npartner = from sending a move to the push with its sequence number on the other "
            "partner's socket; ack = the same on the mover's socket. fail = refused + timed out + "
            "closed + connections that failed. srv CPU% = all server processes, 100 = one core, "
            "over the window; CPU ms/move = server CPU / completed moves. RSS MB per server "
            "process at the end; KB/conn = RSS growth per open idle connection. q/conn per move "
            "= PostgreSQL queries and new database connections per move (pg_stat_statements; "
            "not measured on SQLite, where the code path is the same)."
        )
        print("\nCapacity (largest N that held):")
        for name, label in meta["configs"].items():
            held = capacity.get(name)
            skipped = meta["skipped"].get(name)
            text = (
                f"skipped: {skipped}" if skipped else (f"{held} couples" if held else "none held")
            )
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
    problems += [
        (e["config"], e.get("couples", "-"), section, r["server_log"])
        for section, entries in (("isolation", isolation), ("churn", churn))
        for e in entries
        for r in e["runs"]
        if any(r.get("server_log", {}).values())
    ]
    for name, n, kind, found in problems:
        print(f"  server log, {name} N={n} {kind}: {found}")
    if isolation:
        print("\nSlow-request isolation (the other couples' partner-visible latency, ms):")
        print(report.isolation_table(isolation))
        print(
            "without = blocks with the slow couple idle; with = as long again, in blocks that "
            "alternate with those, while it moves, each of its moves holding the slow database "
            "call in its transaction; "
            "diff = with - without (median of each run's difference); block p99 = the median "
            "over the blocks of each kind of each block's own p99 (one burst of other work on "
            "the machine spoils one block, not the figure), and its difference; slow moves (p50) "
            "= the slow couple's completed moves and their partner latency. Target: diff p99 <= "
            f"{isolation[0]['limit_ms']:g} ms."
        )
    if churn:
        print("\nChurn (connect, first screen, disconnect; signed-in sockets):")
        print(report.churn_table(churn))
        print(
            "RSS MB per server process, after the warm-up and after the cycles, each read after "
            "a settle and a full garbage collection in the server; gc objects, asyncio tasks, "
            "in-memory layer channels/groups: the server's own count at those two readings "
            "(its stats socket included); rows left = OpenSocket rows of the churned users "
            "still there (0: every disconnect ran); KB/idle conn = RSS growth per socket held "
            "open afterwards. Target: growth <= 5 %, idle connection <= 64 KiB."
        )
    if profile:
        print_profile(profile)
    targets(steps, isolation, churn)
    print(f"\nWrote {json_path.relative_to(BASE_DIR)}", end="")
    if drawn:
        print(f" and {svg_path.relative_to(BASE_DIR)}", end="")
    print(f"; server and generator logs in {meta_logs(stamp)}")
    if smoke:
        return smoke_verdict(steps, churn)
    return 0


def print_profile(profile: dict[str, Any]) -> None:
    for part, unit, per in (
        ("moves", "move", "cpu_ms_per_move"),
        ("connects", "cycle", "cpu_ms_per_cycle"),
    ):
        found = profile.get(part) or {}
        print(f"\nProfile of {profile['config']} ({part}):", end=" ")
        if found.get("error"):
            print(found["error"])
        if "analysis" not in found:
            print("no samples")
            continue
        print(
            f"{found.get('raw')}, flame graph {found.get('flamegraph', '-')}; "
            f"{report.fmt(found.get(per), 1)} ms server CPU per {unit}"
        )
        analysis = found["analysis"]
        print(profiling.text({**analysis, "self": analysis["self"][:12]}, found.get(per), unit))


def targets(
    steps: list[dict[str, Any]], isolation: list[dict[str, Any]], churn: list[dict[str, Any]]
) -> None:
    """The issue's three targets, as measured here."""
    lines = []
    per_conn = [
        (s["config"], s["couples"], v)
        for s in steps
        for v in s["app"]["kb_per_connection"]
        if v is not None and s["couples"] >= 50
    ]
    per_conn += [
        (e["config"], "churn", v) for e in churn for v in e["summary"]["kb_per_connection"] if v
    ]
    if per_conn:
        worst = max(per_conn, key=lambda x: x[2])
        verdict = "met" if worst[2] <= 64 else "NOT met"
        lines.append(
            f"  RSS per idle connection <= 64 KiB: {verdict} (largest {worst[2]:g} KB, "
            f"{worst[0]} {worst[1]})"
        )
    for e in isolation:
        s = e["summary"]
        verdict = "met" if s["holds"] else "NOT met"
        lines.append(
            f"  slow couple raises others' p99 by <= {e['limit_ms']:g} ms: {verdict} for "
            f"{e['config']} N={e['couples']} DB_THREADS={e['db_threads']} "
            f"({report.fmt(s['diff_p99'], 1)} ms)"
        )
    for e in churn:
        s = e["summary"]
        verdict = "met" if s["holds"] else "NOT met"
        lines.append(
            f"  RSS growth after {report.fmt(s['cycles'])} cycles <= 5 %: {verdict} for "
            f"{e['config']} ({report.each(s['rss_growth_pct'], 1)} %)"
        )
    if lines:
        print("\nTargets:")
        print("\n".join(lines))


def meta_logs(stamp: str) -> str:
    return str((RESULTS / f"logs-{stamp}").relative_to(BASE_DIR))


def smoke_verdict(steps: list[dict[str, Any]], churn: list[dict[str, Any]]) -> int:
    """CI fails when the app completed no move, the relay delivered nothing, the app refused
    a move the rules allow (the driver and the app disagree: something is broken), or a
    signed-in socket of the churn failed to open and show its first screen."""
    if not steps:
        print("SMOKE FAILED: nothing was measured", file=sys.stderr)
        return 1
    for entry in churn:
        found = entry["summary"]
        if found["failed"] or not found["cycles"]:
            print(
                f"SMOKE FAILED: churn {entry['config']}: {found['failed']} failures "
                f"({'; '.join(found['errors'][:2])})",
                file=sys.stderr,
            )
            return 1
    app, relay = steps[0]["app"], steps[0]["relay"]
    if app["completed"] == 0 or relay["completed"] == 0 or app["refused"]:
        print(
            f"SMOKE FAILED: app moves completed {app['completed']}, refused {app['refused']}; "
            f"relay messages delivered {relay['completed']}",
            file=sys.stderr,
        )
        return 1
    cycles = sum(e["summary"]["cycles"] or 0 for e in churn)
    print(
        f"Smoke passed: {app['completed']} moves, {relay['completed']} relay messages, "
        f"{cycles:g} connect/disconnect cycles."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
