"""The rules of the Intentional Dialogue, as pure Python (no Django).

A dialogue's state is what its moves add up to. `apply(state, move)` returns the new state or
raises `IllegalMove` with a sentence a person can read. `replay(start, moves)` rebuilds a state
from the stored moves. Partners are plain integers (user ids); time arrives inside the move.

Steps of a round: appointment → check-in → send → mirror → more? → summary → validate →
empathize → close. The parent-child variant (`Variant.PARENT_CHILD`) uses the same steps with
its own path: the receiver, speaking as the sender's caretaker, asks a fixed question; the
sender answers (send, mirror, more?), the receiver validates and empathizes, then asks the next
question; after the last, the receiver puts the role down and says, as themselves, what they
can give now (give), and the dialogue closes without a switch of roles.

Within a step the `turn` says whose move it is: the receiver reflects, the
sender confirms or corrects. Pause and leave are allowed at any step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum


class Step(StrEnum):
    APPOINTMENT = "appointment"
    CHECK_IN = "check_in"
    SEND = "send"
    MIRROR = "mirror"
    MORE = "more"
    SUMMARY = "summary"
    VALIDATE = "validate"
    EMPATHIZE = "empathize"
    GIVE = "give"  # the parent-child variant only
    CLOSE = "close"
    ENDED = "ended"


# The steps shown on the progress line, in order.
PROGRESS = [
    Step.APPOINTMENT,
    Step.CHECK_IN,
    Step.SEND,
    Step.MIRROR,
    Step.MORE,
    Step.SUMMARY,
    Step.VALIDATE,
    Step.EMPATHIZE,
    Step.CLOSE,
]

# The steps of the parent-child variant's progress line.
PARENT_CHILD_PROGRESS = [
    Step.APPOINTMENT,
    Step.CHECK_IN,
    Step.SEND,
    Step.MIRROR,
    Step.MORE,
    Step.VALIDATE,
    Step.EMPATHIZE,
    Step.GIVE,
    Step.CLOSE,
]
PARENT_CHILD_QUESTIONS = 3  # the fixed questions the caretaker asks (their words: screens.py)
MAX_CARETAKER = 60

# The receiver's move at each reflecting step, and the step that follows its confirmation.
REFLECTIONS = {
    Step.MIRROR: ("mirror", Step.MORE),
    Step.SUMMARY: ("summarize", Step.VALIDATE),
    Step.VALIDATE: ("validate", Step.EMPATHIZE),
    Step.EMPATHIZE: ("empathize", Step.CLOSE),
}


class Turn(StrEnum):
    SENDER = "sender"
    RECEIVER = "receiver"
    BOTH = "both"  # each partner moves once (check-in), or either may (close)
    NONE = "none"


class Mode(StrEnum):
    WRITTEN = "written"
    SPOKEN = "spoken"


class Device(StrEnum):
    TWO_DEVICES = "two_devices"
    SHARED_DEVICE = "shared_device"


class Variant(StrEnum):
    INTENTIONAL = "intentional"
    PARENT_CHILD = "parent_child"


class Outcome(StrEnum):
    COMPLETED = "completed"
    STOPPED = "stopped"


SETTLED_THRESHOLD = 4  # a check-in below this is offered a calming pause first
MAX_OFFER_AHEAD = timedelta(hours=24)
MAX_TEXT = 2000  # characters; the form enforces it too, this is the rule
MAX_TOPIC = 120

MOVES = frozenset(
    {
        "accept",
        "agree_now",
        "offer_time",
        "begin",
        "check_in",
        "go_on",
        "send",
        "mirror",
        "summarize",
        "validate",
        "empathize",
        "give",
        "confirm",
        "correct",
        "more",
        "no_more",
        "thank",
        "switch",
        "end",
        "pause",
        "ready",
        "leave",
        "swap_sides",
    }
)


class IllegalMove(Exception):
    """A move the rules do not allow now. The message is for the person who tried it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Move:
    kind: str
    by: int
    at: datetime
    text: str = ""
    level: int | None = None
    feelings: tuple[str, ...] = ()
    time: datetime | None = None  # offer_time: the time offered


@dataclass(frozen=True)
class State:
    requester: int
    other: int
    mode: Mode
    device: Device
    topic: str = ""
    timebox_minutes: int | None = None
    step: Step = Step.APPOINTMENT
    turn: Turn = Turn.RECEIVER
    round: int = 1
    sender: int = 0
    receiver: int = 0
    offered_time: datetime | None = None
    began_at: datetime | None = None
    levels: dict[int, int] = field(default_factory=dict)  # private check-in levels
    calming: frozenset[int] = frozenset()  # partners offered a calming pause, not yet going on
    pieces: int = 0  # pieces sent in this round
    corrections: int = 0  # corrections in this round
    paused: bool = False
    ready: frozenset[int] = frozenset()
    thanked: frozenset[int] = frozenset()
    outcome: Outcome | None = None
    stopped_by: int | None = None
    agreed: frozenset[int] = frozenset()  # who said yes to holding the dialogue now
    near: int = 0  # on one shared device: the partner at the near edge (0: not chosen yet)
    variant: Variant = Variant.INTENTIONAL
    caretaker: str = ""  # parent-child: whom the receiver speaks as ("Mum")
    question: int = 0  # parent-child: the question being answered, from 0

    @property
    def parent_child(self) -> bool:
        return self.variant == Variant.PARENT_CHILD

    def progress_steps(self) -> list[Step]:
        return PARENT_CHILD_PROGRESS if self.parent_child else PROGRESS

    @property
    def partners(self) -> tuple[int, int]:
        return (self.requester, self.other)

    @property
    def ended(self) -> bool:
        return self.step == Step.ENDED

    def sides(self) -> tuple[int, int]:
        """On one shared device, who sits where: (near, far). The near partner reads the lower
        half of the screen, the far partner the upper half, turned to face them. Until the
        couple say otherwise, the partner who started the dialogue is near."""
        near = self.near if self.near in self.partners else self.requester
        far = self.other if near == self.requester else self.requester
        return near, far

    def position(self) -> str:
        """Where the dialogue stands, as a short token. A move made from an older position is
        stale: the screen it was made on no longer matches."""
        return f"{self.round}.{self.step}.{self.turn}.{int(self.paused)}"

    def awaiting(self) -> frozenset[int]:
        """The partners whose move the dialogue is waiting for (empty while paused or ended)."""
        if self.ended:
            return frozenset()
        if self.paused:
            return frozenset(self.partners) - self.ready
        if self.step == Step.CHECK_IN:
            if self.calming:
                return self.calming
            return frozenset(self.partners) - set(self.levels)
        if self.turn == Turn.SENDER:
            return frozenset({self.sender})
        if self.turn == Turn.RECEIVER:
            return frozenset({self.receiver})
        if self.turn == Turn.BOTH:
            return frozenset(self.partners)
        return frozenset()

    def time_is_up(self, now: datetime) -> bool:
        if self.timebox_minutes is None or self.began_at is None:
            return False
        return now >= self.began_at + timedelta(minutes=self.timebox_minutes)


def start(
    *,
    requester: int,
    other: int,
    mode: Mode | str,
    device: Device | str,
    topic: str = "",
    timebox_minutes: int | None = None,
    variant: Variant | str = Variant.INTENTIONAL,
    caretaker: str = "",
) -> State:
    """A new dialogue: the requester has asked; the other partner is to answer. In the
    parent-child variant the requester is the one who speaks (as the child), and `caretaker`
    names whom the other speaks as."""
    if requester == other:
        raise IllegalMove("A dialogue needs two different partners.")
    if len(topic) > MAX_TOPIC:
        raise IllegalMove(f"Keep the topic to one line ({MAX_TOPIC} characters at most).")
    if timebox_minutes is not None and not 5 <= timebox_minutes <= 120:
        raise IllegalMove("A time-box is between 5 and 120 minutes.")
    variant = Variant(variant)
    caretaker = caretaker.strip()
    if variant == Variant.PARENT_CHILD and not caretaker:
        raise IllegalMove("Say whom your partner will speak as, like “Mum” or “Grandpa Joe”.")
    if len(caretaker) > MAX_CARETAKER:
        raise IllegalMove(f"Keep the name short ({MAX_CARETAKER} characters at most).")
    return State(
        requester=requester,
        other=other,
        mode=Mode(mode),
        device=Device(device),
        topic=topic.strip(),
        timebox_minutes=timebox_minutes,
        sender=requester,
        receiver=other,
        variant=variant,
        caretaker=caretaker if variant == Variant.PARENT_CHILD else "",
    )


def apply(state: State, move: Move) -> State:
    """The state after `move`, or IllegalMove. The given state is never changed."""
    if move.kind not in MOVES:
        raise IllegalMove("We don't know that move.")
    if move.by not in state.partners:
        raise IllegalMove("Only the two partners of this dialogue can take part in it.")
    if state.ended:
        raise IllegalMove("This dialogue has ended.")
    if move.kind == "leave":
        return replace(
            state,
            step=Step.ENDED,
            turn=Turn.NONE,
            outcome=Outcome.STOPPED,
            stopped_by=move.by,
            paused=False,
            ready=frozenset(),
            calming=frozenset(),
        )
    if move.kind == "swap_sides":
        if state.device != Device.SHARED_DEVICE:
            raise IllegalMove("Sides only matter when you share one screen.")
        return replace(state, near=state.sides()[1])
    if move.kind == "pause":
        if state.paused:
            raise IllegalMove("The dialogue is already paused.")
        return replace(state, paused=True, ready=frozenset())
    if move.kind == "ready":
        if not state.paused:
            raise IllegalMove("The dialogue isn't paused.")
        if move.by in state.ready:
            raise IllegalMove("You've already said you're ready. Waiting for your partner.")
        ready = state.ready | {move.by}
        # On one shared device the couple are together: one tap resumes for both.
        if state.device == Device.SHARED_DEVICE or ready == frozenset(state.partners):
            return replace(state, paused=False, ready=frozenset())
        return replace(state, ready=ready)
    if state.paused:
        raise IllegalMove("The dialogue is paused. When you're ready, say so to go on.")
    handler = _HANDLERS.get(state.step)
    if handler is None:  # pragma: no cover - every live step has a handler
        raise IllegalMove("That can't be done now.")
    return handler(state, move)


def replay(initial: State, moves: Iterable[Move]) -> State:
    """Fold stored moves onto the initial state. Every stored move was legal when made."""
    state = initial
    for move in moves:
        state = apply(state, move)
    return state


# --- each step -------------------------------------------------------------------------------


def _not_now(state: State, move: Move) -> IllegalMove:
    """The kindest true sentence for a move that is not the one the dialogue waits for."""
    waiting = state.awaiting()
    if waiting and move.by not in waiting:
        return IllegalMove("It's your partner's turn right now. Your part comes next.")
    return IllegalMove("That isn't part of this step.")


def _text(state: State, move: Move, *, required: bool) -> str:
    text = move.text.strip()
    if len(text) > MAX_TEXT:
        raise IllegalMove(f"That is longer than we can keep ({MAX_TEXT} characters at most).")
    if required and state.mode == Mode.WRITTEN and not text:
        raise IllegalMove("Write a few words first.")
    return text


def _appointment(state: State, move: Move) -> State:
    if move.kind == "accept" and state.offered_time is None and move.by == state.other:
        return _begin(state, move)
    together = state.device == Device.SHARED_DEVICE
    if move.kind == "agree_now":
        # At one screen both are present: one tap says yes for the two of them, together.
        if not together:
            raise IllegalMove("On your own phones, your partner answers the request.")
        if state.offered_time is not None:
            raise IllegalMove("You've agreed on a time. Begin when you're both ready.")
        return _begin(state, move)
    may_offer = move.by == state.other or together
    if move.kind == "offer_time" and state.offered_time is None and may_offer:
        if move.time is None:
            raise IllegalMove("Choose a time to offer.")
        if move.time <= move.at:
            raise IllegalMove("Choose a time later than now.")
        if move.time > move.at + MAX_OFFER_AHEAD:
            raise IllegalMove("Offer a time within the next 24 hours.")
        return replace(state, offered_time=move.time, turn=Turn.BOTH)
    if move.kind == "begin" and state.offered_time is not None:
        return _begin(state, move)
    if move.kind in {"accept", "offer_time"} and move.by == state.requester:
        raise IllegalMove("Your partner answers the request. You'll see their answer here.")
    raise _not_now(state, move)


def _begin(state: State, move: Move) -> State:
    # Every way to begin means both said yes: asked and accepted, agreed on a time and began,
    # or agreed together at one screen.
    return replace(
        state,
        step=Step.CHECK_IN,
        turn=Turn.BOTH,
        began_at=move.at,
        agreed=frozenset(state.partners),
    )


def _check_in(state: State, move: Move) -> State:
    if move.kind == "go_on":
        if move.by not in state.calming:
            raise _not_now(state, move)
        calming = state.calming - {move.by}
        if calming:
            return replace(state, calming=calming)
        return replace(state, calming=calming, step=Step.SEND, turn=Turn.SENDER)
    if move.kind != "check_in":
        raise _not_now(state, move)
    if move.by in state.levels:
        raise IllegalMove("You've already checked in.")
    if move.level is None or not 0 <= move.level <= 10:
        raise IllegalMove("Choose a number from 0 to 10.")
    levels = {**state.levels, move.by: move.level}
    if set(levels) != set(state.partners):
        return replace(state, levels=levels)
    calming = frozenset(p for p, level in levels.items() if level < SETTLED_THRESHOLD)
    if calming:
        return replace(state, levels=levels, calming=calming)
    return replace(state, levels=levels, step=Step.SEND, turn=Turn.SENDER)


def _send(state: State, move: Move) -> State:
    if move.kind != "send" or move.by != state.sender:
        raise _not_now(state, move)
    _text(state, move, required=True)
    return replace(state, step=Step.MIRROR, turn=Turn.RECEIVER, pieces=state.pieces + 1)


def _reflecting(state: State, move: Move) -> State:
    expected, following = REFLECTIONS[state.step]
    if state.turn == Turn.RECEIVER:
        if move.kind != expected or move.by != state.receiver:
            raise _not_now(state, move)
        nothing_named = not move.feelings and not move.text.strip()
        if state.step == Step.EMPATHIZE and state.mode == Mode.WRITTEN and nothing_named:
            raise IllegalMove("Name at least one feeling, or write one in your own words.")
        _text(state, move, required=not move.feelings)
        return replace(state, turn=Turn.SENDER)
    # The sender checks the reflection.
    if move.by != state.sender or move.kind not in {"confirm", "correct"}:
        raise _not_now(state, move)
    if move.kind == "correct":
        _text(state, move, required=False)
        return replace(state, turn=Turn.RECEIVER, corrections=state.corrections + 1)
    if state.parent_child and state.step == Step.EMPATHIZE:
        if state.question + 1 < PARENT_CHILD_QUESTIONS:  # the caretaker asks the next question
            return replace(
                state,
                step=Step.SEND,
                turn=Turn.SENDER,
                question=state.question + 1,
                pieces=0,
                corrections=0,
            )
        return replace(state, step=Step.GIVE, turn=Turn.RECEIVER)
    turn = Turn.SENDER if following == Step.MORE else Turn.RECEIVER
    if following == Step.CLOSE:
        turn = Turn.BOTH
    return replace(state, step=following, turn=turn)


def _more(state: State, move: Move) -> State:
    if move.by != state.sender or move.kind not in {"more", "no_more"}:
        raise _not_now(state, move)
    if move.kind == "more":
        return replace(state, step=Step.SEND, turn=Turn.SENDER)
    # The parent-child variant validates each answer directly, without a summary.
    following = Step.VALIDATE if state.parent_child else Step.SUMMARY
    return replace(state, step=following, turn=Turn.RECEIVER)


def _give(state: State, move: Move) -> State:
    """Parent-child: the receiver, as themselves again, says what they can give now."""
    if move.kind != "give" or move.by != state.receiver:
        raise _not_now(state, move)
    _text(state, move, required=True)
    return replace(state, step=Step.CLOSE, turn=Turn.BOTH)


def _close(state: State, move: Move) -> State:
    if move.kind == "thank":
        if move.by in state.thanked:
            raise IllegalMove("Your thanks has been said.")
        return replace(state, thanked=state.thanked | {move.by})
    if move.kind == "switch":
        if state.parent_child:
            raise IllegalMove(
                "In this dialogue the roles stay as they are. You can end here, and hold it "
                "the other way round another time."
            )
        return replace(
            state,
            round=state.round + 1,
            sender=state.receiver,
            receiver=state.sender,
            step=Step.SEND,
            turn=Turn.SENDER,
            pieces=0,
            corrections=0,
            thanked=frozenset(),
        )
    if move.kind == "end":
        return replace(state, step=Step.ENDED, turn=Turn.NONE, outcome=Outcome.COMPLETED)
    raise _not_now(state, move)


_HANDLERS = {
    Step.APPOINTMENT: _appointment,
    Step.CHECK_IN: _check_in,
    Step.SEND: _send,
    Step.MIRROR: _reflecting,
    Step.MORE: _more,
    Step.SUMMARY: _reflecting,
    Step.VALIDATE: _reflecting,
    Step.EMPATHIZE: _reflecting,
    Step.GIVE: _give,
    Step.CLOSE: _close,
}


# --- storage form ----------------------------------------------------------------------------


_STATE_FIELDS = tuple(f.name for f in fields(State))


def state_to_dict(state: State) -> dict:
    """A JSON-ready snapshot of a state (its fields are flat: a shallow read is a copy; asdict's
    deep copy of every value was a tenth of a move's transaction)."""
    data = {name: getattr(state, name) for name in _STATE_FIELDS}
    data["levels"] = {str(k): v for k, v in state.levels.items()}
    for name in ("calming", "ready", "thanked", "agreed"):
        data[name] = sorted(data[name])
    for name in ("offered_time", "began_at"):
        data[name] = data[name].isoformat() if data[name] else None
    return data


def state_from_dict(data: dict) -> State:
    data = dict(data)
    data.pop("seq", None)  # stored beside the state: the event it was taken after
    data["levels"] = {int(k): v for k, v in data["levels"].items()}
    for name in ("calming", "ready", "thanked", "agreed"):
        data[name] = frozenset(data.get(name, ()))
    for name in ("offered_time", "began_at"):
        data[name] = datetime.fromisoformat(data[name]) if data[name] else None
    data["step"], data["turn"] = Step(data["step"]), Turn(data["turn"])
    data["mode"], data["device"] = Mode(data["mode"]), Device(data["device"])
    data["outcome"] = Outcome(data["outcome"]) if data["outcome"] else None
    data["variant"] = Variant(data.get("variant", Variant.INTENTIONAL))
    return State(**data)
