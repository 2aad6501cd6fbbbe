"""What a process holds of each dialogue for its pushes (dialogue/latest.py): only what has
committed, under its own sequence number, extended only by the very next move, and never
standing in for a move another process made."""

import random
import secrets

import pytest
from django.db import transaction

from bench.scenario import next_move
from dialogue import latest, services
from dialogue.models import Dialogue
from tests.factories import make_couple, make_dialogue, make_partner

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def started():
    alex, sam = make_partner("Alex"), make_partner("Sam")
    dialogue = make_dialogue(make_couple(alex, sam), alex, topic="Sunday")
    return alex, sam, dialogue


def move(dialogue, who, kind, **fields) -> Dialogue:
    return services.dialogue_move(
        dialogue_id=dialogue.pk, partner=who, kind=kind, key=secrets.token_urlsafe(12), **fields
    )


def events_read(dialogue: Dialogue) -> list[tuple]:
    """The round's events as the database has them now."""
    state = services.current_state(dialogue)
    return [(e.seq, e.kind, e.text) for e in dialogue.events.filter(round=state.round)]


def events_held(dialogue: Dialogue, django_assert_num_queries, queries: int) -> list[tuple]:
    state = services.current_state(dialogue)
    with django_assert_num_queries(queries):
        events = latest.round_events(dialogue, state.round)
    return [(e.seq, e.kind, e.text) for e in events]


def to_send(dialogue, alex, sam) -> Dialogue:
    move(dialogue, sam, "accept")
    move(dialogue, alex, "check_in", level=7)
    return move(dialogue, sam, "check_in", level=7)


def test_the_move_after_a_read_is_drawn_with_no_query_and_matches_the_database(
    started, django_assert_num_queries
):
    alex, sam, dialogue = started
    at = to_send(dialogue, alex, sam)
    events_held(at, django_assert_num_queries, 1)  # read once, and held
    moved = move(dialogue, alex, "send", text="When the plans changed I felt left out.")
    assert latest.dialogue_at(dialogue.pk, moved.seq) is moved
    held = events_held(moved, django_assert_num_queries, 0)
    assert held == events_read(moved)
    assert held[-1][1:] == ("send", "When the plans changed I felt left out.")


def test_a_move_this_process_did_not_see_is_read_from_the_database(
    started, monkeypatch, django_assert_num_queries
):
    alex, sam, dialogue = started
    at = to_send(dialogue, alex, sam)
    events_held(at, django_assert_num_queries, 1)
    with monkeypatch.context() as elsewhere:  # as if another process committed this move
        elsewhere.setattr(latest, "moved", lambda *args: None)
        other = move(dialogue, alex, "send", text="I felt left out.")
    assert latest.dialogue_at(dialogue.pk, other.seq) is None
    after = move(dialogue, sam, "mirror", text="You felt left out.")
    assert latest.dialogue_at(dialogue.pk, after.seq) is None  # not extended over the gap
    assert events_held(after, django_assert_num_queries, 1) == events_read(after)
    assert [kind for _seq, kind, _text in events_read(after)][-2:] == ["send", "mirror"]


def test_a_row_read_before_a_later_move_keeps_only_the_events_up_to_its_own_seq(
    started, django_assert_num_queries
):
    alex, sam, dialogue = started
    before = to_send(dialogue, alex, sam)
    stale_row = Dialogue.objects.get(pk=dialogue.pk)  # read at `before.seq`
    latest.forget()
    move(dialogue, alex, "send", text="I felt left out.")  # committed after the row was read
    latest.forget()
    held = events_held(stale_row, django_assert_num_queries, 1)
    now = events_read(Dialogue.objects.get(pk=dialogue.pk))
    assert now[-1][1] == "send" and now[-1][0] == before.seq + 1
    assert held == now[:-1]  # everything but the move made after the row was read


def test_nothing_read_inside_a_transaction_is_held(started, django_assert_num_queries):
    alex, sam, dialogue = started
    at = to_send(dialogue, alex, sam)
    with transaction.atomic():
        events_held(at, django_assert_num_queries, 1)
    events_held(at, django_assert_num_queries, 1)  # read again: nothing was kept


def test_the_move_that_ends_a_round_leaves_the_next_round_with_none_of_its_events(
    started, django_assert_num_queries
):
    alex, sam, dialogue = started
    users = {alex.pk: alex, sam.pk: sam}
    row = to_send(dialogue, alex, sam)
    events_held(row, django_assert_num_queries, 1)
    rng = random.Random(7)
    while services.current_state(row).round == 1:
        planned = next_move(services.current_state(row), rng)
        row = move(dialogue, users[planned.actor], planned.kind, **planned.fields)
        held = events_held(row, django_assert_num_queries, 0)  # each move extends what is held
        assert held == events_read(row)
    assert held == []  # round 2 has no events yet
    row = move(dialogue, users[services.current_state(row).sender], "send", text="My turn.")
    assert events_held(row, django_assert_num_queries, 0) == events_read(row) != []


def test_at_most_max_dialogues_are_held_and_the_least_recent_goes_first(monkeypatch):
    monkeypatch.setattr(latest, "MAX_DIALOGUES", 2)
    rows = []
    for name in ("A", "B", "C"):
        one, two = make_partner(f"{name}1"), make_partner(f"{name}2")
        rows.append(make_dialogue(make_couple(one, two), one))
    for row in rows:
        latest.round_events(row, services.current_state(row).round)
    assert latest.dialogue_at(rows[0].pk, rows[0].seq) is None
    assert latest.dialogue_at(rows[1].pk, rows[1].seq) is not None
    assert latest.dialogue_at(rows[2].pk, rows[2].seq) is not None


@pytest.mark.asyncio
async def test_what_is_held_goes_when_the_processs_last_socket_on_the_dialogue_closes(started):
    from tests.sockets import open_ready

    alex, sam, dialogue = started
    path = f"/ws/dialogue/{dialogue.pk}/"
    a, b = await open_ready(alex, path), await open_ready(sam, path)
    assert latest.dialogue_at(dialogue.pk, dialogue.seq) is not None
    await a.close()
    assert latest.dialogue_at(dialogue.pk, dialogue.seq) is not None  # Sam's screen is open
    await b.close()
    assert latest.dialogue_at(dialogue.pk, dialogue.seq) is None


def test_a_move_made_on_another_process_is_read_in_one_statement_after_a_held_state(
    started, monkeypatch, django_assert_num_queries
):
    alex, sam, dialogue = started
    at = to_send(dialogue, alex, sam)
    events_held(at, django_assert_num_queries, 1)  # this process holds the state at `at`
    with monkeypatch.context() as elsewhere:  # two moves another process committed
        elsewhere.setattr(latest, "moved", lambda *args: None)
        move(dialogue, alex, "send", text="I felt left out.")
        other = move(dialogue, sam, "mirror", text="You felt left out.")
    with django_assert_num_queries(1):  # the row and the events since, together
        read = latest.read(dialogue.pk)
    assert read.seq == other.seq and read.snapshot == other.snapshot
    assert latest.dialogue_at(dialogue.pk, other.seq) is read
    assert events_held(read, django_assert_num_queries, 0) == events_read(read)
    # Into the next round and its first move, all made elsewhere: none of round 1 is kept.
    users, rng, row = {alex.pk: alex, sam.pk: sam}, random.Random(7), read
    with monkeypatch.context() as elsewhere:
        elsewhere.setattr(latest, "moved", lambda *args: None)
        while services.current_state(row).round == 1:
            planned = next_move(services.current_state(row), rng)
            row = move(dialogue, users[planned.actor], planned.kind, **planned.fields)
        row = move(dialogue, users[services.current_state(row).sender], "send", text="Mine.")
    read = latest.read(dialogue.pk)
    assert services.current_state(read).round == 2
    assert events_held(read, django_assert_num_queries, 0) == events_read(read)
    assert [kind for _seq, kind, _text in events_read(read)] == ["send"]
    # Nothing held: the row alone, and the round is read when the screen is drawn.
    latest.forget(dialogue.pk)
    with django_assert_num_queries(1):
        read = latest.read(dialogue.pk)
    assert events_held(read, django_assert_num_queries, 1) == events_read(read)
