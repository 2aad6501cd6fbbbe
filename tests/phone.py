"""A plain WebSocket client standing for one partner's phone, for tests against real daphne."""

import html
import json
import secrets
import time
from contextlib import ExitStack

from django.conf import settings
from django.test import Client
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


class Phone:
    def __init__(self, base_url: str, user, path: str):
        self.user = user
        self.base_url = base_url
        ws_url = base_url.replace("http://", "ws://") + path
        self._stack = ExitStack()
        self.ws = self._stack.enter_context(
            connect(
                ws_url,
                additional_headers={"origin": base_url, "cookie": session_cookie(user)},
                open_timeout=10,
            )
        )
        self.seen: list[str] = []

    def move(self, kind: str, **fields) -> str:
        key = secrets.token_urlsafe(12)
        self.ws.send(json.dumps({"move": kind, "key": key, **fields}))
        return key

    def wait_for(self, text: str, timeout: float = 10) -> str:
        """Read pushes until one contains `text` (entities decoded); fail after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = html.unescape(
                    self.ws.recv(timeout=max(0.05, deadline - time.monotonic()))
                )
            except TimeoutError:
                break
            self.seen.append(message)
            if text in message:
                return message
        raise AssertionError(f"{self.user} never saw {text!r}; last: {self.seen[-1:]!r}")

    def drain(self, quiet: float = 0.3) -> None:
        try:
            while True:
                self.seen.append(self.ws.recv(timeout=quiet))
        except (TimeoutError, ConnectionClosed):
            pass

    def close(self) -> None:
        self._stack.close()
