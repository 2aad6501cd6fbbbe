"""Database calls from sockets, on a small pool of threads rather than one.

Channels' `database_sync_to_async` runs every call of a process on a single thread, so one slow
query (a locked row, a busy disk) made every other couple on that process wait behind it. Socket
code here calls the database through `db_call`, which uses a pool of `DB_THREADS` threads (each
keeps its own connection, reused for `CONN_MAX_AGE`) and, like Channels, closes connections that
are too old or broken before and after each call. A connection that answered on its thread less
than `FRESH_SECONDS` ago is not health-checked again (Django's `SELECT 1`, once per call with
`CONN_HEALTH_CHECKS`, was two of PostgreSQL's seven statements per move); one that went away
within that moment fails its call with a DatabaseError, which the socket answers with "try
again" (1013), and is closed after it.

What a call tells the channel layer after its commit (imago_app/notify.py) is sent by the call
on the event loop once the call's thread is done, and before the call returns: a thread does
not wait on the loop for each message.
"""

import contextlib
import functools
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.core.exceptions import SynchronousOnlyOperation
from django.db import close_old_connections, connection

from imago_app import notify

_pool = ThreadPoolExecutor(max_workers=settings.DB_THREADS, thread_name_prefix="db")
FRESH_SECONDS = 5.0
_answered = threading.local()  # .at: when this thread's connection last ended a call healthy


def db_call(func):
    """`func`, made awaitable and run on the database thread pool (usable as a decorator)."""

    def run(outbox, *args, **kwargs):
        # Inside the call's own context, where the connection it used lives.
        close_old_connections()
        if time.monotonic() - getattr(_answered, "at", float("-inf")) < FRESH_SECONDS:
            connection.health_check_done = True  # it answered a moment ago
        try:
            with notify.holding(outbox):
                return func(*args, **kwargs)
        finally:
            close_old_connections()  # closes it after an error that left it unusable
            if connection.connection is not None and not connection.errors_occurred:
                _answered.at = time.monotonic()
            else:
                _answered.at = float("-inf")

    in_thread = SyncToAsync(run, thread_sensitive=False, executor=_pool)

    @functools.wraps(func)
    async def call(*args, **kwargs):
        outbox: list[tuple[str, dict]] = []
        try:
            return await in_thread(outbox, *args, **kwargs)
        finally:  # what committed is told, even when the call went on to fail
            await notify.deliver(outbox)

    return call


class NeedsDatabase(Exception):
    """Work run under `no_queries()` tried to reach the database."""


@contextlib.contextmanager
def no_queries() -> Iterator[None]:
    """For work done on the event loop because everything it needs is in memory: a query raises
    NeedsDatabase (and, where Django's async-safety check is on, so does opening a connection),
    so the caller can do the work through `db_call` instead."""

    def refuse(execute, sql, params, many, context):
        raise NeedsDatabase(sql)

    try:
        with connection.execute_wrapper(refuse):
            yield
    except SynchronousOnlyOperation as unsafe:
        raise NeedsDatabase(str(unsafe)) from unsafe
