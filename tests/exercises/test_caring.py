import re

import pytest
from django.urls import reverse

from exercises.caring.models import CaringItem, Gift, NotReady
from tests.factories import text
from tests.queries import page_queries

pytestmark = pytest.mark.django_db

GOOD = {"text": "bring me tea in bed on Sunday mornings", "when": "now", "importance": "1"}


def add(client, **fields):
    return client.post(reverse("caring_add"), {**GOOD, **fields})


def test_an_owner_adds_lists_edits_and_deletes_items(client_a, couple, partner_a):
    assert add(client_a).status_code == 302
    item = CaringItem.objects.get()
    assert (item.owner, item.couple, item.importance) == (partner_a, couple, 1)
    assert GOOD["text"] in text(client_a.get(reverse("caring")))
    client_a.post(
        reverse("caring_edit", args=[item.pk]),
        {**GOOD, "text": "sit with me after dinner for ten minutes"},
    )
    item.refresh_from_db()
    assert item.text == "sit with me after dinner for ten minutes"
    client_a.post(reverse("caring_delete", args=[item.pk]))
    assert not CaringItem.objects.exists()


def test_a_negative_or_vague_item_gets_a_hint_and_is_not_saved(client_a, couple):
    page = text(add(client_a, text="stop working late"))
    assert "not something to stop" in page
    assert "Keep it as I wrote it" in page
    assert not CaringItem.objects.exists()


def test_the_owner_may_keep_an_item_as_written(client_a, couple):
    add(client_a, text="be nicer to me", keep_as_written="on")
    assert CaringItem.objects.get().kept_as_written


def test_the_partner_reads_the_list_gives_and_the_owner_says_thank_you(
    client, client_a, couple, partner_a, partner_b
):
    add(client_a)
    item = CaringItem.objects.get()
    client.force_login(partner_b)
    page = text(client.get(reverse("caring")))
    assert "Alex feels loved when you" in page and GOOD["text"] in page
    assert "For today, you could" in page
    client.post(reverse("caring_give", args=[item.pk]))
    gift = Gift.objects.get()
    assert gift.giver == partner_b
    assert "This week you gave 1 caring behaviour." in text(client.get(reverse("caring")))
    client.force_login(partner_a)
    page = text(client.get(reverse("caring")))
    assert "Sam: " + GOOD["text"] in page
    client.post(reverse("caring_thank", args=[gift.pk]))
    gift.refresh_from_db()
    assert gift.thanked_at is not None


def test_not_ready_is_never_shown_to_the_owner(client, client_a, couple, partner_a, partner_b):
    add(client_a)
    item = CaringItem.objects.get()
    client.force_login(partner_b)
    client.post(reverse("caring_not_ready", args=[item.pk]))
    assert NotReady.objects.filter(item=item, giver=partner_b).exists()
    assert "I'm ready for this one now" in text(client.get(reverse("caring")))
    client.force_login(partner_a)
    page = text(client.get(reverse("caring")))
    assert "ready" not in page.lower().replace("already", "")


def test_there_is_no_tally_comparing_partners(client, client_a, couple, partner_a, partner_b):
    add(client_a)
    item = CaringItem.objects.get()
    client.force_login(partner_b)
    for _ in range(3):
        client.post(reverse("caring_give", args=[item.pk]))
    client.force_login(partner_a)
    page = text(client.get(reverse("caring")))
    assert "This week you gave 0 caring behaviours." in page
    giving = re.sub(r"<[^>]+>", " ", page.split("Your giving")[1].split("Given to you")[0])
    assert "3" not in giving


def test_a_partner_cannot_give_from_their_own_list_or_edit_the_others(
    client, client_a, couple, partner_b
):
    add(client_a)
    item = CaringItem.objects.get()
    assert client_a.post(reverse("caring_give", args=[item.pk])).status_code == 404
    client.force_login(partner_b)
    assert client.post(reverse("caring_edit", args=[item.pk]), GOOD).status_code == 404
    assert client.post(reverse("caring_delete", args=[item.pk])).status_code == 404
    assert CaringItem.objects.count() == 1 and not Gift.objects.exists()


def test_the_page_costs_the_same_queries_with_5_or_50_items(client, couple, partner_a, partner_b):
    def grow_to(count: int) -> None:
        for n in range(CaringItem.objects.filter(owner=partner_a).count(), count):
            for owner, giver in ((partner_a, partner_b), (partner_b, partner_a)):
                item = CaringItem.objects.create(couple=couple, owner=owner, text=f"thing {n}")
                Gift.objects.create(item=item, giver=giver)
                NotReady.objects.create(item=item, giver=giver)

    client.force_login(partner_a)
    grow_to(5)
    with_5 = page_queries(client, reverse("caring"))
    grow_to(50)
    assert page_queries(client, reverse("caring")) == with_5
