"""A socket's database call tells the channel layer what it committed once it is back on the
event loop: after the commit, before the call returns, and even when the call fails later."""

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.layers import get_channel_layer
from django.db import connection, connections, transaction

from imago_app import db, notify
from imago_app.db import db_call
from imago_app.models import User

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sent(monkeypatch):
    """Each message the layer is given, with the thread that gave it."""
    layer = get_channel_layer()
    seen: list[tuple[str, dict, str]] = []
    original = layer.group_send

    async def record(group, message):
        seen.append((group, message, threading.current_thread().name))
        return await original(group, message)

    monkeypatch.setattr(layer, "group_send", record)
    return seen


def commit_and_tell(group: str, *, then_fail: bool = False) -> int:
    with transaction.atomic():
        user = User.objects.create(username=f"u-{group}")
        notify.changed_after_commit([group], "something")
    assert notify._thread.outbox, "held in the call, not sent from its thread"
    if then_fail:
        raise RuntimeError("after the commit")
    return user.pk


async def test_what_a_call_commits_is_sent_from_the_loop_after_it(sent):
    main = threading.current_thread().name
    pk = await db_call(commit_and_tell)("after")
    assert [(g, m["type"], t) for g, m, t in sent] == [("after", "panel.changed", main)]
    assert await db_call(User.objects.filter(pk=pk).exists)()


async def test_a_call_that_fails_after_its_commit_still_tells(sent):
    with pytest.raises(RuntimeError):
        await db_call(commit_and_tell)("failed-later", then_fail=True)
    assert [g for g, _m, _t in sent] == ["failed-later"]


async def test_a_rolled_back_change_tells_nobody(sent):
    def roll_back() -> None:
        with transaction.atomic():
            notify.changed_after_commit(["nobody"], "something")
            raise ValueError

    with pytest.raises(ValueError):
        await db_call(roll_back)()
    assert sent == []


async def test_a_layer_that_cannot_be_reached_is_logged_and_the_call_returns(monkeypatch, caplog):
    async def unreachable(group, message):
        raise ConnectionError("redis is away")

    monkeypatch.setattr(get_channel_layer(), "group_send", unreachable)
    with caplog.at_level(logging.ERROR, logger="imago_app.notify"):
        pk = await db_call(commit_and_tell)("away")
    assert pk and "Could not tell away of panel.changed" in caplog.text


async def test_outside_a_call_the_message_goes_at_once(sent):
    def in_a_plain_thread() -> None:
        with transaction.atomic():
            notify.changed_after_commit(["plain"], "something")
        assert [g for g, _m, _t in sent] == ["plain"]  # sent before the function went on

    await asyncio.to_thread(in_a_plain_thread)


async def test_no_queries_refuses_the_database_and_says_so():
    from imago_app.db import NeedsDatabase, no_queries

    def query_under_the_guard() -> None:
        with no_queries():
            list(User.objects.all())

    with pytest.raises(NeedsDatabase):
        await db_call(query_under_the_guard)()
    assert await db_call(User.objects.count)() >= 0  # the connection is fine afterwards


@pytest.fixture
def health_checks(monkeypatch):
    """How many times a connection was health-checked (Django's is_usable), with connections
    kept open between calls as the app keeps them (the tests' default closes them)."""
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 60)
    # One thread, so that each call finds the connection the call before it left (the app's
    # pool hands a call to whichever of its threads is idle).
    one = ThreadPoolExecutor(max_workers=1)
    monkeypatch.setattr(db, "_pool", one)
    checked = []
    backend = type(connections["default"])
    original = backend.is_usable

    def counted(self):
        checked.append(threading.current_thread().name)
        return original(self)

    monkeypatch.setattr(backend, "is_usable", counted)
    yield checked
    one.shutdown()


def read_a_user() -> None:
    list(User.objects.all()[:1])


def close_here() -> None:
    connection.close()  # the other tests expect connections closed after each call


async def test_a_connection_that_just_answered_is_not_checked_again(health_checks):
    await db_call(read_a_user)()
    health_checks.clear()
    for _ in range(3):
        await db_call(read_a_user)()
    assert health_checks == []
    await db_call(close_here)()


async def test_a_connection_idle_longer_than_the_moment_is_checked(health_checks, monkeypatch):
    await db_call(read_a_user)()
    monkeypatch.setattr(db, "FRESH_SECONDS", 0.0)
    health_checks.clear()
    await db_call(read_a_user)()
    assert len(health_checks) == 1
    await db_call(close_here)()
