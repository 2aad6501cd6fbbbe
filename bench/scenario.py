"""The dialogue as the load generator plays it: who moves next, and the couples to play it with.

Runs inside the load generator's process, with Django set up against the same database as the
server (same SECRET_KEY too, so the sessions made here are valid there). Everything here is
synchronous ORM work done before the sockets open, or in a thread when a couple must resync.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction

from dialogue import machine
from dialogue import services as dialogue_services
from dialogue.models import Dialogue
from imago_app.models import User
from tests import factories

# Pieces of a written dialogue, about as long as people type them on a phone.
SENT = [
    "When you looked at your phone during dinner last night, I felt alone and a bit invisible.",
    "I get anxious when plans change at the last minute, because I had been looking forward to it.",
    "On Sunday I wanted us to have time together, and when the afternoon went by I felt sad.",
    "I feel tired when the evenings are all chores, and I miss the two of us laughing together.",
]
MIRRORED = [
    "If I got it, you felt alone and invisible when I looked at my phone during dinner.",
    "So when plans change at the last minute you get anxious, because you were looking forward.",
    "Let me see if I got it: you wanted time together on Sunday and felt sad when it passed.",
    "You feel tired when evenings are only chores, and you miss us laughing together.",
]
SUMMARY = "So in all: you want time with me that is ours, and when it slips away you feel alone."
VALIDATION = "You make sense to me: given how much our time means to you, of course you felt sad."
FEELING = "lonely"
CHECK_IN_LEVEL = "7"  # settled: no calming pause is offered at 4 or more
# Round moves after both check-ins, up to and including "switch" (a full round).
ROUND_LENGTH = 11


@dataclass(frozen=True)
class Planned:
    """The next move of a dialogue: who makes it, and the frame fields besides move and key."""

    actor: int
    kind: str
    fields: dict = field(default_factory=dict)


def next_move(state: machine.State, rng: random.Random) -> Planned:
    """The move a cooperative couple makes next in a written round, looping rounds for ever."""
    if state.step == machine.Step.APPOINTMENT:
        return Planned(state.other, "accept")
    if state.step == machine.Step.CHECK_IN:
        waiting = sorted(set(state.partners) - set(state.levels))
        return Planned(waiting[0], "check_in", {"level": CHECK_IN_LEVEL})
    if state.step == machine.Step.SEND:
        return Planned(state.sender, "send", {"text": rng.choice(SENT)})
    if state.step == machine.Step.MORE:
        return Planned(state.sender, "no_more")
    if state.step == machine.Step.CLOSE:
        return Planned(state.receiver, "switch")
    if state.turn == machine.Turn.SENDER:  # the sender confirms each reflection
        return Planned(state.sender, "confirm")
    reflections = {
        machine.Step.MIRROR: ("mirror", {"text": rng.choice(MIRRORED)}),
        machine.Step.SUMMARY: ("summarize", {"text": SUMMARY}),
        machine.Step.VALIDATE: ("validate", {"text": VALIDATION}),
        machine.Step.EMPATHIZE: ("empathize", {"feelings": [FEELING]}),
    }
    kind, fields = reflections[state.step]
    return Planned(state.receiver, kind, fields)


def advance(state: machine.State, planned: Planned) -> machine.State:
    """The state after `planned` went through, as the player expects it (no database read)."""
    fields = planned.fields
    return machine.apply(
        state,
        machine.Move(
            kind=planned.kind,
            by=planned.actor,
            at=datetime.now(UTC),
            text=fields.get("text", ""),
            level=int(fields["level"]) if "level" in fields else None,
            feelings=tuple(fields.get("feelings", ())),
        ),
    )


def new_key() -> str:
    return secrets.token_urlsafe(12)  # 16 characters of [A-Za-z0-9_-], as the form wants


@dataclass
class CoupleSeed:
    """One couple ready to play: its dialogue, its two partners and their session cookies."""

    dialogue_id: int
    partners: tuple[int, int]  # (requester, other): the first socket goes to the first server
    cookies: dict[int, str]
    names: dict[int, str]
    seq: int
    snapshot: dict


def _session_cookie(user: User) -> str:
    """A real database session for `user`, as login() makes one (without the login signals,
    which only stamp last_login and the access log)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _apply(dialogue_id: int, planned: Planned, users: dict[int, User]) -> None:
    fields = dict(planned.fields)
    if "level" in fields:
        fields["level"] = int(fields["level"])
    if "feelings" in fields:
        fields["feelings"] = tuple(fields["feelings"])
    dialogue_services.dialogue_move(
        dialogue_id=dialogue_id,
        partner=users[planned.actor],
        kind=planned.kind,
        key=new_key(),
        **fields,
    )


def make_couples(count: int, tag: str, rng: random.Random) -> list[CoupleSeed]:
    """`count` new couples, each with a written dialogue on two devices, accepted, both checked
    in, and then advanced by a random number of round moves (0 to a full round less one).

    The head start is made through the service layer, not measured: with a move per couple every
    10 s a short measurement would otherwise sample only the first moves of a round, and the
    random phase makes the measured moves an even mix of a whole round.
    """
    # One password hash for everyone: Argon2 takes tens of milliseconds per hash, and nobody
    # signs in with a password here.
    password = make_password(factories.PASSWORD)
    users = User.objects.bulk_create(
        User(
            username=f"bench-{tag}-{i}{side}",
            display_name=name,
            email="",  # no e-mail: a request then has nobody to write to
            kind=User.Kind.PARTNER,
            password=password,
        )
        for i in range(count)
        for side, name in (("a", "Alex"), ("b", "Sam"))
    )
    by_pk = {user.pk: user for user in users}
    seeds = []
    for i in range(count):
        alex, sam = users[2 * i], users[2 * i + 1]
        # One transaction per couple (the services' own become savepoints): one commit to wait
        # for instead of a dozen, so even a thousand couples are ready in seconds.
        with transaction.atomic():
            couple = factories.make_couple(alex, sam)
            dialogue = factories.make_dialogue(couple, alex, topic="Sunday")
            state = dialogue_services.current_state(dialogue)
            for _ in range(3 + rng.randrange(ROUND_LENGTH)):  # accept, two check-ins, the phase
                _apply(dialogue.pk, next_move(state, rng), by_pk)
                dialogue.refresh_from_db()
                state = dialogue_services.current_state(dialogue)
            cookies = {alex.pk: _session_cookie(alex), sam.pk: _session_cookie(sam)}
        seeds.append(
            CoupleSeed(
                dialogue_id=dialogue.pk,
                partners=(alex.pk, sam.pk),
                cookies=cookies,
                names={alex.pk: alex.display_name, sam.pk: sam.display_name},
                seq=dialogue.seq,
                snapshot=dialogue.snapshot,
            )
        )
    return seeds


def load_state(dialogue_id: int) -> tuple[machine.State, int]:
    """The dialogue's state and sequence number as stored, to resync after a failed move."""
    dialogue = Dialogue.objects.get(pk=dialogue_id)
    return dialogue_services.current_state(dialogue), dialogue.seq
