"""Sign-ins end after a while without activity, and after 12 hours whatever happens."""

import time

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from dialogue.machine import Device
from imago_app import session_limits
from imago_app.asgi import application
from imago_app.consumers import CLOSE_NOT_SIGNED_IN
from imago_app.models import AuditEntry
from tests.factories import PASSWORD, make_couple, make_dialogue, make_partner

pytestmark = pytest.mark.django_db
MINUTE = 60


def sign_in(user, *, keep: bool = False) -> Client:
    client = Client()
    response = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD, "keep_signed_in": "on" if keep else ""},
    )
    assert response.status_code == 302, response.content
    return client


def age(client, *, idle: float = 0, started: float = 0) -> None:
    """Move the session's clock back: `idle` seconds since the last activity, `started` since
    signing in."""
    session = client.session
    now = time.time()
    session[session_limits.SEEN] = now - idle
    session[session_limits.STARTED] = now - max(started, idle)
    session.save()


def signed_out(response) -> bool:
    return response.status_code == 302 and "ended=1" in response["Location"]


def test_a_partner_is_signed_out_after_30_idle_minutes_and_the_page_says_why(partner_a):
    client = sign_in(partner_a)
    age(client, idle=29 * MINUTE)
    assert client.get(reverse("home")).status_code == 200
    age(client, idle=31 * MINUTE)
    response = client.get(reverse("account_data"))
    assert signed_out(response) and "next=%2Faccounts%2Fdata%2F" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="signed_out", actor=partner_a).exists()
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out" in page


def test_a_therapist_is_signed_out_after_15_idle_minutes(therapist):
    client = sign_in(therapist)
    age(client, idle=14 * MINUTE)
    assert client.get(reverse("home")).status_code == 200
    age(client, idle=16 * MINUTE)
    assert signed_out(client.get(reverse("home")))


def test_activity_keeps_a_sign_in_but_never_past_12_hours(partner_a):
    client = sign_in(partner_a)
    age(client, idle=5 * MINUTE, started=11 * 3600)
    assert client.get(reverse("home")).status_code == 200
    age(client, idle=1 * MINUTE, started=12 * 3600 + 1)
    assert signed_out(client.get(reverse("home")))


def test_keep_me_signed_in_lasts_on_a_personal_phone_but_not_for_a_therapist(partner_a, therapist):
    kept = sign_in(partner_a, keep=True)
    age(kept, idle=3 * 3600, started=13 * 3600)
    assert kept.get(reverse("home")).status_code == 200
    asked = sign_in(therapist, keep=True)
    age(asked, idle=16 * MINUTE)
    assert signed_out(asked.get(reverse("home")))


def test_opening_a_dialogue_on_a_shared_device_drops_keep_me_signed_in(partner_a, partner_b):
    dialogue = make_dialogue(
        make_couple(partner_a, partner_b), partner_a, device=Device.SHARED_DEVICE
    )
    client = sign_in(partner_a, keep=True)
    assert client.session[session_limits.KEPT] is True
    assert client.get(reverse("dialogue", args=[dialogue.pk])).status_code == 200
    assert client.session[session_limits.KEPT] is False
    age(client, idle=31 * MINUTE)
    assert signed_out(client.get(reverse("home")))


def test_asking_how_long_is_left_does_not_extend_it_but_saying_still_here_does(partner_a):
    client = sign_in(partner_a)
    age(client, idle=20 * MINUTE)
    left = client.get(reverse("session_status")).json()["seconds_left"]
    assert 9 * MINUTE < left <= 10 * MINUTE
    assert client.get(reverse("session_status")).json()["seconds_left"] <= left
    still_here = client.post(reverse("session_status")).json()["seconds_left"]
    assert still_here > 29 * MINUTE
    age(client, idle=31 * MINUTE)
    assert client.get(reverse("session_status")).json() == {"seconds_left": 0}


def test_an_htmx_request_after_the_end_is_sent_to_the_sign_in_page(partner_a):
    client = sign_in(partner_a)
    age(client, idle=31 * MINUTE)
    response = client.post(reverse("dialogue_hint"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and "ended=1" in response["HX-Redirect"]


def test_signed_in_pages_carry_the_time_left_for_the_page_to_clear_itself(partner_a):
    client = sign_in(partner_a)
    page = client.get(reverse("home")).content.decode()
    assert 'data-session-left="1800"' in page or 'data-session-left="1799"' in page
    assert 'id="signed-out"' in page


# --- sockets ----------------------------------------------------------------------------------


async def socket_for(client: Client, path: str) -> WebsocketCommunicator:
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    comm = WebsocketCommunicator(
        application,
        path,
        headers=[(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1"), (b"cookie", cookie)],
    )
    assert (await comm.connect())[0]
    return comm


async def closed_with(comm, code) -> bool:
    while True:
        message = await comm.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            await comm.disconnect()
            return message["code"] == code


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_of_an_ended_sign_in_is_refused():
    partner = await database_sync_to_async(make_partner)("Alex")
    client = await database_sync_to_async(sign_in)(partner)
    await database_sync_to_async(age)(client, idle=31 * MINUTE)
    comm = await socket_for(client, "/ws/home/")
    assert await closed_with(comm, CLOSE_NOT_SIGNED_IN)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_live_socket_closes_when_the_sign_in_runs_out(settings):
    settings.SESSION_IDLE_PARTNER = 30
    alex, sam = (
        await database_sync_to_async(make_partner)(),
        await database_sync_to_async(make_partner)(),
    )
    dialogue = await database_sync_to_async(lambda: make_dialogue(make_couple(alex, sam), alex))()
    client = await database_sync_to_async(sign_in)(alex)
    await database_sync_to_async(age)(client, idle=28)
    home = await socket_for(client, "/ws/home/")
    live = await socket_for(client, f"/ws/dialogue/{dialogue.pk}/")
    started = time.monotonic()
    assert await closed_with(home, CLOSE_NOT_SIGNED_IN)
    assert await closed_with(live, CLOSE_NOT_SIGNED_IN)
    assert time.monotonic() - started < 5
