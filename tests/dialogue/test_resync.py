"""A committed move reaches every open screen even when its broadcast is lost (dialogue/resync.py).

In process: the channel layer drops the broadcast, or the move is committed by something that
never broadcasts (standing for a process that died between commit and broadcast). The real
processes, killed with SIGKILL, are in test_processes.py.
"""

import asyncio
import html
import json
import logging
import secrets

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import OperationalError

from dialogue import rendering, resync, services
from dialogue.consumers import DialogueConsumer
from tests import sockets
from tests.factories import make_couple, make_dialogue, make_partner
from tests.sockets import open_ready, seqs

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

INTERVAL = 0.3
# A lost broadcast is made up for within the interval, the grace and a render; with a margin for
# a busy machine, well under the 5 s the watcher promises at its default interval.
WITHIN = INTERVAL + resync.GRACE + 1.5


@pytest.fixture(autouse=True)
def fast_resync(settings, monkeypatch):
    settings.RESYNC_SECONDS = INTERVAL
    # A watcher of the test's own: sockets a failed test left open elsewhere do not count here.
    monkeypatch.setattr(resync, "watcher", resync.Watcher())


@database_sync_to_async
def setup(first="Alex", second="Sam"):
    a, b = make_partner(first), make_partner(second)
    return a, b, make_dialogue(make_couple(a, b), a, topic="Sunday")


def frame(move: str, **fields) -> str:
    return json.dumps({"move": move, "key": secrets.token_urlsafe(12), **fields})


async def shown(sock, seq: int, within: float = WITHIN) -> float:
    return await sockets.shown(sock, seq, within)


async def quiet(*socks, seconds: float) -> bool:
    """Nothing arrives on any of these sockets for `seconds` (all watched at once)."""
    got = await asyncio.gather(*(sock.read(wait=seconds) for sock in socks))
    return got == [[] for _ in socks]


@pytest.fixture
def drop_broadcasts(monkeypatch):
    """A channel layer that loses every dialogue broadcast (published while a subscription was
    down, Redis restarting)."""
    layer = get_channel_layer()
    original = layer.group_send
    dropped: list[dict] = []

    async def group_send(group, message):
        if message["type"] == "dialogue.changed":
            dropped.append(message)
            return None
        return await original(group, message)

    monkeypatch.setattr(layer, "group_send", group_send)
    return dropped


@database_sync_to_async
def move_without_broadcast(monkeypatch, dialogue, who, kind, **fields) -> int:
    """A move committed by a process that never got to broadcast it (it died after commit)."""
    with monkeypatch.context() as patch:
        patch.setattr(services, "_broadcast_after_commit", lambda dialogue_id, seq: None)
        return services.dialogue_move(
            dialogue_id=dialogue.pk, partner=who, kind=kind, key=secrets.token_urlsafe(12), **fields
        ).seq


async def open_screens(dialogue, *users):
    """Each user's socket on the dialogue, with its first screen and the presence notes read."""
    socks = [await open_ready(user, f"/ws/dialogue/{dialogue.pk}/") for user in users]
    for sock in socks:
        await sock.read(wait=0.3)  # "… is here"
    return socks


def watched(dialogue) -> list[DialogueConsumer]:
    return list(resync.watcher.sockets.get(dialogue.pk, ()))


async def test_a_move_whose_broadcast_the_layer_dropped_reaches_both_partners(drop_broadcasts):
    alex, sam, dialogue = await setup()
    a, b = await open_screens(dialogue, alex, sam)
    await b.send(frame("accept"))
    await shown(a, 2)
    await shown(b, 2)
    assert len(drop_broadcasts) == 1  # the broadcast really was lost
    assert seqs(a.frames) == [1, 2] and seqs(b.frames) == [1, 2]
    assert "Alex, how settled do you feel" in html.unescape("".join(a.frames))
    assert "Sam, how settled do you feel" in html.unescape("".join(b.frames))
    await a.close()
    await b.close()


async def test_a_move_committed_by_a_process_that_died_reaches_the_open_screens(monkeypatch):
    alex, sam, dialogue = await setup()
    a, b = await open_screens(dialogue, alex, sam)
    assert await move_without_broadcast(monkeypatch, dialogue, sam, "accept") == 2
    await shown(a, 2)
    await shown(b, 2)
    # Several lost in a row are caught up at once, to the latest.
    await move_without_broadcast(monkeypatch, dialogue, alex, "check_in", level=7)
    await move_without_broadcast(monkeypatch, dialogue, sam, "check_in", level=8)
    await shown(a, 4)
    await shown(b, 4)
    assert seqs(a.frames) == [1, 2, 4] and seqs(b.frames) == [1, 2, 4]
    await a.close()
    await b.close()


async def test_nothing_reaches_another_couple_and_a_screen_is_pushed_once(monkeypatch):
    alex, sam, dialogue = await setup()
    jo, ri, theirs = await setup("Jo", "Ri")
    a, b = await open_screens(dialogue, alex, sam)
    c, d = await open_screens(theirs, jo, ri)
    await move_without_broadcast(monkeypatch, dialogue, sam, "accept")
    await shown(a, 2)
    await shown(b, 2)
    # Several more ticks: nothing more for the couple whose screens are current, and nothing
    # ever for the other couple.
    assert await quiet(a, b, c, d, seconds=4 * INTERVAL)
    assert seqs(a.frames) == [1, 2] and seqs(b.frames) == [1, 2]
    assert seqs(c.frames) == [1] and seqs(d.frames) == [1]
    for sock in (a, b, c, d):
        await sock.close()


async def test_each_socket_tracks_the_seq_it_showed_and_a_broadcast_is_not_pushed_twice():
    alex, sam, dialogue = await setup()
    a, b = await open_screens(dialogue, alex, sam)
    assert sorted(s.shown_seq for s in watched(dialogue)) == [1, 1]
    await b.send(frame("accept"))
    await shown(a, 2)
    await a.send(frame("check_in", level="7"))
    await shown(a, 3)
    await shown(b, 3)
    assert sorted(s.shown_seq for s in watched(dialogue)) == [3, 3]
    # The broadcasts did it all: the watcher, ticking meanwhile, had nothing to add.
    assert await quiet(a, b, seconds=4 * INTERVAL)
    assert seqs(a.frames) == [1, 2, 3] and seqs(b.frames) == [1, 2, 3]
    await a.close()
    assert len(watched(dialogue)) == 1
    await b.close()
    assert resync.watcher.sockets == {} and resync.watcher.task is None  # nothing left running


async def test_a_database_error_in_the_watcher_keeps_the_sockets_and_is_retried(
    monkeypatch, caplog
):
    alex, sam, dialogue = await setup()
    a, b = await open_screens(dialogue, alex, sam)
    real = resync.current_seqs
    failures = []

    async def unavailable(ids):
        failures.append(ids)
        raise OperationalError("the database is restarting")

    monkeypatch.setattr(resync, "current_seqs", unavailable)
    caplog.set_level(logging.WARNING, logger="dialogue.resync")
    await move_without_broadcast(monkeypatch, dialogue, sam, "accept")
    assert await quiet(a, b, seconds=3 * INTERVAL)
    assert a.close_code is None and b.close_code is None  # still open
    assert len(failures) >= 2
    assert "Resync could not read the dialogues" in caplog.text
    monkeypatch.setattr(resync, "current_seqs", real)  # the database is back
    await shown(a, 2)
    await shown(b, 2)
    await a.close()
    await b.close()


async def test_a_push_that_fails_in_the_watcher_keeps_the_socket_and_is_retried(monkeypatch):
    alex, sam, dialogue = await setup()
    (a,) = await open_screens(dialogue, alex)
    real = rendering.load_screen
    failed = []

    def fails_once(*args, **kwargs):
        if not failed:
            failed.append(True)
            raise OperationalError("the database is restarting")
        return real(*args, **kwargs)

    monkeypatch.setattr(rendering, "load_screen", fails_once)
    await move_without_broadcast(monkeypatch, dialogue, sam, "accept")
    await shown(a, 2, within=WITHIN + INTERVAL)  # the next tick tries again
    assert failed and a.close_code is None
    await a.close()
