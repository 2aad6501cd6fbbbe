from abc import ABCMeta, abstractmethod
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string

from imago_app.db import db_call
from imago_app.home import ANNOUNCEMENTS, panel_for
from imago_app.models import OpenSocket
from imago_app.notify import user_group

# Close codes in the 4xxx range are ours and mean "do not reconnect".
CLOSE_NOT_SIGNED_IN = 4401
CLOSE_NOT_FOUND = 4404


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


class LivePanelConsumer(AsyncWebsocketConsumer, metaclass=ABCMeta):
    """A region of a page that stays current by itself.

    On connect, and on every "panel.changed" message to its group, the panel is rendered for
    this user from the database and sent if it differs from what the page shows (so a change
    elsewhere never wipes what someone is typing); htmx swaps it in by id. Subclasses say which
    group the user's socket joins and what the panel is.
    """

    group: str | None = None
    user_group: str | None = None
    shown_key: str = ""  # the panel_key of what the page shows now
    announcements: dict[str, str] = {}

    @abstractmethod
    def group_for(self, user) -> str | None:
        """The group this user's socket joins, or None when the page is not theirs to see."""

    @abstractmethod
    def panel(self, request: HttpRequest) -> tuple[str, dict]:
        """The panel's template and context; the context carries "panel_key"."""

    async def connect(self) -> None:
        user = self.scope["user"]
        if not user.is_authenticated:
            # Accept first so the close code reaches the browser, which then stops retrying.
            await self.accept()
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        self.group = await db_call(self.group_for)(user)
        if self.group is None:
            await self.accept()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.channel_layer.group_add(self.group, self.channel_name)
        # Every socket also listens to its user's group, so it closes when their session ends.
        self.user_group = user_group(user.pk)
        if self.user_group != self.group:
            await self.channel_layer.group_add(self.user_group, self.channel_name)
        await self.accept()
        await register_socket(user, self.channel_name, is_open=True)
        # The page says which state it shows; the panel is sent only if that is out of date.
        self.shown_key = seen_key(self.scope)
        await self.send_panel()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            if self.user_group != self.group:
                await self.channel_layer.group_discard(self.user_group, self.channel_name)
            await register_socket(self.scope["user"], self.channel_name, is_open=False)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        # These pages send nothing over their socket; anything that arrives is ignored.
        return

    async def panel_changed(self, event: dict) -> None:
        try:
            await self.send_panel(self.announcements.get(event.get("what")))
        except Http404:  # no longer theirs to see (the couple closed)
            await self.close(code=CLOSE_NOT_FOUND)

    async def send_panel(self, announcement: str | None = None) -> None:
        html, self.shown_key = await self.render_panel(announcement, seen=self.shown_key)
        if html:
            await self.send(text_data=html)

    async def session_ended(self, event: dict) -> None:
        await self.close(code=CLOSE_NOT_SIGNED_IN)

    @db_call
    def render_panel(self, announcement: str | None, seen: str) -> tuple[str, str]:
        """The panel as HTML for this socket's user (empty if it is the state `seen`), and its
        key."""
        user = self.scope["user"]
        user.refresh_from_db()
        request = ScopeRequest(self.scope)
        template, context = self.panel(request)
        if seen == context["panel_key"]:
            return "", seen
        html = render_to_string(template, context, request=request)
        announce = render_to_string(
            "_announce.html", {"announcement": announcement}, request=request
        )
        return html + announce, context["panel_key"]


class HomeConsumer(LivePanelConsumer):
    """Keeps an open home page current: a partner joining, a therapist consenting, and so on."""

    announcements = ANNOUNCEMENTS

    def group_for(self, user) -> str:
        return user_group(user.pk)

    def panel(self, request: HttpRequest) -> tuple[str, dict]:
        return panel_for(request)
