"""The therapist's record of a couple: outlines always, words only when both partners shared."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dialogue import services as dialogue_services
from dialogue.models import Reflection
from imago_app.models import AuditEntry
from tests.factories import (
    make_change_request,
    make_couple,
    make_dialogue,
    make_link,
    make_therapist,
    text,
)
from tests.queries import page_queries

pytestmark = pytest.mark.django_db


def finished(couple, a, b, words="I felt alone on Sunday."):
    dialogue = make_dialogue(couple, a, topic="Sunday")
    for who, kind, fields in [
        (b, "accept", {}),
        (a, "check_in", {"level": 6}),
        (b, "check_in", {"level": 8}),
        (a, "send", {"text": words}),
        (b, "leave", {}),
    ]:
        dialogue_services.dialogue_move(
            dialogue_id=dialogue.pk,
            partner=who,
            kind=kind,
            key=f"{kind}-{who.pk}-{dialogue.pk}",
            **fields,
        )
    return dialogue


@pytest.fixture
def record(client, couple, partner_a, partner_b, therapist):
    make_link(couple, therapist)
    client.force_login(therapist)
    return lambda: text(client.get(reverse("therapist_couple", args=[couple.pk])))


def test_the_outline_shows_but_the_words_need_both_partners(record, couple, partner_a, partner_b):
    dialogue = finished(couple, partner_a, partner_b)
    page = record()
    assert "Sunday" in page and "Alex 6/10" in page and "Sam 8/10" in page
    assert "stopped early" in page
    assert "I felt alone on Sunday." not in page
    dialogue_services.transcript_share(dialogue=dialogue, partner=partner_a, shared=True)
    assert "I felt alone on Sunday." not in record()
    dialogue_services.transcript_share(dialogue=dialogue, partner=partner_b, shared=True)
    assert "I felt alone on Sunday." in record()
    dialogue_services.transcript_share(dialogue=dialogue, partner=partner_b, shared=False)
    assert "I felt alone on Sunday." not in record()


def test_only_shared_reflections_and_echoes_reach_the_therapist(
    record, couple, partner_a, partner_b
):
    dialogue = finished(couple, partner_a, partner_b)
    Reflection.objects.create(
        dialogue=dialogue, author=partner_a, text="shared-thought", unmet_need="chosen", shared=True
    )
    Reflection.objects.create(
        dialogue=dialogue, author=partner_b, text="private-thought", shared=False
    )

    make_change_request(couple, partner_a, echo="shared-echo", echo_shared=True)
    make_change_request(couple, partner_a, echo="private-echo")
    page = record()
    assert "shared-thought" in page and "need: to feel chosen" in page
    assert "shared-echo" in page
    assert "private-thought" not in page and "private-echo" not in page


def test_each_read_is_logged_once_and_the_partners_can_read_the_log(
    client, record, couple, partner_a, therapist
):
    record()
    record()
    reads = AuditEntry.objects.filter(couple=couple, actor=therapist, action="record_read")
    assert reads.count() == 2
    # The therapist has no way to the log, let alone to change it.
    assert client.get(reverse("access_log", args=[couple.pk])).status_code == 404
    client.force_login(partner_a)
    page = text(client.get(reverse("access_log", args=[couple.pk])))
    assert page.count("Dr Lee read your record.") == 2


def test_the_record_costs_the_same_queries_with_5_or_100_dialogues(
    client, couple, partner_a, partner_b, therapist
):
    make_link(couple, therapist)
    client.force_login(therapist)
    url = reverse("therapist_couple", args=[couple.pk])

    def grow_to(count):
        from dialogue.models import Dialogue

        while Dialogue.objects.filter(couple=couple).count() < count:
            dialogue = finished(couple, partner_a, partner_b)
            Reflection.objects.create(dialogue=dialogue, author=partner_a, text="t", shared=True)
            for who in (partner_a, partner_b):
                dialogue_services.transcript_share(dialogue=dialogue, partner=who, shared=True)

    grow_to(5)
    with_5 = page_queries(client, url)
    grow_to(100)
    assert page_queries(client, url) == with_5


def test_the_dashboard_costs_the_same_queries_with_5_or_50_couples(client, therapist):
    client.force_login(therapist)
    for _ in range(5):
        make_link(make_couple(), therapist)
    with_5 = page_queries(client, reverse("home"))
    for _ in range(45):
        make_link(make_couple(), therapist)
    assert page_queries(client, reverse("home")) == with_5


def test_another_therapist_sees_nothing(client, couple, partner_a, partner_b):
    make_link(couple)
    finished(couple, partner_a, partner_b)
    client.force_login(make_therapist("Dr Other"))
    assert client.get(reverse("therapist_couple", args=[couple.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action="record_read").exists()


def test_private_and_shared_notes_are_kept_apart(client, record, couple, partner_a, therapist):
    record()
    url = lambda kind: reverse("therapist_note", args=[couple.pk, kind])  # noqa: E731
    client.post(
        url("private"),
        {"private-appointment": "2026-11-20", "private-text": "therapist-only-thought"},
    )
    client.post(
        url("shared"),
        {"shared-appointment": "2026-11-20", "shared-text": "Practise the mirror at dinner."},
    )
    from imago_app.models import PrivateNote, SharedNote

    assert PrivateNote.objects.get().text == "therapist-only-thought"
    assert SharedNote.objects.get().text == "Practise the mirror at dinner."
    page = record()
    assert "therapist-only-thought" in page and "Practise the mirror at dinner." in page
    client.force_login(partner_a)
    home = text(client.get(reverse("home")))
    assert "Practise the mirror at dinner." in home
    assert "therapist-only-thought" not in home


def test_a_note_without_a_date_is_refused_and_nothing_is_saved(client, record, couple):
    record()
    response = client.post(
        reverse("therapist_note", args=[couple.pk, "shared"]), {"shared-text": "no date"}
    )
    assert "This field is required." in text(response)
    from imago_app.models import SharedNote

    assert not SharedNote.objects.exists()


def test_homework_appears_at_home_with_its_follow_through(
    client, record, couple, partner_a, partner_b
):
    from exercises.caring.models import CaringItem, Gift

    record()
    ends = (timezone.localdate() + timedelta(days=14)).isoformat()
    client.post(
        reverse("therapist_homework", args=[couple.pk]),
        {"kind": "caring", "frequency": "one a day", "ends_on": ends},
    )
    client.post(
        reverse("therapist_homework", args=[couple.pk]),
        {"kind": "micro", "frequency": "daily", "ends_on": ends},
    )  # which one? refused
    from imago_app.models import Homework

    assert Homework.objects.count() == 1
    item = CaringItem.objects.create(couple=couple, owner=partner_a, text="tea in bed please")
    Gift.objects.create(item=item, giver=partner_b)
    Gift.objects.create(item=item, giver=partner_b)
    assert "Done 2 times so far." in record()
    client.force_login(partner_a)
    home = text(client.get(reverse("home")))
    assert "Give a caring behaviour" in home and "Done 2 times so far." in home


def test_notes_and_homework_are_the_consenting_therapists_only(client, couple, partner_a):
    make_link(couple)
    for who in (make_therapist("Dr Other"), partner_a):
        client.force_login(who)
        for url in (
            reverse("therapist_note", args=[couple.pk, "shared"]),
            reverse("therapist_homework", args=[couple.pk]),
        ):
            assert (
                client.post(
                    url, {"shared-appointment": "2026-11-20", "shared-text": "x"}
                ).status_code
                == 404
            )
    from imago_app.models import SharedNote

    assert not SharedNote.objects.exists()


def test_the_dashboard_says_what_is_new_since_the_therapist_last_looked(
    client, couple, partner_a, partner_b, therapist
):
    make_link(couple, therapist)
    client.force_login(therapist)
    home = text(client.get(reverse("home")))
    assert "nothing yet" in home and "new since you last looked" not in home
    finished(couple, partner_a, partner_b)
    assert "new since you last looked" in text(client.get(reverse("home")))
    client.get(reverse("therapist_couple", args=[couple.pk]))
    assert "new since you last looked" not in text(client.get(reverse("home")))


def test_the_record_shows_charts_or_a_kind_empty_state(record, couple, partner_a, partner_b):
    page = record()
    assert "No check-ins yet." in page and "<svg" not in page
    dialogue = finished(couple, partner_a, partner_b)
    page = record()
    assert "Check-in levels across dialogues" in page and page.count("<svg") == 1
    Reflection.objects.create(
        dialogue=dialogue, author=partner_b, text="t", shared=True, unmet_need="seen"
    )
    Reflection.objects.create(
        dialogue=dialogue, author=partner_a, text="t", shared=False, unmet_need="safe"
    )
    page = record()
    assert page.count("<svg") == 2 and "Sam named to feel seen" in page
    assert "named to feel safe" not in page  # Alex's reflection was not shared


def test_a_summary_for_a_chosen_period(client, record, couple, partner_a, partner_b, therapist):
    from dialogue.models import Dialogue

    old = finished(couple, partner_a, partner_b, words="an-old-piece")
    Dialogue.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    new = finished(couple, partner_a, partner_b, words="a-new-piece")
    for dialogue in (old, new):
        for who in (partner_a, partner_b):
            dialogue_services.transcript_share(dialogue=dialogue, partner=who, shared=True)
    url = reverse("therapist_couple", args=[couple.pk])
    start = (timezone.localdate() - timedelta(days=7)).isoformat()
    page = text(client.get(url, {"start": start, "end": timezone.localdate().isoformat()}))
    assert "a-new-piece" in page and "an-old-piece" not in page
    assert "Print or save as PDF" in page
    both = text(client.get(url))
    assert "a-new-piece" in both and "an-old-piece" in both
    backwards = text(client.get(url, {"start": "2026-12-01", "end": "2026-11-01"}))
    assert "The start comes after the end." in backwards


def test_the_record_lists_stretches_and_their_logs(record, couple, partner_b):
    from exercises.requests import services as stretches

    stretch = stretches.micro_stretch_pick(couple=couple, giver=partner_b, slug="hug")
    stretches.stretch_log(stretch=stretch, giver=partner_b)
    page = record()
    assert "A ten-second hug</strong>, given by Sam" in page and "logged 1 time." in page
