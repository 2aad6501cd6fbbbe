import threading

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dialogue import machine, services
from dialogue.models import Dialogue, Event
from imago_app.models import OpenSocket
from tests.dialogue.conftest import new_key
from tests.factories import make_couple, make_dialogue

pytestmark = pytest.mark.django_db


def play_round(move, a, b):
    move(b, "accept")
    move(a, "check_in", level=7)
    move(b, "check_in", level=6)
    move(a, "send", text="I felt alone on Sunday.")
    move(b, "mirror", text="If I got it, you felt alone.")
    move(a, "correct", text="On Sunday afternoon.")
    move(b, "mirror", text="You felt alone on Sunday afternoon.")
    move(a, "confirm")
    move(a, "more")
    move(a, "send", text="And I missed you.")
    move(b, "mirror", text="You missed me.")
    move(a, "confirm")
    move(a, "no_more")
    move(b, "summarize", text="All of it: alone, and missing me.")
    move(a, "confirm")
    move(b, "validate", text="You make sense: I was away all day.")
    move(a, "confirm")
    move(b, "empathize", feelings=("lonely", "sad"), text="")
    move(a, "confirm")


def test_a_round_is_stored_as_events_and_its_replay_is_the_snapshot(
    dialogue, move, partner_a, partner_b
):
    play_round(move, partner_a, partner_b)
    dialogue.refresh_from_db()
    state = machine.state_from_dict(dialogue.snapshot)
    assert state.step == machine.Step.CLOSE
    assert services.replay(dialogue) == state
    assert list(dialogue.events.values_list("seq", flat=True)) == list(range(1, dialogue.seq + 1))


def test_the_snapshot_is_checked_against_the_sequence(dialogue, move, partner_b):
    move(partner_b, "accept")
    Dialogue.objects.filter(pk=dialogue.pk).update(
        snapshot=machine.state_to_dict(
            machine.start(requester=1, other=2, mode="written", device="two_devices")
        ),
        seq=1,
    )
    dialogue.refresh_from_db()
    assert services.current_state(dialogue).step == machine.Step.CHECK_IN


def test_the_snapshot_names_its_event_and_a_mismatch_is_replayed(dialogue, move, partner_b):
    move(partner_b, "accept")
    dialogue.refresh_from_db()
    assert dialogue.snapshot["seq"] == dialogue.seq == 2
    # A snapshot taken after another event than the dialogue's last is not trusted.
    Dialogue.objects.filter(pk=dialogue.pk).update(
        snapshot=services.snapshot(
            machine.start(requester=1, other=2, mode="written", device="two_devices"), 1
        )
    )
    dialogue.refresh_from_db()
    assert services.current_state(dialogue).step == machine.Step.CHECK_IN


def test_a_retry_after_the_dialogue_moved_on_is_already_applied(
    dialogue, move, partner_a, partner_b
):
    services.dialogue_move(dialogue_id=dialogue.pk, partner=partner_b, kind="accept", key="k-1")
    move(partner_a, "check_in", level=7)
    # The retry comes from the screen before the accept; the key is what tells it apart.
    with pytest.raises(services.AlreadyApplied):
        services.dialogue_move(
            dialogue_id=dialogue.pk, partner=partner_b, kind="accept", key="k-1", position="x"
        )
    with pytest.raises(services.Refused, match="doesn't match"):
        services.dialogue_move(
            dialogue_id=dialogue.pk, partner=partner_a, kind="check_in", key="k-1", level=7
        )
    assert dialogue.events.filter(key="k-1").count() == 1


def test_a_repeated_key_is_recognised_and_not_applied_twice(dialogue, partner_b):
    services.dialogue_move(
        dialogue_id=dialogue.pk, partner=partner_b, kind="accept", key="same-key-1"
    )
    # A retry of a move that was applied is a success for the person who made it.
    with pytest.raises(services.AlreadyApplied):
        services.dialogue_move(
            dialogue_id=dialogue.pk, partner=partner_b, kind="accept", key="same-key-1"
        )
    assert not issubclass(services.AlreadyApplied, services.Refused)
    assert dialogue.events.filter(kind="accept").count() == 1


def test_a_key_reused_for_another_move_or_person_is_refused(dialogue, partner_a, partner_b):
    services.dialogue_move(
        dialogue_id=dialogue.pk, partner=partner_b, kind="accept", key="same-key-2"
    )
    for who, kind in [(partner_b, "pause"), (partner_a, "pause")]:
        with pytest.raises(services.Refused, match="doesn't match"):
            services.dialogue_move(
                dialogue_id=dialogue.pk, partner=who, kind=kind, key="same-key-2"
            )
    assert list(dialogue.events.values_list("kind", flat=True)) == ["request", "accept"]


@pytest.mark.parametrize("prefill", ["If I got it, you said ", "If I got it, you said…  "])
def test_a_box_left_as_its_stem_counts_as_empty(dialogue, move, partner_a, partner_b, prefill):
    move(partner_b, "accept")
    move(partner_a, "check_in", level=7)
    move(partner_b, "check_in", level=7)
    move(partner_a, "send", text="I felt alone on Sunday.")
    with pytest.raises(services.Refused, match="Write a few words first"):
        move(partner_b, "mirror", text=prefill)
    move(partner_b, "mirror", text="If I got it, you said you felt alone.")
    assert dialogue.events.last().text == "If I got it, you said you felt alone."


def test_an_empathy_left_as_its_stem_keeps_only_the_feelings(dialogue, move, partner_a, partner_b):
    move(partner_b, "accept")
    move(partner_a, "check_in", level=7)
    move(partner_b, "check_in", level=7)
    move(partner_a, "send", text="I felt alone on Sunday.")
    move(partner_b, "mirror", text="You felt alone.")
    move(partner_a, "confirm")
    move(partner_a, "no_more")
    move(partner_b, "summarize", text="You felt alone on Sunday.")
    move(partner_a, "confirm")
    move(partner_b, "validate", text="You make sense, and what makes sense is that I was away.")
    move(partner_a, "confirm")
    move(partner_b, "empathize", text="I imagine you might feel ", feelings=("lonely",))
    event = dialogue.events.last()
    assert (event.kind, event.text, event.data["feelings"]) == ("empathize", "", ["lonely"])


def test_a_move_from_a_stale_screen_is_refused(dialogue, move, partner_a, partner_b):
    old_position = machine.state_from_dict(Dialogue.objects.get().snapshot).position()
    move(partner_b, "accept")
    with pytest.raises(services.Stale):
        services.dialogue_move(
            dialogue_id=dialogue.pk,
            partner=partner_a,
            kind="check_in",
            level=5,
            key=new_key(),
            position=old_position,
        )
    assert not dialogue.events.filter(kind="check_in").exists()


def test_an_illegal_move_writes_nothing(dialogue, partner_a):
    before = dialogue.events.count()
    with pytest.raises(services.Refused, match="Your partner answers"):
        services.dialogue_move(
            dialogue_id=dialogue.pk, partner=partner_a, kind="accept", key=new_key()
        )
    assert dialogue.events.count() == before
    dialogue.refresh_from_db()
    assert dialogue.seq == before


@pytest.mark.django_db(transaction=True)
def test_two_moves_racing_for_one_step_apply_exactly_once(couple, partner_a, partner_b):
    dialogue = make_dialogue(couple, partner_a)
    services.dialogue_move(dialogue_id=dialogue.pk, partner=partner_b, kind="accept", key=new_key())
    services.dialogue_move(dialogue_id=dialogue.pk, partner=partner_a, kind="pause", key=new_key())
    services.dialogue_move(dialogue_id=dialogue.pk, partner=partner_a, kind="ready", key=new_key())
    position = machine.state_from_dict(Dialogue.objects.get().snapshot).position()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def tap(key: str) -> None:
        barrier.wait()
        try:
            services.dialogue_move(
                dialogue_id=dialogue.pk, partner=partner_b, kind="ready", key=key, position=position
            )
            outcomes.append("applied")
        except services.Refused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=tap, args=(f"double-tap-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["applied", "refused"]
    assert Event.objects.filter(dialogue=dialogue, kind="ready").count() == 2  # A's and B's
    assert not machine.state_from_dict(Dialogue.objects.get().snapshot).paused


def test_a_request_is_emailed_to_a_partner_with_no_page_open(
    couple, partner_a, partner_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_dialogue(couple, partner_a, topic="Sunday")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [partner_b.email]
    assert "Alex would like a dialogue" in mail.outbox[0].subject
    assert '"Sunday"' in mail.outbox[0].body


def test_no_email_when_the_partner_has_a_page_open(
    couple, partner_a, partner_b, django_capture_on_commit_callbacks
):
    OpenSocket.objects.create(user=partner_b, channel_name="specific.test!1")
    with django_capture_on_commit_callbacks(execute=True):
        make_dialogue(couple, partner_a)
    assert mail.outbox == []


def test_a_move_costs_the_same_queries_however_long_the_dialogue(
    dialogue, move, partner_a, partner_b
):
    move(partner_b, "accept")
    move(partner_a, "check_in", level=7)
    move(partner_b, "check_in", level=7)

    def cost(who, kind, **fields) -> int:
        with CaptureQueriesContext(connection) as queries:
            move(who, kind, **fields)
        return len(queries)

    first = cost(partner_a, "send", text="one")
    cost(partner_b, "mirror", text="m")
    cost(partner_a, "confirm")
    for _ in range(10):
        cost(partner_a, "more")
        cost(partner_a, "send", text="again")
        cost(partner_b, "mirror", text="m")
        cost(partner_a, "confirm")
    assert cost(partner_a, "more") <= first
    assert cost(partner_a, "send", text="last") == first


def test_the_one_open_dialogue_rule_holds_per_couple(couple, partner_a):
    make_dialogue(couple, partner_a)
    other = make_couple()
    make_dialogue(other, other.memberships.first().user)
    with pytest.raises(services.Refused, match="already have a dialogue open"):
        make_dialogue(couple, partner_a)
