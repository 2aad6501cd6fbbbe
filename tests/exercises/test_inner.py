"""Inner work: one person's own material, private unless its author shares an item."""

import json

import pytest
from django.urls import reverse

from dialogue import services as dialogue_services
from dialogue.models import Reflection
from exercises.inner import protection, services, steps
from exercises.inner.models import Preparation, Protection, Workup
from imago_app import services as imago_services
from imago_app.services import Refused
from tests.factories import make_couple, make_dialogue, make_link, make_partner, text
from tests.queries import page_queries

pytestmark = pytest.mark.django_db


# The parts and the words (pure)


def test_the_parts_follow_the_number_of_people_named():
    assert steps.steps(2) == ["ground", "people", "person-1", "person-2", "frustrations", "summary"]
    assert steps.next_step("person-2", 2) == "frustrations"
    assert steps.next_step("summary", 2) == "summary"
    assert steps.is_step("person-3") and not steps.is_step("person-4")


def test_the_summary_is_proposed_only_from_the_persons_own_words():
    words = steps.proposals(
        [
            {"positive": "warm, funny", "negative": "busy", "wanted": "to be listened to"},
            {"positive": "Funny; steady", "negative": "", "wanted": ""},
        ],
        "went quiet\nmade myself useful",
    )
    assert words == {
        "drawn_to": ["warm", "funny", "steady", "busy"],
        "longed_for": ["to be listened to"],
        "protected_by": ["went quiet", "made myself useful"],
    }


def test_protection_is_reflected_as_a_tendency_in_words_never_a_score():
    assert protection.tendency([]) is None
    assert protection.tendency(["quiet", "space", "numb"]) == protection.PULL_BACK
    assert protection.tendency(["say_more", "follow", "quiet"]) == protection.REACH_OUT
    assert protection.tendency(["quiet", "say_more"]) == "both"
    sentence = protection.reflection(["quiet", "space"])
    assert sentence.startswith("You may recognise yourself in the one who pulls back")
    assert not any(ch.isdigit() for ch in sentence)


# The childhood picture, for someone alone


@pytest.fixture
def alone(client):
    person = make_partner("Robin")
    client.force_login(person)
    return person


def test_someone_alone_is_offered_inner_work_on_their_home_page(client, alone):
    page = text(client.get(reverse("home")))
    assert "What you can do on your own, now" in page
    assert reverse("inner") in page and reverse("inner_longings") in page
    assert client.get(reverse("inner")).status_code == 200


def test_each_sitting_begins_with_a_check_in(client, alone):
    response = client.get(reverse("inner_step", args=["people"]))
    assert response.status_code == 302 and response["Location"] == reverse("inner_check_in")
    response = client.post(reverse("inner_check_in"), {"level": 7})
    assert response["Location"] == reverse("inner_step", args=["ground"])
    assert client.get(reverse("inner_step", args=["people"])).status_code == 200


def test_a_low_check_in_offers_to_stop_slow_down_or_find_support(client, alone):
    page = text(client.post(reverse("inner_check_in"), {"level": 2}))
    assert "Stop for today" in page and reverse("support") in page
    assert "Carry on slowly" in page


def test_a_bad_check_in_is_refused_kindly(client, alone):
    page = text(client.post(reverse("inner_check_in"), {"level": 11}))
    assert "Select a valid choice" in page or "from 0 to 10" in page
    assert not Workup.objects.filter(author=alone).exists()


def test_the_workup_saves_as_it_goes_and_resumes_where_it_was_left(client, alone):
    client.post(reverse("inner_check_in"), {"level": 8})
    client.post(reverse("inner_step", args=["ground"]), {"next": ""})
    response = client.post(
        reverse("inner_step", args=["people"]), {"name_1": "Mum", "name_2": "Grandpa Joe"}
    )
    assert response["Location"] == reverse("inner_step", args=["person-1"])
    client.post(
        reverse("inner_step", args=["person-1"]),
        {"positive": "warm, funny", "wanted": "to be listened to", "next": ""},
    )
    response = client.post(
        reverse("inner_step", args=["person-2"]), {"negative": "sharp", "stop": ""}
    )
    assert response["Location"] == reverse("inner_childhood")
    workup = Workup.objects.get(author=alone)
    # Saved and stopped on Grandpa Joe: the next sitting comes back to him.
    assert workup.resume_at == "person-2"
    assert workup.caretakers.get(position=2).negative == "sharp"
    page = text(client.get(reverse("inner_childhood")))
    assert "About Grandpa Joe" in page and "Everything you wrote so far is saved" in page
    # Stopping ended the sitting: the next part asks how they are first.
    assert client.get(reverse("inner_step", args=["person-2"]))["Location"] == reverse(
        "inner_check_in"
    )
    client.post(reverse("inner_check_in"), {"level": 6})
    client.post(reverse("inner_step", args=["person-2"]), {"negative": "sharp", "next": ""})

    client.post(
        reverse("inner_step", args=["frustrations"]),
        {"frustrations": "nobody came", "reactions": "went quiet"},
    )
    summary = text(client.get(reverse("inner_step", args=["summary"])))
    # The proposal is made of Robin's words: they decide.
    assert "warm, funny, sharp" in summary and "to be listened to" in summary
    assert "went quiet" in summary
    client.post(
        reverse("inner_step", args=["summary"]),
        {"drawn_to": "warm but busy", "longed_for": "being heard", "protected_by": "going quiet"},
    )
    workup.refresh_from_db()
    assert workup.summary_at and workup.longed_for == "being heard"
    assert workup.caretakers.get(position=1).wanted == "to be listened to"


def test_renaming_fewer_people_forgets_the_removed_ones(alone):
    services.save_people(user=alone, names=["Mum", "Dad"])
    services.save_person(user=alone, position=2, wanted="time")
    services.save_people(user=alone, names=["Mum"])
    assert list(Workup.objects.get(author=alone).caretakers.values_list("name", flat=True)) == [
        "Mum"
    ]
    with pytest.raises(Refused):
        services.save_person(user=alone, position=2, wanted="x")


def test_an_unknown_part_is_a_404(client, alone):
    client.post(reverse("inner_check_in"), {"level": 8})
    assert client.get(reverse("inner_step", args=["person-9"])).status_code == 404
    # A caretaker not named yet sends the person back to naming them.
    response = client.get(reverse("inner_step", args=["person-1"]))
    assert response["Location"] == reverse("inner_step", args=["people"])


# How I protect myself


def test_the_protection_reflection_is_saved_and_said_back(client, alone):
    response = client.post(
        reverse("inner_protection"),
        {"chosen": ["quiet", "space"], "own_words": "I go for a walk"},
    )
    assert response.status_code == 302
    found = Protection.objects.get(author=alone)
    assert found.chosen == ["quiet", "space"]
    page = text(client.get(reverse("inner_protection")))
    assert "the one who pulls back" in page and "I go for a walk" in page
    # Nothing chosen, nothing written: a kind refusal.
    page = text(client.post(reverse("inner_protection"), {}))
    assert "Choose any that sound like you" in page
    # A statement that isn't offered is never kept.
    services.save_protection(user=alone, chosen=["quiet", "made-up"], own_words="", hope="")
    assert Protection.objects.get(author=alone).chosen == ["quiet"]


# Preparing to speak


def test_a_story_about_the_other_gets_a_gentle_hint_and_can_be_kept(client, alone):
    data = {"issue": "Our evenings", "feelings": "I feel that you never listen", "need": "time"}
    page = text(client.post(reverse("inner_prepare"), data))
    assert "more like a story about them" in page
    assert not Preparation.objects.exists()
    response = client.post(reverse("inner_prepare"), data | {"keep_as_written": "on"})
    preparation = Preparation.objects.get(author=alone)
    assert response["Location"] == reverse("inner_prepared", args=[preparation.pk])
    page = text(client.get(response["Location"]))
    # Alone: it is kept, not turned into a request.
    assert "Keep it" in page and reverse("dialogue_ask") not in page


def test_a_preparation_becomes_a_request_with_only_its_topic(client, couple, partner_a):
    client.force_login(partner_a)
    preparation = services.save_preparation(
        user=partner_a,
        issue="Sunday afternoons",
        feelings="lonely-and-private",
        need="",
        i_statement="",
        keep_as_written=False,
    )
    page = text(client.get(reverse("inner_prepared", args=[preparation.pk])))
    assert "Ask for a dialogue about this" in page
    ask = text(client.get(f"{reverse('dialogue_ask')}?from=inner&item={preparation.pk}"))
    assert 'value="Sunday afternoons"' in ask
    assert "lonely-and-private" not in ask
    assert client.get(f"{reverse('dialogue_ask')}?from=inner&item=999999").status_code == 404
    assert client.get(f"{reverse('dialogue_ask')}?from=nothing&item=1").status_code == 404


def test_another_persons_preparation_is_a_404(client, couple, partner_a, partner_b):
    preparation = services.save_preparation(
        user=partner_a, issue="x", feelings="", need="", i_statement="", keep_as_written=False
    )
    client.force_login(partner_b)
    for name in ("inner_prepared", "inner_prepare_edit"):
        assert client.get(reverse(name, args=[preparation.pk])).status_code == 404
    for name in ("inner_prepare_share", "inner_prepare_delete"):
        assert client.post(reverse(name, args=[preparation.pk])).status_code == 404
    # And the dialogue never takes its topic for someone else.
    ask = client.get(f"{reverse('dialogue_ask')}?from=inner&item={preparation.pk}")
    assert ask.status_code == 404


# Sharing, item by item


def _summary(person, longed_for="being-heard-privately"):
    services.save_people(user=person, names=["Mum"])
    services.save_person(user=person, position=1, wanted="mum-wanted-privately")
    return services.save_summary(
        user=person, drawn_to="warm", longed_for=longed_for, protected_by="quiet"
    )


def test_sharing_needs_someone_to_share_with(alone):
    workup = _summary(alone)
    with pytest.raises(Refused, match="no partner"):
        services.share(item=workup, user=alone, with_partner=True, with_therapist=False)
    workup.refresh_from_db()
    assert workup.partner_couple is None


def test_linking_up_later_shows_the_partner_nothing_until_an_item_is_shared(client, alone):
    workup = _summary(alone)
    services.save_protection(user=alone, chosen=["quiet"], own_words="walk-privately", hope="")
    partner = make_partner("Kim")
    couple = make_couple(alone, partner)
    client.force_login(partner)
    page = text(client.get(reverse("inner_from_partner")))
    assert "being-heard-privately" not in page and "walk-privately" not in page
    assert "Shared with you" not in text(client.get(reverse("home")))

    services.share(item=workup, user=alone, with_partner=True, with_therapist=False)
    assert Workup.objects.get(pk=workup.pk).partner_couple == couple
    page = text(client.get(reverse("inner_from_partner")))
    assert "being-heard-privately" in page
    assert "walk-privately" not in page  # only the item shared
    assert "mum-wanted-privately" not in page  # the summary, not the workings
    assert "Shared with you" in text(client.get(reverse("home")))

    services.share(item=workup, user=alone, with_partner=False, with_therapist=False)
    assert "being-heard-privately" not in text(client.get(reverse("inner_from_partner")))


def test_sharing_follows_the_couple_not_the_person(client, couple, partner_a, partner_b):
    workup = _summary(partner_a)
    services.share(item=workup, user=partner_a, with_partner=True, with_therapist=False)
    imago_services.couple_leave(couple=couple, partner=partner_a)
    newcomer = make_partner("Lee")
    make_couple(partner_a, newcomer)
    client.force_login(newcomer)
    assert "being-heard-privately" not in text(client.get(reverse("inner_from_partner")))


def test_the_therapist_sees_only_items_shared_with_them(client, couple, partner_a, partner_b):
    therapist = make_link(couple).therapist
    workup = _summary(partner_a)
    services.save_protection(user=partner_a, chosen=["quiet"], own_words="walk-privately", hope="")
    client.force_login(therapist)
    record = reverse("therapist_couple", args=[couple.pk])
    page = text(client.get(record))
    assert "Deeper pattern" in page and "being-heard-privately" not in page

    # Shared with the partner only: still not the therapist's.
    services.share(item=workup, user=partner_a, with_partner=True, with_therapist=False)
    assert "being-heard-privately" not in text(client.get(record))
    services.share(item=workup, user=partner_a, with_partner=False, with_therapist=True)
    page = text(client.get(record))
    assert "being-heard-privately" in page and "walk-privately" not in page
    # The partner was not given it.
    client.force_login(partner_b)
    assert "being-heard-privately" not in text(client.get(reverse("inner_from_partner")))


def test_a_therapist_without_both_consents_cannot_be_shared_with(couple, partner_a):
    make_link(couple, consent=False)
    workup = _summary(partner_a)
    with pytest.raises(Refused, match="both agreed"):
        services.share(item=workup, user=partner_a, with_partner=False, with_therapist=True)


def test_the_share_box_says_truly_who_can_read_it_now(client, couple, partner_a):
    client.force_login(partner_a)
    workup = _summary(partner_a)
    page = text(client.get(reverse("inner_childhood")))
    assert "Right now only you can read it." in page
    assert "Let Sam read it" in page and "your therapist, read it" not in page
    client.post(reverse("inner_childhood_share"), {"partner": "on"})
    page = text(client.get(reverse("inner_childhood")))
    assert "Besides you, Sam can read it now." in page
    make_link(couple)
    page = text(client.get(reverse("inner_childhood")))
    assert "your therapist, read it" in page
    # Asking for a therapist who isn't there changes nothing.
    workup.refresh_from_db()
    assert workup.therapist_couple is None


def test_a_therapist_has_no_inner_work_pages(client, couple):
    therapist = make_link(couple).therapist
    client.force_login(therapist)
    for name in ("inner", "inner_childhood", "inner_longings", "inner_protection"):
        assert client.get(reverse(name)).status_code == 404


# What I keep longing for


def test_longings_gather_the_persons_own_words_and_recurring_needs(client, couple, partner_a):
    from exercises.requests.models import ChangeRequest

    for topic in ("Sunday", "Money"):
        dialogue = make_dialogue(couple, partner_a, topic=topic)
        Reflection.objects.create(dialogue=dialogue, author=partner_a, unmet_need="seen")
        dialogue_services.dialogue_move(
            dialogue_id=dialogue.pk, partner=partner_a, kind="leave", key=f"leave-{topic}"
        )
    other = couple.memberships.exclude(user=partner_a).get().user
    Reflection.objects.create(
        dialogue=make_dialogue(couple, other, topic="Sams"),
        author=other,
        unmet_need="safe",
    )
    ChangeRequest.objects.create(
        couple=couple, sender=partner_a, frustration="late", desire="alex-desire", echo="echo-a"
    )
    ChangeRequest.objects.create(
        couple=couple, sender=other, frustration="x", desire="sam-desire-never-here"
    )
    _summary(partner_a)
    client.force_login(partner_a)
    page = text(client.get(reverse("inner_longings")))
    assert "named 2 times" in page
    for words in ("alex-desire", "echo-a", "mum-wanted-privately", "being-heard-privately"):
        assert words in page
    assert "sam-desire-never-here" not in page
    assert "After the dialogue about “Money”" in page


@pytest.mark.parametrize("url", ["inner", "inner_longings", "inner_from_partner"])
def test_query_counts_stay_flat_as_entries_grow(client, couple, partner_a, partner_b, url):
    from exercises.requests.models import ChangeRequest

    client.force_login(partner_a)

    def add(n):
        for i in range(n):
            for who in (partner_a, partner_b):
                services.save_preparation(
                    user=who,
                    issue=f"p{i}",
                    feelings="",
                    need="",
                    i_statement="",
                    keep_as_written=False,
                )
                ChangeRequest.objects.create(
                    couple=couple, sender=who, frustration=f"f{i}", desire="d", echo="e"
                )
        for p in Preparation.objects.filter(author=partner_b):
            p.partner_couple = couple
            p.save()

    add(5)
    few = page_queries(client, reverse(url))
    add(45)
    assert page_queries(client, reverse(url)) == few


def test_the_record_costs_the_same_with_more_shared_items(client, couple, partner_a, partner_b):
    therapist = make_link(couple).therapist
    client.force_login(therapist)
    record = reverse("therapist_couple", args=[couple.pk])

    def add(n):
        for i in range(n):
            p = services.save_preparation(
                user=partner_a,
                issue=f"p{i}",
                feelings="",
                need="",
                i_statement="",
                keep_as_written=False,
            )
            p.therapist_couple = couple
            p.save()

    add(5)
    few = page_queries(client, record)
    add(45)
    assert page_queries(client, record) == few


# Data rights


def test_the_export_holds_inner_work_and_deleting_the_account_removes_it(client, alone):
    _summary(alone)
    services.save_protection(user=alone, chosen=["quiet"], own_words="walk-privately", hope="h1")
    services.save_preparation(
        user=alone,
        issue="iss",
        feelings="feel-1",
        need="need-1",
        i_statement="i-1",
        keep_as_written=True,
    )
    services.check_in(user=alone, level=6)
    dumped = json.dumps(json.loads(client.get(reverse("account_export")).content))
    for words in (
        "mum-wanted-privately",
        "being-heard-privately",
        "walk-privately",
        "feel-1",
        "need-1",
        "i-1",
        "h1",
    ):
        assert words in dumped
    alone.delete()
    assert not Workup.objects.exists() and not Protection.objects.exists()
    assert not Preparation.objects.exists()


def test_a_therapist_can_set_inner_work_as_homework_and_see_it_done(couple, partner_a):
    from datetime import timedelta

    from django.utils import timezone

    from imago_app import practices
    from imago_app.models import Homework

    kinds = dict(practices.homework_choices())
    assert {"inner_workup", "inner_protect", "inner_prepare"} <= set(kinds)
    today = timezone.localdate()
    homework = Homework.objects.create(
        couple=couple,
        therapist=make_link(couple).therapist,
        kind="inner_prepare",
        frequency="twice",
        starts_on=today,
        ends_on=today + timedelta(days=7),
    )
    for issue in ("one", "two"):
        services.save_preparation(
            user=partner_a,
            issue=issue,
            feelings="",
            need="",
            i_statement="",
            keep_as_written=False,
        )
    assert practices.get("inner").homework_done(couple, [homework]) == [2]
