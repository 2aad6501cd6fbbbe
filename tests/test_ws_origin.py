"""Only pages of this site may open its sockets: the handshake's Origin is checked against
ALLOWED_HOSTS before anything else runs, so another site's page cannot use a signed-in
visitor's cookie to open a socket (cross-site WebSocket hijacking).

A missing Origin is refused too (browsers always send one; a socket without one is a script,
which gets no cookie-borne session either way). That depends on ALLOWED_HOSTS holding no "*",
which the first test pins for the configuration the tests run with.
"""

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from tests.factories import make_couple, make_dialogue, make_partner
from tests.phone import session_cookie
from tests.sockets import Socket, login_cookie

pytestmark = pytest.mark.django_db(transaction=True)

ROUTES = ["home", "appreciations", "dialogue"]
SAME_SITE = [
    "http://127.0.0.1",
    "http://127.0.0.1:8000",
    "https://localhost",
    "http://LOCALHOST:8000",
]
FOREIGN = [
    "http://evil.example",
    "https://evil.example:443",
    "http://127.0.0.1.evil.example",
    "http://localhost.evil.example",
    "http://evil-127.0.0.1",
    "http://127.0.0.1@evil.example",
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


def test_the_tests_run_with_allowed_hosts_that_refuse_a_missing_origin():
    """channels' AllowedHostsOriginValidator lets a socket without an Origin through only when
    ALLOWED_HOSTS holds "*"; an empty list under DEBUG means its own local defaults."""
    from imago_app.asgi import application

    validator = application.application_mapping["websocket"]
    assert "*" not in validator.allowed_origins, validator.allowed_origins
    assert validator.allowed_origins, "no allowed hosts: every socket would be refused"
    assert "*" not in settings.ALLOWED_HOSTS


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


def test_a_real_server_answers_a_foreign_handshake_with_403(daphne_live):
    alex, paths = make_world()
    ws_base = daphne_live.url.replace("http://", "ws://")
    cookie = session_cookie(alex)
    for route in ROUTES:
        for origin in ["http://evil.example", "null", None]:
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
