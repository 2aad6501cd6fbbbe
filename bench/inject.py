"""Bench-only fault injection in the server processes: a slow database call for one couple.

Installed by bench/relay.py, which the servers import when BENCH_RELAY=1, so no app code knows
about it. With

    BENCH_SLOW_MS=200  BENCH_SLOW_USERS=bench-<tag>-0a,bench-<tag>-0b

every move made by one of those users (the partners of one couple, so one dialogue) first runs a
200 ms database call inside the move's transaction: `SELECT pg_sleep(0.2)` on PostgreSQL, a
`time.sleep` inside `transaction.atomic()` on SQLite (before the move's first write, so SQLite's
write lock is not held). The move then goes on as usual. It holds a database thread of the
server (and a PostgreSQL connection) for that long, as a locked row or a busy disk would.

The consumers call `services.dialogue_move` through the module attribute, so replacing that
attribute is enough. Users rather than the dialogue id: bench/run.py knows the usernames the
load generator will make (they carry its tag) before the server starts, not the id.
"""

from __future__ import annotations

import functools
import os
import time

from django.db import connection, transaction


def slow_call(seconds: float) -> None:
    """One database call that takes `seconds`, on this thread's connection."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s)", [seconds])
    else:
        connection.ensure_connection()
        time.sleep(seconds)


def install_from_env() -> None:
    seconds = float(os.environ.get("BENCH_SLOW_MS") or 0) / 1000
    users = frozenset(u for u in os.environ.get("BENCH_SLOW_USERS", "").split(",") if u)
    if seconds <= 0 or not users:
        return
    from dialogue import services

    original = services.dialogue_move
    if getattr(original, "bench_slow", False):
        return  # installed already

    @functools.wraps(original)
    def dialogue_move(*args, **kwargs):
        partner = kwargs.get("partner")
        if partner is None or partner.username not in users:
            return original(*args, **kwargs)
        with transaction.atomic():  # the move's own atomic() becomes a savepoint inside it
            slow_call(seconds)
            return original(*args, **kwargs)

    dialogue_move.bench_slow = True
    services.dialogue_move = dialogue_move
