"""One measurement: N couples (or N relay pairs) against servers that are already running.

    python -m bench.loadgen --kind app --url http://127.0.0.1:8001 --couples 50 --out r.json

Run by bench/run.py once per configuration, couple count and run, in its own process so that
Django is set up against that configuration's database. The phases:

1. (app) make the couples and their sessions in the database; not measured;
2. connect one warm-up pair, read each server's RSS, connect the rest and read it again: the
   difference per connection is the memory an open, idle connection costs;
3. for `duration` seconds each couple makes one move at a time, about every `interval`
   seconds (jittered), alternating partners as the dialogue demands; the server processes' CPU
   (and PostgreSQL's and Redis's) is read around this window and its drain;
4. close everything and write the figures as JSON.

Latency is measured on one perf_counter clock, from just before the frame is sent to the
arrival of the push carrying the move's sequence number (`data-seq`) on the other partner's
socket (partner-visible) and on the mover's own socket (acknowledgement).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bench import procstat

SEQ_IN_PUSH = re.compile(r'data-seq="(\d+)"')
# A refused move comes back to the mover as the error banner with a sentence in it; every other
# push carries the banner empty.
ERROR_IN_PUSH = re.compile(r'id="dialogue-error"[^>]*>\s*([^<]*?)\s*</p>')
SEQ_IN_RELAY = re.compile(r'^\{"seq": (\d+)')
CONNECT_CONCURRENCY = 50  # handshakes in flight at once, as a crowd of phones would arrive
MAX_ERRORS_KEPT = 20


class Refused(Exception):
    """The server refused the move (the error banner came back to the mover)."""


class SocketClosed(Exception):
    """The socket closed while a push was awaited."""


Parser = Callable[[str], tuple[int | None, str | None]]


def parse_app(message: str) -> tuple[int | None, str | None]:
    """(sequence number shown, refusal sentence) of one app push; either may be None."""
    error = ERROR_IN_PUSH.search(message)
    if error and error.group(1):
        return None, error.group(1)
    seq = SEQ_IN_PUSH.search(message)
    return (int(seq.group(1)) if seq else None), None


def parse_relay(message: str) -> tuple[int | None, str | None]:
    seq = SEQ_IN_RELAY.match(message)
    return (int(seq.group(1)) if seq else None), None


class Socket:
    """One client socket with a reader task that timestamps every message on arrival and wakes
    whoever awaits the sequence number it carries."""

    def __init__(self, ws: ClientConnection, parse: Parser) -> None:
        self.ws = ws
        self.parse = parse
        self.seq = 0
        self.first_seq = asyncio.Event()
        self.waiters: dict[int, asyncio.Future[tuple[float, int]]] = {}
        self.closed = False
        self.reader = asyncio.create_task(self._read())

    def expect(self, seq: int) -> asyncio.Future[tuple[float, int]]:
        future: asyncio.Future[tuple[float, int]] = asyncio.get_running_loop().create_future()
        if self.closed:
            future.set_exception(SocketClosed("closed before the move"))
        else:
            self.waiters[seq] = future
        return future

    def forget(self, seq: int) -> None:
        future = self.waiters.pop(seq, None)
        if future and not future.done():
            future.cancel()

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                arrived = time.perf_counter()
                text = message if isinstance(message, str) else message.decode()
                seq, refusal = self.parse(text)
                if refusal is not None:
                    self._fail_all(Refused(refusal))
                    continue
                if seq is None:
                    continue  # presence and other pushes that carry no sequence number
                self.seq = max(self.seq, seq)
                self.first_seq.set()
                # A push renders the dialogue as it is when read, so it may already show a later
                # number than the one awaited: it still proves the awaited move arrived.
                size = len(text.encode())
                for awaited in [s for s in self.waiters if s <= seq]:
                    future = self.waiters.pop(awaited)
                    if not future.done():
                        future.set_result((arrived, size))
        except ConnectionClosed:
            pass
        finally:
            self.closed = True
            self._fail_all(SocketClosed(f"closed (code {self.ws.close_code})"))

    def _fail_all(self, error: Exception) -> None:
        for future in self.waiters.values():
            if not future.done():
                future.set_exception(error)
        self.waiters.clear()


# --- figures -----------------------------------------------------------------------------------


def percentiles(values: Iterable[float]) -> dict[str, float | int | None]:
    data = sorted(values)
    if not data:
        return {"n": 0, "p50": None, "p90": None, "p99": None, "max": None, "mean": None}

    def at(q: float) -> float:
        # Nearest rank: with few samples p99 is the maximum, never an interpolated guess.
        return data[min(len(data) - 1, max(0, round(q * len(data) + 0.5) - 1))]

    return {
        "n": len(data),
        "p50": round(at(0.50), 2),
        "p90": round(at(0.90), 2),
        "p99": round(at(0.99), 2),
        "max": round(data[-1], 2),
        "mean": round(statistics.fmean(data), 2),
    }


@dataclass
class Tally:
    attempted: int = 0
    completed: int = 0
    refused: int = 0
    timeouts: int = 0
    closed: int = 0
    late: int = 0  # moves that started over a second behind their schedule
    partner_ms: list[float] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    push_bytes: list[int] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "attempted": self.attempted,
            "completed": self.completed,
            "refused": self.refused,
            "timeouts": self.timeouts,
            "closed": self.closed,
            "late": self.late,
            "partner_ms": percentiles(self.partner_ms),
            "ack_ms": percentiles(self.ack_ms),
            "push_bytes_median": int(statistics.median(self.push_bytes))
            if self.push_bytes
            else None,
            "by_kind": {kind: percentiles(values) for kind, values in sorted(self.by_kind.items())},
            "errors": self.errors,
        }


@dataclass
class Probe:
    """CPU and memory readings of the processes under test."""

    servers: list[int]
    pg_pid: int | None = None
    redis_pid: int | None = None

    def rss(self) -> list[float]:
        return [procstat.rss_mb(pid) for pid in self.servers]

    def cpu(self) -> dict[str, Any]:
        own = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "wall": time.perf_counter(),
            "servers": [procstat.cpu_seconds(pid) for pid in self.servers],
            "postgres": procstat.tree_cpu_seconds(self.pg_pid) if self.pg_pid else None,
            "redis": procstat.cpu_seconds(self.redis_pid) if self.redis_pid else None,
            "generator": own.ru_utime + own.ru_stime,
        }


def cpu_figures(before: dict[str, Any], after: dict[str, Any], moves: int) -> dict[str, Any]:
    """CPU use over the window, in percent of one core, and server CPU per completed move."""
    wall = after["wall"] - before["wall"]

    def pct(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else round(100 * (b - a) / wall, 1)

    server_s = sum(after["servers"]) - sum(before["servers"])
    return {
        "wall_s": round(wall, 2),
        "server_pct": [pct(a, b) for a, b in zip(before["servers"], after["servers"], strict=True)],
        "server_ms_per_move": round(1000 * server_s / moves, 2) if moves else None,
        "postgres_pct": pct(before["postgres"], after["postgres"]),
        "redis_pct": pct(before["redis"], after["redis"]),
        "generator_pct": pct(before["generator"], after["generator"]),
    }


# --- PostgreSQL statement counts -------------------------------------------------------------


def pg_counters(dsn: str, database: str) -> dict[str, Any]:
    """Cumulative statement, transaction and connection counts of one database."""
    import psycopg  # only the PostgreSQL configurations need it

    with psycopg.connect(dsn, autocommit=True) as conn:
        sessions, commits = conn.execute(
            "SELECT sessions, xact_commit FROM pg_stat_database WHERE datname = %s", (database,)
        ).fetchone()
        # Django's own queries, apart from the time zone set on each new connection and the
        # foreign-key checks PostgreSQL runs itself (the only statements with "FROM ONLY").
        queries, statements = conn.execute(
            """SELECT
                 coalesce(sum(s.calls) FILTER (WHERE
                   upper(split_part(ltrim(s.query), ' ', 1))
                     IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'WITH')
                   AND s.query NOT LIKE 'SELECT set_config(%%'
                   AND s.query NOT LIKE '%%FROM ONLY %%'), 0),
                 coalesce(sum(s.calls), 0)
               FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
               WHERE d.datname = %s""",
            (database,),
        ).fetchone()
        by_statement = conn.execute(
            """SELECT s.query, sum(s.calls)
               FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
               WHERE d.datname = %s GROUP BY s.query""",
            (database,),
        ).fetchall()
    counts: dict[str, Any] = {"sessions": float(sessions), "commits": float(commits)}
    counts["queries"], counts["statements"] = float(queries), float(statements)
    counts["by_statement"] = {query: float(calls) for query, calls in by_statement}
    return counts


def pg_per_move(before: dict[str, Any], after: dict[str, Any], moves: int) -> dict[str, Any]:
    if not moves:
        return {}
    return {
        # The move's transaction and both sockets' re-reads, as Django sends them.
        "queries_per_move": round((after["queries"] - before["queries"]) / moves, 1),
        # Everything PostgreSQL executed: plus BEGIN, COMMIT, SAVEPOINT, foreign-key checks
        # and the time zone set on each new connection.
        "statements_per_move": round((after["statements"] - before["statements"]) / moves, 1),
        "connections_per_move": round((after["sessions"] - before["sessions"]) / moves, 2),
        "commits_per_move": round((after["commits"] - before["commits"]) / moves, 2),
        # Which statements those are: the ten most frequent, per move, as PostgreSQL
        # normalised them.
        "top_statements_per_move": [
            [round(calls / moves, 2), " ".join(query.split())[:160]]
            for calls, query in sorted(
                (
                    (after["by_statement"][q] - before["by_statement"].get(q, 0.0), q)
                    for q in after["by_statement"]
                ),
                reverse=True,
            )[:10]
            if calls > 0
        ],
    }


# --- connecting --------------------------------------------------------------------------------


async def open_socket(
    url: str,
    headers: dict[str, str],
    parse: Parser,
    gate: asyncio.Semaphore,
    timeout: float,
    connect_ms: list[float],
) -> Socket:
    async with gate:
        started = time.perf_counter()
        ws = await connect(
            url,
            additional_headers=headers,
            open_timeout=timeout,
            # A browser sends no pings, and a proxy setting in the environment must not apply.
            ping_interval=None,
            proxy=None,
            max_size=2**22,
        )
        socket = Socket(ws, parse)
        if parse is parse_app:  # the app's handshake ends with the first screen
            await asyncio.wait_for(socket.first_seq.wait(), timeout)
        connect_ms.append(1000 * (time.perf_counter() - started))
        return socket


def ws_url(base: str, path: str) -> str:
    return base.replace("http://", "ws://", 1).rstrip("/") + path


async def close_all(sockets: Iterable[Socket]) -> None:
    async def close(socket: Socket) -> None:
        await socket.ws.close()
        socket.reader.cancel()

    # The figures are taken by now; a server still busy with disconnects must not lose them.
    with contextlib.suppress(TimeoutError):
        closing = asyncio.gather(*(close(s) for s in sockets), return_exceptions=True)
        await asyncio.wait_for(closing, 30)


# --- the measurement -------------------------------------------------------------------------


@dataclass
class Options:
    kind: str
    urls: list[str]
    couples: int
    duration: float
    interval: float
    timeout: float
    payload_bytes: int
    seed: int
    tag: str
    probe: Probe
    pg_dsn: str | None
    pg_database: str | None
    slow_interval: float | None = None  # isolation: couple 0 is the slow one, at this rhythm
    blocks: int = 4  # isolation: blocks of each kind, alternating
    ready_file: Path | None = None  # touched when the measured window starts (for a profiler)


@dataclass
class Player:
    """One couple (or relay pair): its two sockets and where its dialogue stands."""

    index: int
    partners: tuple[int, int]
    sockets: dict[int, Socket]
    seq: int
    state: Any = None  # dialogue.machine.State for the app
    dialogue_id: int = 0

    def other(self, pk: int) -> int:
        return self.partners[1] if pk == self.partners[0] else self.partners[0]


async def await_move(
    mover: Socket, other: Socket, frame: str, expected: int, timeout: float, acked: bool
) -> tuple[float, float | None, int]:
    """Send one frame; (partner-visible ms, acknowledgement ms or None, partner push bytes)."""
    waits = [other.expect(expected)]
    if acked:
        waits.append(mover.expect(expected))
    started = time.perf_counter()
    try:
        await mover.ws.send(frame)
        results = await asyncio.wait_for(asyncio.gather(*waits), timeout)
    finally:
        other.forget(expected)
        mover.forget(expected)
    (arrived, size), *rest = results
    ack = 1000 * (rest[0][0] - started) if rest else None
    return 1000 * (arrived - started), ack, size


def relay_frame(seq: int, size: int) -> str:
    head = f'{{"seq": {seq}, "pad": "'
    return head + "x" * max(0, size - len(head) - 2) + '"}'


async def play(
    player: Player,
    options: Options,
    window: tuple[float, float],
    tally: Tally,
    interval: float | None = None,
    salt: int = 0,
) -> None:
    """One couple's loop: a move about every `interval` seconds until the window closes."""
    interval = interval or options.interval
    rng = random.Random(options.seed * 100_003 + player.index + 7_919 * salt)
    start, end = window
    due = start + rng.uniform(0, interval)  # spread the couples over the first interval
    app = options.kind == "app"
    if app:
        from bench import scenario
    for count in range(int(3 * (end - start) / interval) + 2):  # bounded
        if due >= end:
            return  # the next move would fall after the window: this couple is done
        now = time.perf_counter()
        if due > now:
            await asyncio.sleep(due - now)
        elif now - due > 1.0:
            tally.late += 1
        if app:
            planned = scenario.next_move(player.state, rng)
            actor, kind = planned.actor, planned.kind
            frame = json.dumps({"move": kind, "key": scenario.new_key(), **planned.fields})
        else:  # the relay pair takes turns
            actor, kind = player.partners[count % 2], "relay"
            frame = relay_frame(player.seq + 1, options.payload_bytes)
        mover, other = player.sockets[actor], player.sockets[player.other(actor)]
        tally.attempted += 1
        try:
            partner_ms, ack_ms, size = await await_move(
                mover, other, frame, player.seq + 1, options.timeout, acked=app
            )
        except (Refused, SocketClosed, TimeoutError, ConnectionClosed) as failure:
            what = type(failure).__name__
            if isinstance(failure, Refused):
                tally.refused += 1
            elif isinstance(failure, TimeoutError):
                tally.timeouts += 1
            else:
                tally.closed += 1
            tally.error(f"pair {player.index} {kind}: {what} {failure}".strip())
            if mover.closed or other.closed:
                return  # this couple is gone; the others go on
            if app:  # find out where the dialogue really stands, then go on from there
                player.state, player.seq = await asyncio.to_thread(
                    scenario.load_state, player.dialogue_id
                )
            else:
                player.seq += 1
        else:
            tally.completed += 1
            tally.partner_ms.append(partner_ms)
            tally.push_bytes.append(size)
            tally.by_kind.setdefault(kind, []).append(partner_ms)
            if ack_ms is not None:
                tally.ack_ms.append(ack_ms)
            player.seq += 1
            if app:
                player.state = scenario.advance(player.state, planned)
        due += interval * rng.uniform(0.5, 1.5)  # jitter, mean `interval`


async def connect_players(options: Options, seeds: list[Any]) -> tuple[list[Player], dict]:
    """All sockets, the first pair alone to warm the servers up; RSS read around the rest."""
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    connect_ms: list[float] = []
    first, last = options.urls[0], options.urls[-1]
    app = options.kind == "app"

    async def one(index: int) -> Player:
        if app:
            seed = seeds[index]
            path = f"/ws/dialogue/{seed.dialogue_id}/"
            partners = seed.partners
            # The requester on the first server, the other partner on the last one: with two
            # processes every move crosses the channel layer.
            where = {partners[0]: first, partners[1]: last}
            sockets = {}
            for pk in partners:
                headers = {"origin": where[pk], "cookie": seed.cookies[pk]}
                sockets[pk] = await open_socket(
                    ws_url(where[pk], path), headers, parse_app, gate, 20, connect_ms
                )
            from bench import scenario
            from dialogue import machine

            state = machine.state_from_dict(seed.snapshot)
            player = Player(index, partners, sockets, seed.seq, state, seed.dialogue_id)
            for socket in sockets.values():
                if socket.seq != seed.seq:  # someone else moved: take the stored state
                    player.state, player.seq = await asyncio.to_thread(
                        scenario.load_state, seed.dialogue_id
                    )
            return player
        path = f"/ws/bench/relay/{options.tag}-{index}/"
        sockets = {
            pk: await open_socket(
                ws_url(base, path), {"origin": base}, parse_relay, gate, 20, connect_ms
            )
            for pk, base in ((1, first), (2, last))
        }
        return Player(index, (1, 2), sockets, 0)

    started = time.perf_counter()
    players = [await one(0)]
    await asyncio.sleep(0.5)
    rss_idle = options.probe.rss()
    results = await asyncio.gather(
        *(one(i) for i in range(1, options.couples)), return_exceptions=True
    )
    failed = [r for r in results if isinstance(r, BaseException)]
    players += [r for r in results if isinstance(r, Player)]
    wall = time.perf_counter() - started
    await asyncio.sleep(2)  # presence and first screens settle before memory is read
    rss_connected = options.probe.rss()
    per_process = 2 * (options.couples - 1) / len(options.probe.servers)
    extensions = sorted(
        {str(ext.name) for ext in players[0].sockets[players[0].partners[0]].ws.protocol.extensions}
    )
    figures = {
        "sockets": 2 * options.couples,
        "failed_pairs": len(failed),
        "failures": [f"{type(f).__name__}: {f}" for f in failed[:5]],
        "wall_s": round(wall, 2),
        "handshake_ms": percentiles(connect_ms),
        "rss_idle_mb": [round(v, 1) for v in rss_idle],
        "rss_connected_mb": [round(v, 1) for v in rss_connected],
        "kb_per_connection": [
            round(1024 * (b - a) / per_process, 1) if per_process else None
            for a, b in zip(rss_idle, rss_connected, strict=True)
        ],
        "extensions": extensions,
    }
    return players, figures


def mark_ready(options: Options) -> None:
    if options.ready_file:
        options.ready_file.write_text(str(time.time()))


async def isolation(options: Options, players: list[Player]) -> dict[str, Any]:
    """The other couples at their rhythm, in blocks that alternate (without, with, with,
    without, ...): in a "with" block couple 0 also moves, about every `slow_interval` seconds,
    and each of its moves holds a slow database call on the server (bench/inject.py); in a
    "without" block it idles. `duration` seconds of each in all. Alternating short blocks
    gives both the same share of whatever else the machine is doing."""
    slow, others = players[0], players[1:]
    blocks = max(1, options.blocks)
    length = options.duration / blocks
    tallies = {"without": Tally(), "with": Tally()}
    cpu_s = {"without": 0.0, "with": 0.0}
    wall = {"without": 0.0, "with": 0.0}
    slow_tally = Tally()
    per_block = []
    for block in range(2 * blocks):
        phase = "without" if block % 4 in (0, 3) else "with"
        first = len(tallies[phase].partner_ms)
        before = options.probe.cpu()
        start = time.perf_counter()
        window = (start, start + length)
        loops = [play(p, options, window, tallies[phase], salt=block) for p in others]
        if phase == "with":
            loops.append(play(slow, options, window, slow_tally, options.slow_interval, block))
        await asyncio.gather(*loops)
        after = options.probe.cpu()
        cpu_s[phase] += sum(after["servers"]) - sum(before["servers"])
        wall[phase] += after["wall"] - before["wall"]
        # Each block's own figures: one burst of other work on the machine shows as one bad
        # block, and the median over blocks is not moved by it.
        per_block.append({"phase": phase, **percentiles(tallies[phase].partner_ms[first:])})
        await asyncio.sleep(0.5)  # the last pushes of one block are not counted in the next

    def cpu(phase: str) -> dict[str, Any]:
        moves = tallies[phase].completed
        return {
            "wall_s": round(wall[phase], 2),
            "server_pct": [round(100 * cpu_s[phase] / wall[phase], 1)] if wall[phase] else [],
            "server_ms_per_move": round(1000 * cpu_s[phase] / moves, 2) if moves else None,
        }

    return {
        "slow_interval_s": options.slow_interval,
        "blocks": 2 * blocks,
        "block_s": round(length, 2),
        **{phase: {"moves": t.as_dict(), "cpu": cpu(phase)} for phase, t in tallies.items()},
        "slow": slow_tally.as_dict(),
        "per_block": per_block,
        **{
            f"{phase}_block_p99_median": median_or_none(
                [b["p99"] for b in per_block if b["phase"] == phase]
            )
            for phase in ("without", "with")
        },
    }


def median_or_none(values: list[Any]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None


async def measure(options: Options, seeds: list[Any]) -> dict[str, Any]:
    players, connected = await connect_players(options, seeds)
    mark_ready(options)
    if options.slow_interval:
        result = {"connect": connected, "isolation": await isolation(options, players)}
        result["rss_end_mb"] = [round(v, 1) for v in options.probe.rss()]
        await close_all(s for p in players for s in p.sockets.values())
        return result
    tally = Tally()
    pg_before = None
    if options.pg_dsn and options.pg_database:
        pg_before = await asyncio.to_thread(pg_counters, options.pg_dsn, options.pg_database)
    cpu_before = options.probe.cpu()
    start = time.perf_counter()
    window = (start, start + options.duration)
    await asyncio.gather(*(play(p, options, window, tally) for p in players))
    cpu_after = options.probe.cpu()
    rss_end = options.probe.rss()
    result: dict[str, Any] = {
        "connect": connected,
        "moves": tally.as_dict(),
        "cpu": cpu_figures(cpu_before, cpu_after, tally.completed),
        "rss_end_mb": [round(v, 1) for v in rss_end],
    }
    result["moves"]["per_s"] = round(tally.completed / result["cpu"]["wall_s"], 2)
    if pg_before is not None:
        await asyncio.sleep(1)  # backends report their counts when they exit
        pg_after = await asyncio.to_thread(pg_counters, options.pg_dsn, options.pg_database)
        result["postgres"] = pg_per_move(pg_before, pg_after, tally.completed)
    await close_all(s for p in players for s in p.sockets.values())
    return result


# --- churn: connecting and disconnecting, over and over ---------------------------------------


@dataclass
class ChurnOptions:
    urls: list[str]
    seeds: list[Any]
    cycles: int
    warmup: int
    concurrency: int
    idle_sockets: int
    settle: float
    timeout: float
    probe: Probe
    ready_file: Path | None


def churn_targets(options: ChurnOptions, index: int) -> tuple[str, dict[str, str], str]:
    """(socket URL, headers, route) of cycle `index`: every couple's two partners in turn, on
    the dialogue page and on the home page alternately, each partner on their own server."""
    seed = options.seeds[index % len(options.seeds)]
    side = (index // len(options.seeds)) % 2
    pk = seed.partners[side]
    base = options.urls[0] if side == 0 else options.urls[-1]
    route = "dialogue" if (index // (2 * len(options.seeds))) % 2 == 0 else "home"
    path = f"/ws/dialogue/{seed.dialogue_id}/" if route == "dialogue" else "/ws/home/"
    return ws_url(base, path), {"origin": base, "cookie": seed.cookies[pk]}, route


async def open_first(url: str, headers: dict[str, str], timeout: float) -> ClientConnection:
    """A signed-in socket, once its first screen (or panel) has arrived."""
    ws = await connect(
        url,
        additional_headers=headers,
        open_timeout=timeout,
        ping_interval=None,
        proxy=None,
        max_size=2**22,
    )
    try:
        await asyncio.wait_for(ws.recv(), timeout)
    except BaseException:
        await ws.close()
        raise
    return ws


async def cycles(options: ChurnOptions, first: int, count: int) -> dict[str, Any]:
    """`count` sockets opened, each until its first screen arrives, and closed, at most
    `concurrency` at a time."""
    gate = asyncio.Semaphore(options.concurrency)
    connect_ms: list[float] = []
    failures: list[str] = []
    by_route: dict[str, int] = {}

    async def one(index: int) -> None:
        url, headers, route = churn_targets(options, index)
        async with gate:
            started = time.perf_counter()
            try:
                ws = await open_first(url, headers, options.timeout)
                connect_ms.append(1000 * (time.perf_counter() - started))
                await ws.close()
                by_route[route] = by_route.get(route, 0) + 1
            except (OSError, TimeoutError, ConnectionClosed, InvalidStatus) as failure:
                failures.append(f"{route}: {type(failure).__name__}: {failure}")

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(first, first + count)))
    wall = time.perf_counter() - started
    return {
        "cycles": count,
        "completed": count - len(failures),
        "failed": len(failures),
        "failures": failures[:MAX_ERRORS_KEPT],
        "by_route": by_route,
        "wall_s": round(wall, 2),
        "per_s": round(count / wall, 1) if wall else None,
        "handshake_ms": percentiles(connect_ms),
    }


async def server_stats(urls: list[str], timeout: float) -> list[dict[str, Any] | None]:
    """Each server's own account of itself (bench/relay.py's stats socket, after a full garbage
    collection); None where it did not answer."""

    async def one(base: str) -> dict[str, Any] | None:
        try:
            async with connect(
                ws_url(base, "/ws/bench/stats/"),
                additional_headers={"origin": base},
                open_timeout=timeout,
                ping_interval=None,
                proxy=None,
            ) as ws:
                return json.loads(await asyncio.wait_for(ws.recv(), timeout))
        except (OSError, TimeoutError, ConnectionClosed, InvalidStatus, ValueError):
            return None

    return list(await asyncio.gather(*(one(base) for base in dict.fromkeys(urls))))


async def reading(options: ChurnOptions) -> dict[str, Any]:
    """Settle, collect garbage in the servers, then read their RSS."""
    await asyncio.sleep(options.settle)
    stats = await server_stats(options.urls, options.timeout)
    await asyncio.sleep(0.5)
    return {"rss_mb": [round(v, 2) for v in options.probe.rss()], "stats": stats}


async def churn(options: ChurnOptions) -> dict[str, Any]:
    """RSS after a warm-up, after `cycles` connect/disconnect cycles, and per idle connection."""
    warmup = await cycles(options, 0, options.warmup)
    start = await reading(options)
    if options.ready_file:
        options.ready_file.write_text(str(time.time()))
    cpu_before = options.probe.cpu()
    main = await cycles(options, options.warmup, options.cycles)
    cpu_after = options.probe.cpu()
    end = await reading(options)
    open_rows = await asyncio.to_thread(count_open_sockets, options.seeds)
    # Then the memory an idle connection holds: that many sockets opened and kept open.
    held: list[ClientConnection] = []
    gate = asyncio.Semaphore(options.concurrency)

    async def hold(index: int) -> None:
        url, headers, _route = churn_targets(options, index)
        async with gate:
            with contextlib.suppress(OSError, TimeoutError, ConnectionClosed, InvalidStatus):
                held.append(await open_first(url, headers, options.timeout))

    await asyncio.gather(*(hold(i) for i in range(options.idle_sockets)))
    if held:
        await asyncio.sleep(2)
    rss_held = options.probe.rss()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(
            asyncio.gather(*(ws.close() for ws in held), return_exceptions=True), 30
        )
    per_process = len(held) / len(options.probe.servers)
    growth = [
        round(100 * (b - a) / a, 2) if a else None
        for a, b in zip(start["rss_mb"], end["rss_mb"], strict=True)
    ]
    return {
        "warmup": warmup,
        "churn": main,
        "start": start,
        "end": end,
        "rss_growth_pct": growth,
        "cpu": cpu_figures(cpu_before, cpu_after, main["completed"]),
        "open_socket_rows": open_rows,
        "idle": {
            "sockets": len(held),
            "rss_mb": [round(v, 2) for v in rss_held],
            "kb_per_connection": [
                round(1024 * (b - a) / per_process, 1) if per_process else None
                for a, b in zip(end["rss_mb"], rss_held, strict=True)
            ],
            "failed": options.idle_sockets - len(held),
        },
    }


def count_open_sockets(seeds: list[Any]) -> int:
    """Rows of OpenSocket still there for the churned users: a disconnect that never ran."""
    from django.db import connections

    from imago_app.models import OpenSocket

    users = [pk for seed in seeds for pk in seed.partners]
    try:
        return OpenSocket.objects.filter(user_id__in=users).count()
    finally:
        connections.close_all()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=["app", "relay", "churn"], required=True)
    parser.add_argument("--url", action="append", required=True, help="a server; one or two")
    parser.add_argument("--couples", type=int, required=True)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--interval", type=float, default=10)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--payload-bytes", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tag", default="run", help="makes usernames and relay pairs unique")
    parser.add_argument("--server-pid", type=int, action="append", required=True)
    parser.add_argument("--pg-pid", type=int)
    parser.add_argument("--redis-pid", type=int)
    parser.add_argument("--pg-dsn", help="superuser DSN, to read pg_stat_statements")
    parser.add_argument("--pg-database")
    parser.add_argument(
        "--slow-interval",
        type=float,
        help="isolation: couple 0 idles, then moves at this rhythm (its moves are slowed)",
    )
    parser.add_argument(
        "--blocks", type=int, default=4, help="isolation: alternating blocks of each kind"
    )
    parser.add_argument("--cycles", type=int, default=10_000, help="churn: sockets opened")
    parser.add_argument("--warmup", type=int, default=200, help="churn: cycles before RSS")
    parser.add_argument("--concurrency", type=int, default=50, help="churn: sockets at once")
    parser.add_argument("--idle-sockets", type=int, default=500, help="churn: held at the end")
    parser.add_argument("--settle", type=float, default=5, help="churn: seconds before RSS")
    parser.add_argument("--ready-file", type=Path, help="touched when the measured part begins")
    parser.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    seeds: list[Any] = []
    setup_s = 0.0
    if args.kind in ("app", "churn"):
        import django
        from django.db import connections

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imago_app.settings")
        django.setup()
        from bench import scenario

        started = time.perf_counter()
        seeds = scenario.make_couples(args.couples, args.tag, random.Random(args.seed))
        setup_s = time.perf_counter() - started
        # The load phase reads the database only from worker threads, when a couple resyncs.
        connections.close_all()
    options = Options(
        kind=args.kind,
        urls=args.url,
        couples=args.couples,
        duration=args.duration,
        interval=args.interval,
        timeout=args.timeout,
        payload_bytes=args.payload_bytes,
        seed=args.seed,
        tag=args.tag,
        probe=Probe(args.server_pid, args.pg_pid, args.redis_pid),
        pg_dsn=args.pg_dsn,
        pg_database=args.pg_database,
        slow_interval=args.slow_interval,
        blocks=args.blocks,
        ready_file=args.ready_file,
    )
    if args.kind == "churn":
        result = asyncio.run(
            churn(
                ChurnOptions(
                    urls=args.url,
                    seeds=seeds,
                    cycles=args.cycles,
                    warmup=args.warmup,
                    concurrency=args.concurrency,
                    idle_sockets=args.idle_sockets,
                    settle=args.settle,
                    timeout=args.timeout,
                    probe=options.probe,
                    ready_file=args.ready_file,
                )
            )
        )
        result.update(kind="churn", couples=args.couples, setup_s=round(setup_s, 1))
        args.out.write_text(json.dumps(result, indent=1))
        return 0
    result = asyncio.run(measure(options, seeds))
    result.update(
        kind=args.kind,
        couples=args.couples,
        duration_s=args.duration,
        interval_s=args.interval,
        setup_s=round(setup_s, 1),
        payload_bytes=args.payload_bytes if args.kind == "relay" else None,
    )
    args.out.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
