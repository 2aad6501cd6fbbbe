"""When one partner leaves or deletes their account, the other is told, kindly, that the couple
has closed; their own words stay readable to them; pages of the closed couple say so calmly to
a former partner and stay a 404 to anyone else."""

import re

import pytest
from django.urls import reverse

from dialogue import services as dialogue_services
from exercises.appreciation import services as appreciation_services
from exercises.caring import services as caring_services
from imago_app import access, services
from imago_app.models import Couple
from tests.factories import PASSWORD, make_change_request, make_dialogue
from tests.factories import text as html_text


def text(response) -> str:
    """What the page says, without its tags (a name sits in its own element)."""
    return re.sub(r"<[^>]+>", "", html_text(response))


pytestmark = pytest.mark.django_db

ALEX_WORDS = [
    "alex-reflects",
    "alex-loves-tea",
    "alex-appreciates",
    "alex-frustration",
    "alex-said",
]
SAM_WORDS = ["sam-reflects", "sam-loves-walks", "sam-appreciates", "sam-frustration", "sam-said"]


@pytest.fixture
def history(couple, partner_a, partner_b):
    """Each partner's own words in each practice."""
    dialogue = make_dialogue(couple, partner_a)
    for who, kind, fields in [
        (partner_b, "accept", {}),
        (partner_a, "check_in", {"level": 6}),
        (partner_b, "check_in", {"level": 6}),
        (partner_a, "send", {"text": "alex-said"}),
        (partner_b, "mirror", {"text": "sam-said"}),
        (partner_a, "leave", {}),
    ]:
        dialogue_services.dialogue_move(
            dialogue_id=dialogue.pk, partner=who, kind=kind, key=f"{kind}-{who.pk}", **fields
        )
    dialogue.refresh_from_db()
    for who, name, thing in [(partner_a, "alex", "tea"), (partner_b, "sam", "walks")]:
        dialogue_services.reflection_save(
            dialogue=dialogue, partner=who, text=f"{name}-reflects", unmet_need="", shared=False
        )
        caring_services.caring_item_save(
            couple=couple,
            owner=who,
            text=f"{name}-loves-{thing}",
            when="now",
            importance=1,
            keep_as_written=True,
        )
        appreciation_services.appreciation_offer(
            couple=couple, author=who, about="action", text=f"{name}-appreciates"
        )
        make_change_request(couple, who, frustration=f"{name}-frustration")
    return {"dialogue": dialogue, "change": couple.change_requests.get(sender=partner_a)}


def _close(how, client_b, couple):
    if how == "left":
        client_b.post(reverse("couple_leave", args=[couple.pk]))
    else:
        client_b.post(reverse("account_delete"), {"password": PASSWORD})


def test_leaving_notes_who_closed_the_couple_and_how(couple, partner_a, partner_b):
    services.couple_leave(couple=couple, partner=partner_b)
    couple.refresh_from_db()
    assert (couple.ended_by, couple.end_reason) == (partner_b, Couple.EndReason.LEFT)
    (closed,) = access.closed_couples(partner_a)
    assert (closed.how, closed.other_name) == ("other_left", "Sam")
    assert access.closed_couples(partner_b)[0].how == "you_left"


def test_deleting_an_account_is_told_without_the_deleted_partners_name(couple, partner_a, client_b):
    client_b.post(reverse("account_delete"), {"password": PASSWORD})
    couple.refresh_from_db()
    assert couple.ended_by is None and couple.end_reason == Couple.EndReason.ACCOUNT_DELETED
    (closed,) = access.closed_couples(partner_a)
    assert (closed.how, closed.other_name) == ("other_deleted", "")


@pytest.mark.parametrize(
    "how, told",
    [
        ("left", "Sam left your couple in the app, so it has closed for both of you."),
        ("deleted", "your partner closed their account, so your couple in the app has closed"),
    ],
)
def test_the_partner_who_remains_is_told_on_home_and_can_read_their_words(
    how, told, history, couple, client_a, client_b
):
    _close(how, client_b, couple)
    home = text(client_a.get(reverse("home")))
    assert "Your couple has closed" in home and told in home
    assert "Link up with your partner" in home  # and they can start again
    assert (
        reverse("couple_words", args=[couple.pk]) in client_a.get(reverse("home")).content.decode()
    )
    words = text(client_a.get(reverse("couple_words", args=[couple.pk])))
    assert told in words
    for mine in ALEX_WORDS:
        assert mine in words
    for theirs in SAM_WORDS:
        assert theirs not in words
    # Their own download is offered and still holds their words.
    assert reverse("account_export") in client_a.get(reverse("home")).content.decode()
    assert "alex-reflects" in client_a.get(reverse("account_export")).content.decode()


@pytest.mark.parametrize("how", ["left", "deleted"])
def test_a_bookmarked_page_of_the_closed_couple_is_a_calm_page_not_a_404(
    how, history, couple, client_a, client_b
):
    _close(how, client_b, couple)
    for url in [
        reverse("caring"),
        reverse("appreciations"),
        reverse("requests"),
        reverse("change_request", args=[history["change"].pk]),
        reverse("dialogue", args=[history["dialogue"].pk]),
        reverse("access_log", args=[couple.pk]),
    ]:
        response = client_a.get(url)
        assert response.status_code == 410, url
        page = text(response)
        assert "This couple has closed" in page, url
        assert "sam-" not in page, url
        assert reverse("couple_words", args=[couple.pk]) in response.content.decode()


def test_outsiders_and_therapists_still_get_a_404(
    history, couple, client, client_b, outsider, therapist
):
    _close("left", client_b, couple)
    for user in (outsider, therapist):
        client.force_login(user)
        for url in [
            reverse("dialogue", args=[history["dialogue"].pk]),
            reverse("access_log", args=[couple.pk]),
            reverse("couple_words", args=[couple.pk]),
            reverse("change_request", args=[history["change"].pk]),
        ]:
            assert client.get(url).status_code == 404, (user, url)


def test_the_leave_page_says_exactly_what_the_other_partner_will_see(couple, client_a):
    page = text(client_a.get(reverse("couple_leave", args=[couple.pk])))
    assert "Sam will see this on their home page" in page
    assert "Alex left your couple in the app, so it has closed for both of you." in page


def test_the_delete_page_says_exactly_what_the_other_partner_will_see(couple, client_a):
    page = text(client_a.get(reverse("account_data")))
    assert "Sam will see this on their home page" in page
    assert "your partner closed their account, so your couple in the app has closed" in page
    assert "What they wrote was deleted with their account." in page


def test_the_data_page_lists_the_closed_couples_words(history, couple, client_a, client_b):
    _close("left", client_b, couple)
    page = client_a.get(reverse("account_data")).content.decode()
    assert reverse("couple_words", args=[couple.pk]) in page


def test_a_stretch_given_from_the_deleted_partners_request_stays_the_givers(
    couple, partner_a, partner_b, client_a, client_b
):
    import json

    from exercises.requests import services as request_services
    from exercises.requests.models import Stretch

    change = make_change_request(couple, partner_b, frustration="When you are late, I worry.")
    request_services.change_request_mirror(change=change, receiver=partner_a, mirror="heard")
    (stretch,) = request_services.stretches_choose(
        change=change, giver=partner_a, request_ids=[change.requests.get(position=1).pk]
    )
    request_services.stretch_log(stretch=stretch, giver=partner_a, note="alex-balcony-note")
    client_b.post(reverse("account_delete"), {"password": PASSWORD})
    kept = Stretch.objects.get(pk=stretch.pk)
    assert kept.request is None and kept.giver == partner_a and kept.measure == ""
    assert "deleted" in kept.title
    dumped = json.dumps(json.loads(client_a.get(reverse("account_export")).content))
    assert "alex-balcony-note" in dumped
    assert "When you are late" not in dumped  # the deleted partner's own words are gone
