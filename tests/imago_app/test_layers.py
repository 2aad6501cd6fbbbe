"""The Redis channel layer (imago_app/layers.py) against a real Redis: two layers stand for two
processes; a lost connection is told to every socket of the process that lost it."""

import asyncio
import os

import pytest
from redis import asyncio as aioredis

from imago_app.layers import LOST, PubSubChannelLayer
from tests.conftest import require

pytestmark = pytest.mark.asyncio

REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def redis_url():
    require(bool(REDIS_URL), "Redis (REDIS_URL)")
    return REDIS_URL


def layer(url: str, prefix: str) -> PubSubChannelLayer:
    return PubSubChannelLayer(hosts=[{"address": url, "socket_timeout": 5}], prefix=prefix)


async def received(layer_, channel: str, within: float = 3.0) -> dict:
    return await asyncio.wait_for(layer_.receive(channel), within)


async def test_two_processes_share_groups_and_channels(redis_url):
    one, two = layer(redis_url, "t-share"), layer(redis_url, "t-share")
    try:
        here = await one.new_channel()
        there = await two.new_channel()
        await one.group_add("dialogue-1", here)
        await two.group_add("dialogue-1", there)
        await asyncio.sleep(0.2)  # the subscriptions reach Redis
        await two.group_send("dialogue-1", {"type": "dialogue.changed", "seq": 4})
        assert await received(one, here) == {"type": "dialogue.changed", "seq": 4}
        assert await received(two, there) == {"type": "dialogue.changed", "seq": 4}
        await one.send(there, {"type": "presence.also", "user": 1})
        assert (await received(two, there))["type"] == "presence.also"
        # A group left by its last socket in a process no longer reaches that process.
        await one.group_discard("dialogue-1", here)
        await asyncio.sleep(0.2)
        await two.group_send("dialogue-1", {"type": "dialogue.changed", "seq": 5})
        assert (await received(two, there))["seq"] == 5
        with pytest.raises(TimeoutError):
            await received(one, here, within=0.5)
    finally:
        await one.flush()
        await two.flush()


async def test_a_lost_connection_is_told_to_every_socket_of_that_process_only(redis_url):
    one, two = layer(redis_url, "t-lost"), layer(redis_url, "t-lost")
    admin = aioredis.from_url(redis_url)
    try:
        a, b = await one.new_channel(), await one.new_channel()
        elsewhere = await two.new_channel()
        await one.group_add("dialogue-2", a)
        await asyncio.sleep(0.2)
        # Redis drops the first process's subscriber connection (as on a restart or a network
        # cut): only that process's sockets are told.
        (shard,) = one._get_layer()._shards
        host, port = shard._pubsub.connection._writer.get_extra_info("sockname")[:2]
        assert await admin.client_kill_filter(addr=f"{host}:{port}") == 1
        assert await received(one, a) == LOST
        assert await received(one, b) == LOST
        with pytest.raises(TimeoutError):
            await received(two, elsewhere, within=0.5)
        # It reads again on a new connection, its subscriptions back: messages reach it.
        for _ in range(20):
            await two.group_send("dialogue-2", {"type": "dialogue.changed", "seq": 9})
            try:
                while (message := await received(one, a, within=0.3)) == LOST:
                    pass
            except TimeoutError:
                continue
            assert message == {"type": "dialogue.changed", "seq": 9}
            break
        else:
            pytest.fail("the layer did not read again after its connection was dropped")
    finally:
        await one.flush()
        await two.flush()
        await admin.aclose()


async def subscribers(admin, name: str) -> int:
    return (await admin.pubsub_numsub(name))[0][1]


async def test_a_closing_socket_leaves_redis_even_when_cancelled_twice(redis_url):
    one = layer(redis_url, "t-leave")
    admin = aioredis.from_url(redis_url)
    try:
        channel = await one.new_channel()
        await one.group_add("dialogue-3", channel)
        await asyncio.sleep(0.2)
        assert await subscribers(admin, channel) == 1
        (shard,) = one._get_layer()._shards
        receiving = asyncio.ensure_future(one.receive(channel))
        await asyncio.sleep(0.05)
        async with shard._lock:  # the connection busy (a publish) as the socket closes
            receiving.cancel()
            await asyncio.sleep(0)
            receiving.cancel()  # and the server ends the consumer too
            with pytest.raises(asyncio.CancelledError):
                await receiving
        await one.group_discard("dialogue-3", channel)
        for _ in range(30):
            if await subscribers(admin, channel) == 0:
                break
            await asyncio.sleep(0.1)
        assert await subscribers(admin, channel) == 0
        assert await subscribers(admin, "t-leave__group__dialogue-3") == 0
        # A group left and joined again at once stays subscribed.
        other = await one.new_channel()
        await one.group_add("dialogue-4", other)
        await one.group_discard("dialogue-4", other)
        await one.group_add("dialogue-4", other)
        await asyncio.sleep(0.3)
        assert await subscribers(admin, "t-leave__group__dialogue-4") == 1
    finally:
        await one.flush()
        await admin.aclose()


async def test_a_dropped_channel_is_forgotten_and_unsubscribed(redis_url):
    one = layer(redis_url, "t-drop")
    admin = aioredis.from_url(redis_url)
    try:
        channel = await one.new_channel()
        await asyncio.sleep(0.2)
        assert await subscribers(admin, channel) == 1
        await one.drop_channel(channel)
        assert channel not in one._get_layer().channels
        for _ in range(30):
            if await subscribers(admin, channel) == 0:
                break
            await asyncio.sleep(0.1)
        assert await subscribers(admin, channel) == 0
    finally:
        await one.flush()
        await admin.aclose()
