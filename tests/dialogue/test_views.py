import pytest
from django.urls import reverse

from dialogue.models import Dialogue, Event
from tests.factories import make_couple, make_dialogue, make_partner, text

pytestmark = pytest.mark.django_db


def test_a_partner_asks_for_a_dialogue_from_home(client_a, couple):
    page = text(client_a.get(reverse("home")))
    assert "Ask Sam for a dialogue" in page
    response = client_a.post(
        reverse("dialogue_start"),
        {
            "topic": "Sunday",
            "mode": "written",
            "device": "two_devices",
            "timebox": "30",
            "key": "k" * 16,
        },
    )
    dialogue = Dialogue.objects.get()
    assert response["Location"] == reverse("dialogue", args=[dialogue.pk])
    assert (dialogue.topic, dialogue.timebox_minutes) == ("Sunday", 30)
    page = text(client_a.get(response["Location"]))
    assert "Waiting for Sam to answer." in page


def test_the_other_partner_sees_the_request_on_their_home(client, couple, partner_a, partner_b):
    dialogue = make_dialogue(couple, partner_a, topic="Sunday")
    client.force_login(partner_b)
    page = text(client.get(reverse("home")))
    assert "Alex would like a dialogue" in page and "Sunday" in page
    page = text(client.get(reverse("dialogue", args=[dialogue.pk])))
    assert "Yes, now is good" in page


def test_moves_work_without_javascript(client, couple, partner_a, partner_b):
    dialogue = make_dialogue(couple, partner_a)
    client.force_login(partner_b)
    response = client.post(
        reverse("dialogue_move", args=[dialogue.pk]), {"move": "accept", "key": "abcdefgh12"}
    )
    assert response.status_code == 302
    assert list(Event.objects.values_list("kind", flat=True)) == ["request", "accept"]


def test_an_illegal_move_without_javascript_is_explained(client, couple, partner_a):
    dialogue = make_dialogue(couple, partner_a)
    client.force_login(partner_a)
    response = client.post(
        reverse("dialogue_move", args=[dialogue.pk]),
        {"move": "accept", "key": "abcdefgh12"},
        follow=True,
    )
    assert "Your partner answers the request" in text(response)
    assert Event.objects.count() == 1


def test_another_couples_dialogue_is_a_404_everywhere(client, couple, partner_a, outsider):
    dialogue = make_dialogue(couple, partner_a)
    client.force_login(outsider)
    for method, name in [
        ("get", "dialogue"),
        ("post", "dialogue_move"),
        ("get", "dialogue_transcript"),
        ("post", "dialogue_transcript"),
    ]:
        assert getattr(client, method)(reverse(name, args=[dialogue.pk])).status_code == 404
    assert Event.objects.count() == 1


def test_a_visitor_is_sent_to_sign_in(client, couple, partner_a):
    dialogue = make_dialogue(couple, partner_a)
    response = client.get(reverse("dialogue", args=[dialogue.pk]))
    assert response["Location"].startswith(reverse("login"))


def test_a_couple_has_one_open_dialogue_at_a_time(client_a, couple, partner_a):
    make_dialogue(couple, partner_a)
    client_a.post(
        reverse("dialogue_start"),
        {"mode": "written", "device": "two_devices", "key": "x" * 16},
        follow=True,
    )
    assert Dialogue.objects.count() == 1


def test_hints_for_a_long_or_blaming_piece(client_a):
    response = client_a.post(reverse("dialogue_hint"), {"text": "You always forget."})
    assert "you always" in text(response)
    assert 'id="hints"' in text(response)
    calm = client_a.post(reverse("dialogue_hint"), {"text": "I felt alone on Sunday."})
    assert "<p>" not in text(calm)


def test_a_partner_without_a_couple_cannot_start(client):
    client.force_login(make_partner())
    response = client.post(
        reverse("dialogue_start"), {"mode": "written", "device": "two_devices", "key": "x" * 16}
    )
    assert response.status_code == 404
    make_couple()
    assert not Dialogue.objects.exists()
