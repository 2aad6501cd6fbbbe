"""The benchmark's baseline: a bare relay, served by the app's own server when BENCH_RELAY=1.

Two sockets of one pair join one group; whatever one sends reaches the other and nothing else
happens: no database, no templates, no sessions (the load generator sends no cookie, so the
auth middleware has no session to load). Measured next to the app at the same pairs, rhythm
and payload size, it shows what the server, the channel layer and the client cost on their own,
so the app's extra latency and CPU are what the dialogue itself adds.
"""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path


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

    async def relay_message(self, event: dict) -> None:
        # The partner only: the app's mover gets an acknowledgement, the bare relay gives none.
        if event["sender"] != self.channel_name:
            await self.send(text_data=event["text"])


websocket_urlpatterns = [
    # A slug keeps the group name within what channel layers accept.
    path("ws/bench/relay/<slug:pair>/", RelayConsumer.as_asgi()),
]
