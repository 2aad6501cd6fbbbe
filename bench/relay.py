"""The benchmark's baseline: a bare relay, served by the app's own server when BENCH_RELAY=1.

Two sockets of one pair join one group; whatever one sends reaches the other and nothing else
happens: no database, no templates, no sessions (the load generator sends no cookie, so the
auth middleware has no session to load). Measured next to the app at the same pairs, rhythm
and payload size, it shows what the server, the channel layer and the client cost on their own,
so the app's extra latency and CPU are what the dialogue itself adds.

Also here, for the benchmark only: `ws/bench/stats/`, which collects garbage in the server
process and answers with what it holds (objects, asyncio tasks, threads, the in-memory channel
layer's channels and groups), read after the churn of connections; and the slow-couple
injection of bench/inject.py, installed from the environment.
"""

import asyncio
import gc
import json
import os
import threading

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path

from bench import inject

inject.install_from_env()


class RelayConsumer(AsyncWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        # The same fan-out as the app: one group per pair, a group_send per message, so the
        # Redis configuration makes the relay cross Redis exactly as a dialogue move does.
        self.group = f"bench-relay-{self.scope['url_route']['kwargs']['pair']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            return
        await self.channel_layer.group_send(
            self.group,
            {"type": "relay.message", "text": text_data, "sender": self.channel_name},
        )

    async def layer_lost(self, event: dict) -> None:
        await self.close(code=1013)  # as the app's sockets do (imago_app/layers.py)

    async def relay_message(self, event: dict) -> None:
        # The partner only: the app's mover gets an acknowledgement, the bare relay gives none.
        if event["sender"] != self.channel_name:
            await self.send(text_data=event["text"])


class StatsConsumer(AsyncWebsocketConsumer):
    """One JSON message about the server process, after a full garbage collection; then close."""

    async def connect(self) -> None:
        await self.accept()
        collected = gc.collect()
        layer = self.channel_layer
        channels = getattr(layer, "channels", None)  # this process's, in either layer
        groups = getattr(layer, "groups", None)
        stats = {
            "pid": os.getpid(),
            "gc_collected": collected,
            "gc_objects": len(gc.get_objects()),
            "asyncio_tasks": len(asyncio.all_tasks()),
            "threads": threading.active_count(),
            # This socket's own channel is among them while it is open.
            "layer_channels": len(channels) if isinstance(channels, dict) else None,
            "layer_groups": len(groups) if isinstance(groups, dict) else None,
            "layer_group_members": sum(len(g) for g in groups.values())
            if isinstance(groups, dict)
            else None,
        }
        await self.send(text_data=json.dumps(stats))
        await self.close()


websocket_urlpatterns = [
    # A slug keeps the group name within what channel layers accept.
    path("ws/bench/relay/<slug:pair>/", RelayConsumer.as_asgi()),
    path("ws/bench/stats/", StatsConsumer.as_asgi()),
]
