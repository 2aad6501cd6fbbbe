"""Our cycle: each side private until its author shows it, the loop drawn only when both are
shown, redrawn live for both, and seen by the therapist only when both authors let them."""

import json
from datetime import UTC

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.urls import reverse

from exercises import routing as exercise_routing
from exercises.cycle import loop, services
from exercises.cycle.models import Cycle, Side
from imago_app.services import Refused
from tests.exercises.test_news import ORIGIN, as_user, sent  # noqa: F401 - a fixture
from tests.factories import make_couple, make_link, make_partner, text
from tests.queries import page_queries

ALEX_SIDE = {
    "trigger": "you look at your phone while I talk",
    "feel": "alone",
    "fear": "that I bore you",
    "so_i": "go louder and follow you round the flat",
    "long_for": "your eyes on me for a minute",
}
SAM_SIDE = {
    "trigger": "you get louder",
    "feel": "scared",
    "fear": "that I've failed again",
    "so_i": "go quiet and look at my phone",
    "long_for": "a softer start",
}


def test_the_loop_runs_from_each_move_to_the_others_trigger():
    found = loop.steps(ALEX_SIDE, "Alex", SAM_SIDE, "Sam")
    assert [(s.who, s.kind) for s in found] == [
        ("Alex", "so_i"),
        ("Sam", "trigger"),
        ("Sam", "feel"),
        ("Sam", "so_i"),
        ("Alex", "trigger"),
        ("Alex", "feel"),
    ]
    assert found[2].text == "scared; I fear it means that I've failed again"
    drawn = loop.layout(found)
    assert len(drawn["boxes"]) == 6 and len(drawn["arrows"]) == 6
    for box in drawn["boxes"]:  # inside the picture, at most three lines of words
        assert box["x"] >= 0 and box["x"] + loop.BOX_W <= loop.WIDTH
        assert box["y"] >= 0 and box["y"] + loop.BOX_H <= loop.HEIGHT
        assert len(box["lines"]) <= 3


@pytest.fixture
def cycle(couple, partner_a):
    return services.cycle_create(couple=couple, partner=partner_a, name="the evenings")


pytestmark = pytest.mark.django_db


def write(side_of, cycle, words, **extra):
    return services.side_save(cycle=cycle, author=side_of, keep_as_written=False, **words, **extra)


def test_each_side_is_private_until_its_author_shows_it(client, cycle, partner_a, partner_b):
    side = write(partner_a, cycle, ALEX_SIDE)
    client.force_login(partner_b)
    page = text(client.get(reverse("cycle", args=[cycle.pk])))
    assert "Alex hasn't shown their side yet" in page
    assert ALEX_SIDE["so_i"] not in page
    services.side_show(side=side, author=partner_a, shown=True, for_therapist=False)
    page = text(client.get(reverse("cycle", args=[cycle.pk])))
    assert "Alex has shown their side" in page
    # Shown, but the loop needs Sam's side too: Alex's words still aren't drawn for Sam.
    assert "Round the loop" not in page


def test_the_loop_is_drawn_for_both_only_when_both_sides_are_shown(
    client, cycle, partner_a, partner_b
):
    a = write(partner_a, cycle, ALEX_SIDE)
    b = write(partner_b, cycle, SAM_SIDE)
    services.side_show(side=a, author=partner_a, shown=True, for_therapist=False)
    client.force_login(partner_a)
    assert "<svg" not in text(client.get(reverse("cycle", args=[cycle.pk]))).split("My side")[0]
    services.side_show(side=b, author=partner_b, shown=True, for_therapist=False)
    for person in (partner_a, partner_b):
        client.force_login(person)
        page = text(client.get(reverse("cycle", args=[cycle.pk])))
        assert 'role="img"' in page and "Round the loop" in page
        assert "So Alex:</strong> go louder" in page and "Sam feels:</strong> scared" in page
        assert "Hold a dialogue about this" in page


def test_a_partner_saves_only_their_own_side(client, cycle, partner_a, partner_b):
    write(partner_a, cycle, ALEX_SIDE)
    client.force_login(partner_b)
    client.post(reverse("cycle", args=[cycle.pk]), SAM_SIDE)
    assert Side.objects.get(author=partner_a).so_i == ALEX_SIDE["so_i"]
    assert Side.objects.get(author=partner_b).so_i == SAM_SIDE["so_i"]
    # Showing acts on one's own side only; there is no way to name the other's.
    client.post(reverse("cycle_show", args=[cycle.pk]), {"shown": "on"})
    assert Side.objects.get(author=partner_b).shown
    assert not Side.objects.get(author=partner_a).shown


def test_outsiders_and_therapists_cannot_reach_a_cycle(client, cycle, couple):
    therapist = make_link(couple).therapist
    outsider = make_partner("Jo")
    make_couple(outsider, make_partner("Ri"))
    for person in (outsider, therapist):
        client.force_login(person)
        for name in ("cycle",):
            assert client.get(reverse(name, args=[cycle.pk])).status_code == 404
        for name in ("cycle", "cycle_show", "cycle_working_on"):
            assert client.post(reverse(name, args=[cycle.pk]), ALEX_SIDE).status_code == 404
    assert not Side.objects.exists()


def test_blame_and_traits_get_a_gentle_hint_and_may_be_kept(client, cycle, partner_a):
    client.force_login(partner_a)
    words = ALEX_SIDE | {"trigger": "you are so selfish", "feel": "I feel that you never care"}
    page = text(client.post(reverse("cycle", args=[cycle.pk]), words))
    assert "not who your partner is" in page and "story about them" in page
    assert not Side.objects.exists()
    client.post(reverse("cycle", args=[cycle.pk]), words | {"keep_as_written": "on"})
    assert Side.objects.get().kept_as_written


def test_a_side_must_say_when_feel_and_do_before_it_is_shown(cycle, partner_a):
    side = write(partner_a, cycle, {"trigger": "you sigh"})
    with pytest.raises(Refused):
        services.side_show(side=side, author=partner_a, shown=True, for_therapist=False)


def test_working_on_marks_one_cycle_at_a_time(client, couple, cycle, partner_a):
    other = services.cycle_create(couple=couple, partner=partner_a, name="money")
    services.working_on(cycle=cycle, partner=partner_a)
    services.working_on(cycle=other, partner=partner_a)
    assert list(Cycle.objects.filter(working_on=True)) == [other]


def test_the_therapist_sees_a_cycle_only_when_both_let_them(
    client, couple, cycle, partner_a, partner_b
):
    therapist = make_link(couple).therapist
    a = write(partner_a, cycle, ALEX_SIDE)
    b = write(partner_b, cycle, SAM_SIDE)
    record = reverse("therapist_couple", args=[couple.pk])
    client.force_login(therapist)
    services.side_show(side=a, author=partner_a, shown=True, for_therapist=True)
    services.side_show(side=b, author=partner_b, shown=True, for_therapist=False)
    page = text(client.get(record))
    assert "Their cycles" in page and ALEX_SIDE["so_i"] not in page
    services.side_show(side=b, author=partner_b, shown=True, for_therapist=True)
    page = text(client.get(record))
    assert ALEX_SIDE["so_i"] in page and SAM_SIDE["so_i"] in page


def test_a_therapist_without_both_consents_is_refused(couple, cycle, partner_a):
    make_link(couple, consent=False)
    side = write(partner_a, cycle, ALEX_SIDE)
    with pytest.raises(Refused):
        services.side_show(side=side, author=partner_a, shown=True, for_therapist=True)


def test_from_the_cycle_a_dialogue_and_a_request_start_prefilled(
    client, cycle, partner_a, partner_b
):
    write(partner_a, cycle, ALEX_SIDE)
    client.force_login(partner_a)
    ask = text(client.get(f"{reverse('dialogue_ask')}?from=cycle&item={cycle.pk}"))
    assert 'value="the evenings"' in ask
    new = text(client.get(f"{reverse('change_request_new')}?from=cycle&item={cycle.pk}"))
    assert ALEX_SIDE["long_for"] in new
    # Sam has no side of it yet: nothing to start a request from, and never Alex's longing.
    client.force_login(partner_b)
    assert (
        client.get(f"{reverse('change_request_new')}?from=cycle&item={cycle.pk}").status_code == 404
    )


def test_longings_export_and_deletion(client, cycle, partner_a):
    write(partner_a, cycle, ALEX_SIDE)
    client.force_login(partner_a)
    assert ALEX_SIDE["long_for"] in text(client.get(reverse("inner_longings")))
    dumped = json.dumps(json.loads(client.get(reverse("account_export")).content))
    for words in ALEX_SIDE.values():
        assert words in dumped
    partner_a.delete()
    assert not Side.objects.exists()


def test_the_cycle_page_costs_the_same_with_more_cycles(client, couple, partner_a, partner_b):
    client.force_login(partner_a)

    def add(n):
        for i in range(n):
            c = services.cycle_create(couple=couple, partner=partner_a, name=f"c{i}")
            for who, words in ((partner_a, ALEX_SIDE), (partner_b, SAM_SIDE)):
                s = write(who, c, words)
                services.side_show(side=s, author=who, shown=True, for_therapist=False)

    add(5)
    few = page_queries(client, reverse("cycles"))
    one = Cycle.objects.first()
    detail = page_queries(client, reverse("cycle", args=[one.pk]))
    add(45)
    assert page_queries(client, reverse("cycles")) == few
    assert page_queries(client, reverse("cycle", args=[one.pk])) == detail


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_loop_appears_and_redraws_live_and_the_layer_carries_no_words(sent):  # noqa: F811
    @database_sync_to_async
    def setup():
        alex, sam = make_partner("Alex"), make_partner("Sam")
        couple = make_couple(alex, sam)
        cycle = services.cycle_create(couple=couple, partner=alex, name="the evenings")
        a = write(alex, cycle, ALEX_SIDE)
        services.side_show(side=a, author=alex, shown=True, for_therapist=False)
        b = write(sam, cycle, SAM_SIDE)
        return alex, sam, cycle, b

    alex, sam, cycle, b = await setup()
    comm = WebsocketCommunicator(
        as_user(alex, exercise_routing.websocket_urlpatterns),
        f"/ws/cycles/{cycle.pk}/",
        headers=ORIGIN,
    )
    assert (await comm.connect())[0]
    await comm.receive_from(timeout=3)  # the current panel
    sent.clear()
    await database_sync_to_async(services.side_show)(
        side=b, author=sam, shown=True, for_therapist=False
    )
    panel = await comm.receive_from(timeout=3)
    assert "Round the loop" in panel and "go quiet and look at my phone" in panel
    await database_sync_to_async(services.side_save)(
        cycle=cycle, author=sam, keep_as_written=False, **SAM_SIDE | {"so_i": "leave the room"}
    )
    panel = await comm.receive_from(timeout=3)
    assert "leave the room" in panel
    for _group, message in sent:
        dumped = json.dumps(message)
        assert not any(words in dumped for words in [*ALEX_SIDE.values(), *SAM_SIDE.values()])
    await comm.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_another_couples_cycle_socket_is_refused():
    @database_sync_to_async
    def setup():
        couple = make_couple(make_partner("Alex"), make_partner("Sam"))
        cycle = services.cycle_create(
            couple=couple, partner=couple.memberships.first().user, name="x"
        )
        jo = make_partner("Jo")
        make_couple(jo, make_partner("Ri"))
        return cycle, jo

    cycle, jo = await setup()
    comm = WebsocketCommunicator(
        as_user(jo, exercise_routing.websocket_urlpatterns),
        f"/ws/cycles/{cycle.pk}/",
        headers=ORIGIN,
    )
    connected, _code = await comm.connect()
    if connected:  # a note saying why, then the close
        frames = [await comm.receive_output(timeout=3) for _ in range(2)]
        assert frames[-1]["type"] == "websocket.close" and frames[-1]["code"] >= 4000
        assert "the evenings" not in json.dumps(frames)
    await comm.disconnect()


# When the same struggle comes back


def _at(text):
    from datetime import datetime

    return datetime.fromisoformat(text)


def test_topics_group_by_the_words_the_couple_chose():
    from exercises.cycle import recurring

    found = recurring.groups(
        [
            ("The evenings", _at("2026-03-02T20:00+00:00")),
            ("our evening again", _at("2026-05-10T20:00+00:00")),
            ("Money", _at("2026-06-01T20:00+00:00")),
            ("evenings and money", _at("2026-11-18T20:00+00:00")),
            ("Sunday", _at("2026-11-20T20:00+00:00")),
        ]
    )
    assert [(g["label"], g["times"]) for g in found] == [("evenings", 3), ("money", 2)]
    assert found[0]["first"] == _at("2026-03-02T20:00+00:00")
    assert found[0]["last"] == _at("2026-11-18T20:00+00:00")


def test_a_dialogue_about_a_cycle_counts_for_that_cycle():
    from exercises.cycle import recurring

    found = recurring.groups(
        [
            ("the evenings", _at("2026-03-02T20:00+00:00")),
            ("Evenings!", _at("2026-04-02T20:00+00:00")),
        ],
        cycles=["the evenings"],
    )
    assert [(g["label"], g["cycle"], g["times"]) for g in found] == [("the evenings", True, 2)]


def test_the_couple_sees_what_came_back_in_their_own_zone_and_nobody_else_does(
    client, couple, partner_a, partner_b
):
    from datetime import datetime

    from dialogue.models import Dialogue
    from tests.factories import make_dialogue

    for stamp in ("2026-02-28T23:30", "2026-06-01T12:00"):
        dialogue = make_dialogue(couple, partner_a, topic="the evenings")
        Dialogue.objects.filter(pk=dialogue.pk).update(
            created_at=datetime.fromisoformat(stamp).replace(tzinfo=UTC),
            ended_at=datetime.fromisoformat(stamp).replace(tzinfo=UTC),
        )
    # 23:30 UTC on 28 February is already 1 March in Auckland.
    partner_b.time_zone = "Pacific/Auckland"
    partner_b.save()
    client.force_login(partner_b)
    page = text(client.get(reverse("cycles_recurring")))
    assert "2 dialogues since March 2026" in page and "Evenings" in page
    assert "Alex" not in page.split("<main")[1]  # no word of who raised it
    partner_a.time_zone = "America/Los_Angeles"
    partner_a.save()
    client.force_login(partner_a)
    assert "2 dialogues since February 2026" in text(client.get(reverse("cycles_recurring")))
    outsider = make_partner("Jo")
    make_couple(outsider, make_partner("Ri"))
    client.force_login(outsider)
    assert "the evenings" not in text(client.get(reverse("cycles_recurring"))).lower()
