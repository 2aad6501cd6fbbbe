"""A closing socket tidies up even when the channel layer fails a call (SessionSocket.tidy).

At 1,000 couples on two processes, the benchmark's end of step (every socket closing at once)
ran Redis's connection pool out of connections for an instant; the one socket whose presence
note failed then skipped the rest of its tidy-up: its partner was still told it was here, and
its open-socket row stayed behind (so a dialogue request would not go by e-mail)."""

import asyncio
import gc
import logging
import weakref

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from imago_app import consumers
from imago_app.models import OpenSocket
from tests.factories import make_couple, make_dialogue, make_partner
from tests.sockets import open_ready

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@database_sync_to_async
def setup():
    alex, sam = make_partner("Alex"), make_partner("Sam")
    return alex, sam, make_dialogue(make_couple(alex, sam), alex)


@database_sync_to_async
def open_rows(user) -> int:
    return OpenSocket.objects.filter(user=user).count()


def failing(monkeypatch, **failures: int) -> dict[str, int]:
    """Make the layer's named calls raise, as a pool out of connections does, the given number
    of times each."""
    layer = get_channel_layer()
    for name in failures:
        original = getattr(layer, name)

        async def flaky(*args, _name=name, _original=original, **kwargs):
            if failures[_name]:
                failures[_name] -= 1
                raise ConnectionError("Too many connections")
            return await _original(*args, **kwargs)

        monkeypatch.setattr(layer, name, flaky)
    monkeypatch.setattr(consumers, "TIDY_PAUSE", 0.01)
    return failures


async def test_a_call_that_fails_for_a_moment_is_tried_again_and_the_partner_is_told(
    monkeypatch,
):
    alex, sam, dialogue = await setup()
    path = f"/ws/dialogue/{dialogue.pk}/"
    a = await open_ready(alex, path)
    b = await open_ready(sam, path)
    assert any("Sam is here" in frame for frame in await a.read(wait=2))
    assert await open_rows(sam) == 1
    left = failing(monkeypatch, group_send=1, group_discard=1)

    await b.close()

    assert any("Sam isn't here right now" in frame for frame in await a.read(wait=3))
    assert left == {"group_send": 0, "group_discard": 0}  # each failed once, then went
    assert await open_rows(sam) == 0
    await a.close()


async def test_a_call_that_keeps_failing_is_logged_and_the_rest_of_the_tidy_up_still_runs(
    monkeypatch, caplog
):
    alex, sam, dialogue = await setup()
    path = f"/ws/dialogue/{dialogue.pk}/"
    a = await open_ready(alex, path)
    b = await open_ready(sam, path)
    await a.read(wait=2)
    failing(monkeypatch, group_send=consumers.TIDY_ATTEMPTS)

    with caplog.at_level(logging.ERROR, logger="imago_app.consumers"):
        await b.close()

    assert "A closing socket could not tell others it went" in caplog.text
    assert await open_rows(sam) == 0  # the groups were left and the row went all the same
    await a.close()


async def test_a_closed_socket_drops_its_channel_from_the_layer(monkeypatch):
    # channels_redis forgets a socket's channel only when a receive is cancelled while waiting;
    # a socket that stops with a message just received (its partner left as it closed) kept its
    # queue and subscription for good. So every socket drops its channel as it ends.
    alex, _sam, dialogue = await setup()
    layer = get_channel_layer()
    dropped: list[str] = []
    original = layer.drop_channel

    async def drop_channel(channel):
        dropped.append(channel)
        await original(channel)

    monkeypatch.setattr(layer, "drop_channel", drop_channel)
    a = await open_ready(alex, f"/ws/dialogue/{dialogue.pk}/")
    channels = {c for c in layer.channels if "specific." in c}
    await a.close()
    for _ in range(20):
        if dropped:
            break
        await asyncio.sleep(0.05)
    assert len(dropped) == 1 and dropped[0] in channels
    assert dropped[0] not in layer.channels


@pytest.mark.parametrize("path", ["dialogue", "home"])
async def test_a_closed_socket_is_freed_as_it_ends_not_left_for_the_cycle_collector(
    monkeypatch, path
):
    # A socket that holds its session watcher's task, cancelled, is in a cycle with it (the
    # task's CancelledError holds the task's frame, which holds the socket): everything the
    # socket had then waited for a full collection. With the collector off, reference
    # counting alone must free a closed socket.
    alex, _sam, dialogue = await setup()
    sockets: list[weakref.ref] = []
    original = consumers.SessionSocket.accept

    async def accept(self, *args, **kwargs):
        sockets.append(weakref.ref(self))
        await original(self, *args, **kwargs)

    monkeypatch.setattr(consumers.SessionSocket, "accept", accept)
    url = f"/ws/dialogue/{dialogue.pk}/" if path == "dialogue" else "/ws/home/"
    gc.collect()
    gc.disable()
    try:
        sock = await open_ready(alex, url)
        assert sockets and sockets[0]() is not None and sockets[0]().watcher is not None
        await sock.close()
        del sock
        for _ in range(40):
            if sockets[0]() is None:
                break
            await asyncio.sleep(0.05)
        assert sockets[0]() is None
    finally:
        gc.enable()
