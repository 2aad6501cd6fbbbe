"""Catching up the screens whose broadcast never came.

A move is committed first and announced after (services._broadcast_after_commit). The
announcement can be lost: the process that committed it can die between the two, Redis keeps no
message published while a process's subscription is down, and a `group_send` that cannot reach
Redis is logged and dropped. Without this a partner whose socket stayed open would look at a
stale screen until their page reconnected. (A process that loses its own connection to Redis
closes its sockets, imago_app/layers.py, so those pages reconnect and are sent the whole state.)

So each process keeps, for every dialogue it has a socket open on, those sockets (each knows the
sequence number it last showed). Every RESYNC_SECONDS one query reads the current sequence number
of all those dialogues, and each socket that is behind is pushed its screen, as a broadcast would
have. The database is the truth and the watcher only compares with it, so whatever was lost,
and wherever, an open screen is at most about RESYNC_SECONDS (plus a render) behind a commit.

Why compare rather than listen (PostgreSQL's LISTEN/NOTIFY is transactional as well): a listener
whose connection is down when the notification is sent misses it for good, each process would
need a connection of its own, notifying transactions commit one at a time, and SQLite has no such
thing. A comparison with the database has none of these, and it also catches up after an outage.

Cost: one indexed query per process per interval, whatever the number of sockets; nothing per
move. A socket is only pushed when still behind after `GRACE` (its broadcast is usually on its
way), so in normal running the watcher pushes nothing. With no socket open the task stops.
"""

import asyncio
import logging
import weakref
from typing import Protocol

from django.conf import settings

from dialogue.models import Dialogue
from imago_app.db import db_call

logger = logging.getLogger(__name__)

# How long a socket found behind is given for its broadcast to arrive before it is pushed
# (a broadcast takes tens of milliseconds, a few hundred under heavy load).
GRACE = 0.3


class Watched(Protocol):
    """A socket the watcher can bring up to date."""

    shown_seq: int  # the dialogue's sequence number in what the socket last sent

    async def catch_up(self, seq: int) -> None:
        """Push the current screen if what was shown is older than `seq`."""


@db_call
def current_seqs(dialogue_ids: list[int]) -> dict[int, int]:
    """The sequence number of each of these dialogues, in one query."""
    return dict(Dialogue.objects.filter(pk__in=dialogue_ids).values_list("pk", "seq"))


class Watcher:
    """The sockets of one process, by dialogue, and the task that keeps them current."""

    def __init__(self) -> None:
        self.sockets: dict[int, weakref.WeakSet[Watched]] = {}
        self.task: asyncio.Task | None = None
        self.failing = False  # the last query failed (its traceback was logged once)

    def watch(self, dialogue_id: int, socket: Watched) -> None:
        """Keep `socket` current from now on (call from its event loop)."""
        self.sockets.setdefault(dialogue_id, weakref.WeakSet()).add(socket)
        loop = asyncio.get_running_loop()
        if self.task is None or self.task.done() or self.task.get_loop() is not loop:
            self.task = loop.create_task(self.run(), name="dialogue-resync")

    def forget(self, dialogue_id: int, socket: Watched) -> bool:
        """Stop keeping `socket` current; True when it was this process's last on the
        dialogue."""
        sockets = self.sockets.get(dialogue_id)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self.sockets[dialogue_id]
        if not self.sockets and self.task is not None:
            self.task.cancel()  # nothing to watch: no timer left behind
            self.task = None
        return dialogue_id not in self.sockets

    async def run(self) -> None:
        while self.sockets:  # until the last socket has gone (watch() starts a new task)
            await asyncio.sleep(settings.RESYNC_SECONDS)
            try:
                await self.tick()
            except Exception:  # the watcher must outlive anything one tick meets
                logger.exception("Resync tick failed; trying again at the next")

    async def tick(self) -> None:
        """One comparison of every watched dialogue with the database, and the pushes it
        calls for."""
        for gone in [did for did, sockets in self.sockets.items() if not sockets]:
            del self.sockets[gone]  # its consumers ended without saying so
        watched = {did: list(sockets) for did, sockets in self.sockets.items()}
        if not watched:
            return
        try:
            seqs = await current_seqs(list(watched))
        except Exception:
            # The database is away (a restart, a failover): the sockets stay as they are, and the
            # next tick asks again.
            logger.warning("Resync could not read the dialogues", exc_info=not self.failing)
            self.failing = True
            return
        self.failing = False
        behind = [
            (socket, seqs[did])
            for did, sockets in watched.items()
            if did in seqs
            for socket in sockets
            if socket.shown_seq < seqs[did]
        ]
        if not behind:
            return
        await asyncio.sleep(GRACE)
        behind = [(socket, seq) for socket, seq in behind if socket.shown_seq < seq]
        results = await asyncio.gather(
            *(socket.catch_up(seq) for socket, seq in behind), return_exceptions=True
        )
        for (socket, seq), result in zip(behind, results, strict=True):
            if isinstance(result, Exception):
                # That socket is still behind, so the next tick tries it again.
                logger.warning("Resync could not push seq %s to %r", seq, socket, exc_info=result)


watcher = Watcher()
