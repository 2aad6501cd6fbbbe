"""Telling open pages that something changed, after the change is committed.

Group messages carry only a kind of change, never private text: the channel layer may be Redis,
and each consumer reads what it shows from the database.

A change made by a socket's database call (imago_app/db.py) is not sent from the call's thread:
that would hand each message to the event loop and wait there for it. The messages are held in
the call's outbox and sent by the call itself once it is back on the loop, after the commit and
before the call returns.
"""

import contextlib
import logging
import threading
from collections.abc import Iterator

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

_thread = threading.local()  # .outbox: the messages of the database call this thread runs


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def group_send(group: str, message: dict) -> None:
    """Send `message` to `group`: now, or, inside a socket's database call, when the call is
    back on the event loop."""
    outbox = getattr(_thread, "outbox", None)
    if outbox is not None:
        outbox.append((group, message))
    else:
        async_to_sync(get_channel_layer().group_send)(group, message)


@contextlib.contextmanager
def holding(outbox: list[tuple[str, dict]]) -> Iterator[None]:
    """Hold what this thread sends, in `outbox`, until `deliver(outbox)`."""
    outer = getattr(_thread, "outbox", None)
    _thread.outbox = outbox
    try:
        yield
    finally:
        _thread.outbox = outer


async def deliver(outbox: list[tuple[str, dict]]) -> None:
    """Send the held messages, in order. What they tell of is committed whatever happens here:
    a channel layer that cannot be reached is logged, and the message dropped (what is lost is
    made up for as if it had been lost on the way: dialogue/resync.py, a page's reconnect)."""
    layer = get_channel_layer()
    for group, message in outbox:
        try:
            await layer.group_send(group, message)
        except Exception:
            logger.exception("Could not tell %s of %s", group, message.get("type"))


def changed_after_commit(groups: list[str], what: str) -> None:
    """Once the transaction commits, tell each group's live panels that `what` changed."""

    def send() -> None:
        for group in groups:
            group_send(group, {"type": "panel.changed", "what": what})

    transaction.on_commit(send)


def home_changed_after_commit(user_ids: list[int], what: str) -> None:
    """Once the transaction commits, tell each user's open home pages that `what` changed."""
    changed_after_commit([user_group(user_id) for user_id in user_ids], what)


def sockets_close_after_commit(user_ids: list[int]) -> None:
    """Once the transaction commits, close every open socket of these users (they signed out,
    or their password changed): a page must not stay live after its session has ended."""

    def send() -> None:
        for user_id in user_ids:
            group_send(user_group(user_id), {"type": "session.ended"})

    transaction.on_commit(send)
