from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import reverse
from django.utils import timezone

from exercises import routing
from exercises.appreciation import services
from exercises.appreciation.models import Appreciation
from tests.factories import make_couple, make_partner, text
from tests.queries import page_queries

OFFER = {"about": "action", "text": "You made soup when I was ill."}


@pytest.mark.django_db
def test_a_partner_offers_and_the_other_mirrors_and_says_how_it_felt(
    client, client_a, couple, partner_a, partner_b
):
    client_a.post(reverse("appreciations"), OFFER)
    appreciation = Appreciation.objects.get()
    assert "Waiting for Sam to mirror it." in text(client_a.get(reverse("appreciations")))
    client.force_login(partner_b)
    page = text(client.get(reverse("appreciations")))
    assert "Alex appreciates you" in page and OFFER["text"] in page
    client.post(
        reverse("appreciation_mirror", args=[appreciation.pk]),
        {"mirror": "What I heard you appreciate is the soup.", "felt": "Warm."},
    )
    appreciation.refresh_from_db()
    assert appreciation.mirrored_at and appreciation.felt == "Warm."
    client.force_login(partner_a)
    page = text(client.get(reverse("appreciations")))
    assert "Mirrored: What I heard you appreciate is the soup." in page
    assert "1 day in a row, together." in page


@pytest.mark.django_db
def test_an_empty_mirror_is_refused_and_changes_nothing(client, couple, partner_a, partner_b):
    appreciation = services.appreciation_offer(couple=couple, author=partner_a, **OFFER)
    client.force_login(partner_b)
    response = client.post(
        reverse("appreciation_mirror", args=[appreciation.pk]),
        {"mirror": "What I heard you appreciate is "},
        follow=True,
    )
    assert "Say back what you heard" in text(response)
    appreciation.refresh_from_db()
    assert appreciation.mirrored_at is None


@pytest.mark.django_db
def test_an_author_cannot_mirror_their_own(client_a, couple, partner_a):
    appreciation = services.appreciation_offer(couple=couple, author=partner_a, **OFFER)
    response = client_a.post(
        reverse("appreciation_mirror", args=[appreciation.pk]), {"mirror": "mine"}
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_calendar_shows_shared_days_and_never_who_gave_more(
    client_a, couple, partner_a, partner_b
):
    for days_ago, author in [(0, partner_a), (1, partner_b), (1, partner_b), (3, partner_a)]:
        a = services.appreciation_offer(couple=couple, author=author, **OFFER)
        Appreciation.objects.filter(pk=a.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago),
            mirrored_at=timezone.now(),
            mirror="heard",
        )
    page = text(client_a.get(reverse("appreciations")))
    assert "2 days in a row, together." in page
    assert page.count("appreciation exchanged") == 3
    assert "Alex: " not in page and "Sam: " not in page


@pytest.mark.django_db
def test_the_page_costs_the_same_queries_with_5_or_50(client_a, couple, partner_a, partner_b):
    def grow_to(count):
        for n in range(Appreciation.objects.count(), count):
            author = partner_a if n % 2 else partner_b
            a = services.appreciation_offer(couple=couple, author=author, **OFFER)
            if n % 3:
                services.appreciation_mirror(
                    appreciation=a,
                    partner=partner_b if author == partner_a else partner_a,
                    mirror="heard",
                    felt="",
                )

    grow_to(5)
    with_5 = page_queries(client_a, reverse("appreciations"))
    grow_to(50)
    assert page_queries(client_a, reverse("appreciations")) == with_5


def as_user(user):
    inner = URLRouter(routing.websocket_urlpatterns)

    async def app(scope, receive, send):
        return await inner({**scope, "user": user}, receive, send)

    return app


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_appreciation_arrives_live_and_nothing_reaches_another_couple():
    @database_sync_to_async
    def setup():
        alex, sam, jo = make_partner("Alex"), make_partner("Sam"), make_partner("Jo")
        couple = make_couple(alex, sam)
        make_couple(jo, make_partner("Ri"))
        return alex, sam, jo, couple

    alex, sam, jo, couple = await setup()
    sockets = []
    for who in (sam, jo):
        comm = WebsocketCommunicator(
            as_user(who), "/ws/appreciations/", headers=[(b"origin", b"http://127.0.0.1")]
        )
        assert (await comm.connect())[0]
        await comm.receive_from()  # the current panel
        sockets.append(comm)
    sam_socket, jo_socket = sockets
    await database_sync_to_async(services.appreciation_offer)(couple=couple, author=alex, **OFFER)
    pushed = await sam_socket.receive_from()
    assert "Alex appreciates you" in pushed and "soup" in pushed
    assert await jo_socket.receive_nothing()
    for comm in sockets:
        await comm.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_partner_without_a_linked_couple_cannot_connect():
    loner = await database_sync_to_async(make_partner)("Lee")
    comm = WebsocketCommunicator(
        as_user(loner), "/ws/appreciations/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    assert (await comm.connect())[0]
    assert 'data-close-code="4404"' in (await comm.receive_output())["text"]
    assert (await comm.receive_output())["code"] == 4404
    await comm.disconnect()


@pytest.mark.django_db
def test_the_author_edits_and_takes_back_an_unmirrored_appreciation(
    client_a, client_b, couple, partner_a, partner_b
):
    appreciation = services.appreciation_offer(couple=couple, author=partner_a, **OFFER)
    client_a.post(
        reverse("appreciation_edit", args=[appreciation.pk]),
        {"about": "trait", "text": "Your patience with me."},
    )
    appreciation.refresh_from_db()
    assert (appreciation.about, appreciation.text) == ("trait", "Your patience with me.")
    # The partner cannot change it; once mirrored, nobody can.
    assert client_b.post(reverse("appreciation_delete", args=[appreciation.pk])).status_code == 404
    services.appreciation_mirror(
        appreciation=appreciation, partner=partner_b, mirror="heard", felt=""
    )
    assert client_a.post(reverse("appreciation_delete", args=[appreciation.pk])).status_code == 404
    other = services.appreciation_offer(couple=couple, author=partner_a, **OFFER)
    client_a.post(reverse("appreciation_delete", args=[other.pk]))
    assert list(Appreciation.objects.values_list("pk", flat=True)) == [appreciation.pk]


@pytest.mark.django_db
def test_the_calendar_is_a_table_with_weekday_and_month_labels(client_a, couple):
    page = text(client_a.get(reverse("appreciations")))
    calendar = page[page.index('<table class="calendar">') : page.index("</table>")]
    assert "<caption>The last four weeks," in calendar
    for long in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        assert f'<th scope="col"><abbr title="{long}">{long[:3]}</abbr></th>' in calendar
    first = timezone.localdate() - timedelta(days=27)
    assert f'<span class="month">{first:%b}</span>' in calendar
    assert calendar.count("<tr>") >= 5  # the weekdays, then four or five weeks
    assert f"{timezone.localdate():%A %-d %B} (today)" in calendar
