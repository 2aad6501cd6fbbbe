"""Sockets through the whole ASGI stack, in process: the origin check, the session cookie, the
routing and the consumer, as a browser's socket meets them (no scope is faked).

Also what the socket tests check again and again: what a socket was sent, whether the database
changed, and whether a pushed fragment carries live markup that came from someone's input.
"""

import asyncio
import html
import re
import time
from html.parser import HTMLParser

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.apps import apps
from django.conf import settings
from django.test import Client

from imago_app.consumers import FRAME_BURST, FRAMES_PER_SECOND

# Our close codes (the consumers' contract with the page's script): do not reconnect.
NOT_SIGNED_IN = 4401
NOT_FOUND = 4404

ORIGIN = "http://127.0.0.1"
APP_LABELS = ("imago_app", "dialogue", "caring", "appreciation", "requests")
# Rows written by design around sockets: the list of open sockets, and the security log (a
# sign-in, a socket refused at the door).
UNWATCHED = {"OpenSocket", "AuditEntry"}
# A well-behaved page stays under the sockets' rate limit; so do these tests, with a margin.
PACE_PER_SECOND = FRAMES_PER_SECOND * 0.9
PACE_BURST = FRAME_BURST - 2


def login_cookie(user, *, signed_out: bool = False) -> str:
    """A real session for `user`, as the Cookie header value a signed-in browser sends; with
    `signed_out`, the cookie of a browser that has signed out since."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    cookie = f"{name}={client.cookies[name].value}"
    if signed_out:
        client.logout()
    return cookie


def handshake_headers(cookie: str | None = None, origin: str | None = ORIGIN) -> list:
    headers = [(b"host", b"127.0.0.1")]
    if origin is not None:
        headers.append((b"origin", origin.encode("latin1")))
    if cookie:
        headers.append((b"cookie", cookie.encode("latin1")))
    return headers


class Socket:
    """One socket of one person, and everything it has been sent."""

    def __init__(self, path: str, cookie: str | None, *, origin: str | None = ORIGIN, who=""):
        from imago_app.asgi import application

        self.path = path
        self.who = who or "anonymous"
        self.comm = WebsocketCommunicator(
            application, path, headers=handshake_headers(cookie, origin)
        )
        self.accepted: bool | None = None
        self.close_code: int | None = None
        self.frames: list[str] = []
        self.tokens, self.clock = float(PACE_BURST), time.monotonic()

    def __repr__(self) -> str:
        return f"<Socket {self.who} {self.path}>"

    async def connect(self) -> "Socket":
        self.accepted, detail = await self.comm.connect(timeout=5)
        if not self.accepted:
            self.close_code = detail
        return self

    async def send(
        self, text: str | None = None, data: bytes | None = None, *, paced: bool = True
    ) -> None:
        if paced:
            await self._pace()
        # Straight to the application: WebsocketCommunicator.send_to refuses empty frames.
        if data is not None:
            await self.comm.send_input({"type": "websocket.receive", "bytes": data})
        else:
            await self.comm.send_input({"type": "websocket.receive", "text": text})

    async def _pace(self) -> None:
        """Wait as long as a page would have to, to stay within the rate limit."""
        while True:
            now = time.monotonic()
            self.tokens = min(PACE_BURST, self.tokens + (now - self.clock) * PACE_PER_SECOND)
            self.clock = now
            if self.tokens >= 1:
                self.tokens -= 1
                return
            await asyncio.sleep((1 - self.tokens) / PACE_PER_SECOND)

    async def _arrives(self, timeout: float) -> bool:
        """Whether a message arrives within `timeout` seconds. A consumer that crashed meanwhile
        raises its exception here (receive_nothing looks for one only before it waits)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.comm.future.done():
                self.comm.future.result()
            if not self.comm.output_queue.empty():
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.005)

    async def read(self, *, wait: float = 0.0, quiet: float = 0.05) -> list[str]:
        """What arrives now: up to `wait` seconds for a first message, then until `quiet`
        seconds pass with none. A close is noted in `close_code` and ends the reading.

        An exception inside the consumer is raised here."""
        got: list[str] = []
        timeout = max(wait, quiet)
        while self.close_code is None and await self._arrives(timeout):
            message = await self.comm.receive_output()
            if message["type"] == "websocket.close":
                self.close_code = message.get("code", 1000)
            elif message["type"] == "websocket.send":
                got.append(message.get("text") or message.get("bytes", b"").decode())
            timeout = quiet
        self.frames += got
        return got

    async def has_nothing(self) -> bool:
        """Nothing has arrived (waiting is the caller's business: check several at once)."""
        return not await self._arrives(0)

    async def close(self) -> None:
        await self.comm.disconnect()


async def open_socket(user, path: str, *, origin: str | None = ORIGIN) -> Socket:
    """`user`'s socket on `path` (None: a visitor without a session), connected."""
    cookie = await database_sync_to_async(login_cookie)(user) if user is not None else None
    who = getattr(user, "display_name", "") if user is not None else "anonymous"
    return await Socket(path, cookie, origin=origin, who=who).connect()


async def open_ready(user, path: str) -> Socket:
    """An accepted socket whose first screen has been read."""
    sock = await open_socket(user, path)
    assert sock.accepted, (sock, sock.close_code)
    await sock.read(wait=2, quiet=0.1)
    assert sock.close_code is None, (sock, sock.close_code)
    return sock


def db_rows() -> dict:
    """Every row the app keeps, apart from those sockets write by design."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label in APP_LABELS and model.__name__ not in UNWATCHED
    }


rows = database_sync_to_async(db_rows)


def error_messages(frames: list[str]) -> list[str]:
    """The texts of the dialogue's private error banner in these frames (empty ones left out)."""
    found = []
    for frame in frames:
        for match in re.finditer(r'id="dialogue-error"[^>]*>(.*?)</', frame, re.S):
            if match.group(1).strip():
                found.append(html.unescape(match.group(1).strip()))
    return found


class _LiveMarkup(HTMLParser):
    """Finds markup in a fragment that a browser would run or htmx would act on: any event
    handler attribute (our templates have none), and any script, tag, attribute name or
    requesting attribute that carries `marker` (so it came from input)."""

    def __init__(self, marker: str):
        super().__init__(convert_charrefs=True)
        self.marker = marker
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            handler = name.startswith(("on", "hx-on"))
            request = name.startswith("hx-") or name in ("src", "href", "action")
            if handler or self.marker in name or (self.marker in value and request):
                self.found.append(f"<{tag} {name}={value!r}>")
        if self.marker in tag:
            self.found.append(f"<{tag}>")
        self._in_script = tag in ("script", "style")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and self.marker in data:
            self.found.append(f"script: {data!r}")


def live_markup(fragment: str, marker: str) -> list[str]:
    """Live markup in `fragment` (see _LiveMarkup); the marker in text, or in an escaped value
    that requests nothing, is fine."""
    parser = _LiveMarkup(marker)
    parser.feed(fragment)
    parser.close()
    return parser.found


DIALOGUE_SEQ = re.compile(r'id="dialogue-seq" data-seq="(\d+)"')


def seqs(frames: list[str]) -> list[int]:
    """The sequence numbers of the dialogue screens these frames carry."""
    return [int(n) for f in frames for n in DIALOGUE_SEQ.findall(f)]


async def shown(sock, seq: int, within: float) -> float:
    """Seconds until `sock` is sent the dialogue screen of `seq`; fails after
    `within`."""
    started = time.monotonic()
    while seq not in seqs(sock.frames):
        left = within - (time.monotonic() - started)
        assert left > 0 and sock.close_code is None, (sock, seqs(sock.frames), sock.close_code)
        await sock.read(wait=left)
    return time.monotonic() - started
