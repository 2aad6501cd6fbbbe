"""Homework counts what was done from the moment it was set, not what came before it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from exercises.appreciation import services as appreciations
from exercises.caring.models import CaringItem, Gift
from imago_app.models import Homework
from tests.factories import make_link, text


def exchange(couple, author, partner) -> None:
    appreciation = appreciations.appreciation_offer(
        couple=couple, author=author, about="action", text="You cooked tonight."
    )
    appreciations.appreciation_mirror(
        appreciation=appreciation, partner=partner, mirror="You liked that I cooked.", felt=""
    )


@pytest.mark.django_db
def test_homework_set_after_the_days_appreciation_counts_from_then(
    client, client_b, couple, partner_a, partner_b
):
    exchange(couple, partner_a, partner_b)  # this morning, before the appointment
    therapist = make_link(couple).therapist
    client.force_login(therapist)
    ends = (timezone.localdate() + timedelta(days=7)).isoformat()
    client.post(
        reverse("therapist_homework", args=[couple.pk]),
        {"kind": "appreciation", "frequency": "every day", "ends_on": ends},
    )
    assert Homework.objects.count() == 1
    home = text(client_b.get(reverse("home")))
    assert "Exchange an appreciation" in home and "Done 0 times so far." in home
    record = text(client.get(reverse("therapist_couple", args=[couple.pk])))
    assert "Done 0 times so far." in record

    exchange(couple, partner_b, partner_a)  # after it was set, the same day
    assert "Done 1 time so far." in text(client_b.get(reverse("home")))


@pytest.mark.django_db
def test_a_gift_given_a_minute_before_the_homework_is_not_follow_through(couple, partner_a):
    from imago_app.pages.homework import with_progress

    now = timezone.now()
    item = CaringItem.objects.create(couple=couple, owner=partner_a, text="tea in bed")
    Gift.objects.create(item=item, giver=partner_a, given_at=now - timedelta(minutes=1))
    homework = Homework.objects.create(
        couple=couple,
        therapist=make_link(couple).therapist,
        kind="caring",
        frequency="one a day",
        ends_on=timezone.localdate() + timedelta(days=7),
        created_at=now,
    )
    Gift.objects.create(item=item, giver=partner_a, given_at=now + timedelta(minutes=1))
    assert with_progress(couple, [homework])[0]["done"] == 1
