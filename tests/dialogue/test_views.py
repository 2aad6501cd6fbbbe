import pytest
from django.urls import reverse

from dialogue.models import Dialogue, Event
from tests.factories import (
    make_couple,
    make_dialogue,
    make_link,
    make_partner,
    make_therapist,
    text,
)

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


def test_each_half_of_a_shared_screen_gets_hints_in_its_own_box(client_a):
    far = client_a.post(reverse("dialogue_hint"), {"text": "You never", "hints_id": "far-hints"})
    assert 'id="far-hints"' in text(far)
    odd = client_a.post(reverse("dialogue_hint"), {"text": "You never", "hints_id": '"><b>'})
    assert 'id="hints"' in text(odd) and "<b>" not in text(odd)


def test_a_partner_without_a_couple_cannot_start(client):
    client.force_login(make_partner())
    response = client.post(
        reverse("dialogue_start"), {"mode": "written", "device": "two_devices", "key": "x" * 16}
    )
    assert response.status_code == 404
    make_couple()
    assert not Dialogue.objects.exists()


def test_a_time_box_counts_down_calmly_and_never_cuts_off(client, couple, partner_a, partner_b):
    from datetime import timedelta

    from dialogue import services
    from dialogue.models import Dialogue

    dialogue = make_dialogue(couple, partner_a, timebox_minutes=30)
    services.dialogue_move(
        dialogue_id=dialogue.pk, partner=partner_b, kind="accept", key="accept-key-1"
    )
    client.force_login(partner_a)
    assert "About 30 minutes left." in text(client.get(reverse("dialogue", args=[dialogue.pk])))
    snapshot = Dialogue.objects.get().snapshot
    snapshot["began_at"] = (Dialogue.objects.get().created_at - timedelta(minutes=45)).isoformat()
    Dialogue.objects.filter(pk=dialogue.pk).update(snapshot=snapshot)
    page = text(client.get(reverse("dialogue", args=[dialogue.pk])))
    assert "Time's up. Finish the step you're on" in page
    # Nobody is cut off: the check-in is still there to do.
    assert "how settled do you feel" in page


def ended_dialogue(couple, a, b):
    from dialogue import services

    dialogue = make_dialogue(couple, a)
    for who, kind, fields in [
        (b, "accept", {}),
        (a, "check_in", {"level": 7}),
        (b, "check_in", {"level": 2}),
        (b, "leave", {}),
    ]:
        services.dialogue_move(
            dialogue_id=dialogue.pk, partner=who, kind=kind, key=f"{kind}-{who.pk}-key", **fields
        )
    return dialogue


def test_reflections_are_private_to_their_author(client, couple, partner_a, partner_b):
    from dialogue.models import Reflection

    dialogue = ended_dialogue(couple, partner_a, partner_b)
    url = reverse("dialogue_transcript", args=[dialogue.pk])
    client.force_login(partner_a)
    client.post(
        url, {"text": "Something only I should read.", "unmet_need": "chosen", "shared": "on"}
    )
    reflection = Reflection.objects.get()
    assert (reflection.author, reflection.unmet_need, reflection.shared) == (
        partner_a,
        "chosen",
        True,
    )
    own = text(client.get(url))
    assert "Something only I should read." in own and 'value="chosen" selected' in own
    client.force_login(partner_b)
    page = text(client.get(url))
    assert "Something only I should read." not in page
    assert 'value="chosen" selected' not in page


def test_the_transcript_hides_the_other_partners_check_in(client, couple, partner_a, partner_b):
    dialogue = ended_dialogue(couple, partner_a, partner_b)
    client.force_login(partner_a)
    page = text(client.get(reverse("dialogue_transcript", args=[dialogue.pk])))
    assert "You checked in at 7 out of 10." in page
    assert "2 out of 10" not in page
    assert "The dialogue stopped here." in page
    assert "Sam stopped" not in page


def test_the_unmet_needs_come_from_data(client, couple, partner_a, partner_b):
    from dialogue import vocabulary

    dialogue = ended_dialogue(couple, partner_a, partner_b)
    client.force_login(partner_a)
    page = text(client.get(reverse("dialogue_transcript", args=[dialogue.pk])))
    for need in vocabulary.unmet_needs():
        assert need["label"] in page
    assert [n["slug"] for n in vocabulary.unmet_needs()] == [
        "seen",
        "safe",
        "valued",
        "prioritized",
        "important",
        "chosen",
    ]


def test_an_open_dialogue_has_no_transcript_yet(client, couple, partner_a):
    dialogue = make_dialogue(couple, partner_a)
    client.force_login(partner_a)
    response = client.get(reverse("dialogue_transcript", args=[dialogue.pk]))
    assert response["Location"] == reverse("dialogue", args=[dialogue.pk])


def test_a_partner_shares_a_transcript_with_the_therapist_from_its_page(
    client, couple, partner_a, partner_b
):
    from dialogue.models import DialogueShare

    make_link(couple, make_therapist("Dr Lee"))
    dialogue = ended_dialogue(couple, partner_a, partner_b)
    url = reverse("dialogue_transcript", args=[dialogue.pk])
    client.force_login(partner_a)
    assert "They read the words only if you both share them." in text(client.get(url))
    client.post(url, {"share": "1"})
    assert "shared only once your partner agrees too" in text(client.get(url))
    client.force_login(partner_b)
    client.post(url, {"share": "1"})
    assert "Your partner did too, so Dr Lee can read them." in text(client.get(url))
    client.post(url, {"share": "0"})
    assert list(DialogueShare.objects.values_list("partner", flat=True)) == [partner_a.pk]


def test_the_dialogue_page_costs_the_same_however_long_the_dialogue(
    client, couple, partner_a, partner_b
):
    from dialogue import services
    from tests.queries import page_queries

    dialogue = make_dialogue(couple, partner_a)
    steps = iter(range(10_000))

    def move(who, kind, **fields):
        services.dialogue_move(
            dialogue_id=dialogue.pk, partner=who, kind=kind, key=f"move-{next(steps)}", **fields
        )

    move(partner_b, "accept")
    move(partner_a, "check_in", level=7)
    move(partner_b, "check_in", level=7)

    def a_round(sender, receiver):
        move(sender, "send", text="words")
        move(receiver, "mirror", text="words back")
        move(sender, "confirm")
        move(sender, "no_more")
        for kind in ("summarize", "validate", "empathize"):
            move(receiver, kind, text="words back")
            move(sender, "confirm")
        move(sender, "switch")

    client.force_login(partner_a)
    url = reverse("dialogue", args=[dialogue.pk])
    a_round(partner_a, partner_b)
    after_one = page_queries(client, url)
    for n in range(6):
        a_round(*((partner_b, partner_a) if n % 2 == 0 else (partner_a, partner_b)))
    assert page_queries(client, url) == after_one


def test_the_transcript_says_truly_who_sees_it(client, couple, partner_a, partner_b):
    dialogue = ended_dialogue(couple, partner_a, partner_b)
    url = reverse("dialogue_transcript", args=[dialogue.pk])
    client.force_login(partner_a)
    page = text(client.get(url))
    # No therapist: nothing is said about one, and there is nobody to share with.
    assert "No therapist is linked to your couple, so nobody else sees" in page
    assert "outline" not in page and "Share the words" not in page
    assert "No therapist is linked now." in page
    # A therapist who joined, before both agreed: they see nothing yet.
    link = make_link(couple, make_therapist("Dr Lee"), consent=False)
    page = text(client.get(url))
    assert "Dr Lee has joined but sees nothing until you both agree" in page
    assert "Dr Lee reads it only once you both agree" in page
    # Both agreed: the outline is theirs to see.
    from imago_app import services as core

    core.therapist_consent_give(link=link, partner=partner_b)
    page = text(client.get(url))
    assert "Dr Lee sees this dialogue's outline" in page
    assert "Share this reflection with Dr Lee" in page


def test_the_request_form_says_who_sees_the_topic(client_a, couple, partner_b):
    page = text(client_a.get(reverse("home")))
    assert "outline" not in page
    link = make_link(couple, make_therapist("Dr Lee"), consent=False)
    assert "If you both agree to Dr Lee's access, they will see the topic" in text(
        client_a.get(reverse("home"))
    )
    from imago_app import services as core

    core.therapist_consent_give(link=link, partner=partner_b)
    assert "Dr Lee, your therapist, will see the topic in the dialogue's outline." in text(
        client_a.get(reverse("home"))
    )


def test_the_check_in_says_truly_who_sees_the_number(client, couple, partner_a, partner_b):
    from dialogue import services

    dialogue = make_dialogue(couple, partner_a)
    services.dialogue_move(dialogue_id=dialogue.pk, partner=partner_b, kind="accept", key="k" * 9)
    client.force_login(partner_a)
    url = reverse("dialogue", args=[dialogue.pk])
    assert "Only you will see this number." in text(client.get(url))
    link = make_link(couple, make_therapist("Dr Lee"), consent=False)
    page = text(client.get(url))
    assert "Only you will see" not in page
    assert "Sam won't see this number." in page
    assert "If you both agree to Dr Lee seeing your record, Dr Lee will see it" in page
    from imago_app import services as core

    core.therapist_consent_give(link=link, partner=partner_b)
    page = text(client.get(url))
    assert "Dr Lee, your therapist, will see it in this dialogue's outline." in page


def test_on_one_screen_the_check_in_says_the_partner_may_see_the_number(partner_b, therapist):
    from dialogue.screens import check_in_privacy

    alone = check_in_privacy(other=partner_b, shared=True, therapist=(None, False))
    assert alone == (
        "Sam is at this screen with you and may see the number you tap. Nobody else will."
    )
    agreed = check_in_privacy(other=partner_b, shared=True, therapist=(therapist, True))
    assert agreed.endswith("Dr Lee, your therapist, will see it in this dialogue's outline.")
    assert "Only you" not in alone + agreed


def test_the_transcript_shows_who_said_what_not_by_colour_alone(
    client, couple, partner_a, partner_b
):
    from dialogue import services

    dialogue = make_dialogue(couple, partner_a)
    for who, kind, fields in [
        (partner_b, "accept", {}),
        (partner_a, "check_in", {"level": 7}),
        (partner_b, "check_in", {"level": 7}),
        (partner_a, "send", {"text": "I felt alone."}),
        (partner_b, "mirror", {"text": "You felt alone."}),
        (partner_b, "leave", {}),
    ]:
        services.dialogue_move(
            dialogue_id=dialogue.pk, partner=who, kind=kind, key=f"{kind}-{who.pk}-t", **fields
        )
    client.force_login(partner_a)
    html = client.get(reverse("dialogue_transcript", args=[dialogue.pk])).content.decode()
    mine = html.index('<li class="said mine">')
    theirs = html.index('<li class="said theirs">')
    # Each entry names its speaker in words and carries a badge: "You", or the partner's initial.
    assert '<span class="who-mark" aria-hidden="true">You</span> You shared:' in html[mine:]
    assert '<span class="who-mark" aria-hidden="true">S</span> Sam mirrored:' in html[theirs:]
