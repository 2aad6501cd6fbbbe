"""Telling open pages that something changed, after the change is committed.

Group messages carry only a kind of change, never private text: the channel layer may be Redis,
and each consumer reads what it shows from the database.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def changed_after_commit(groups: list[str], what: str) -> None:
    """Once the transaction commits, tell each group's live panels that `what` changed."""

    def send() -> None:
        layer = get_channel_layer()
        for group in groups:
            async_to_sync(layer.group_send)(group, {"type": "panel.changed", "what": what})

    transaction.on_commit(send)


def home_changed_after_commit(user_ids: list[int], what: str) -> None:
    """Once the transaction commits, tell each user's open home pages that `what` changed."""
    changed_after_commit([user_group(user_id) for user_id in user_ids], what)


def sockets_close_after_commit(user_ids: list[int]) -> None:
    """Once the transaction commits, close every open socket of these users (they signed out,
    or their password changed): a page must not stay live after its session has ended."""

    def send() -> None:
        layer = get_channel_layer()
        for user_id in user_ids:
            async_to_sync(layer.group_send)(user_group(user_id), {"type": "session.ended"})

    transaction.on_commit(send)
