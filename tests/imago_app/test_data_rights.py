import json

import pytest
from django.urls import reverse

from dialogue import services as dialogue_services
from dialogue.models import Event, Reflection
from exercises.appreciation import services as appreciation_services
from exercises.appreciation.models import Appreciation
from imago_app.models import Couple, TherapistLink, User
from tests.factories import PASSWORD, make_dialogue, make_link, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(couple, partner_a, partner_b):
    dialogue = make_dialogue(couple, partner_a, topic="Sunday")
    for who, kind, fields in [
        (partner_b, "accept", {}),
        (partner_a, "check_in", {"level": 4}),
        (partner_b, "check_in", {"level": 9}),
        (partner_a, "send", {"text": "alex-words"}),
        (partner_b, "mirror", {"text": "sam-words"}),
        (partner_a, "leave", {}),
    ]:
        dialogue_services.dialogue_move(
            dialogue_id=dialogue.pk, partner=who, kind=kind, key=f"{kind}-{who.pk}", **fields
        )
    Reflection.objects.create(dialogue=dialogue, author=partner_a, text="alex-private")
    a = appreciation_services.appreciation_offer(
        couple=couple, author=partner_b, about="action", text="sam-appreciates"
    )
    appreciation_services.appreciation_mirror(
        appreciation=a, partner=partner_a, mirror="alex-mirror", felt="alex-felt"
    )
    return dialogue


def test_a_partner_downloads_what_they_wrote_and_not_their_partners_words(client_a, history):
    response = client_a.get(reverse("account_export"))
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    dumped = json.dumps(data)
    assert data["account"]["name"] == "Alex"
    assert "alex-words" in dumped and "alex-private" in dumped and "alex-mirror" in dumped
    assert "sam-words" not in dumped
    assert [
        t["details"].get("level") for t in data["dialogue_turns"] if t["move"] == "check_in"
    ] == [4]


def test_the_page_says_what_deleting_does_first(client_a, history):
    page = text(client_a.get(reverse("account_data")))
    assert "Your couple closes, for both of you" in page
    assert "What your partner wrote stays theirs" in page
    # The download's own promise, kept by tests/imago_app/test_export_complete.py.
    assert "It holds what you wrote back to your partner too: your mirrors" in page


def test_a_wrong_password_deletes_nothing(client_a, history, partner_a):
    client_a.post(reverse("account_delete"), {"password": "wrong"})
    assert User.objects.filter(pk=partner_a.pk).exists()


def test_deleting_an_account_removes_what_they_wrote_and_keeps_the_partners(
    client_a, history, couple, partner_a, partner_b, therapist
):
    make_link(couple, therapist)
    client_a.post(reverse("account_delete"), {"password": PASSWORD})
    assert not User.objects.filter(pk=partner_a.pk).exists()
    assert Couple.objects.get(pk=couple.pk).ended_at is not None
    assert not TherapistLink.objects.current().filter(couple=couple).exists()
    texts = list(Event.objects.values_list("text", flat=True))
    assert "alex-words" not in texts and "sam-words" in texts
    assert not Reflection.objects.filter(text="alex-private").exists()
    appreciation = Appreciation.objects.get()
    assert appreciation.text == "sam-appreciates" and appreciation.mirror == ""
    # Signed out, and Sam's own export still holds Sam's words.
    assert client_a.get(reverse("account_data")).status_code == 302
    client_a.force_login(partner_b)
    assert "sam-words" in client_a.get(reverse("account_export")).content.decode()


def test_therapists_have_no_partner_data_pages(client, therapist):
    client.force_login(therapist)
    for name in ("account_data", "account_export"):
        assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse("account_delete"), {"password": PASSWORD}).status_code == 404
