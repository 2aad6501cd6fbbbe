"""The channel layers: paced in-memory for one process, Redis publish/subscribe for several.

In memory: Channels' InMemoryChannelLayer walks every channel and group for expired messages on
every send and receive: with a few hundred open sockets that walk cost more than a move's
templates (bench/README.md, the profile). Expiry is a minute, so walking at most once a second
changes nothing anyone can see.

With REDIS_URL set: channels_redis's publish/subscribe layer. A group message is one PUBLISH,
and each process takes in what its sockets are subscribed to over one connection, pushed by
Redis. The list-based layer (channels_redis.core) spends three round trips on a group_send and
two on every message each process receives (a clean-up script, then BZPOPMIN): on a loaded
server that was a fifth of a move's CPU (bench/README.md). What the lists gave and this does
not is a buffer: a message published while a process's subscription is down is not kept for it.
Nothing here needs one. A dialogue's screens are caught up from the database by the resync
watcher (dialogue/resync.py), and when a process loses its connection to Redis every socket it
holds is told (`layer.lost`) and closes with "try again", so each page reconnects and is sent
the whole of what it shows, as it did when the list layer's receive failed.
"""

import asyncio
import logging
import time

from channels.layers import InMemoryChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisSingleShardConnection

logger = logging.getLogger(__name__)

CLEAN_EVERY = 1.0  # seconds
LOST = {"type": "layer.lost"}  # to every socket of a process whose Redis connection failed
RETRY_PAUSE = 0.5  # seconds between tries to read from Redis again after a failure


class PacedInMemoryChannelLayer(InMemoryChannelLayer):
    _cleaned_at = 0.0

    async def drop_channel(self, channel: str) -> None:
        """Forget a finished socket's channel (see PubSubChannelLayer.drop_channel)."""
        self.channels.pop(channel, None)

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned_at < CLEAN_EVERY:
            return
        self._cleaned_at = now
        super()._clean_expired()


class _Shard(RedisSingleShardConnection):
    """One Redis connection's subscriptions, telling the process's sockets when reading from it
    fails (channels_redis logs the error and goes on, and the sockets never learn they may have
    missed messages)."""

    failing = False  # the last read failed (its traceback was logged once)

    def __init__(self, host, channel_layer) -> None:
        super().__init__(host, channel_layer)
        self._leaving: set[asyncio.Task] = set()

    async def unsubscribe(self, channel: str) -> None:
        # channels_redis unsubscribes a closing socket's channel from inside the cancellation of
        # its receive, waiting for this connection's lock; a second cancellation (the server
        # ending the consumer at a mass disconnect) interrupted that wait, so the subscription
        # stayed on for good and a traceback was logged: 723 times in one run at 1,000 couples.
        # The leaving is done by a task of its own instead, and returns at once.
        task = asyncio.get_running_loop().create_task(self._leave(channel))
        self._leaving.add(task)
        task.add_done_callback(self._leaving.discard)

    async def _leave(self, channel: str) -> None:
        layer = self.channel_layer
        try:
            async with self._lock:
                # A socket of this process may have taken the channel up again meanwhile (a
                # group joined straight after its last member left).
                if channel in layer.channels or channel in layer.groups:
                    return
                if channel in self._subscribed_to and self._pubsub is not None:
                    await self._pubsub.unsubscribe(channel)
                    self._subscribed_to.discard(channel)
        except Exception:  # Redis is away: the receive loop tells the sockets (below)
            logger.warning("Could not unsubscribe %s from Redis", channel, exc_info=True)

    async def _do_receiving(self) -> None:
        while True:
            try:
                if self._pubsub is None or not self._pubsub.subscribed:
                    await asyncio.sleep(0.1)
                    continue
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=0.1
                )
                self.failing = False
                self._receive_message(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                if not self.failing:  # told once; no socket can subscribe while it fails
                    logger.exception("Lost the channel layer's connection to Redis")
                    self._tell_all(LOST)
                self.failing = True
                await asyncio.sleep(RETRY_PAUSE)

    def _tell_all(self, message: dict) -> None:
        layer = self.channel_layer  # the loop's layer: its sockets' queues, by channel
        data = layer.channel_layer.serialize(message)
        for queue in layer.channels.values():
            queue.put_nowait(data)


class PubSubChannelLayer(RedisPubSubChannelLayer):
    """channels_redis's publish/subscribe layer whose connections say when they fail (_Shard)."""

    async def drop_channel(self, channel: str) -> None:
        """Forget a finished socket's channel. channels_redis does so only when the socket's
        receive is cancelled while it waits; when the socket ends just after handling a group
        message, Channels cancels the next receive before it has started, and the channel's
        queue and subscription stayed: 1,168 of 5,000 in the benchmark's churn."""
        layer = self._get_layer()
        if layer.channels.pop(channel, None) is not None:
            await layer._get_shard(channel).unsubscribe(channel)

    def _get_layer(self):
        layer = super()._get_layer()
        if not isinstance(layer._shards[0], _Shard):  # just made: nothing is connected yet
            layer._shards = [_Shard(shard.host, layer) for shard in layer._shards]
        return layer
