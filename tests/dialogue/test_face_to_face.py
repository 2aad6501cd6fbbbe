"""One shared screen: who sits on which side, whose half leads, what each half shows, and
beginning together with one "we agree" that counts as both saying yes. Pure: no database."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from dialogue import machine as m
from dialogue import screens
from dialogue.machine import Device, IllegalMove, Mode, Move, Step

A, B = 1, 2
NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
PEOPLE = {
    A: SimpleNamespace(pk=A, display_name="Alex"),
    B: SimpleNamespace(pk=B, display_name="Sam"),
}


def new(device=Device.SHARED_DEVICE, mode=Mode.SPOKEN):
    return m.start(requester=A, other=B, mode=mode, device=device)


def mv(state, kind, by, **fields):
    return m.apply(state, Move(kind=kind, by=by, at=NOW, **fields))


def checked_in(state):
    state = mv(state, "agree_now", B)
    state = mv(state, "check_in", A, level=6)
    return mv(state, "check_in", B, level=7)


def halves(state):
    return {h.side: h for h in screens.face_to_face(state, [], PEOPLE)}


# --- sides -----------------------------------------------------------------------------------


def test_the_partner_who_began_sits_near_until_they_swap():
    state = new()
    assert state.sides() == (A, B)
    swapped = mv(state, "swap_sides", B)
    assert swapped.sides() == (B, A)
    assert mv(swapped, "swap_sides", A).sides() == (A, B)


def test_swapping_sides_changes_nothing_else_and_survives_storage():
    state = checked_in(new())
    swapped = mv(state, "swap_sides", A)
    assert swapped.position() == state.position()  # an open screen's move is not made stale
    assert (swapped.step, swapped.turn, swapped.sender) == (state.step, state.turn, state.sender)
    assert m.state_from_dict(m.state_to_dict(swapped)).sides() == (B, A)


def test_sides_can_be_swapped_while_paused_but_not_on_two_phones():
    paused = mv(checked_in(new()), "pause", B)
    assert mv(paused, "swap_sides", B).sides() == (B, A)
    with pytest.raises(IllegalMove, match="share one screen"):
        mv(new(device=Device.TWO_DEVICES), "swap_sides", A)


def test_an_old_snapshot_without_sides_reads_as_the_default():
    data = m.state_to_dict(new())
    del data["near"], data["agreed"]
    assert m.state_from_dict(data).sides() == (A, B)


def test_the_far_half_is_the_far_partner_and_comes_first():
    state = new()
    assert [(h.side, h.partner.pk) for h in screens.face_to_face(state, [], PEOPLE)] == [
        ("far", B),
        ("near", A),
    ]
    swapped = mv(state, "swap_sides", A)
    assert [(h.side, h.partner.pk) for h in screens.face_to_face(swapped, [], PEOPLE)] == [
        ("far", A),
        ("near", B),
    ]


# --- beginning together ----------------------------------------------------------------------


@pytest.mark.parametrize("by", [A, B])
def test_at_one_screen_one_tap_agrees_for_both(by):
    state = mv(new(), "agree_now", by)
    assert state.step == Step.CHECK_IN
    assert state.agreed == frozenset({A, B})


def test_on_two_phones_the_partner_still_answers():
    with pytest.raises(IllegalMove, match="your partner answers"):
        mv(new(device=Device.TWO_DEVICES), "agree_now", A)
    accepted = mv(new(device=Device.TWO_DEVICES), "accept", B)
    assert accepted.agreed == frozenset({A, B})  # asked and accepted: both said yes


def test_at_one_screen_either_may_choose_a_later_time_and_then_begin():
    later = mv(new(), "offer_time", A, time=NOW.replace(hour=21))
    with pytest.raises(IllegalMove, match="agreed on a time"):
        mv(later, "agree_now", B)
    began = mv(later, "begin", B)
    assert began.step == Step.CHECK_IN and began.agreed == frozenset({A, B})


def test_the_shared_screen_asks_both_whether_now_is_good_and_hands_over_nothing():
    screen_halves = halves(new())
    assert {h.stage["kind"] for h in screen_halves.values()} == {"agree_now"}
    assert all(h.leads for h in screen_halves.values())
    assert screens._actor(new(), PEOPLE) is None  # no "Sam, it's your turn to answer"


# --- whose half leads ------------------------------------------------------------------------


def test_one_partner_checks_in_at_a_time_the_speaker_first():
    state = mv(new(), "agree_now", B)
    assert screens.leading(state) == {A}
    first = halves(state)
    assert first["near"].stage["kind"] == "check_in"
    assert first["far"].stage["kind"] == "look_away"
    assert "Sam is asked to look away" in first["near"].stage["privacy"]
    assert "could see the number" in first["near"].stage["privacy"]
    state = mv(state, "check_in", A, level=6)
    assert screens.leading(state) == {B}
    second = halves(state)
    assert second["far"].stage["kind"] == "check_in"
    assert second["near"].stage == {
        "kind": "look_away",
        "text": "Sam is checking in, privately.",
        "checked_in": True,
    }  # "checked in", and no number


def test_the_speakers_half_leads_while_sharing_and_the_listeners_while_mirroring():
    state = checked_in(new())
    assert screens.leading(state) == {A}
    sharing = halves(state)
    assert sharing["near"].leads and sharing["near"].stage["kind"] == "send"
    assert sharing["near"].role == "Speaking"
    listener = sharing["far"]
    assert not listener.leads and listener.role == "Listening"
    assert listener.stage["kind"] == "wait"
    assert listener.stage["meanwhile"]["stem"] == screens.STEMS[Step.MIRROR]  # how to mirror
    mirroring = halves(mv(state, "send", A))
    assert mirroring["far"].leads and mirroring["far"].stage["kind"] == "reflect"
    assert not mirroring["near"].leads
    assert "is it what you meant?" in mirroring["near"].stage["meanwhile"]["line"]


def test_both_halves_lead_at_the_close_and_neither_while_paused():
    state = checked_in(new())
    assert screens.leading(mv(state, "pause", A)) == frozenset()
    for kind, by in [("send", A), ("mirror", B), ("confirm", A), ("no_more", A)]:
        state = mv(state, kind, by)
    for kind, by in [
        ("summarize", B),
        ("confirm", A),
        ("validate", B),
        ("confirm", A),
        ("empathize", B),
        ("confirm", A),
    ]:
        state = mv(state, kind, by)
    assert state.step == Step.CLOSE
    assert screens.leading(state) == {A, B}
    assert all(h.stage["kind"] == "close" for h in halves(state).values())


def built(state, viewer=A):
    return screens.build(
        dialogue=None, state=state, events=[], people=PEOPLE, viewer=PEOPLE[viewer], now=NOW
    )


def test_only_a_shared_screen_is_split_in_halves():
    assert built(new(device=Device.TWO_DEVICES)).halves == []
    assert [h.side for h in built(new()).halves] == ["far", "near"]


def test_swapping_sides_changes_what_the_open_page_thinks_is_on_screen():
    # The socket sends a stage only when its key changes: a swap must change it.
    state = new()
    assert built(state).stage_key != built(mv(state, "swap_sides", A)).stage_key


# --- the transcript --------------------------------------------------------------------------


def test_a_transcript_of_one_shared_screen_shows_no_check_in_number():
    events = [
        SimpleNamespace(kind="check_in", actor_id=A, round=1, text="", data={"level": 6}),
        SimpleNamespace(kind="agree_now", actor_id=B, round=1, text="", data={}),
    ]
    shared = screens.transcript(events, viewer=PEOPLE[A], people=PEOPLE, shared=True)
    notes = [e["note"] for e in shared[0]["entries"]]
    assert notes == ["You checked in.", "You both agreed that now was a good time."]
    apart = screens.transcript(events, viewer=PEOPLE[A], people=PEOPLE)
    assert apart[0]["entries"][0]["note"] == "You checked in at 6 out of 10."
