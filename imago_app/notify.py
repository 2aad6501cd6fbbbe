"""Telling open pages that something changed, after the change is committed.

Group messages carry only a kind of change, never private text: the channel layer may be Redis,
and each consumer reads what it shows from the database.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def home_changed_after_commit(user_ids: list[int], what: str) -> None:
    """Schedule a 'home changed' message to each user's open pages once the transaction commits."""

    def send() -> None:
        layer = get_channel_layer()
        for user_id in user_ids:
            async_to_sync(layer.group_send)(
                user_group(user_id), {"type": "home.changed", "what": what}
            )

    transaction.on_commit(send)
