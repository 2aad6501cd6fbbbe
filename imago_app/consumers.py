import asyncio
import contextlib
import logging
import random
import time
from abc import ABCMeta, abstractmethod
from functools import cached_property
from importlib import import_module
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import DatabaseError
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string

from imago_app import audit, session_limits, zones
from imago_app.db import db_call
from imago_app.models import OpenSocket
from imago_app.notify import user_group

try:  # what daphne raises when a message meets a socket that has just closed
    from autobahn.exception import Disconnected as SocketGone
except ImportError:  # pragma: no cover - served by another ASGI server
    SocketGone = ()

logger = logging.getLogger(__name__)

# Close codes in the 4xxx range are ours and mean "do not reconnect"; the reason says why, in
# the close frame where the server passes it on (daphne does not) and always in a last text
# frame just before it (closed_note).
CLOSE_NOT_SIGNED_IN = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_FAST = 4429
# Standard codes that ask the page to come back: the server could not serve it just now.
CLOSE_TRY_AGAIN = 1013

# Frames a socket may send: a steady rate, and a burst above it (a person sends a few a minute).
FRAMES_PER_SECOND = 5
FRAME_BURST = 20
# Frames dropped in a row before the socket is closed as a flood.
FLOOD_CLOSE_AFTER = 200
# Seconds between a flood's last note and its close frame. Under a flood daphne spends each turn
# of its event loop reading, writes what the app sent only a turn or two later, and drops the
# connection one second after its close frame whether that frame went out or not; the note is
# sent first so it has that much longer to reach the page.
FLOOD_CLOSE_GRACE = 1.0
# A closing socket's tidy-up calls (telling others, leaving groups, the open-socket row): how
# often each is tried, and the pause before another try (jittered up to twice that, so sockets
# that closed together do not all come back at once).
TIDY_ATTEMPTS = 3
TIDY_PAUSE = 0.2


def closed_note(code: int, reason: str) -> str:
    """The last frame before a 4xxx close: the reason, as a fragment htmx's WebSocket extension
    appends to the page's body (`<p id="connection-closed" data-close-code=…>reason</p>`)."""
    return render_to_string("_connection_closed.html", {"code": code, "reason": reason}).strip()


class ScopeRequest(HttpRequest):
    """A request made from a socket's scope, so a push renders exactly as the page does.

    It carries the user, the host and scheme (for absolute links) and the CSRF cookie (so forms
    in a pushed fragment post as they would from the page).
    """

    def __init__(self, scope) -> None:
        super().__init__()
        self.user = scope["user"]
        self.COOKIES = scope.get("cookies", {})
        headers = {
            name.decode("latin1"): value.decode("latin1")
            for name, value in scope.get("headers", [])
        }
        if "host" in headers:
            self.META["HTTP_HOST"] = headers["host"]
        if "accept-language" in headers:  # which support services to show (imago_app/support.py)
            self.META["HTTP_ACCEPT_LANGUAGE"] = headers["accept-language"]
        server = scope.get("server") or ("localhost", 80)
        self.META["SERVER_NAME"], self.META["SERVER_PORT"] = server[0], str(server[1])
        self._socket_scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
        csrf_cookie = self.COOKIES.get("csrftoken")
        if csrf_cookie:
            self.META["CSRF_COOKIE"] = csrf_cookie

    def _get_scheme(self) -> str:
        return self._socket_scheme


@db_call
def register_socket(user, channel_name: str, *, is_open: bool) -> None:
    """Keep the list of open sockets, so a request can go by e-mail to someone with none."""
    if is_open:
        OpenSocket.objects.get_or_create(user=user, channel_name=channel_name)
    else:
        OpenSocket.objects.filter(channel_name=channel_name).delete()


def seen_key(scope) -> str:
    """The screen key a page connected with (`?seen=`): what it already shows."""
    return parse_qs(scope.get("query_string", b"").decode()).get("seen", [""])[0]


@db_call
def session_seconds_left(session_key: str | None, user, *, touch: bool = False) -> float:
    """Seconds this socket's sign-in has left, read fresh from the session store (0 once it has
    ended or was signed out); with `touch`, a move on the socket counts as activity."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if str(store.get(SESSION_KEY)) != str(user.pk):
        return 0
    now = time.time()
    if touch and session_limits.touch(store, user, now):
        store.save()
    return session_limits.seconds_left(store, user, now)


class SessionSocket(AsyncWebsocketConsumer, metaclass=ABCMeta):
    """What every live socket of the app shares.

    Only a signed-in user whose session has time left gets in, and only to what is theirs (else
    the socket is closed with a 4xxx code and a reason, and a refusal is logged). It joins the
    user's group, so signing out anywhere closes it, and it closes when the sign-in runs out.
    Frames beyond a steady rate are dropped with a private note; a flood closes the socket
    (4429).
    A database that cannot answer closes it with 1013, so the page comes back and is sent the
    whole state again. Every 4xxx close is preceded by closed_note().
    """

    groups_joined: list[str]
    watcher: asyncio.Task | None = None
    closer: asyncio.Task | None = None
    accepted = False
    closed = False

    async def __call__(self, scope, receive, send):
        # The rate limit is applied as frames arrive, not as the consumer gets to them. Under a
        # flood daphne reads thousands of frames per turn of the event loop while a consumer
        # handles one every few turns; a limit in websocket_receive closed the socket only once
        # the backlog was worked through (tens of seconds, or never while the flood lasted,
        # with the backlog growing in memory).
        self.frame_tokens, self.frame_clock, self.dropped = float(FRAME_BURST), time.monotonic(), 0
        inbox: asyncio.Queue = asyncio.Queue()
        pump = asyncio.create_task(self.pump(receive, inbox))
        try:
            await super().__call__(scope, inbox.get, send)
        finally:
            pump.cancel()
            if self.closer:  # let go of it too (disconnect() says why)
                self.closer.cancel()
                self.closer = None
            if getattr(self, "channel_name", None):  # none when the layer could not give one
                await self.channel_layer.drop_channel(self.channel_name)

    async def pump(self, receive, inbox: asyncio.Queue) -> None:
        """Pass the server's messages on to the consumer, except frames over the rate: the
        first of a run is answered by a note, and a flood gets its closed_note at once
        (flood_close). After a close, frames are dropped unread. (Awaiting a queue that has
        messages does not yield, so a whole backlog is sorted in one go.)"""
        try:
            while True:
                message = await receive()
                if message["type"] != "websocket.receive" or not self.accepted:
                    inbox.put_nowait(message)
                elif self.closed:
                    continue
                elif self.take_frame():
                    inbox.put_nowait(message)
                else:
                    self.dropped += 1
                    if self.dropped == 1:
                        inbox.put_nowait({"type": "frames.dropped"})
                    elif self.dropped >= FLOOD_CLOSE_AFTER:
                        await self.flood_close()
        except Exception:  # the consumer must still hear that the socket went
            logger.exception("socket pump failed")
            inbox.put_nowait({"type": "websocket.disconnect", "code": 1011})

    async def flood_close(self) -> None:
        """The note at once, the 4429 close FLOOD_CLOSE_GRACE later (frames meanwhile are
        dropped unread)."""
        reason = "Too many messages."
        self.closed = True
        await self.send(text_data=closed_note(CLOSE_TOO_FAST, reason))

        async def close_later() -> None:
            await asyncio.sleep(FLOOD_CLOSE_GRACE)
            await AsyncWebsocketConsumer.close(self, code=CLOSE_TOO_FAST, reason=reason)

        self.closer = asyncio.create_task(close_later())

    def take_frame(self) -> bool:
        """Whether a frame arriving now is within the rate (a token bucket)."""
        now = time.monotonic()
        self.frame_tokens = min(
            FRAME_BURST, self.frame_tokens + (now - self.frame_clock) * FRAMES_PER_SECOND
        )
        self.frame_clock = now
        if self.frame_tokens < 1:
            return False
        self.frame_tokens -= 1
        self.dropped = 0
        return True

    @abstractmethod
    async def open(self) -> list[str] | None:
        """The groups this socket joins (besides the user's), or None when it is not theirs."""

    async def opened(self) -> None:
        """After accepting: send what the page needs."""

    async def closing(self) -> None:
        """Before leaving the groups: tell others this socket went."""

    async def frame(self, text_data: str | None, bytes_data: bytes | None) -> None:
        """A frame within the rate limit."""

    async def connect(self) -> None:
        self.user = self.scope["user"]
        self.groups_joined = []
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        self.last_touch = time.monotonic()
        if not self.user.is_authenticated or await self.time_left_at_connect() <= 0:
            await self.refuse(CLOSE_NOT_SIGNED_IN, "You are signed out.")
            return
        groups = await self.open()
        if groups is None:
            path = self.scope.get("path", "")
            await db_call(audit.record)(audit.Action.DENIED, actor=self.user, what=f"WS {path}")
            await self.refuse(CLOSE_NOT_FOUND, "This page is not available to you.")
            return
        self.groups_joined = [*dict.fromkeys([*groups, user_group(self.user.pk)])]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await register_socket(self.user, self.channel_name, is_open=True)
        if self.session_key:
            self.watcher = asyncio.create_task(self.watch_session())
        await self.opened()

    async def refuse(self, code: int, reason: str) -> None:
        # Accept first so the close code reaches the browser, which then stops retrying.
        await self.accept()
        await self.close(code=code, reason=reason)

    async def accept(self, subprotocol=None, headers=None) -> None:
        await super().accept(subprotocol, headers)
        self.accepted = True

    async def close(self, code=None, reason=None) -> None:
        """Close once; a 4xxx close is preceded by a last frame carrying the reason."""
        if self.closed:
            return
        self.closed = True
        if self.accepted and code is not None and code >= 4000 and reason:
            await self.send(text_data=closed_note(code, reason))
        await super().close(code=code, reason=reason)

    async def disconnect(self, code: int) -> None:
        if self.watcher:
            # Let go of it as well: a cancelled task keeps its CancelledError, whose traceback
            # holds the task's frame and so this socket. While the socket held the task too,
            # everything it had (its screen, request, user) waited for a full collection of the
            # cycle collector instead of being freed as the socket ended.
            self.watcher.cancel()
            self.watcher = None
        if self.groups_joined:
            # Each step of the tidy-up is tried on its own, and again after a moment: when
            # a thousand sockets close at once, Redis's connection pool can be out of
            # connections for an instant, and one failed call must not leave this socket's
            # partner told it is still here, or its open-socket row behind.
            await self.tidy("tell others it went", self.closing)
            for group in self.groups_joined:
                await self.tidy(
                    f"leave {group}", self.channel_layer.group_discard, group, self.channel_name
                )
            await self.tidy(
                "forget the open socket",
                register_socket,
                self.user,
                self.channel_name,
                is_open=False,
            )

    async def tidy(self, what: str, call, *args, **kwargs) -> None:
        for attempt in range(TIDY_ATTEMPTS):
            try:
                await call(*args, **kwargs)
                return
            except Exception:
                if attempt + 1 == TIDY_ATTEMPTS:
                    logger.exception("A closing socket could not %s", what)
                    return
                await asyncio.sleep(TIDY_PAUSE * (1 + random.random()))

    @cached_property
    def request(self) -> ScopeRequest:
        """The request this socket's pushes render with: the scope's user, host and cookies are
        the handshake's for the socket's whole life, so one is made, not one per push."""
        return ScopeRequest(self.scope)

    async def dispatch(self, message: dict) -> None:
        # Channels' own dispatch first hands each message to its sync thread to close that
        # thread's old connections: a thread hop per frame and per group message. Sockets here
        # reach the database only through db_call, which closes old connections around each
        # call on the thread that used them, so the hop is left out.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        try:
            await handler(message)
        except DatabaseError:
            await self.close(code=CLOSE_TRY_AGAIN, reason="Please wait a moment.")

    async def websocket_receive(self, message: dict) -> None:
        # Only frames within the rate get here (pump).
        now = time.monotonic()
        if self.session_key and now - self.last_touch >= session_limits.TOUCH_EVERY:
            self.last_touch = now
            await self.time_left(touch=True)
        await self.frame(message.get("text"), message.get("bytes"))

    async def frames_dropped(self, message: dict) -> None:
        await self.send_note("Slow down a moment: that was sent too fast to take in.")

    async def send_note(self, message: str) -> None:
        """A short message to this socket only (pages show it in their error region)."""

    async def session_ended(self, event: dict) -> None:
        await self.close(code=CLOSE_NOT_SIGNED_IN, reason="You are signed out.")

    async def layer_lost(self, event: dict) -> None:
        # This process's connection to Redis failed, so messages for this socket may have been
        # lost (imago_app/layers.py): the page reconnects and is sent all it shows afresh.
        await self.close(code=CLOSE_TRY_AGAIN, reason="Please wait a moment.")

    async def send(self, text_data=None, bytes_data=None, close=False) -> None:
        # A socket that closed while this was on its way (a presence note to a partner who just
        # left): raising would end the consumer before its disconnect() tidies up; daphne still
        # reports the close, and disconnect() runs then.
        with contextlib.suppress(SocketGone):
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def time_left_at_connect(self) -> float:
        """As time_left(), from the session the handshake already loaded (no second read)."""
        session = self.scope.get("session")
        if self.session_key is None:
            return float("inf")
        return await db_call(session_limits.seconds_left)(session, self.user, time.time())

    async def time_left(self, *, touch: bool = False) -> float:
        if self.session_key is None:  # a scope without a session (tests that set the user)
            return float("inf")
        return await session_seconds_left(self.session_key, self.user, touch=touch)

    async def watch_session(self) -> None:
        """Close the socket when the sign-in runs out (activity elsewhere moves the end)."""
        while True:
            left = await self.time_left()
            if left <= 0:
                await self.close(code=CLOSE_NOT_SIGNED_IN, reason="You are signed out.")
                return
            await asyncio.sleep(left + 1)


class NoSuchSocket(AsyncWebsocketConsumer):
    """Any socket path without a route (the last route of imago_app.asgi): accepted, told so and
    closed with 4404, so a page holding an address that has gone stops retrying, and nothing
    reaches the log as an error. Signed in or not, nobody learns more than that."""

    async def connect(self) -> None:
        reason = "There is nothing here."
        await self.accept()
        await self.send(text_data=closed_note(CLOSE_NOT_FOUND, reason))
        await self.close(code=CLOSE_NOT_FOUND, reason=reason)


class LivePanelConsumer(SessionSocket):
    """A region of a page that stays current by itself.

    On connect, and on every "panel.changed" message to its group, the panel is rendered for
    this user from the database and sent if it differs from what the page shows (so a change
    elsewhere never wipes what someone is typing); htmx swaps it in by id. Subclasses say which
    group the user's socket joins and what the panel is. These pages send nothing over their
    socket; frames that arrive are ignored (and count toward the rate limit).
    """

    shown_key: str = ""  # the panel_key of what the page shows now
    announcements: dict[str, str] = {}

    @abstractmethod
    def group_for(self, user) -> str | None:
        """The group this user's socket joins, or None when the page is not theirs to see."""

    @abstractmethod
    def panel(self, request: HttpRequest) -> tuple[str, dict]:
        """The panel's template and context; the context carries "panel_key"."""

    async def open(self) -> list[str] | None:
        group = await db_call(self.group_for)(self.user)
        return None if group is None else [group]

    async def opened(self) -> None:
        # The page says which state it shows; the panel is sent only if that is out of date.
        self.shown_key = seen_key(self.scope)
        await self.send_panel()

    async def panel_changed(self, event: dict) -> None:
        try:
            await self.send_panel(self.announcements.get(event.get("what")))
        except Http404:  # no longer theirs to see (the couple closed)
            await self.close(code=CLOSE_NOT_FOUND, reason="This page is no longer yours to see.")

    async def send_panel(self, announcement: str | None = None) -> None:
        html, self.shown_key = await self.render_panel(announcement, seen=self.shown_key)
        if html:
            await self.send(text_data=html)

    @db_call
    def render_panel(self, announcement: str | None, seen: str) -> tuple[str, str]:
        """The panel as HTML for this socket's user (empty if it is the state `seen`), and its
        key."""
        user = self.scope["user"]
        user.refresh_from_db()
        request = self.request
        with zones.viewing(user):  # as the page would be: in this user's time zone
            template, context = self.panel(request)
            if seen == context["panel_key"]:
                return "", seen
            html = render_to_string(template, context, request=request)
            announce = render_to_string(
                "_announce.html", {"announcement": announcement}, request=request
            )
        return html + announce, context["panel_key"]
