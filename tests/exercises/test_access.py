"""Every exercise URL, tried by people it does not belong to."""

import pytest
from django.urls import reverse

from exercises.appreciation.models import Appreciation
from exercises.caring.models import CaringItem, Gift, NotReady
from exercises.requests.models import ChangeRequest, Repair, Stretch, StretchLog
from tests.factories import make_exercises, make_partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(couple, partner_a, partner_b):
    made = make_exercises(couple, partner_a, partner_b)
    return tuple(made[k] for k in ("item", "gift", "appreciation", "change", "stretch", "repair"))


def urls(objects):
    item, gift, appreciation, change, stretch, repair = objects
    return [
        ("get", reverse("exercises")),
        ("get", reverse("caring")),
        ("post", reverse("caring_add")),
        ("post", reverse("caring_edit", args=[item.pk])),
        ("post", reverse("caring_delete", args=[item.pk])),
        ("post", reverse("caring_give", args=[item.pk])),
        ("post", reverse("caring_not_ready", args=[item.pk])),
        ("post", reverse("caring_thank", args=[gift.pk])),
        ("get", reverse("appreciations")),
        ("post", reverse("appreciations")),
        ("post", reverse("appreciation_mirror", args=[appreciation.pk])),
        ("post", reverse("appreciation_edit", args=[appreciation.pk])),
        ("post", reverse("appreciation_delete", args=[appreciation.pk])),
        ("get", reverse("requests")),
        ("post", reverse("change_request_new")),
        ("get", reverse("change_request", args=[change.pk])),
        ("post", reverse("change_request_edit", args=[change.pk])),
        ("post", reverse("change_request_delete", args=[change.pk])),
        ("post", reverse("change_request_mirror", args=[change.pk])),
        ("post", reverse("stretches_choose", args=[change.pk])),
        ("get", reverse("stretch", args=[stretch.pk])),
        ("post", reverse("stretch_log", args=[stretch.pk])),
        ("post", reverse("stretch_review", args=[stretch.pk])),
        ("post", reverse("stretch_library")),
        ("post", reverse("repair_new")),
        ("post", reverse("repair", args=[repair.pk])),
    ]


def snapshot():
    return [
        list(model.objects.order_by("pk").values())
        for model in (
            CaringItem,
            Gift,
            NotReady,
            Appreciation,
            ChangeRequest,
            Stretch,
            StretchLog,
            Repair,
        )
    ]


def test_another_couple_gets_404_everywhere_and_changes_nothing(client, objects, outsider):
    client.force_login(outsider)
    before = snapshot()
    for method, url in urls(objects):
        if url in (
            reverse("exercises"),
            reverse("caring"),
            reverse("appreciations"),
            reverse("requests"),
            reverse("caring_add"),
            reverse("change_request_new"),
            reverse("stretch_library"),
            reverse("repair_new"),
        ):
            continue  # their own couple's pages: allowed, and about their couple only
        assert getattr(client, method)(url, {"text": "x"}).status_code == 404, url
    assert snapshot() == before


def test_the_outsiders_own_pages_show_nothing_of_this_couple(client, objects, outsider):
    client.force_login(outsider)
    for name in ("caring", "appreciations", "requests"):
        page = client.get(reverse(name)).content.decode()
        assert "tea in bed" not in page and "soup" not in page


def test_a_partner_without_a_linked_couple_gets_404_everywhere(client, objects):
    client.force_login(make_partner("Lee"))
    before = snapshot()
    for method, url in urls(objects):
        assert getattr(client, method)(url).status_code == 404, url
    assert snapshot() == before


def test_a_visitor_is_sent_to_sign_in_everywhere(client, objects):
    before = snapshot()
    for method, url in urls(objects):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    assert snapshot() == before
