from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from dialogue import machine as m
from dialogue.machine import Device, IllegalMove, Mode, Move, Outcome, Step, Turn

A, B, STRANGER = 1, 2, 99
NOW = datetime(2026, 11, 26, 21, 0, tzinfo=UTC)


def new(mode=Mode.WRITTEN, device=Device.TWO_DEVICES, **kw):
    return m.start(requester=A, other=B, mode=mode, device=device, **kw)


def mv(state, kind, by, **fields):
    return m.apply(state, Move(kind=kind, by=by, at=fields.pop("at", NOW), **fields))


def until_send(state=None):
    state = state or new()
    state = mv(state, "accept", B)
    state = mv(state, "check_in", A, level=7)
    return mv(state, "check_in", B, level=8)


def refuse(state, kind, by, contains, **fields):
    with pytest.raises(IllegalMove) as caught:
        mv(state, kind, by, **fields)
    assert contains in caught.value.message
    return caught.value


# --- appointment -----------------------------------------------------------------------------


def test_it_starts_with_the_receiver_to_answer():
    state = new(topic="Sunday")
    assert (state.step, state.awaiting(), state.sender, state.receiver) == (
        Step.APPOINTMENT,
        {B},
        A,
        B,
    )


def test_accepting_now_begins_the_check_in():
    state = mv(new(), "accept", B)
    assert state.step == Step.CHECK_IN and state.began_at == NOW
    assert state.awaiting() == {A, B}


def test_only_the_receiver_answers_a_request():
    refuse(new(), "accept", A, "Your partner answers")


def test_offering_a_later_time_is_seen_and_either_partner_can_begin():
    later = NOW + timedelta(hours=3)
    state = mv(new(), "offer_time", B, time=later)
    assert state.offered_time == later and state.step == Step.APPOINTMENT
    assert mv(state, "begin", A).step == Step.CHECK_IN
    assert mv(state, "begin", B).step == Step.CHECK_IN


@pytest.mark.parametrize(
    ("offset", "message"),
    [(timedelta(hours=25), "within the next 24 hours"), (timedelta(minutes=-5), "later than now")],
)
def test_an_offered_time_is_within_24_hours(offset, message):
    refuse(new(), "offer_time", B, message, time=NOW + offset)


def test_a_dialogue_needs_two_partners_and_a_short_topic():
    with pytest.raises(IllegalMove):
        m.start(requester=A, other=A, mode="written", device="two_devices")
    with pytest.raises(IllegalMove):
        m.start(requester=A, other=B, mode="written", device="two_devices", topic="x" * 121)


# --- check-in --------------------------------------------------------------------------------


def test_check_in_waits_for_both_then_goes_to_send():
    state = mv(mv(new(), "accept", B), "check_in", A, level=6)
    assert state.step == Step.CHECK_IN and state.awaiting() == {B}
    refuse(state, "check_in", A, "already checked in", level=6)
    state = mv(state, "check_in", B, level=9)
    assert (state.step, state.turn, state.awaiting()) == (Step.SEND, Turn.SENDER, {A})


def test_a_low_check_in_is_offered_a_calming_pause_and_may_go_on():
    state = mv(mv(mv(new(), "accept", B), "check_in", A, level=8), "check_in", B, level=2)
    assert state.step == Step.CHECK_IN and state.calming == {B} and state.awaiting() == {B}
    refuse(state, "go_on", A, "partner's turn")
    paused = mv(state, "pause", B)
    resumed = mv(mv(paused, "ready", A), "ready", B)
    assert resumed.calming == {B}
    assert mv(resumed, "go_on", B).step == Step.SEND


def test_leaving_while_a_partner_is_offered_a_calming_pause_ends_it_with_nobody_calming():
    # Found by the random play below: the offer outlived the dialogue it was made in.
    state = mv(mv(mv(new(), "accept", B), "check_in", B, level=0), "check_in", A, level=8)
    assert state.calming == {B}
    ended = mv(state, "leave", A)
    assert (ended.step, ended.outcome, ended.calming) == (Step.ENDED, Outcome.STOPPED, frozenset())


@pytest.mark.parametrize("level", [None, -1, 11])
def test_a_check_in_is_a_number_from_0_to_10(level):
    refuse(mv(new(), "accept", B), "check_in", A, "from 0 to 10", level=level)


# --- the round -------------------------------------------------------------------------------


def test_a_full_round_with_a_correction_and_more():
    state = until_send()
    refuse(state, "send", B, "partner's turn", text="hi")
    state = mv(state, "send", A, text="I felt alone on Sunday.")
    assert (state.step, state.turn) == (Step.MIRROR, Turn.RECEIVER)
    refuse(state, "confirm", A, "partner's turn")
    state = mv(state, "mirror", B, text="If I got it, you felt alone.")
    assert state.turn == Turn.SENDER
    state = mv(state, "correct", A, text="Alone on Sunday afternoon.")
    assert (state.turn, state.corrections) == (Turn.RECEIVER, 1)
    state = mv(state, "mirror", B, text="You felt alone on Sunday afternoon.")
    state = mv(state, "confirm", A)
    assert state.step == Step.MORE
    state = mv(state, "more", A)
    state = mv(state, "send", A, text="And I missed you.")
    state = mv(mv(state, "mirror", B, text="You missed me."), "confirm", A)
    assert state.pieces == 2
    state = mv(state, "no_more", A)
    assert (state.step, state.turn) == (Step.SUMMARY, Turn.RECEIVER)
    state = mv(mv(state, "summarize", B, text="All in all…"), "confirm", A)
    assert state.step == Step.VALIDATE
    state = mv(mv(state, "validate", B, text="You make sense…"), "confirm", A)
    assert state.step == Step.EMPATHIZE
    refuse(state, "empathize", B, "Name at least one feeling")
    state = mv(state, "empathize", B, feelings=("lonely",))
    state = mv(state, "confirm", A)
    assert (state.step, state.awaiting()) == (Step.CLOSE, {A, B})
    state = mv(mv(state, "thank", A), "thank", B)
    refuse(state, "thank", A, "thanks has been said")
    ended = mv(state, "end", B)
    assert ended.ended and ended.outcome == Outcome.COMPLETED
    refuse(ended, "pause", A, "has ended")


def test_switching_roles_starts_a_new_round_at_send():
    state = until_send()
    for kind, by, extra in [
        ("send", A, {"text": "x"}),
        ("mirror", B, {"text": "x"}),
        ("confirm", A, {}),
        ("no_more", A, {}),
        ("summarize", B, {"text": "x"}),
        ("confirm", A, {}),
        ("validate", B, {"text": "x"}),
        ("confirm", A, {}),
        ("empathize", B, {"feelings": ("sad",)}),
        ("confirm", A, {}),
    ]:
        state = mv(state, kind, by, **extra)
    state = mv(state, "switch", A)
    assert (state.round, state.sender, state.receiver, state.step) == (2, B, A, Step.SEND)
    assert state.pieces == 0


def test_written_mode_needs_words_and_spoken_mode_does_not():
    refuse(until_send(), "send", A, "Write a few words", text="   ")
    spoken = until_send(new(mode=Mode.SPOKEN))
    assert mv(spoken, "send", A).step == Step.MIRROR


def test_text_has_a_hard_limit():
    refuse(until_send(), "send", A, "longer than we can keep", text="x" * (m.MAX_TEXT + 1))


def test_strangers_and_unknown_moves_are_refused():
    refuse(until_send(), "send", STRANGER, "Only the two partners", text="hi")
    refuse(until_send(), "dance", A, "don't know that move")


# --- pause and leave -------------------------------------------------------------------------


def test_a_pause_freezes_the_dialogue_until_both_are_ready():
    state = mv(until_send(), "pause", B)
    assert state.paused and state.awaiting() == {A, B}
    refuse(state, "send", A, "paused", text="hi")
    refuse(state, "pause", A, "already paused")
    state = mv(state, "ready", A)
    refuse(state, "ready", A, "already said you're ready")
    assert state.paused
    state = mv(state, "ready", B)
    assert not state.paused and state.step == Step.SEND


def test_on_a_shared_device_one_tap_resumes():
    state = mv(until_send(new(device=Device.SHARED_DEVICE)), "pause", A)
    assert not mv(state, "ready", B).paused


def test_leaving_ends_the_dialogue_for_both_at_any_step():
    for state in (new(), until_send(), mv(until_send(), "pause", A)):
        ended = mv(state, "leave", B)
        assert ended.ended and ended.outcome == Outcome.STOPPED and ended.stopped_by == B
        assert ended.awaiting() == frozenset()


def test_the_position_changes_when_the_screen_should():
    state = until_send()
    after = mv(state, "send", A, text="x")
    assert state.position() != after.position()
    assert mv(after, "pause", A).position() != after.position()


def test_a_state_survives_its_snapshot():
    state = mv(
        mv(
            mv(new(topic="t", timebox_minutes=30), "offer_time", B, time=NOW + timedelta(hours=1)),
            "begin",
            A,
        ),
        "check_in",
        A,
        level=3,
    )
    assert m.state_from_dict(m.state_to_dict(state)) == state


def test_the_time_box_is_up_after_its_minutes():
    state = mv(new(timebox_minutes=20), "accept", B)
    assert not state.time_is_up(NOW + timedelta(minutes=19))
    assert state.time_is_up(NOW + timedelta(minutes=20))
    assert not mv(new(), "accept", B).time_is_up(NOW + timedelta(days=1))


# --- random play -----------------------------------------------------------------------------

KINDS = [*sorted(m.MOVES), "dance"]


class RandomPlay(RuleBasedStateMachine):
    """Random moves by random people: the rules never reach a state they forbid, a refused move
    changes nothing, and replaying the accepted moves rebuilds the same state."""

    def __init__(self):
        super().__init__()
        self.initial = new(device=Device.TWO_DEVICES)
        self.state = self.initial
        self.accepted: list[Move] = []
        self.clock = NOW

    @rule(
        kind=st.sampled_from(KINDS),
        by=st.sampled_from([A, B, STRANGER]),
        text=st.sampled_from(["", "I felt alone.", "x" * (m.MAX_TEXT + 1)]),
        level=st.one_of(st.none(), st.integers(-1, 11)),
        feelings=st.sampled_from([(), ("sad",)]),
        hours=st.integers(-1, 30),
        minutes=st.integers(0, 10),
    )
    def play(self, kind, by, text, level, feelings, hours, minutes):
        self.clock += timedelta(minutes=minutes)
        move = Move(
            kind=kind,
            by=by,
            at=self.clock,
            text=text,
            level=level,
            feelings=feelings,
            time=self.clock + timedelta(hours=hours),
        )
        before = self.state
        try:
            self.state = m.apply(self.state, move)
        except IllegalMove as refused:
            assert refused.message
            assert self.state == before
        else:
            self.accepted.append(move)

    @rule()
    def guided(self):
        """Take a move the dialogue is waiting for, so runs get deep into rounds."""
        waiting = sorted(self.state.awaiting())
        if not waiting:
            return
        by = waiting[0]
        for kind in [
            "accept",
            "check_in",
            "go_on",
            "send",
            "mirror",
            "summarize",
            "validate",
            "empathize",
            "confirm",
            "no_more",
            "give",
            "ready",
            "switch",
            "end",
        ]:
            move = Move(kind=kind, by=by, at=self.clock, text="words", level=7, feelings=("sad",))
            try:
                self.state = m.apply(self.state, move)
            except IllegalMove:
                continue
            self.accepted.append(move)
            return

    @invariant()
    def rules_hold(self):
        s = self.state
        event(f"reached {s.step} in round {min(s.round, 3)}")
        assert {s.sender, s.receiver} == {A, B}
        assert s.round >= 1
        assert s.ended == (s.outcome is not None)
        assert not (s.ended and s.paused)
        assert s.ready <= {A, B} and s.thanked <= {A, B} and s.calming <= {A, B}
        assert set(s.levels) <= {A, B}
        assert all(0 <= level <= 10 for level in s.levels.values())
        if s.calming:
            assert s.step == Step.CHECK_IN
        if s.step in m.REFLECTIONS:
            assert s.turn in (Turn.SENDER, Turn.RECEIVER)
        if s.step in (Step.SEND, Step.MORE):
            assert s.turn == Turn.SENDER
        if s.step not in (Step.APPOINTMENT, Step.ENDED):
            assert s.began_at is not None
        if (
            s.step
            in (
                Step.SEND,
                Step.MIRROR,
                Step.MORE,
                Step.SUMMARY,
                Step.VALIDATE,
                Step.EMPATHIZE,
                Step.CLOSE,
            )
            and s.round == 1
        ):
            assert set(s.levels) == {A, B} and not s.calming
        if s.step in (Step.MORE, Step.SUMMARY, Step.VALIDATE, Step.EMPATHIZE, Step.CLOSE):
            assert s.pieces >= 1
        if s.outcome == Outcome.STOPPED:
            assert s.stopped_by in (A, B)

    @invariant()
    def replay_rebuilds(self):
        assert m.replay(self.initial, self.accepted) == self.state
        assert m.state_from_dict(m.state_to_dict(self.state)) == self.state


RandomPlay.TestCase.settings = settings(max_examples=150, stateful_step_count=60, deadline=None)
TestRandomPlay = RandomPlay.TestCase


# --- the parent-child variant ----------------------------------------------------------------


def pc(**kw):
    return new(variant=m.Variant.PARENT_CHILD, caretaker="Mum", **kw)


def answer_question(state):
    """The sender answers the caretaker's question; the receiver mirrors, validates and
    empathizes, each confirmed."""
    state = mv(state, "send", A, text="It was lonely.")
    state = mv(state, "mirror", B, text="You felt lonely.")
    state = mv(state, "confirm", A)
    state = mv(state, "no_more", A)
    assert state.step == Step.VALIDATE  # no summary in this variant
    state = mv(state, "validate", B, text="It makes sense.")
    state = mv(state, "confirm", A)
    state = mv(state, "empathize", B, feelings=("sad",))
    return mv(state, "confirm", A)


def test_the_parent_child_variant_needs_whom_the_receiver_speaks_as():
    with pytest.raises(IllegalMove, match="whom your partner will speak as"):
        new(variant=m.Variant.PARENT_CHILD)
    assert new(caretaker="Mum").caretaker == ""  # only the variant keeps it
    assert pc().caretaker == "Mum" and pc().parent_child


def test_the_caretaker_asks_each_question_then_gives_as_themselves():
    state = until_send(pc())
    for question in range(m.PARENT_CHILD_QUESTIONS):
        assert state.step == Step.SEND and state.question == question
        state = answer_question(state)
    assert state.step == Step.GIVE and state.turn == Turn.RECEIVER
    refuse(state, "give", A, "partner's turn")
    refuse(state, "give", B, "Write a few words", text="")
    state = mv(state, "give", B, text="Now I can listen, every evening.")
    assert state.step == Step.CLOSE
    refuse(state, "switch", A, "the roles stay as they are")
    state = mv(state, "end", B)
    assert state.outcome == Outcome.COMPLETED


def test_a_correction_loops_within_a_question_and_pause_works():
    state = until_send(pc())
    state = mv(state, "send", A, text="It was lonely.")
    state = mv(state, "mirror", B, text="You were bored.")
    state = mv(state, "correct", A, text="Lonely, not bored.")
    assert state.step == Step.MIRROR and state.turn == Turn.RECEIVER
    state = mv(state, "pause", B)
    refuse(state, "mirror", B, "paused")
    state = mv(mv(state, "ready", A), "ready", B)
    state = mv(state, "mirror", B, text="You felt lonely.")
    assert mv(state, "confirm", A).step == Step.MORE


def test_the_variant_survives_storage_and_old_snapshots_read_as_the_dialogue():
    state = until_send(pc())
    assert m.state_from_dict(m.state_to_dict(state)) == state
    old = m.state_to_dict(until_send())
    for name in ("variant", "caretaker", "question"):
        old.pop(name)
    assert m.state_from_dict(old).variant == m.Variant.INTENTIONAL
    assert pc().progress_steps() == m.PARENT_CHILD_PROGRESS
    assert Step.SUMMARY not in m.PARENT_CHILD_PROGRESS


class ParentChildPlay(RandomPlay):
    """The same random play on the parent-child variant."""

    def __init__(self):
        super().__init__()
        self.initial = pc()
        self.state = self.initial

    @invariant()
    def variant_rules_hold(self):
        s = self.state
        assert s.variant == m.Variant.PARENT_CHILD and s.round == 1  # no switch of roles
        assert 0 <= s.question < m.PARENT_CHILD_QUESTIONS
        assert s.step != Step.SUMMARY
        if s.step == Step.GIVE:
            assert s.question == m.PARENT_CHILD_QUESTIONS - 1 and s.turn == Turn.RECEIVER


ParentChildPlay.TestCase.settings = settings(
    max_examples=150, stateful_step_count=80, deadline=None
)
TestParentChildPlay = ParentChildPlay.TestCase
