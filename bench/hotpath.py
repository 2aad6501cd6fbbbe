"""What one dialogue move costs inside one process: CPU and database queries per move, both
partners' screens included, with the real ASGI application, consumers, channel layer and
templates, but no network server (no daphne, no load generator competing for the cores).

A quick figure to work on the hot path with; the capacity figures come from `bench.run`.

    .venv/bin/python -m bench.hotpath                 # 200 moves on a throwaway SQLite file
    .venv/bin/python -m bench.hotpath --profile 40    # the 40 costliest (cProfile: main thread)
    .venv/bin/python -m bench.hotpath --spy x.raw     # py-spy, all threads; read by bench.profile
    DATABASE_URL=postgres://... .venv/bin/python -m bench.hotpath   # on PostgreSQL

A move is one frame in, a transaction, and a push to each partner's socket; it counts as done
when both sockets have a push carrying its sequence number.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.loadgen import SEQ_IN_PUSH


class QueryCount:
    """Every query any database connection of this process runs, while `counting`."""

    def __init__(self) -> None:
        self.counting = False
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        if self.counting:
            self.queries += 1
        return execute(sql, params, many, context)

    def install(self) -> None:
        from django.db.backends.signals import connection_created

        def wrap(sender, connection, **kwargs) -> None:
            if self not in connection.execute_wrappers:  # a connection object reconnects
                connection.execute_wrappers.append(self)

        connection_created.connect(wrap, weak=False)


async def until_seq(communicator, seq: int) -> None:
    while True:
        message = await communicator.receive_output(timeout=10)
        found = SEQ_IN_PUSH.search(message.get("text") or "")
        if found and int(found.group(1)) >= seq:
            return


async def play(
    moves: int, counter: QueryCount, profiler: cProfile.Profile | None, spy_to: str = ""
) -> dict:
    from channels.testing import WebsocketCommunicator

    from bench import scenario
    from dialogue import machine
    from imago_app.asgi import application

    (seed,) = await asyncio.to_thread(scenario.make_couples, 1, "hot", random.Random(1))
    sockets = {}
    for pk in seed.partners:
        communicator = WebsocketCommunicator(
            application,
            f"/ws/dialogue/{seed.dialogue_id}/",
            headers=[
                (b"cookie", seed.cookies[pk].encode()),
                (b"origin", b"http://127.0.0.1:8000"),
                (b"host", b"127.0.0.1:8000"),
            ],
        )
        connected, _ = await communicator.connect()
        assert connected, "the socket was refused"
        await until_seq(communicator, seed.seq)
        sockets[pk] = communicator
    await asyncio.sleep(0.2)  # presence notes
    for communicator in sockets.values():
        while not await communicator.receive_nothing(timeout=0.05):
            await communicator.receive_output()

    spy = None
    if spy_to:  # only the moves, not the set-up
        spy = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("py-spy")),
                "record",
                "--gil",
                "--nonblocking",
                "-r",
                "200",
                "-f",
                "raw",
                "-o",
                spy_to,
                "--pid",
                str(os.getpid()),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        await asyncio.sleep(1.0)
    state, seq = machine.state_from_dict(seed.snapshot), seed.seq
    rng = random.Random(2)
    cpu: list[float] = []
    queries: list[int] = []
    for _ in range(moves):
        planned = scenario.next_move(state, rng)
        other = next(pk for pk in seed.partners if pk != planned.actor)
        frame = {"move": planned.kind, "key": scenario.new_key(), **planned.fields}
        counter.queries, counter.counting = 0, True
        if profiler:
            profiler.enable()
        started = time.process_time()
        await sockets[planned.actor].send_json_to(frame)
        await asyncio.gather(
            until_seq(sockets[planned.actor], seq + 1), until_seq(sockets[other], seq + 1)
        )
        cpu.append(1000 * (time.process_time() - started))
        if profiler:
            profiler.disable()
        counter.counting = False
        queries.append(counter.queries)
        seq += 1
        await asyncio.sleep(0.21)  # under each socket's frame rate (5 a second)
        state = scenario.advance(state, planned)
    if spy:
        spy.send_signal(signal.SIGINT)
        await asyncio.to_thread(spy.wait)
    for communicator in sockets.values():
        await communicator.disconnect()
    return {"cpu_ms": cpu, "queries": queries}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print N functions")
    parser.add_argument("--spy", default="", metavar="FILE", help="py-spy raw profile of the moves")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="imago-hotpath-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imago_app.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "hotpath-" + os.urandom(16).hex())
    os.environ.setdefault("SQLITE_PATH", str(workdir / "db.sqlite3"))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    counter = QueryCount()
    counter.install()
    profiler = cProfile.Profile() if args.profile else None
    result = asyncio.run(play(args.moves, counter, profiler, args.spy))
    cpu, queries = result["cpu_ms"], result["queries"]
    warm = cpu[len(cpu) // 10 :]  # the first tenth warms caches and imports
    print(
        f"{len(cpu)} moves: CPU per move median {statistics.median(warm):.2f} ms, "
        f"mean {statistics.fmean(warm):.2f} ms; queries per move median "
        f"{statistics.median(queries):.0f}, max {max(queries)} "
        f"(first tenth {statistics.median(queries[: len(queries) // 10 or 1]):.0f}, "
        f"last tenth {statistics.median(queries[-(len(queries) // 10 or 1) :]):.0f})"
    )
    if profiler:
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
