import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from imago_app import services
from imago_app.asgi import application
from imago_app.consumers import CLOSE_NOT_SIGNED_IN
from imago_app.pages.consumers import HomeConsumer
from imago_app.pages.home import panel_for
from tests.factories import make_partner, open_invite

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1")
HOST = (b"host", b"127.0.0.1")


def communicator_for(user, path="/ws/home/"):
    """A socket to the home consumer as `user`, past the session middleware."""
    comm = WebsocketCommunicator(HomeConsumer.as_asgi(), path, headers=[ORIGIN])
    comm.scope["user"] = user
    return comm


async def test_an_anonymous_socket_is_closed_with_a_reason():
    comm = communicator_for(AnonymousUser())
    connected, _ = await comm.connect()
    assert connected
    # daphne passes the close code on but not the reason, so a last frame says it first.
    note = await comm.receive_output()
    assert note["type"] == "websocket.send"
    assert 'data-close-code="4401"' in note["text"] and "You are signed out." in note["text"]
    closed = await comm.receive_output()
    assert closed == {
        "type": "websocket.close",
        "code": CLOSE_NOT_SIGNED_IN,
        "reason": "You are signed out.",
    }
    await comm.disconnect()


async def test_the_full_stack_refuses_an_anonymous_socket():
    comm = WebsocketCommunicator(application, "/ws/home/", headers=[HOST, ORIGIN])
    connected, _ = await comm.connect()
    assert connected
    assert 'data-close-code="4401"' in (await comm.receive_output())["text"]
    assert (await comm.receive_output())["code"] == CLOSE_NOT_SIGNED_IN
    await comm.disconnect()


@pytest.mark.parametrize("origin", [b"http://evil.example", b"null"])
async def test_a_socket_from_a_foreign_origin_is_refused(origin):
    comm = WebsocketCommunicator(application, "/ws/home/", headers=[(b"origin", origin)])
    connected, _ = await comm.connect()
    assert not connected
    await comm.disconnect()


async def test_a_socket_without_an_origin_is_refused():
    comm = WebsocketCommunicator(application, "/ws/home/")
    connected, _ = await comm.connect()
    assert not connected
    await comm.disconnect()


async def test_a_waiting_partner_sees_the_other_join_live_and_nobody_else_hears():
    alex = await database_sync_to_async(make_partner)("Alex")
    sam = await database_sync_to_async(make_partner)("Sam")
    stranger = await database_sync_to_async(make_partner)("Jordan")
    couple = await database_sync_to_async(services.couple_create)(partner=alex)

    alex_socket = communicator_for(alex)
    stranger_socket = communicator_for(stranger)
    assert (await alex_socket.connect())[0]
    assert (await stranger_socket.connect())[0]
    first = await alex_socket.receive_from()
    assert 'id="home-panel"' in first and "Your code for your partner" in first
    await stranger_socket.receive_from()

    code = (await database_sync_to_async(open_invite)(couple)).code
    await database_sync_to_async(services.couple_join)(partner=sam, code=code)

    pushed = await alex_socket.receive_from()
    assert "You and Sam" in pushed
    assert "Your partner has joined" in pushed
    assert 'name="csrfmiddlewaretoken"' in pushed or "<form" not in pushed
    assert await stranger_socket.receive_nothing()
    await alex_socket.disconnect()
    await stranger_socket.disconnect()


async def test_a_frame_sent_to_the_home_socket_changes_nothing():
    alex = await database_sync_to_async(make_partner)("Alex")
    comm = communicator_for(alex)
    await comm.connect()
    await comm.receive_from()
    await comm.send_to(text_data="{not json")
    await comm.send_to(bytes_data=b"\x00\x01")
    assert await comm.receive_nothing()
    await comm.disconnect()


async def test_a_page_that_is_up_to_date_gets_nothing_on_connect_and_a_stale_one_is_refreshed():
    alex = await database_sync_to_async(make_partner)("Alex")
    request = RequestFactory().get("/")
    request.user = alex
    _, context = await database_sync_to_async(panel_for)(request)
    key = context["panel_key"]

    up_to_date = communicator_for(alex, f"/ws/home/?seen={key}")
    await up_to_date.connect()
    assert await up_to_date.receive_nothing()
    await up_to_date.disconnect()

    stale = communicator_for(alex, "/ws/home/?seen=0000")
    await stale.connect()
    assert "Link up with your partner" in await stale.receive_from()
    await stale.disconnect()


async def test_a_message_to_a_socket_that_just_closed_does_not_end_the_consumer():
    """Daphne raises when a send meets a closed socket; the consumer must live on to tidy up."""
    from autobahn.exception import Disconnected

    consumer = HomeConsumer()

    async def gone(message):
        raise Disconnected("Attempt to send on a closed protocol")

    consumer.base_send = gone
    await consumer.send(text_data="a presence note")  # does not raise
