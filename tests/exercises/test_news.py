"""What one partner did for the other (gave, thanked, mirrored, chose) reaches the other's home
and exercise pages, live, and the channel layer never carries what anyone wrote."""

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import reverse

from exercises import routing as exercise_routing
from exercises.appreciation import services as appreciation_services
from exercises.caring import services as caring_services
from exercises.caring.models import CaringItem
from exercises.requests import services as request_services
from imago_app import routing as core_routing
from tests.factories import make_change_request, make_couple, make_partner, text

ORIGIN = [(b"origin", b"http://127.0.0.1")]
SECRET = "tea in bed on a quiet Sunday"


def as_user(user, patterns):
    inner = URLRouter(patterns)

    async def app(scope, receive, send):
        return await inner({**scope, "user": user}, receive, send)

    return app


@pytest.fixture
def sent(monkeypatch):
    """Every message the services hand to the channel layer."""
    layer = get_channel_layer()
    seen: list[tuple[str, dict]] = []
    original = layer.group_send

    async def record(group, message):
        seen.append((group, message))
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", record)
    return seen


@pytest.mark.django_db
def test_home_tells_each_partner_what_the_other_did_for_them(
    client_a, client_b, couple, partner_a, partner_b
):
    item = CaringItem.objects.create(couple=couple, owner=partner_a, text=SECRET)
    assert "lately" not in text(client_a.get(reverse("home")))
    gift = caring_services.caring_give(item=item, giver=partner_b)
    home_a = text(client_a.get(reverse("home")))
    assert f"From {partner_b.display_name}, lately" in home_a
    assert f"{partner_b.display_name} gave you this: {SECRET}" in home_a
    caring_services.caring_thank(gift=gift, receiver=partner_a)
    assert f"{partner_a.display_name} said thank you for: {SECRET}" in text(
        client_b.get(reverse("home"))
    )

    change = make_change_request(couple, partner_a, frustration="When you are late, I worry.")
    request_services.change_request_mirror(
        change=change, receiver=partner_b, mirror="What I heard is that you worry."
    )
    request_services.stretches_choose(
        change=change, giver=partner_b, request_ids=[change.requests.first().pk]
    )
    request_services.micro_stretch_pick(couple=couple, giver=partner_b, slug="hug")
    appreciation = appreciation_services.appreciation_offer(
        couple=couple, author=partner_a, about="action", text="the soup"
    )
    appreciation_services.appreciation_mirror(
        appreciation=appreciation, partner=partner_b, mirror="You liked the soup.", felt=""
    )
    home_a = text(client_a.get(reverse("home")))
    b = partner_b.display_name
    assert f"{b} mirrored your request: When you are late, I worry." in home_a
    assert f"{b} chose to give you: {change.requests.first().text}" in home_a
    assert f"{b} picked a micro-stretch for you: A ten-second hug" in home_a
    assert f"{b} mirrored your appreciation: You liked the soup." in home_a
    # What you did yourself is not news to you.
    home_b = text(client_b.get(reverse("home")))
    assert "gave you this" not in home_b and "mirrored your request" not in home_b
    assert f"{partner_a.display_name} appreciated you: the soup" in home_b


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_gift_and_its_thanks_arrive_live_and_the_layer_carries_no_text(sent):
    @database_sync_to_async
    def setup():
        alex, sam, jo = make_partner("Alex"), make_partner("Sam"), make_partner("Jo")
        couple = make_couple(alex, sam)
        make_couple(jo, make_partner("Ri"))
        item = CaringItem.objects.create(couple=couple, owner=sam, text=SECRET)
        return alex, sam, jo, item

    alex, sam, jo, item = await setup()
    sockets = {}
    for who, path, patterns in (
        ("sam-caring", "/ws/caring/", exercise_routing.websocket_urlpatterns),
        ("sam-home", "/ws/home/", core_routing.websocket_urlpatterns),
        ("alex-caring", "/ws/caring/", exercise_routing.websocket_urlpatterns),
        ("alex-home", "/ws/home/", core_routing.websocket_urlpatterns),
        ("jo-caring", "/ws/caring/", exercise_routing.websocket_urlpatterns),
    ):
        person = {"sam": sam, "alex": alex, "jo": jo}[who.split("-")[0]]
        comm = WebsocketCommunicator(as_user(person, patterns), path, headers=ORIGIN)
        assert (await comm.connect())[0]
        await comm.receive_from(timeout=3)  # the current panel
        sockets[who] = comm

    sent.clear()  # linking the couples told their homes too
    gift = await database_sync_to_async(caring_services.caring_give)(item=item, giver=alex)
    caring = await sockets["sam-caring"].receive_from(timeout=3)
    assert "Given to you lately" in caring and SECRET in caring and "Say thank you" in caring
    assert "Your partner gave you a caring behaviour." in caring
    home = await sockets["sam-home"].receive_from(timeout=3)
    assert f"Alex gave you this: {SECRET}" in home
    assert "Your partner gave you a caring behaviour." in home

    await database_sync_to_async(caring_services.caring_thank)(gift=gift, receiver=sam)
    caring = await sockets["alex-caring"].receive_from(timeout=3)
    assert "What you gave lately" in caring and "Sam said thank you." in caring
    home = await sockets["alex-home"].receive_from(timeout=3)
    assert f"Sam said thank you for: {SECRET}" in home

    assert await sockets["jo-caring"].receive_nothing()
    assert sent and all(SECRET not in repr(message) for _group, message in sent)
    assert {message["what"] for _group, message in sent} == {"caring_given", "caring_thanked"}
    for comm in sockets.values():
        await comm.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_requests_page_hears_its_request_mirrored_and_a_stretch_chosen_live():
    @database_sync_to_async
    def setup():
        alex, sam = make_partner("Alex"), make_partner("Sam")
        couple = make_couple(alex, sam)
        return alex, sam, make_change_request(couple, alex, frustration="When you are late.")

    alex, sam, change = await setup()
    comm = WebsocketCommunicator(
        as_user(alex, exercise_routing.websocket_urlpatterns), "/ws/requests/", headers=ORIGIN
    )
    assert (await comm.connect())[0]
    assert "Waiting for Sam" in await comm.receive_from(timeout=3)
    await database_sync_to_async(request_services.change_request_mirror)(
        change=change, receiver=sam, mirror="I heard you."
    )
    pushed = await comm.receive_from(timeout=3)
    assert "Mirrored by Sam" in pushed and "Your partner mirrored your request." in pushed
    first = await database_sync_to_async(lambda: change.requests.first().pk)()
    await database_sync_to_async(request_services.stretches_choose)(
        change=change, giver=sam, request_ids=[first]
    )
    pushed = await comm.receive_from(timeout=3)
    assert "Sam gives it" in pushed and "Your partner chose a stretch to give you." in pushed
    await comm.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/caring/", "/ws/requests/"])
async def test_someone_without_a_linked_couple_cannot_open_these_sockets(path):
    loner = await database_sync_to_async(make_partner)("Lee")
    comm = WebsocketCommunicator(
        as_user(loner, exercise_routing.websocket_urlpatterns), path, headers=ORIGIN
    )
    assert (await comm.connect())[0]
    assert 'data-close-code="4404"' in (await comm.receive_output(timeout=3))["text"]
    assert (await comm.receive_output(timeout=3))["code"] == 4404
    await comm.disconnect()
