"""Only pages of this site may open its sockets (cross-site WebSocket hijacking).

The handshake's Origin must be the site's own origin: the scheme, host and port the socket
request itself was made to (its Host header, whose host must be one of ALLOWED_HOSTS, and
ws/wss, or X-Forwarded-Proto behind the proxy), or an origin named in CSRF_TRUSTED_ORIGINS.
A page on another port of the same host is another site, and so is the same host over the other
scheme.

A missing Origin is refused too (browsers always send one; a socket without one is a script,
which gets no cookie-borne session either way), and so is `null`.
"""

import socket

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from imago_app.origins import SameOriginValidator
from tests.conftest import Daphne, free_port
from tests.factories import make_couple, make_dialogue, make_partner
from tests.phone import session_cookie
from tests.sockets import Socket, login_cookie

pytestmark = pytest.mark.django_db(transaction=True)

ROUTES = ["home", "appreciations", "dialogue"]
# The in-process sockets of tests/sockets.py are made to Host 127.0.0.1 over ws.
SAME_SITE = [
    "http://127.0.0.1",
    "http://127.0.0.1:80",
]
FOREIGN = [
    "http://evil.example",
    "https://evil.example:443",
    "http://127.0.0.1.evil.example",
    "http://localhost.evil.example",
    "http://evil-127.0.0.1",
    "http://127.0.0.1@evil.example",
    "http://127.0.0.1:9999",  # another port of the same host is another site
    "http://127.0.0.1:8000",
    "https://127.0.0.1",  # and so is the other scheme
    "http://localhost",  # an allowed host, but not the one this socket was opened to
    "http://127.0.0.1/path",
    "http://127.0.0.1:notaport",
    "null",  # sandboxed iframes, file: pages, some redirects
    "file://",
    "",
]


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_world():
    alex, sam = make_partner("Alex"), make_partner("Sam")
    dialogue = make_dialogue(make_couple(alex, sam), alex, topic="Sunday")
    paths = {
        "home": "/ws/home/",
        "appreciations": "/ws/appreciations/",
        "dialogue": f"/ws/dialogue/{dialogue.pk}/",
    }
    return alex, paths


def test_the_tests_run_with_the_same_origin_check_and_named_hosts():
    from imago_app.asgi import application

    assert isinstance(application.application_mapping["websocket"], SameOriginValidator)
    assert settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS


@pytest.mark.asyncio
@pytest.mark.parametrize("route", ROUTES)
async def test_only_a_page_of_this_site_may_open_a_socket(route):
    alex, paths = await database_sync_to_async(make_world)()
    cookie = await database_sync_to_async(login_cookie)(alex)
    for origin in [*FOREIGN, None]:
        sock = await Socket(paths[route], cookie, origin=origin).connect()
        assert sock.accepted is False, (route, origin)
        assert not sock.frames
        await sock.close()
    for origin in SAME_SITE:
        sock = await Socket(paths[route], cookie, origin=origin).connect()
        assert sock.accepted, (route, origin)
        await sock.read(wait=5, quiet=0.05)
        assert sock.close_code is None and sock.frames, (route, origin, sock.close_code)
        await sock.close()


async def handshake(headers: dict[str, str], path: str = "/ws/home/") -> bool:
    """Whether the handshake gets past the origin check (an anonymous socket is accepted and
    then closed with 4401, so acceptance is the origin check's verdict)."""
    from imago_app.asgi import application

    pairs = [(name.encode(), value.encode()) for name, value in headers.items()]
    comm = WebsocketCommunicator(application, path, headers=pairs)
    accepted, _ = await comm.connect(timeout=5)
    await comm.disconnect()
    return accepted


@pytest.mark.asyncio
async def test_the_origin_must_match_the_host_the_socket_was_opened_to(settings):
    host = {"host": "127.0.0.1:8000"}
    assert await handshake({**host, "origin": "http://127.0.0.1:8000"})
    assert await handshake({**host, "origin": "HTTP://127.0.0.1:8000"})
    assert not await handshake({**host, "origin": "http://127.0.0.1:9999"})
    assert not await handshake({**host, "origin": "http://127.0.0.1"})
    assert not await handshake({**host, "origin": "https://127.0.0.1:8000"})
    assert not await handshake({**host, "origin": "http://localhost:8000"})
    assert await handshake({"host": "localhost:8000", "origin": "http://localhost:8000"})
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "[::1]"]
    assert await handshake({"host": "[::1]:8000", "origin": "http://[::1]:8000"})
    assert not await handshake({"host": "[::1]:8000", "origin": "http://[::1]:9999"})
    # Without a Host there is no site origin to compare with.
    assert not await handshake({"origin": "http://127.0.0.1"})


@pytest.mark.asyncio
async def test_a_host_this_site_does_not_answer_to_is_refused_even_from_its_own_page():
    """DNS rebinding: a page of evil.example whose name now points at this server."""
    assert not await handshake({"host": "evil.example", "origin": "http://evil.example"})
    assert not await handshake({"host": "evil.example:8000", "origin": "http://evil.example:8000"})


@pytest.mark.asyncio
async def test_behind_the_proxy_the_site_is_the_public_https_origin(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "imago.example.org"]
    public = {"host": "imago.example.org", "x-forwarded-proto": "https"}
    # Not behind a proxy: a client's X-Forwarded-Proto means nothing; the socket is plain ws.
    assert not await handshake({**public, "origin": "https://imago.example.org"})
    assert await handshake({**public, "origin": "http://imago.example.org"})

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert await handshake({**public, "origin": "https://imago.example.org"})
    assert await handshake({**public, "origin": "https://imago.example.org:443"})
    assert not await handshake({**public, "origin": "http://imago.example.org"})
    assert not await handshake({**public, "origin": "https://imago.example.org:8443"})
    assert not await handshake({**public, "origin": "https://evil.example"})
    plain = {"host": "imago.example.org", "x-forwarded-proto": "http"}
    assert await handshake({**plain, "origin": "http://imago.example.org"})
    assert not await handshake({**plain, "origin": "https://imago.example.org"})


@pytest.mark.asyncio
async def test_an_origin_named_in_csrf_trusted_origins_may_open_a_socket(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.org", "https://*.example.net"]
    host = {"host": "127.0.0.1"}
    assert await handshake({**host, "origin": "https://app.example.org"})
    assert await handshake({**host, "origin": "https://tablet.example.net"})
    assert not await handshake({**host, "origin": "http://app.example.org"})
    assert not await handshake({**host, "origin": "https://app.example.org:8443"})
    assert not await handshake({**host, "origin": "https://example.net.evil.example"})


def test_a_real_server_answers_a_foreign_handshake_with_403(daphne_live):
    alex, paths = make_world()
    ws_base = daphne_live.url.replace("http://", "ws://")
    cookie = session_cookie(alex)
    port = daphne_live.port
    foreign = [
        "http://evil.example",
        f"http://127.0.0.1:{free_port()}",  # another server on this host
        f"https://127.0.0.1:{port}",
        f"http://localhost:{port}",
        "null",
        None,
    ]
    for route in ROUTES:
        for origin in foreign:
            headers = {"cookie": cookie}
            if origin is not None:
                headers["origin"] = origin
            with pytest.raises(InvalidStatus) as refused:
                ws_connect(ws_base + paths[route], additional_headers=headers, open_timeout=10)
            assert refused.value.response.status_code == 403, (route, origin)
        with ws_connect(
            ws_base + paths[route],
            additional_headers={"cookie": cookie, "origin": daphne_live.url},
            open_timeout=10,
        ) as ws:
            assert ws.recv(timeout=5), route


def raw_handshake_status(port: int, headers: dict[str, str], path: str = "/ws/home/") -> int:
    """The HTTP status of a handshake sent byte by byte, so the Host header can be the public
    one nginx passes on (a client library sets Host from the URL)."""
    lines = [
        f"GET {path} HTTP/1.1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n" not in answer:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def test_behind_the_readme_proxy_a_real_server_takes_only_the_public_https_origin(
    transactional_db, tmp_path
):
    server = Daphne(
        tmp_path / "daphne.log",
        extra_env={"BEHIND_PROXY": "1", "ALLOWED_HOSTS": "127.0.0.1,imago.example.org"},
        args=["--proxy-headers"],
    ).start()
    try:
        # What nginx passes on: Host $host, X-Forwarded-For, X-Forwarded-Proto $scheme.
        proxied = {
            "Host": "imago.example.org",
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Proto": "https",
        }
        for origin in [
            "http://imago.example.org",
            "https://imago.example.org:8443",
            "https://evil.example",
            f"http://127.0.0.1:{server.port}",
        ]:
            status = raw_handshake_status(server.port, {**proxied, "Origin": origin})
            assert status == 403, (origin, status)
        status = raw_handshake_status(
            server.port, {**proxied, "Origin": "https://imago.example.org"}
        )
        assert status == 101
    finally:
        server.stop()
