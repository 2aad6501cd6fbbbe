"""Sockets follow the session: signing out, a new password or a closed couple ends live pages."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from dialogue import routing as dialogue_routing
from exercises import routing as exercise_routing
from imago_app import routing as home_routing
from imago_app import services
from imago_app.consumers import CLOSE_NOT_FOUND, CLOSE_NOT_SIGNED_IN
from tests.factories import PASSWORD, make_couple, make_dialogue, make_partner

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
ROUTES = [
    *home_routing.websocket_urlpatterns,
    *dialogue_routing.websocket_urlpatterns,
    *exercise_routing.websocket_urlpatterns,
]


async def open_socket(user, path):
    inner = URLRouter(ROUTES)

    async def app(scope, receive, send):
        return await inner({**scope, "user": user}, receive, send)

    comm = WebsocketCommunicator(app, path, headers=[(b"origin", b"http://127.0.0.1")])
    assert (await comm.connect())[0]
    while not await comm.receive_nothing(timeout=0.2):
        if (await comm.receive_output())["type"] == "websocket.close":
            raise AssertionError("closed too early")
    return comm


async def closed_with(comm, code) -> bool:
    while True:
        message = await comm.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            return message["code"] == code


@database_sync_to_async
def setup():
    alex, sam = make_partner("Alex"), make_partner("Sam")
    couple = make_couple(alex, sam)
    return alex, sam, couple, make_dialogue(couple, alex)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def test_signing_out_closes_every_socket_of_that_user_only():
    alex, sam, _couple, dialogue = await setup()
    alex_sockets = [
        await open_socket(alex, "/ws/home/"),
        await open_socket(alex, f"/ws/dialogue/{dialogue.pk}/"),
        await open_socket(alex, "/ws/appreciations/"),
    ]
    sam_socket = await open_socket(sam, f"/ws/dialogue/{dialogue.pk}/")
    await database_sync_to_async(lambda: signed_in(alex).post(reverse("logout")))()
    for comm in alex_sockets:
        assert await closed_with(comm, CLOSE_NOT_SIGNED_IN)
        await comm.disconnect()  # the browser's side of the closing handshake
    # Sam is told Alex went away (presence), and Sam's socket stays open.
    assert "isn't here" in (await sam_socket.receive_from(timeout=5)).replace("&#x27;", "'")
    assert await sam_socket.receive_nothing(timeout=0.3)
    await sam_socket.disconnect()


async def test_a_new_password_closes_the_users_sockets():
    alex, _sam, _couple, dialogue = await setup()
    comm = await open_socket(alex, f"/ws/dialogue/{dialogue.pk}/")
    response = await database_sync_to_async(
        lambda: signed_in(alex).post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "a new calm river 88",
                "new_password2": "a new calm river 88",
            },
        )
    )()
    assert response.status_code == 302
    assert await closed_with(comm, CLOSE_NOT_SIGNED_IN)
    await comm.disconnect()


async def test_a_closed_couple_closes_the_other_partners_live_pages():
    alex, sam, couple, dialogue = await setup()
    dialogue_socket = await open_socket(sam, f"/ws/dialogue/{dialogue.pk}/")
    appreciation_socket = await open_socket(sam, "/ws/appreciations/")
    await database_sync_to_async(services.couple_leave)(couple=couple, partner=alex)
    assert await closed_with(dialogue_socket, CLOSE_NOT_FOUND)
    assert await closed_with(appreciation_socket, CLOSE_NOT_FOUND)
    for comm in (dialogue_socket, appreciation_socket):
        await comm.disconnect()


async def test_a_change_that_a_page_does_not_show_sends_it_nothing():
    """The user's group carries home-page news too; other live pages must not be re-sent by it
    (that would wipe what someone is typing there)."""
    alex, sam, couple, dialogue = await setup()
    appreciation_socket = await open_socket(sam, "/ws/appreciations/")
    dialogue_socket = await open_socket(sam, f"/ws/dialogue/{dialogue.pk}/")
    home_socket = await open_socket(sam, "/ws/home/")
    # Alex invites a therapist: Sam's home page changes, nothing else does.
    await database_sync_to_async(services.therapist_invite_create)(couple=couple, partner=alex)
    assert "Give this code to your therapist" in await home_socket.receive_from(timeout=5)
    assert await appreciation_socket.receive_nothing(timeout=0.5)
    assert await dialogue_socket.receive_nothing(timeout=0.2)
    for comm in (appreciation_socket, dialogue_socket, home_socket):
        await comm.disconnect()


async def test_disabling_an_account_closes_its_sockets():
    alex, _sam, _couple, dialogue = await setup()
    comm = await open_socket(alex, f"/ws/dialogue/{dialogue.pk}/")

    def disable():
        alex.is_active = False
        alex.save(update_fields=["is_active"])

    await database_sync_to_async(disable)()
    assert await closed_with(comm, CLOSE_NOT_SIGNED_IN)
    await comm.disconnect()
