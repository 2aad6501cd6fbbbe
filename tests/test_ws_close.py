"""How a socket ends, as a page sees it through a real daphne.

daphne 4.2.3 sends the close code but drops the reason, so before any 4xxx close (the page must
not come back) the socket is sent one last text frame saying why: a fragment that htmx's
WebSocket extension appends to the page's body,

    <div hx-swap-oob="beforeend:body"><p id="connection-closed" class="connection-closed"
    data-close-code="4404" role="status">This page is not available to you.</p></div>

A flood gets that last frame (4429) as soon as the server has seen it, however fast the frames
keep coming, and the close frame a second later; then daphne drops the connection, because the
page's own close reply is stuck behind its flood. Under a flood daphne writes what the app sent
only after a turn or two of its event loop spent reading, and drops the connection one second
(at most) after its close frame whether or not that frame went out; so the note, sent a second
ahead, is what a page can count on, and the close frame may be lost (1006). The rest of the
server carries on.
"""

import asyncio
import contextlib
import html
import re
import time

import pytest
from websockets.asyncio.client import connect as async_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from imago_app.consumers import CLOSE_NOT_FOUND, CLOSE_NOT_SIGNED_IN, CLOSE_TOO_FAST
from tests.factories import make_couple, make_dialogue, make_partner
from tests.phone import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

FINAL = re.compile(
    r'^<div hx-swap-oob="beforeend:body"><p id="connection-closed" class="connection-closed" '
    r'data-close-code="(\d+)" role="status">([^<]+)</p></div>$'
)


def ws_url(server, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


def last_frames(server, path: str, cookie: str | None = None) -> tuple[list[str], int, str]:
    """Everything a page's socket on `path` receives until it closes, the close code, and the
    close reason as it arrived."""
    headers = {"origin": server.url}
    if cookie:
        headers["cookie"] = cookie
    frames = []
    with connect(ws_url(server, path), additional_headers=headers, open_timeout=10) as ws:
        try:
            while True:
                frames.append(ws.recv(timeout=10))
        except ConnectionClosed as closed:
            assert closed.rcvd is not None, "no close frame"
            return frames, closed.rcvd.code, closed.rcvd.reason


def final_note(frame: str) -> tuple[int, str]:
    match = FINAL.match(frame.strip())
    assert match, frame
    return int(match.group(1)), html.unescape(match.group(2))


def test_a_page_that_is_signed_out_is_told_so_before_the_socket_closes(daphne_live):
    frames, code, _reason = last_frames(daphne_live, "/ws/home/")
    assert code == CLOSE_NOT_SIGNED_IN
    assert [final_note(frame) for frame in frames] == [(4401, "You are signed out.")]


def test_a_page_that_is_not_yours_is_told_so_before_the_socket_closes(daphne_live):
    alex, sam, jordan = make_partner("Alex"), make_partner("Sam"), make_partner("Jordan")
    dialogue = make_dialogue(make_couple(alex, sam), alex)
    make_couple(jordan, make_partner("Riley"))
    path = f"/ws/dialogue/{dialogue.pk}/"
    frames, code, _reason = last_frames(daphne_live, path, session_cookie(jordan))
    assert code == CLOSE_NOT_FOUND
    assert [final_note(frame) for frame in frames] == [(4404, "This page is not available to you.")]


async def flood(server, cookie: str, seconds: float) -> dict:
    """Send frames as fast as the connection takes them, for up to `seconds` or until the
    server closes; what came back, and when."""
    got: dict = {"frames": [], "sent": 0}
    headers = {"origin": server.url, "cookie": cookie}
    async with async_connect(ws_url(server, "/ws/home/"), additional_headers=headers) as ws:
        got["frames"].append(await asyncio.wait_for(ws.recv(), 10))  # the panel

        async def read():
            try:
                async for message in ws:
                    got["frames"].append(message)
            except ConnectionClosed:
                pass

        reader = asyncio.create_task(read())
        start = time.monotonic()
        try:
            while time.monotonic() - start < seconds:
                for _ in range(200):
                    await ws.send('{"x": 1}')
                got["sent"] += 200
                await asyncio.sleep(0)  # a browser reads on while its page sends
                if "note_at" not in got and len(got["frames"]) > 1:
                    got["note_at"] = time.monotonic() - start
        except ConnectionClosed:
            pass
        got["ended_at"] = time.monotonic() - start
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader, 10)
        got["close"] = ws.protocol.close_rcvd
    return got


def test_a_flood_is_told_at_once_and_closed_and_the_rest_of_the_server_carries_on(daphne_live):
    flooder, other = make_partner("Flo"), make_partner("Olly")
    got = asyncio.run(flood(daphne_live, session_cookie(flooder), seconds=20))
    assert final_note(got["frames"][-1]) == (4429, "Too many messages."), got["frames"][1:]
    assert got.get("note_at", float("inf")) < 3, got  # while it is still flooding
    assert got["ended_at"] < 6, got  # and the server ends it soon after
    # The close frame, when it gets out before daphne drops the connection, says 4429.
    assert got["close"] is None or got["close"].code == CLOSE_TOO_FAST, got["close"]
    # Another partner's page on the same server opens and is served straight away.
    started = time.monotonic()
    headers = {"origin": daphne_live.url, "cookie": session_cookie(other)}
    with connect(ws_url(daphne_live, "/ws/home/"), additional_headers=headers) as ws:
        assert "Olly" in ws.recv(timeout=5)
    assert time.monotonic() - started < 3


def test_a_socket_path_with_no_route_is_told_so_and_closed_cleanly(daphne_live):
    sam = make_partner("Sam")
    for path in ["/ws/nowhere/", "/ws/dialogue/not-a-number/", "/ws/home/extra/", "/"]:
        for cookie in (None, session_cookie(sam)):
            frames, code, _reason = last_frames(daphne_live, path, cookie)
            assert code == CLOSE_NOT_FOUND, (path, code)
            assert [final_note(frame) for frame in frames] == [(4404, "There is nothing here.")]
    log = daphne_live.log_path.read_text()
    assert "Traceback" not in log and "Exception inside application" not in log, log[-2000:]


def test_a_foreign_page_gets_no_further_on_a_path_with_no_route(daphne_live):
    with pytest.raises(InvalidStatus) as refused:
        connect(ws_url(daphne_live, "/ws/nowhere/"), additional_headers={"origin": "http://x.y"})
    assert refused.value.response.status_code == 403
