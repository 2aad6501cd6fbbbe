"""What one person's dialogue screen shows, worked out from the state and the events.

The same function serves the page (HTTP) and every push (WebSocket), so the two never differ.
Its result is plain data; the templates turn it into HTML.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from django.urls import reverse

from dialogue import vocabulary
from dialogue.machine import REFLECTIONS, Device, Mode, Outcome, State, Step, Turn
from dialogue.models import Dialogue, Event
from imago_app.keys import screen_key
from imago_app.models import User

STEP_LABELS = {
    Step.APPOINTMENT: "Ask",
    Step.CHECK_IN: "Check in",
    Step.SEND: "Share",
    Step.MIRROR: "Mirror",
    Step.MORE: "More?",
    Step.SUMMARY: "Summary",
    Step.VALIDATE: "Validate",
    Step.EMPATHIZE: "Empathize",
    Step.GIVE: "What I can give",
    Step.CLOSE: "Close",
}

# Sentence stems the listener starts from (and says aloud in spoken mode).
STEMS = {
    Step.MIRROR: "If I got it, you said… Did I get it?",
    Step.SUMMARY: "Let me see if I got all of it. You said… Did I get it all?",
    Step.VALIDATE: "You make sense, and what makes sense is…",
    Step.EMPATHIZE: "I imagine you might be feeling…",
}
# What the listener's text box starts with, in written mode.
PREFILL = {
    Step.MIRROR: "If I got it, you said ",
    Step.SUMMARY: "Let me see if I got all of it: ",
    Step.VALIDATE: "You make sense, and what makes sense is ",
    Step.EMPATHIZE: "I imagine you might feel ",
}
_STEM_TAIL = " \t\r\n.…:,"


def without_stem(step: str, text: str) -> str:
    """The text as said: a box left as the stem it was prefilled with counts as empty."""
    said = text.strip().rstrip(_STEM_TAIL)
    for found in (PREFILL, PARENT_CHILD_PREFILL, {Step.GIVE: GIVE_PREFILL}):
        prefill = found.get(step)
        if prefill and said == prefill.strip().rstrip(_STEM_TAIL):
            return ""
    return text


# What the speaker is asked about the listener's reflection, and how they can set it right.
CHECKS = {
    Step.MIRROR: ("Did {listener} get it?", "Not quite. Here's what I meant:"),
    Step.SUMMARY: ("Did {listener} get all of it?", "Something is missing:"),
    Step.VALIDATE: (
        "Does that show {listener} understands how it looks from your side?",
        "Say more about how it looks to you:",
    ),
    Step.EMPATHIZE: ("Is that how you feel?", "What I feel is more like:"),
}
# What the speaker's screen says while the listener works on a reflection.
LISTENER_AT_WORK = {
    Step.MIRROR: "{listener} is mirroring what you said.",
    Step.SUMMARY: "{listener} is summing up all you shared.",
    Step.VALIDATE: "{listener} is putting into words how it makes sense.",
    Step.EMPATHIZE: "{listener} is imagining how you feel.",
}
# What each step asks of the listener, for their heading.
LISTENER_TASK = {
    Step.MIRROR: "Mirror back what {speaker} said, without adding anything.",
    Step.SUMMARY: "Sum up everything {speaker} shared.",
    Step.VALIDATE: "Say how it makes sense from {speaker}'s side. You don't need to agree.",
    Step.EMPATHIZE: "Imagine how {speaker} feels, and name it.",
}


# The parent-child dialogue: the questions the listener asks in the caretaker's role, the
# stems that steer towards grief, fear and longing (never anger at the partner), and the
# moment the role is put down.
PARENT_CHILD_QUESTIONS = [
    "I'm {caretaker}. What was it like for you, living with me?",
    "What hurt you the most, with me?",
    "What did you need most from me, and not get?",
]
PARENT_CHILD_ANSWER = "When I lived with you, I felt… What I missed was…"
PARENT_CHILD_STEMS = {
    Step.VALIDATE: "It makes sense that you felt that, because…",
    Step.EMPATHIZE: "I imagine you felt… (sad, scared, alone, longing…)",
}
PARENT_CHILD_PREFILL = {
    Step.VALIDATE: "It makes sense that you felt that, because ",
    Step.EMPATHIZE: "I imagine you felt ",
}
GIVE_TASK = (
    "Put the role of {caretaker} down. Now, as yourself, tell {speaker} what you can give them now."
)
GIVE_STEM = "Now, as me: what I can give you now is…"
GIVE_PREFILL = "Now, as me, what I can give you now is "


def asked_question(state: State) -> str:
    """The caretaker's question the speaker is answering now (parent-child only)."""
    return PARENT_CHILD_QUESTIONS[state.question].format(caretaker=state.caretaker)


@dataclass
class Screen:
    dialogue: Dialogue
    state: State
    viewer: User
    people: dict[int, User]
    actor: User | None  # on a shared device: whom the screen addresses now
    headline: str
    stage: dict
    progress: list[dict]
    position: str
    ends_at: datetime | None
    time_is_up: bool
    pause: dict = field(default_factory=dict)
    now: datetime | None = None
    halves: list["Half"] = field(default_factory=list)  # one shared device: far, then near

    @property
    def minutes_left(self) -> int:
        if self.ends_at is None or self.now is None:
            return 0
        return max(0, round((self.ends_at - self.now).total_seconds() / 60))

    @cached_property
    def stage_key(self) -> str:
        return screen_key(
            {
                "stage": self.stage,
                "headline": self.headline,
                "pos": self.position,
                "halves": [(h.partner.pk, h.leads, h.headline, h.stage) for h in self.halves],
            }
        )

    def bar_key(self, presence: dict | None) -> tuple:
        """Everything the bar shows, but the sequence number (the seq partial carries that): a
        push leaves out a bar whose key is what the socket last sent. Most moves change only
        the stage; the bar changes with the step, the round, a pause, the timer's minute."""
        state = self.state
        return (  # the step is in the progress list's statuses
            state.ended,
            state.paused,
            state.round,
            self.sender and self.sender.display_name,
            self.receiver and self.receiver.display_name,
            self.actor and self.actor.pk,  # whom the Pause form is made for, on a shared screen
            tuple((item["label"], item["status"]) for item in self.progress),
            self.ends_at,
            self.time_is_up,
            self.minutes_left,
            presence and (presence["name"], presence["here"]),
        )

    @cached_property
    def move_url(self) -> str:
        """Where the screen's move forms post without JavaScript (the same for all of them)."""
        return reverse("dialogue_move", args=[self.dialogue.pk])

    @property
    def sender(self) -> User | None:
        return self.people.get(self.state.sender)

    @property
    def receiver(self) -> User | None:
        return self.people.get(self.state.receiver)

    @property
    def other(self) -> User:
        """The partner who is not the signed-in viewer."""
        return next(u for pk, u in self.people.items() if pk != self.viewer.pk)

    @property
    def shared(self) -> bool:
        return self.state.device == Device.SHARED_DEVICE

    @property
    def spoken(self) -> bool:
        return self.state.mode == Mode.SPOKEN


def build(
    *,
    dialogue: Dialogue,
    state: State,
    events: list[Event],
    people: dict[int, User],
    viewer: User,
    now: datetime,
    handed_to: int | None = None,
    therapist: tuple[User | None, bool] = (None, False),
) -> Screen:
    """The screen `viewer` sees. On a shared device, `handed_to` is the partner who last took the
    device; until the partner whose turn it is takes it, the screen asks to hand it over.
    `therapist` is the couple's linked therapist and whether both agreed to them (for the
    check-in's "who will see this")."""
    speaker, listener = people[state.sender], people[state.receiver]
    shared = state.device == Device.SHARED_DEVICE
    actor = _actor(state, people) if shared else None
    me = actor or viewer
    other = people[state.other if me.pk == state.requester else state.requester]
    names = {"speaker": speaker.display_name, "listener": listener.display_name}

    stage = _stage(state, events, me=me, other=other, names=names, shared=shared)
    if stage["kind"] == "check_in":
        stage["privacy"] = check_in_privacy(other=other, shared=shared, therapist=therapist)
    halves = face_to_face(state, events, people, therapist=therapist) if shared else []
    if shared and actor is not None and actor.pk != handed_to and not state.paused:
        stage = {"kind": "handover", "next": actor, "doing": _doing(state), "then": stage}
    headline = _headline(stage, me=me)
    ends_at = None
    if state.timebox_minutes and state.began_at:
        ends_at = state.began_at + timedelta(minutes=state.timebox_minutes)
    stopped_at = _latest(events, "leave")
    return Screen(
        dialogue=dialogue,
        state=state,
        viewer=viewer,
        people=people,
        actor=actor,
        headline=headline,
        stage=stage,
        progress=_progress(state, stopped_at=stopped_at.step if stopped_at else None),
        position=state.position(),
        ends_at=ends_at,
        time_is_up=state.time_is_up(now),
        pause=_pause(state, viewer=viewer, other=other, shared=shared),
        now=now,
        halves=halves,
    )


@dataclass
class Half:
    """One partner's half of a shared screen in the face-to-face layout."""

    partner: User
    side: str  # "near" (lower half, upright) or "far" (upper half, turned to face the far edge)
    role: str  # what this partner does in the round, in a word or two
    leads: bool  # the dialogue waits for this partner now: their half leads
    headline: str
    stage: dict


def leading(state: State) -> frozenset[int]:
    """On one shared screen, the partners whose half leads now. The check-in is private, so one
    partner checks in at a time (the speaker first) while the other looks away; where both act
    together (the appointment, the close) both halves lead; while paused, neither does."""
    if state.ended or state.paused:
        return frozenset()
    waiting = state.awaiting()
    if state.step == Step.APPOINTMENT:
        return frozenset(state.partners)
    if state.step == Step.CHECK_IN and waiting:
        return frozenset({state.sender if state.sender in waiting else min(waiting)})
    return waiting


def face_to_face(
    state: State,
    events: list[Event],
    people: dict[int, User],
    *,
    therapist: tuple[User | None, bool] = (None, False),
) -> list[Half]:
    """The two halves of one shared screen, far first (it sits at the top), each worked out for
    its own partner: their role, their prompt and their controls, or one calm line of what is
    happening and what to do meanwhile."""
    near, far = state.sides()
    leads = leading(state)
    speaker, listener = people[state.sender], people[state.receiver]
    names = {"speaker": speaker.display_name, "listener": listener.display_name}
    halves = []
    for side, pk in (("far", far), ("near", near)):
        me = people[pk]
        other = people[near if pk == far else far]
        if state.step == Step.APPOINTMENT:
            role = "Speaks first" if pk == state.sender else "Listens first"
        else:
            role = "Speaking" if pk == state.sender else "Listening"
        stage = _stage(state, events, me=me, other=other, names=names, shared=True)
        if state.step == Step.CHECK_IN:
            stage = _face_check_in(state, stage, me=me, other=other, leads=leads)
            if stage["kind"] == "check_in":
                stage["privacy"] = face_check_in_privacy(other=other, therapist=therapist)
        elif not state.ended and not state.paused and pk not in leads:
            stage = {**stage, "meanwhile": _meanwhile(state, me=me, names=names)}
        halves.append(
            Half(
                partner=me,
                side=side,
                role=role if not state.ended else "",
                leads=pk in leads,
                headline=_headline(stage, me=me),
                stage=stage,
            )
        )
    return halves


def _face_check_in(state: State, stage: dict, *, me: User, other: User, leads) -> dict:
    """At one screen, one partner checks in while the other looks away."""
    if me.pk in leads:
        return stage
    if other.pk in leads and other.pk not in state.levels:
        return {
            "kind": "look_away",
            "text": f"{other.display_name} is checking in, privately.",
            "checked_in": me.pk in state.levels,
        }
    return stage


# What the half of the partner who is not moving suggests meanwhile, by step.
def _meanwhile(state: State, *, me: User, names: dict) -> dict:
    listening = me.pk == state.receiver
    if state.step == Step.SEND and listening:
        return {
            "line": f"Listen to {names['speaker']} without interrupting.",
            "then": "When they're done, you'll say back what you heard:",
            "stem": STEMS[Step.MIRROR] if state.mode == Mode.SPOKEN else "",
        }
    if state.step == Step.MORE and listening:
        return {
            "line": "Stay with what you heard.",
            "then": "If you like, ask gently:",
            "stem": "Is there more about that?",
        }
    if state.step in REFLECTIONS and listening:  # the speaker checks the reflection
        return {
            "line": f"{names['speaker']} is telling you whether you got it.",
            "then": "Breathe, and take in what they say.",
        }
    if state.step in REFLECTIONS:  # the listener reflects; the speaker listens
        return {
            "line": f"Listen to {names['listener']}: is it what you meant?",
            "then": "You'll say yes, or set it right, once they're done.",
        }
    return {"line": "Breathe in slowly for four, and out for six."}


def face_check_in_privacy(*, other: User, therapist: tuple[User | None, bool]) -> str:
    """The check-in at one screen, said truly: the other half asks its partner to look away,
    but they are at the same screen and could still see."""
    text = check_in_privacy(other=other, shared=True, therapist=therapist)
    at_screen = (
        f"{other.display_name} is asked to look away, but is at this screen and could see the "
        "number. Once you've checked in, it isn't shown here again."
    )
    return text.replace(
        f"{other.display_name} is at this screen with you and may see the number you tap.",
        at_screen,
    )


def _actor(state: State, people: dict[int, User]) -> User | None:
    """On a shared device, the one partner the dialogue waits for (the speaker first)."""
    waiting = state.awaiting()
    if state.paused or len(waiting) == 0 or state.step == Step.APPOINTMENT:
        return None  # at the appointment both are at the screen and agree together
    if state.step not in (Step.CHECK_IN,) and state.turn == Turn.BOTH:
        return None  # both act together: the screen addresses the two of them
    if state.sender in waiting:
        return people[state.sender]
    return people[sorted(waiting)[0]]


def _doing(state: State) -> str:
    if state.step == Step.APPOINTMENT:
        return "to answer the request"
    if state.step == Step.CHECK_IN:
        return "to check in, privately" if not state.calming else "to choose how to go on"
    if state.step == Step.SEND:
        return "to share"
    if state.step == Step.MORE:
        return "to say whether there's more"
    if state.step == Step.GIVE:
        return "to say what they can give now"
    if state.step in REFLECTIONS:
        if state.turn == Turn.RECEIVER:
            return {
                Step.MIRROR: "to mirror",
                Step.SUMMARY: "to sum up",
                Step.VALIDATE: "to validate",
                Step.EMPATHIZE: "to empathize",
            }[state.step]
        return "to check what they heard"
    return ""


def _round_events(events: list[Event], round_: int) -> list[Event]:
    return [e for e in events if e.round == round_]


def _latest(events: list[Event], *kinds: str) -> Event | None:
    for event in reversed(events):
        if event.kind in kinds:
            return event
    return None


def _stage(state, events, *, me, other, names, shared) -> dict:
    """The main area: what this person is asked to do now, or what they are waiting for."""
    if state.ended:
        return {
            "kind": "ended",
            "completed": state.outcome == Outcome.COMPLETED,
            "stopped_by_me": state.stopped_by == me.pk and not shared,
            "stopped_here": state.stopped_by is not None and shared,
        }
    this_round = _round_events(events, state.round)
    pieces = [e.text for e in this_round if e.kind == "send"]
    waiting = state.awaiting()
    my_turn = me.pk in waiting

    if state.step == Step.APPOINTMENT:
        if state.offered_time is not None:
            return {"kind": "scheduled", "time": state.offered_time}
        if shared:  # both are here: no request to answer, only whether now is good for both
            return {"kind": "agree_now", "topic": state.topic}
        if my_turn:
            return {
                "kind": "answer_request",
                "asker": other,
                "topic": state.topic,
                "caretaker": state.caretaker if state.parent_child else "",
            }
        return {
            "kind": "wait",
            "text": f"Waiting for {other.display_name} to answer.",
            "topic": state.topic,
        }

    if state.step == Step.CHECK_IN:
        if me.pk not in state.levels:
            return {"kind": "check_in", "levels": list(range(11))}
        if me.pk in state.calming:
            return {"kind": "calm_offer"}
        if state.calming:
            return {"kind": "wait", "text": "Taking a moment to settle before you begin."}
        return {"kind": "wait", "text": f"Waiting for {other.display_name} to check in."}

    if state.step == Step.SEND:
        if state.parent_child:
            asked = asked_question(state)
            if my_turn:
                return {
                    "kind": "send",
                    "first": state.pieces == 0,
                    "round": state.round,
                    "asked": asked,
                    "asker": f"{names['listener']}, as {state.caretaker}",
                    "stem": PARENT_CHILD_ANSWER,
                }
            return {
                "kind": "wait",
                "text": f"{names['speaker']} is answering, as the child they were.",
                "say": asked,
                "say_intro": f"Ask it gently, as {state.caretaker}:",
            }
        if my_turn:
            return {"kind": "send", "first": state.pieces == 0, "round": state.round}
        return {
            "kind": "wait",
            "text": f"{names['speaker']} is finding the words for what to share.",
        }

    if state.step == Step.GIVE:
        if my_turn:
            return {
                "kind": "give",
                "task": GIVE_TASK.format(caretaker=state.caretaker, **names),
                "stem": GIVE_STEM,
                "prefill": GIVE_PREFILL,
            }
        return {
            "kind": "wait",
            "text": f"{names['listener']} is putting the role down, and thinking about what "
            "they can give you now.",
        }

    if state.step == Step.MORE:
        if my_turn:
            return {"kind": "more"}
        return {
            "kind": "wait",
            "text": f"{names['speaker']} is deciding whether there's more.",
            "say": "Is there more about that?",
        }

    if state.step in REFLECTIONS:
        expected, _following = REFLECTIONS[state.step]
        step_events = [e for e in this_round if e.step == state.step]
        reflection = _latest(step_events, expected)
        correction = _latest(step_events, "correct", expected)
        if correction is not None and correction.kind != "correct":
            correction = None
        shown = pieces[-1:] if state.step == Step.MIRROR else pieces
        if state.turn == Turn.RECEIVER:
            if not my_turn:
                return {"kind": "wait", "text": LISTENER_AT_WORK[state.step].format(**names)}
            return {
                "kind": "reflect",
                "step": state.step,
                "move": expected,
                "task": LISTENER_TASK[state.step].format(**names),
                "pieces": shown,
                "stem": (PARENT_CHILD_STEMS if state.parent_child else STEMS).get(
                    state.step, STEMS[state.step]
                ),
                "prefill": (PARENT_CHILD_PREFILL if state.parent_child else PREFILL).get(
                    state.step, PREFILL[state.step]
                ),
                "correction": correction.text if correction else None,
                "corrected": correction is not None,
                "feelings": vocabulary.feelings() if state.step == Step.EMPATHIZE else None,
            }
        if not my_turn:
            return {"kind": "wait", "text": f"{names['speaker']} is checking whether you got it."}
        question, correct_label = CHECKS[state.step]
        return {
            "kind": "check",
            "step": state.step,
            "question": question.format(**names),
            "correct_label": correct_label,
            "reflection": reflection.text if reflection else "",
            "feelings": reflection.data.get("feelings", []) if reflection else [],
            "pieces": shown,
        }

    # Close: each may thank; either may switch roles or end.
    return {
        "kind": "close",
        "thanks": [
            {"partner": person, "thanked": person.pk in state.thanked, "me": person.pk == me.pk}
            for person in (me, other)
        ],
        "next_speaker": names["listener"],
        "can_switch": not state.parent_child,
    }


def _headline(stage: dict, *, me: User) -> str:
    """One plain line saying whose turn it is; also what the live region announces."""
    kind = stage["kind"]
    if kind == "handover":
        return f"{stage['next'].display_name}, it's your turn {stage['doing']}."
    if kind in ("wait", "look_away"):
        return stage["text"]
    if kind == "answer_request":
        return f"{stage['asker'].display_name} would like a dialogue."
    if kind == "reflect":
        return f"{me.display_name}, you're listening."
    if kind == "check":
        return stage["question"]
    if kind == "ended":
        return "This dialogue has ended." if stage["completed"] else "This dialogue has stopped."
    if kind == "close" and not stage.get("can_switch", True):
        return "Thank you both. End here when you're ready."
    return {
        "scheduled": "Your dialogue has a time. Begin when you're both ready.",
        "agree_now": "Is now a good time for you both?",
        "check_in": f"{me.display_name}, how settled do you feel right now?",
        "calm_offer": "Would you like a calming pause first?",
        "send": f"{me.display_name}, you're speaking. Share one small piece.",
        "more": "Is there more?",
        "give": f"{me.display_name}, as yourself again.",
        "close": "Thank you both. Switch roles, or end here.",
    }[kind]


def check_in_privacy(*, other: User, shared: bool, therapist: tuple[User | None, bool]) -> str:
    """Who will see a check-in number, said truly for this couple now: the partner never (unless
    they are at the same screen), the therapist in the dialogue's outline once both agreed."""
    person, agreed = therapist
    if shared:
        partner = f"{other.display_name} is at this screen with you and may see the number you tap."
    elif person is None:
        return "Only you will see this number."
    else:
        partner = f"{other.display_name} won't see this number."
    if person is None:
        return f"{partner} Nobody else will."
    outline = "will see it in this dialogue's outline."
    if agreed:
        return f"{partner} {person.display_name}, your therapist, {outline}"
    return (
        f"{partner} If you both agree to {person.display_name} seeing your record, "
        f"{person.display_name} {outline}"
    )


def _progress(state: State, *, stopped_at: str | None = None) -> list[dict]:
    """The steps of the round, each done, current or to come. An ended dialogue shows every
    step done, or, when it stopped early, the steps done before the one it stopped at."""
    order = state.progress_steps()
    if state.ended:
        at = order.index(stopped_at) if stopped_at in order else len(order)
        return [
            {
                "label": STEP_LABELS[step],
                "status": "done" if i < at else "stopped" if i == at else "todo",
            }
            for i, step in enumerate(order)
        ]
    at = order.index(state.step)
    return [
        {
            "label": STEP_LABELS[step],
            "status": "done" if i < at else "current" if i == at else "todo",
        }
        for i, step in enumerate(order)
    ]


def _pause(state: State, *, viewer: User, other: User, shared: bool) -> dict:
    if not state.paused:
        return {"paused": False}
    return {
        "paused": True,
        "i_am_ready": viewer.pk in state.ready and not shared,
        "other_ready": other.pk in state.ready,
    }


# --- the transcript --------------------------------------------------------------------------

_SAID = {
    "send": "shared",
    "mirror": "mirrored",
    "summarize": "summed up",
    "validate": "validated",
    "empathize": "empathized",
    "correct": "set it right",
}
_NOTES = {
    "accept": "{who} said yes to the dialogue.",
    "agree_now": "You both agreed that now was a good time.",
    "offer_time": "{who} offered a later time.",
    "begin": "You began.",
    "confirm": "{who} confirmed.",
    "more": "{who} had more to say.",
    "no_more": "{who} had said it all.",
    "thank": "{who} said thank you.",
    "switch": "You switched roles.",
    "end": "You ended the dialogue together.",
    "pause": "A pause was taken.",
    "leave": "The dialogue stopped here.",
}


def transcript(
    events: list[Event], *, viewer: User, people: dict[int, User], shared: bool = False
) -> list[dict]:
    """The dialogue as `viewer` may read it, round by round. The other partner's check-in level
    is private and never shown; who stopped a dialogue is not said. A dialogue held at one
    shared screen is read back at that screen too, so there no check-in number is shown."""
    rounds: dict[int, list[dict]] = {}
    for event in events:
        who = "You" if event.actor_id == viewer.pk else people[event.actor_id].display_name
        entries = rounds.setdefault(event.round, [])
        if event.kind == "request":
            about = f' about "{event.text}"' if event.text else ""
            entries.append({"note": f"{who} asked for a dialogue{about}."})
        elif event.kind == "check_in":
            if shared:
                entries.append({"note": f"{who} checked in."})
            elif event.actor_id == viewer.pk:
                entries.append({"note": f"You checked in at {event.data['level']} out of 10."})
        elif event.kind in _SAID:
            if event.text or event.data.get("feelings"):
                entries.append(
                    {
                        "who": who,
                        "verb": _SAID[event.kind],
                        "text": event.text,
                        "feelings": event.data.get("feelings", []),
                        "mine": event.actor_id == viewer.pk,
                    }
                )
            else:
                entries.append({"note": f"{who} {_SAID[event.kind]}, out loud."})
        elif event.kind in _NOTES:
            entries.append({"note": _NOTES[event.kind].format(who=who)})
    return [{"number": number, "entries": entries} for number, entries in sorted(rounds.items())]
