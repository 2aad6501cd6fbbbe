from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dialogue import services as dialogue_services
from exercises.requests import library, services
from exercises.requests.models import ChangeRequest, Repair, Request, Stretch, StretchLog
from tests.factories import make_change_request, make_couple, make_dialogue, text
from tests.queries import page_queries

pytestmark = pytest.mark.django_db


def bcr(**overrides):
    end = (timezone.localdate() + timedelta(days=14)).isoformat()
    data = {
        "frustration": "When you come home late without calling, I worry.",
        "desire": "to feel that I matter to you at the end of the day",
        "echo": "My father never came home when he said.",
        "echo_shared": "",
    }
    for n, (request, measure) in enumerate(
        [
            ("text me when you leave work", "every weekday"),
            ("call me if you'll be more than half an hour late", "each time"),
            ("have dinner with me at the table", "three evenings a week"),
        ],
        start=1,
    ):
        data |= {f"request_{n}": request, f"measure_{n}": measure, f"ends_on_{n}": end}
    return data | overrides


def test_a_sender_writes_edits_lists_and_withdraws_a_request(client_a, couple, partner_a):
    response = client_a.post(reverse("change_request_new"), bcr())
    change = ChangeRequest.objects.get()
    assert response["Location"] == reverse("change_request", args=[change.pk])
    assert change.requests.count() == 3 and change.sender == partner_a
    assert "When you come home late" in text(client_a.get(reverse("requests")))
    client_a.post(
        reverse("change_request_edit", args=[change.pk]),
        bcr(request_1="send me a message when you leave work"),
    )
    assert Request.objects.get(position=1).text == "send me a message when you leave work"
    client_a.post(reverse("change_request_delete", args=[change.pk]))
    assert not ChangeRequest.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"measure_2": ""}, "how often or how much"),
        ({"ends_on_3": ""}, "Choose an end date"),
        ({"request_1": "stop coming home late"}, "not something to stop"),
        ({"frustration": "You are thoughtless."}, "not who your partner is"),
        ({"desire": "not to be ignored"}, "what you long for"),
        (
            {"ends_on_1": (timezone.localdate() + timedelta(days=120)).isoformat()},
            "three months at most",
        ),
        ({"request_2": "x" * 201}, "at most 200 characters"),
    ],
)
def test_a_request_that_is_not_positive_measurable_and_time_limited_is_not_saved(
    client_a, couple, overrides, message
):
    page = text(client_a.post(reverse("change_request_new"), bcr(**overrides)))
    assert message in page
    assert not ChangeRequest.objects.exists() and not Request.objects.exists()


def test_the_receiver_never_sees_the_childhood_echo(client_a, client_b, couple):
    client_a.post(reverse("change_request_new"), bcr(echo_shared="on"))
    change = ChangeRequest.objects.get()
    own = text(client_a.get(reverse("change_request", args=[change.pk])))
    assert "My father never came home" in own and "shared with your therapist" in own
    page = text(client_b.get(reverse("change_request", args=[change.pk])))
    assert "My father" not in page and "echo" not in page.lower()


def test_mirrored_then_one_chosen_then_logged_then_reviewed_at_its_end(
    client_a, client_b, couple, partner_a, partner_b
):
    client_a.post(reverse("change_request_new"), bcr())
    change = ChangeRequest.objects.get()
    first = change.requests.get(position=1)
    # Choosing before mirroring is refused.
    client_b.post(reverse("stretches_choose", args=[change.pk]), {"request": [first.pk]})
    assert not Stretch.objects.exists()
    client_b.post(
        reverse("change_request_mirror", args=[change.pk]),
        {"mirror": "What I heard you ask for is a text when I leave work."},
    )
    client_b.post(reverse("stretches_choose", args=[change.pk]), {"request": [first.pk]})
    stretch = Stretch.objects.get()
    assert (stretch.giver, stretch.request, stretch.ends_on) == (partner_b, first, first.ends_on)
    client_b.post(reverse("stretch_log", args=[stretch.pk]), {"note": "from the station"})
    assert StretchLog.objects.get().note == "from the station"
    # The sender cannot log the giver's stretch.
    client_a.post(reverse("stretch_log", args=[stretch.pk]))
    assert StretchLog.objects.count() == 1
    # Before the end nobody is asked; at the end both are, and then it is finished.
    client_b.post(reverse("stretch_review", args=[stretch.pk]), {"review": "early"})
    stretch.refresh_from_db()
    assert stretch.giver_review == ""
    Stretch.objects.filter(pk=stretch.pk).update(ends_on=timezone.localdate())
    client_b.post(reverse("stretch_review", args=[stretch.pk]), {"review": "It got easier."})
    client_a.post(reverse("stretch_review", args=[stretch.pk]), {"review": "I felt held."})
    stretch.refresh_from_db()
    assert stretch.finished_at is not None
    assert "Finished stretches" in text(client_a.get(reverse("requests")))
    # Once a stretch exists, the request is not withdrawn.
    client_a.post(reverse("change_request_delete", args=[change.pk]))
    assert ChangeRequest.objects.exists()


def test_a_request_can_start_from_a_dialogue(client_a, couple, partner_a):
    dialogue = make_dialogue(couple, partner_a, topic="Coming home late")
    page = text(client_a.get(reverse("change_request_new") + f"?dialogue={dialogue.pk}"))
    assert 'value="Coming home late"' in page


def test_a_request_keeps_the_dialogue_it_started_from_and_not_another_couples(
    client_a, couple, partner_a
):
    dialogue = make_dialogue(couple, partner_a, topic="Coming home late")
    url = reverse("change_request_new") + f"?dialogue={dialogue.pk}"
    client_a.post(url, bcr())
    assert ChangeRequest.objects.get().from_dialogue_id == dialogue.pk
    others = make_couple()
    elsewhere = make_dialogue(others, others.memberships.first().user, topic="Theirs")
    response = client_a.get(reverse("change_request_new") + f"?dialogue={elsewhere.pk}")
    assert response.status_code == 404


def test_a_couple_picks_a_micro_stretch_from_the_library(client_a, couple, partner_a):
    page = text(client_a.get(reverse("stretch_library")))
    for stretch in library.micro_stretches():
        assert stretch["title"] in page
    client_a.post(reverse("stretch_library"), {"slug": "hug"})
    stretch = Stretch.objects.get()
    assert (stretch.micro, stretch.giver, stretch.title) == ("hug", partner_a, "A ten-second hug")
    client_a.post(reverse("stretch_library"), {"slug": "no-such-thing"})
    assert Stretch.objects.count() == 1


def test_the_receiver_chooses_one_request_with_radio_buttons(client_a, client_b, couple):
    client_a.post(reverse("change_request_new"), bcr())
    change = ChangeRequest.objects.get()
    client_b.post(
        reverse("change_request_mirror", args=[change.pk]),
        {"mirror": "What I heard you ask for is a text when I leave work."},
    )
    page = client_b.get(reverse("change_request", args=[change.pk])).content.decode()
    assert "Choose one to give as a gift" in page
    assert page.count('type="radio" name="request"') == 3
    assert 'type="checkbox" name="request"' not in page
    first, second = change.requests.order_by("position")[:2]
    response = client_b.post(
        reverse("stretches_choose", args=[change.pk]),
        {"request": [first.pk, second.pk]},
        follow=True,
    )
    assert not Stretch.objects.exists()
    assert "Choose one request to give" in text(response)
    client_b.post(reverse("stretches_choose", args=[change.pk]), {"request": [second.pk]})
    client_b.post(reverse("stretches_choose", args=[change.pk]), {"request": [first.pk]})
    assert list(Stretch.objects.values_list("request", flat=True)) == [second.pk]


def _field_block(page: str, field_id: str) -> str:
    """The `.field` block that holds the input with this id (to see which errors sit under it)."""
    start = page.rindex('<div class="field', 0, page.index(f'id="{field_id}"'))
    return page[start : page.index("</div>", page.index(f'id="{field_id}"'))]


def test_each_problem_sits_under_its_own_field_and_the_summary_links_to_it(client_a, couple):
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client_a.post(
        reverse("change_request_new"),
        bcr(request_3="stop working late", measure_3="sometimes", ends_on_3=past),
    )
    page = text(response)
    assert ChangeRequest.objects.count() == 0
    summary = page[page.index("data-error-summary") : page.index("</ul>")]
    assert 'tabindex="-1"' in page[page.rindex("<div", 0, page.index("data-error-summary")) :][:200]
    for field_id in ("id_request_3", "id_measure_3", "id_ends_on_3"):
        assert f'href="#{field_id}"' in summary
    assert "numbers or a rhythm" in _field_block(page, "id_measure_3")
    assert "numbers or a rhythm" not in _field_block(page, "id_request_3")
    assert "end date after today" in _field_block(page, "id_ends_on_3")
    assert "end date after today" not in _field_block(page, "id_request_3")
    assert "stop" in _field_block(page, "id_request_3").lower()
    for n in (1, 2):
        assert f'href="#id_request_{n}"' not in summary


def test_an_empty_request_form_gets_our_own_kind_words(client_a, couple):
    empty = {name: "" for name in bcr()}  # what a browser sends for a form left blank
    page = text(client_a.post(reverse("change_request_new"), empty))
    assert "This field is required" not in page
    assert "Start with the frustration" in _field_block(page, "id_frustration")
    assert "Say what you long for underneath" in _field_block(page, "id_desire")
    assert "Write request 3: one small thing" in _field_block(page, "id_request_3")
    assert 'href="#id_frustration"' in page
    assert '<form method="post" novalidate>' in page


def test_it_does_not_start_the_same_micro_stretch_twice_and_says_it_is_under_way(
    client_a, client_b, couple, partner_a
):
    client_a.post(reverse("stretch_library"), {"slug": "hug"})
    response = client_a.post(reverse("stretch_library"), {"slug": "hug"}, follow=True)
    assert Stretch.objects.filter(micro="hug").count() == 1
    page = text(response)
    assert "already giving “A ten-second hug”; it's under way" in page
    hug = Stretch.objects.get(micro="hug")
    assert page.count("I'll give this one") == len(library.micro_stretches()) - 1
    assert "Under way:</span> you're giving this one now" in page
    assert reverse("stretch", args=[hug.pk]) in response.content.decode()
    with pytest.raises(services.Refused):
        services.micro_stretch_pick(couple=couple, giver=partner_a, slug="hug")
    # The partner sees it is coming to them, and may still give the same one back.
    assert "is giving you this one now" in text(client_b.get(reverse("stretch_library")))
    client_b.post(reverse("stretch_library"), {"slug": "hug"})
    assert Stretch.objects.filter(micro="hug").count() == 2
    # Once it has finished, it can be chosen again.
    Stretch.objects.filter(pk=hug.pk).update(finished_at=timezone.now())
    client_a.post(reverse("stretch_library"), {"slug": "hug"})
    assert Stretch.objects.filter(micro="hug", giver=partner_a).count() == 2


def test_a_repair_goes_from_what_happened_to_next_time(client_a, client_b, couple):
    client_a.post(reverse("repair_new"), {"what_happened": "I snapped at you about the keys."})
    repair = Repair.objects.get()
    # The author cannot skip the other's turn.
    client_a.post(reverse("repair", args=[repair.pk]), {"mirror": "x", "next_time": "y"})
    repair.refresh_from_db()
    assert repair.completed_at is None
    client_b.post(reverse("repair", args=[repair.pk]), {"what_it_was_like": "It stung."})
    client_a.post(
        reverse("repair", args=[repair.pk]),
        {"mirror": "What I hear is that it stung.", "next_time": "I'll pause first."},
    )
    repair.refresh_from_db()
    assert repair.completed_at and repair.next_time == "I'll pause first."


def test_the_page_costs_the_same_queries_with_5_or_50(client_a, couple, partner_a, partner_b):
    def grow_to(count):
        for _ in range(ChangeRequest.objects.count(), count):
            change = make_change_request(couple, partner_a)
            services.change_request_mirror(change=change, receiver=partner_b, mirror="m")
            [stretch] = services.stretches_choose(
                change=change, giver=partner_b, request_ids=[change.requests.first().pk]
            )
            services.stretch_log(stretch=stretch, giver=partner_b)
            services.repair_start(couple=couple, author=partner_a, what_happened="w")

    grow_to(5)
    with_5 = page_queries(client_a, reverse("requests"))
    grow_to(50)
    assert page_queries(client_a, reverse("requests")) == with_5


def test_a_finished_dialogue_links_to_a_request(client_a, couple, partner_a, partner_b):
    dialogue = make_dialogue(couple, partner_a)
    dialogue_services.dialogue_move(
        dialogue_id=dialogue.pk, partner=partner_b, kind="leave", key="leave-key-1"
    )
    page = text(client_a.get(reverse("dialogue_transcript", args=[dialogue.pk])))
    assert f"/exercises/requests/new/?dialogue={dialogue.pk}" in page
