"""Hostile frames on every socket (home, appreciations, dialogue).

Whatever arrives, the socket that sent it gets a private error or a close (never a crash), nothing
is written, no other socket hears of it, and the server goes on serving. What partners write
comes back to every screen as text, never as markup a browser or htmx would act on.

Most cases run in process through the whole ASGI stack (origin check, session cookie, routing);
the last tests use a real daphne process for what only a real server sees: bytes that are not
UTF-8 in a text frame, and a frame far over any limit.
"""

import asyncio
import contextlib
import html
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import event as label  # `event` names a dialogue's event here
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from dialogue import machine, vocabulary
from dialogue.models import Dialogue, Event
from exercises.appreciation import services as appreciation_services
from imago_app import services as imago_services
from imago_app.consumers import FLOOD_CLOSE_AFTER, FLOOD_CLOSE_GRACE, FRAME_BURST
from imago_app.text import displayable
from tests.factories import make_couple, make_dialogue, make_partner
from tests.phone import Phone, session_cookie
from tests.sockets import (
    NOT_FOUND,
    Socket,
    error_messages,
    live_markup,
    login_cookie,
    open_ready,
    rows,
    seqs,
)

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 8 * 1024  # the dialogue socket's frame limit, in bytes of UTF-8
# Seconds without a message that count as "nothing more is coming". Something sent late to the
# wrong socket is still caught: by the next frame's check, or the final one of each test.
QUIET = 0.03
ROUTES = ("home", "appreciations", "dialogue")
# In every hostile string, to find where it ends up. The "~" keeps it out of the random move
# keys that every screen carries (those are URL-safe base64).
MARK = "zq~x"

# Markup and template syntax a partner might type, each carrying MARK.
NASTY = [
    f'<script>alert("{MARK}")</script>',
    f"<img src=x onerror=alert('{MARK}')>",
    f'<img src="x" onerror="alert(`{MARK}`)">',
    f'"><svg onload=alert("{MARK}")>',
    f'\'><a href="javascript:{MARK}()">x</a>',
    f'<div hx-get="/{MARK}" hx-trigger="load">{MARK}</div>',
    f"<button hx-on::click=\"alert('{MARK}')\">{MARK}</button>",
    f'<form hx-post="/{MARK}" hx-trigger="every 1s"></form>',
    f'hx-get="/{MARK}" hx-trigger="load" hx-on::load="alert(1)"',
    f"</textarea><script>{MARK}()</script>",
    f"</blockquote></section><script>{MARK}()</script>",
    f'{{{{ "{MARK}"|upper }}}}',
    f"{{% now 'Y' %}}{MARK}{{% debug %}}",
    f"\u202e{MARK} gnp.exe",
    f"{MARK[:2]}\u200b{MARK[2:]}\u200c\u200d\ufeff\u2060",
    f"<!-- {MARK}",
    f"]]><{MARK}>",
]
# What a Django template would make of the template syntax above, had it been rendered.
RENDERED_TEMPLATE = MARK.upper()
FEELINGS = sorted(vocabulary.all_feelings())


def move(kind, key: str | None = None, **fields) -> str:
    """A move as htmx's WebSocket extension sends a form: its values and the request headers."""
    key = key or secrets.token_urlsafe(12)
    return json.dumps({"move": kind, "key": key, **fields, "HEADERS": {"HX-Request": "true"}})


def padded(frame: dict, size: int, pad: str = "x") -> str:
    """`frame` as JSON of exactly `size` bytes of UTF-8, by filling an unknown field."""
    base = len(json.dumps({**frame, "pad": ""}, ensure_ascii=False).encode())
    fill = pad * ((size - base) // len(pad.encode()))
    text = json.dumps({**frame, "pad": fill}, ensure_ascii=False)
    text = text[:-2] + "x" * (size - len(text.encode())) + text[-2:]
    assert len(text.encode()) == size, (len(text.encode()), size)
    return text


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- the world: two couples, each partner with all three live pages open -----------------------


@dataclass
class World:
    people: dict
    couple: object
    dialogue: Dialogue
    theirs: Dialogue
    sockets: dict = field(default_factory=dict)
    cookies: dict = field(default_factory=dict)

    def dialogue_of(self, who: str) -> Dialogue:
        return self.theirs if who == "jordan" else self.dialogue

    def path(self, who: str, route: str) -> str:
        if route == "dialogue":
            return f"/ws/dialogue/{self.dialogue_of(who).pk}/"
        return f"/ws/{route}/"

    async def open(self, who: str, route: str) -> Socket:
        if who not in self.cookies:
            self.cookies[who] = await database_sync_to_async(login_cookie)(self.people[who])
        sock = await Socket(self.path(who, route), self.cookies[who], who=who).connect()
        assert sock.accepted, (sock, sock.close_code)
        await sock.read(wait=5, quiet=0.02)
        self.sockets[who, route] = sock
        return sock

    def others(self, *targets: Socket) -> list[Socket]:
        return [s for s in self.sockets.values() if all(s is not t for t in targets)]

    async def close(self) -> None:
        for sock in self.sockets.values():
            await sock.close()


@database_sync_to_async
def make_people():
    alex, sam = make_partner("Alex"), make_partner("Sam")
    couple = make_couple(alex, sam)
    dialogue = make_dialogue(couple, alex, topic="Sunday")
    jordan, riley = make_partner("Jordan"), make_partner("Riley")
    theirs = make_dialogue(make_couple(jordan, riley), jordan, topic="Monday")
    people = {"alex": alex, "sam": sam, "jordan": jordan, "riley": riley}
    return people, couple, dialogue, theirs


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    # Argon2 costs a fifth of a second per person made; nothing here signs in with a password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest_asyncio.fixture
async def world():
    """Alex and Sam (a couple, with a dialogue Alex asked for) and Jordan (another couple, with
    their own dialogue), each with the home, appreciations and dialogue pages open."""
    people, couple, dialogue, theirs = await make_people()
    made = World(people, couple, dialogue, theirs)
    for who in ("alex", "sam", "jordan"):
        for route in ROUTES:
            await made.open(who, route)
    await drain_all(made)  # presence lines from the sockets opened after each one
    yield made
    await made.close()


# --- sending one frame and looking at everything that followed --------------------------------


@dataclass
class Hit:
    replies: dict  # route: what the sender's socket on that route was sent back
    closed: dict  # route: the close code of the sender's socket on that route, if it closed
    before: dict
    after: dict
    heard: dict  # every other socket: what it was sent meanwhile

    @property
    def written(self) -> bool:
        return self.before != self.after

    def changed(self) -> dict:
        """Per table, the rows as they were and as they are, of the rows that changed."""
        found = {}
        for table, before in self.before.items():
            after = self.after[table]
            gone = [row for row in before if row not in after]
            new = [row for row in after if row not in before]
            if gone or new:
                found[table] = {"before": gone, "after": new}
        return found

    def everything(self) -> list[str]:
        frames = [f for replies in self.replies.values() for f in replies]
        return frames + [f for heard in self.heard.values() for f in heard]


async def hit(world: World, who: str, routes, text=None, data=None) -> Hit:
    """Send one frame on `who`'s sockets of `routes`, and gather what everyone got."""
    routes = (routes,) if isinstance(routes, str) else tuple(routes)
    targets = {route: world.sockets[who, route] for route in routes}
    for sock in targets.values():
        assert sock.close_code is None, f"{sock} was already closed ({sock.close_code})"
    before = await rows()
    for sock in targets.values():
        await sock.send(text=text, data=data)
    replies = {}
    quiet = QUIET
    for route, sock in sorted(targets.items(), key=lambda item: item[0] != "dialogue"):
        # The dialogue answers every frame; the other pages may stay silent. Once one socket
        # has been quiet for a while, the others have had the same while.
        replies[route] = await sock.read(wait=5 if route == "dialogue" else 0, quiet=quiet)
        quiet = 0
    after = await rows()
    heard = {}
    for other in world.others(*targets.values()):
        got = await other.read(quiet=0)
        if got:
            heard[repr(other)] = got
    closed = {route: sock.close_code for route, sock in targets.items() if sock.close_code}
    return Hit(replies, closed, before, after, heard)


# Closes that are a fair answer to a bad frame on one's own socket: not "internal error" (1011),
# not "try again" (1013, the database failed on it), not "not yours" (4401, 4404).
FAIR_CLOSES = {1000, 1003, 1007, 1008, 1009, 4429}


def acceptable_close(code: int | None) -> bool:
    return code in FAIR_CLOSES


def only_presence(frames: list[str]) -> bool:
    return all('id="dialogue-presence"' in frame for frame in frames)


def assert_refused(result: Hit, message: str = "") -> None:
    """Nothing written; each sender's socket told privately (or closed); nobody else told."""
    assert not result.written, f"a refused frame wrote {result.changed()}"
    for route, replies in result.replies.items():
        if route in result.closed:
            assert acceptable_close(result.closed[route]), (route, result.closed[route])
        elif route == "dialogue":
            errors = error_messages(replies)
            assert errors, f"no private error came back: {replies!r}"
            assert message in " ".join(errors), (message, errors)
    for who, frames in result.heard.items():
        # A closed dialogue socket is missed by the other partner's presence line; that is all.
        allowed = "dialogue" in result.closed and "dialogue" in who and only_presence(frames)
        assert allowed, f"{who} heard of a refused frame: {frames!r}"


def assert_no_live_markup(frames: list[str]) -> None:
    for frame in frames:
        assert not live_markup(frame, MARK), live_markup(frame, MARK)
        at = frame.find(RENDERED_TEMPLATE)
        assert at < 0, f"template syntax from input was rendered: {frame[at - 200 : at + 50]!r}"
        for nasty in NASTY:
            if "<" in nasty:
                assert nasty not in frame, f"echoed unescaped: {nasty!r}"


def as_text(frames: list[str]) -> str:
    """What a person reads in these fragments: the tags gone, the entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", "".join(frames)))


async def settle(world: World, who: str, route: str) -> None:
    """A socket that a bad frame closed is opened again, as the page's script would do; one
    whose consumer crashed raises the crash here, once it has been replaced."""
    sock = world.sockets[who, route]
    if sock.close_code is None and not sock.comm.future.done():
        return
    await world.open(who, route)
    await sock.close()


@database_sync_to_async
def seqs_now() -> dict[int, int]:
    return dict(Dialogue.objects.values_list("pk", "seq"))


async def drain_all(world: World, *, timeout: float = 10) -> None:
    """Let every page take in what the last valid move caused, until all are quiet and every
    open dialogue page shows its dialogue as the database holds it (a page's redraw may take
    longer than a quiet spell, on a slow test machine)."""
    deadline = time.monotonic() + timeout
    while True:
        await asyncio.sleep(0.1)
        got = [await sock.read(quiet=0) for sock in world.sockets.values()]
        if any(got):
            continue
        now = await seqs_now()
        behind = [
            sock
            for (who, route), sock in world.sockets.items()
            if route == "dialogue"
            and sock.close_code is None
            and max(seqs(sock.frames), default=0) < now[world.dialogue_of(who).pk]
        ]
        if not behind:
            return
        assert time.monotonic() < deadline, f"{behind} never showed the last move"


@database_sync_to_async
def last_events(dialogue, n: int = 1) -> list[tuple]:
    return list(
        Event.objects.filter(dialogue=dialogue)
        .order_by("-seq")
        .values_list("kind", "key", "actor_id", "text")[:n]
    )


@database_sync_to_async
def event_count(dialogue) -> int:
    return Event.objects.filter(dialogue=dialogue).count()


@database_sync_to_async
def state_of(dialogue):
    from dialogue.services import current_state

    return current_state(Dialogue.objects.get(pk=dialogue.pk))


async def assert_all_quiet(world: World) -> None:
    """The last check of a test: nothing arrived late anywhere."""
    await asyncio.sleep(0.2)
    for sock in world.sockets.values():
        assert await sock.has_nothing(), f"{sock} was sent something late"


async def assert_still_serving(world: World) -> None:
    """Every page of the couple still answers, and a new socket opens as usual."""
    await drain_all(world)
    alex, sam = world.people["alex"], world.people["sam"]
    # The dialogue: a plain valid move, seen by both partners and nobody else.
    state = await state_of(world.dialogue)
    mover, other, kind = "alex", "sam", "pause"
    if state.paused:
        kind = "ready"
        if alex.pk in state.ready:
            mover, other = "sam", "alex"
    count = await event_count(world.dialogue)
    await world.sockets[mover, "dialogue"].send(text=move(kind))
    mover_sees = await world.sockets[mover, "dialogue"].read(wait=5, quiet=QUIET)
    other_sees = await world.sockets[other, "dialogue"].read(wait=5, quiet=QUIET)
    assert mover_sees and not error_messages(mover_sees), mover_sees
    assert other_sees, f"{other}'s dialogue page heard nothing of a valid move"
    assert await event_count(world.dialogue) == count + 1
    # The home page: a therapist invitation changes what both partners' home pages show.
    await database_sync_to_async(imago_services.therapist_invite_create)(
        couple=world.couple, partner=alex
    )
    assert any(
        "therapist" in f for f in await world.sockets["alex", "home"].read(wait=5, quiet=QUIET)
    )
    # The appreciations page: Sam offers one, Alex's page shows it.
    await database_sync_to_async(appreciation_services.appreciation_offer)(
        couple=world.couple, author=sam, about="action", text="Thank you for the tea"
    )
    pushed = await world.sockets["alex", "appreciations"].read(wait=5, quiet=QUIET)
    assert any("Thank you for the tea" in f for f in pushed), pushed
    # The other couple heard none of it.
    for route in ROUTES:
        assert await world.sockets["jordan", route].has_nothing()
    fresh = await open_ready(alex, f"/ws/dialogue/{world.dialogue.pk}/")
    assert fresh.frames, "a new socket got no screen"
    await fresh.close()


# --- explicit hostile frames, on every socket -------------------------------------------------

TOO_LONG = "too long to send"
UNREADABLE = "couldn't read that"
UNKNOWN = "don't know that move"


def _frames():
    pause = {"move": "pause", "key": "padded-pause-1"}
    dance = {"move": "dance", "key": "padded-dance-1"}
    return [
        # (id, text or bytes, the dialogue's answer)
        ("empty text frame", "", UNREADABLE),
        ("empty binary frame", b"", UNREADABLE),
        ("binary garbage", b"\x00\xff\xfe\x80", UNREADABLE),
        ("valid move in a binary frame", move("pause").encode(), UNREADABLE),
        ("NUL byte alone", "\x00", UNREADABLE),
        ("raw NUL inside a JSON string", '{"move": "pause\x00", "key": "raw-nul-key"}', UNREADABLE),
        ("escaped NUL in the move", move("pa\x00use"), UNKNOWN),
        ("escaped NUL in the key", move("pause", key="nul-key-\x00-1"), ""),
        ("escaped NUL in the text of a valid move", move("pause", text="a\x00b"), "Null"),
        ("not JSON", "{move: pause", UNREADABLE),
        ("a bare word", "pause", UNREADABLE),
        ("truncated JSON", '{"move": "pause", "key": "abcdefgh', UNREADABLE),
        ("JSON null", "null", UNREADABLE),
        ("JSON true", "true", UNREADABLE),
        ("JSON number", "42", UNREADABLE),
        ("JSON huge number", "1e999", UNREADABLE),
        ("JSON NaN", "NaN", UNREADABLE),
        ("JSON string", '"pause"', UNREADABLE),
        ("JSON list", '["pause", "padded-key-1"]', UNREADABLE),
        ("10,000 nested lists", nested(10_000), TOO_LONG),
        ("10,000 nested objects", '{"a":' * 10_000 + "1" + "}" * 10_000, TOO_LONG),
        ("unknown move, exactly at the limit", padded(dance, LIMIT), UNKNOWN),
        ("unknown move, one byte over", padded(dance, LIMIT + 1), TOO_LONG),
        ("valid move one byte over the limit", padded(pause, LIMIT + 1), TOO_LONG),
        (
            "over the limit in bytes, under it in characters",
            padded(dance, LIMIT + 2, "é"),
            TOO_LONG,
        ),
        ("unknown move", move("dance"), UNKNOWN),
        ("empty move", move(""), ""),
        ("move in capitals", move("PAUSE"), UNKNOWN),
        ("move with a zero-width space", move("pause\u200b"), UNKNOWN),
        ("move with a right-to-left override", move("\u202epause"), UNKNOWN),
        ("move named like Python", move("__class__"), UNKNOWN),
        ("no key", json.dumps({"move": "pause"}), "no key"),
        ("key of markup", move("pause", key=NASTY[1]), ""),
        ("key of template syntax", move("pause", key="{{ key }}{% debug %}"), ""),
        ("key too long", move("pause", key="k" * 65), ""),
        ("text over the limit", move("pause", text="x" * (machine.MAX_TEXT + 1)), "longer"),
        ("level out of range", move("check_in", level="11"), "0 to 10"),
        ("feeling not in the list", move("empathize", feelings=[NASTY[0]]), "feelings"),
        ("later not offered", move("offer_time", later="7"), "times offered"),
        ("acting_for not a number", move("accept", acting_for=NASTY[2]), ""),
    ]


FRAMES = _frames()


@pytest.mark.asyncio
async def test_a_hostile_frame_gets_a_private_answer_and_changes_nothing(world, subtests):
    """Each frame goes to all three of Alex's pages at once."""
    for case, frame, message in FRAMES:
        with subtests.test(case):
            if isinstance(frame, bytes):
                result = await hit(world, "alex", ROUTES, data=frame)
            else:
                result = await hit(world, "alex", ROUTES, text=frame)
            assert_refused(result, message)
            assert_no_live_markup(result.everything())
            for route in ROUTES:
                await settle(world, "alex", route)
    await assert_all_quiet(world)
    await assert_still_serving(world)


@pytest.mark.asyncio
async def test_a_flood_closes_only_the_flooding_socket(world):
    """Frames beyond the rate limit are dropped (the dialogue says so, once) and a flood closes
    the socket with 4429, on every page; nothing is written and nobody else hears of it."""
    before = await rows()
    for route in ROUTES:
        sock = world.sockets["alex", route]
        for _ in range(FRAME_BURST + FLOOD_CLOSE_AFTER + 5):
            await sock.send(text=nested(10_000), paced=False)
        # The close follows the last note after a grace (consumers.FLOOD_CLOSE_GRACE).
        replies = await sock.read(wait=5, quiet=FLOOD_CLOSE_GRACE + 0.5)
        assert sock.close_code == 4429, (route, sock.close_code)
        assert sum('id="connection-closed"' in reply for reply in replies) == 1, replies
        if route == "dialogue":
            # At most the burst is answered, plus one note; the rest is dropped unanswered.
            assert len(error_messages(replies)) <= FRAME_BURST + 1, len(replies)
    assert await rows() == before
    await asyncio.sleep(0.2)
    for other in world.others(*(world.sockets["alex", route] for route in ROUTES)):
        heard = await other.read(quiet=0)
        assert not heard or ("sam" in repr(other) and only_presence(heard)), (other, heard)
    for route in ROUTES:
        await settle(world, "alex", route)
    await drain_all(world)
    await assert_still_serving(world)


# --- the dialogue's rules: out of turn, skipped steps, replayed keys, other people's ids -------

AT_THE_REQUEST = [
    # (who, move, fields): none is allowed while Sam has not answered Alex's request.
    ("alex", "accept", {}),
    ("alex", "offer_time", {"later": "60"}),
    ("alex", "begin", {}),
    ("sam", "begin", {}),
    ("sam", "check_in", {"level": "7"}),
    ("alex", "send", {"text": "I felt alone."}),
    ("sam", "mirror", {"text": "If I got it, you said…"}),
    ("alex", "confirm", {}),
    ("sam", "no_more", {}),
    ("alex", "summarize", {"text": "x"}),
    ("sam", "validate", {"text": "x"}),
    ("alex", "empathize", {"feelings": ["sad"]}),
    ("sam", "thank", {}),
    ("alex", "switch", {}),
    ("sam", "end", {}),
    ("alex", "ready", {}),
    ("sam", "go_on", {}),
]
AT_THE_FIRST_PIECE = [
    # Both have checked in; it is Alex's turn to share a piece.
    ("sam", "send", {"text": "My turn?"}),
    ("sam", "mirror", {"text": "If I got it…"}),
    ("alex", "mirror", {"text": "If I got it…"}),
    ("alex", "no_more", {}),
    ("alex", "confirm", {}),
    ("sam", "confirm", {}),
    ("alex", "check_in", {"level": "9"}),
    ("sam", "summarize", {"text": "x"}),
    ("sam", "empathize", {"feelings": ["sad"]}),
    ("alex", "thank", {}),
    ("alex", "end", {}),
    ("sam", "accept", {}),
    ("alex", "send", {"text": "   "}),
]


async def play(world: World, who: str, kind: str, **fields) -> None:
    """A valid move, with everyone's pages left quiet afterwards."""
    count = await event_count(world.dialogue)
    await world.sockets[who, "dialogue"].send(text=move(kind, **fields))
    replies = await world.sockets[who, "dialogue"].read(wait=5, quiet=QUIET)
    assert not error_messages(replies), (kind, error_messages(replies))
    assert await event_count(world.dialogue) == count + 1, kind
    await drain_all(world)


async def to_first_piece(world: World) -> None:
    await play(world, "sam", "accept")
    await play(world, "alex", "check_in", level="7")
    await play(world, "sam", "check_in", level="8")


@pytest.mark.asyncio
@pytest.mark.parametrize("stage", ["at the request", "at the first piece"])
async def test_out_of_turn_and_skipped_step_moves_are_refused_privately(world, stage):
    cases = AT_THE_REQUEST
    if stage == "at the first piece":
        await to_first_piece(world)
        cases = AT_THE_FIRST_PIECE
    for who, kind, fields in cases:
        result = await hit(world, who, "dialogue", text=move(kind, **fields))
        assert not result.written, (who, kind, result.changed())
        assert error_messages(result.replies["dialogue"]), (who, kind, result.replies)
        assert not result.heard, (who, kind, result.heard)
    await assert_all_quiet(world)
    # And the dialogue goes on as usual.
    if stage == "at the request":
        await play(world, "sam", "accept")
    else:
        await play(world, "alex", "send", text="I felt alone on Sunday.")


@pytest.mark.asyncio
async def test_a_replayed_key_is_applied_once(world):
    key = "replayed-key-0001"
    await world.sockets["sam", "dialogue"].send(text=move("accept", key=key))
    await world.sockets["sam", "dialogue"].read(wait=5, quiet=QUIET)
    await drain_all(world)
    assert await last_events(world.dialogue) == [("accept", key, world.people["sam"].pk, "")]
    # The same frame again: a retry, quietly taken as done; nothing new is written or heard.
    again = await hit(world, "sam", "dialogue", text=move("accept", key=key))
    assert not again.written, again.changed()
    assert not error_messages(again.replies["dialogue"]), again.replies
    assert not again.heard, again.heard
    # The same key on another move, or from the other partner: refused.
    for who, frame in [
        ("sam", move("pause", key=key)),
        ("alex", move("check_in", key=key, level="7")),
    ]:
        result = await hit(world, who, "dialogue", text=frame)
        assert_refused(result, "doesn't match")
    # Sent twice at once, from two phones of the same person: still one event.
    second = await open_ready(world.people["alex"], world.path("alex", "dialogue"))
    count = await event_count(world.dialogue)
    twice = move("check_in", key="replayed-key-0002", level="7")
    await asyncio.gather(
        world.sockets["alex", "dialogue"].send(text=twice), second.send(text=twice)
    )
    await asyncio.sleep(0.5)
    await drain_all(world)
    await second.read(quiet=QUIET)
    assert await event_count(world.dialogue) == count + 1
    # Neither phone is told of an error: the move was made.
    assert not any("already" in e for e in error_messages(second.frames))
    assert not any("already" in e for e in error_messages(world.sockets["alex", "dialogue"].frames))
    await second.close()
    # A key is the couple's own: another couple may happen to use the same one.
    theirs_before = await event_count(world.theirs)
    await world.sockets["jordan", "dialogue"].send(text=move("pause", key=key))
    await world.sockets["jordan", "dialogue"].read(wait=5, quiet=QUIET)
    assert await event_count(world.theirs) == theirs_before + 1
    assert await last_events(world.dialogue) == [
        ("check_in", "replayed-key-0002", world.people["alex"].pk, "")
    ]


@pytest.mark.asyncio
async def test_ids_of_another_couple_in_a_frame_reach_only_the_senders_own_dialogue(world):
    jordan, theirs = world.people["jordan"], world.theirs
    foreign = {
        "dialogue": theirs.pk,
        "dialogue_id": theirs.pk,
        "couple": theirs.couple_id,
        "couple_id": theirs.couple_id,
        "user": jordan.pk,
        "actor": jordan.pk,
        "by": jordan.pk,
        "partner": jordan.pk,
        "acting_for": jordan.pk,  # two phones: nobody acts for anybody
    }
    theirs_before = await event_count(theirs)
    # As numbers, they are not what a page sends: the frame is refused whole.
    assert_refused(await hit(world, "alex", "dialogue", text=move("pause", **foreign)))
    # As text, as a page would send them, they are ignored (or refused, for acting_for).
    as_text = {name: str(value) for name, value in foreign.items() if name != "acting_for"}
    result = await hit(world, "alex", "dialogue", text=move("pause", **as_text))
    # The pause is Alex's own, in Alex's own dialogue; Jordan's dialogue and pages are untouched.
    kind, _key, actor, _text = (await last_events(world.dialogue))[0]
    assert (kind, actor) == ("pause", world.people["alex"].pk)
    assert await event_count(theirs) == theirs_before
    assert not any("jordan" in who.lower() for who in result.heard), result.heard
    # Alex's dialogue id on Jordan's socket path is refused at the door, not by a frame.
    stranger = await Socket(
        f"/ws/dialogue/{world.dialogue.pk}/",
        await database_sync_to_async(session_cookie)(jordan),
        who="Jordan",
    ).connect()
    await stranger.read(wait=5, quiet=QUIET)
    assert stranger.close_code == NOT_FOUND
    assert not any("Alex" in f or "Sunday" in f for f in stranger.frames), stranger.frames
    await stranger.close()


@pytest.mark.asyncio
async def test_on_a_shared_screen_nobody_outside_the_couple_can_be_acted_for():
    people, couple, _dialogue, _theirs = await make_people()
    alex, sam, jordan = people["alex"], people["sam"], people["jordan"]

    @database_sync_to_async
    def shared_dialogue():
        from dialogue import services

        Dialogue.objects.filter(couple=couple).delete()
        return services.dialogue_request(
            couple=couple, partner=alex, mode="written", device="shared_device", key="shared-1"
        )

    dialogue = await shared_dialogue()
    screen = await open_ready(alex, f"/ws/dialogue/{dialogue.pk}/")
    other = await open_ready(jordan, "/ws/home/")
    before = await rows()
    for frame in [
        move("accept", acting_for=jordan.pk),
        move("accept", acting_for=str(jordan.pk)),
        move("handover", acting_for=jordan.pk),
        move("accept", acting_for=2**70),
    ]:
        await screen.send(text=frame)
        replies = await screen.read(wait=5, quiet=QUIET)
        assert replies, frame
        assert "Jordan" not in "".join(replies)
        assert await rows() == before, frame
        assert await other.has_nothing()
    # Acting for the other partner of the couple is what a shared screen is for.
    await screen.send(text=move("accept", acting_for=str(sam.pk)))
    replies = await screen.read(wait=5, quiet=QUIET)
    assert not error_messages(replies), error_messages(replies)
    assert (await last_events(dialogue))[0][0] == "accept"
    await screen.close()
    await other.close()


# --- what partners write comes back as text, on every page ------------------------------------


@pytest.mark.asyncio
async def test_markup_in_a_dialogue_comes_back_escaped_to_both_partners(world):
    await to_first_piece(world)
    alex, sam = world.sockets["alex", "dialogue"], world.sockets["sam", "dialogue"]
    everything = "\n".join(NASTY)
    seen: list[str] = []
    for sock, kind, text in [
        (alex, "send", everything),
        (sam, "mirror", f"If I got it, you said: {everything}"),
        (alex, "correct", " ".join(reversed(NASTY))),
        (sam, "mirror", everything),
        (alex, "confirm", ""),
        (alex, "more", ""),
        (alex, "send", NASTY[0]),
    ]:
        await sock.send(text=move(kind, text=text))
        replies = await sock.read(wait=5, quiet=QUIET)
        assert not error_messages(replies), (kind, error_messages(replies))
        other = sam if sock is alex else alex
        seen += replies + await other.read(wait=5, quiet=QUIET)
    assert_no_live_markup(seen)
    # The words arrive, as text: each screen shows what was written, not what it would do.
    # (Without the invisible controls that could disguise them: imago_app/text.py.)
    visible = as_text(seen)
    for nasty in NASTY:
        assert displayable(nasty.strip()) in visible, nasty
    for route in ROUTES:
        assert await world.sockets["jordan", route].has_nothing()
    sent = await database_sync_to_async(
        lambda: list(
            Event.objects.filter(dialogue=world.dialogue, kind="send")
            .order_by("seq")
            .values_list("text", flat=True)
        )
    )()
    assert sent == [everything, NASTY[0]]  # kept as written; escaped only on the way out


@pytest.mark.asyncio
async def test_markup_in_a_name_topic_or_appreciation_comes_back_escaped():
    @database_sync_to_async
    def make():
        alex = make_partner("Alex")
        sam = make_partner(NASTY[1])  # a display name is the person's own to choose
        jordan = make_partner("Jordan")
        make_couple(jordan, make_partner("Riley"))
        return alex, sam, jordan, make_couple(alex, sam)

    alex, sam, jordan, couple = await make()
    home = await open_ready(alex, "/ws/home/")
    appreciations = await open_ready(alex, "/ws/appreciations/")
    outsider = [
        await open_ready(jordan, "/ws/home/"),
        await open_ready(jordan, "/ws/appreciations/"),
    ]
    assert_no_live_markup(home.frames + appreciations.frames)
    # Topics are short: a few requests, each with some of the strings; one appreciation with all.
    topics = [" ".join(NASTY[i : i + 2])[: machine.MAX_TOPIC] for i in range(0, len(NASTY), 4)]
    for topic in topics:
        await database_sync_to_async(make_dialogue)(couple, sam, topic=topic)
        pushed = await home.read(wait=5, quiet=QUIET)
        assert any("would like a dialogue" in f for f in pushed), pushed
        assert_no_live_markup(pushed)
        assert displayable(topic.strip()) in as_text(pushed), topic
        await database_sync_to_async(
            lambda: Dialogue.objects.filter(couple=couple).update(ended_at=timezone.now())
        )()
    await database_sync_to_async(appreciation_services.appreciation_offer)(
        couple=couple, author=sam, about="action", text="\n".join(NASTY)
    )
    pushed = await appreciations.read(wait=5, quiet=QUIET)
    assert_no_live_markup(pushed)
    visible = as_text(pushed)
    for nasty in NASTY:
        assert displayable(nasty.strip()) in visible, nasty
    await asyncio.sleep(0.2)
    for sock in outsider:
        assert await sock.has_nothing()
    for sock in [home, appreciations, *outsider]:
        await sock.close()


# --- hypothesis: anything at all, on every socket ---------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
nasty_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(alphabet="<>\"'&{}%/=:;\u202e\u200b\u200d\ufeff\x00 \n", max_size=30),
    st.tuples(st.sampled_from(NASTY), st.text(max_size=20)).map("".join),
)
# Two moves are left out: `leave` and `end` close the dialogue and would end the exploring.
kinds = st.sampled_from(
    sorted((machine.MOVES - {"leave", "end"}) | {"handover", "dance", "", "PAUSE", "pause\u200b"})
)
keys = st.one_of(st.from_regex(r"\A[A-Za-z0-9_-]{8,24}\Z"), nasty_text)
positions = st.one_of(
    st.just(""),
    st.sampled_from(["1.appointment.receiver.0", "1.send.sender.0", "9.close.both.1"]),
    nasty_text,
)
levels = st.one_of(
    st.sampled_from(["0", "3", "7", "10", "11", "-1", "7.5", "\u0667", ""]), nasty_text
)


def one_or_many(values):
    return st.one_of(values, st.lists(values, min_size=1, max_size=3))


# Known fields carry what a form sends (strings, or lists of them for repeated fields), with
# hostile content; any other field may carry anything.
move_objects = st.fixed_dictionaries(
    {"move": one_or_many(kinds), "key": keys},
    optional={
        "text": one_or_many(nasty_text),
        "position": positions,
        "level": levels,
        "feelings": st.lists(st.one_of(st.sampled_from(FEELINGS), nasty_text), max_size=4),
        "later": st.sampled_from(["30", "60", "1440", "7", "-30", "", "x"]),
        "acting_for": st.one_of(st.integers(-5, 500).map(str), nasty_text),
        "dialogue": json_values,
        "dialogue_id": st.integers(),
        "user": st.integers(),
        "HEADERS": json_values,
    },
).flatmap(
    lambda known: st.dictionaries(st.text(max_size=10), json_values, max_size=3).map(
        lambda extra: {**extra, **known}
    )
)


@dataclass
class Frame:
    text: str | None = None
    data: bytes | None = None


frames = st.one_of(
    st.binary(max_size=64).map(lambda b: Frame(data=b)),
    st.text(max_size=200).map(lambda t: Frame(text=t)),
    nasty_text.map(lambda t: Frame(text=t)),
    json_values.map(lambda v: Frame(text=json.dumps(v))),
    st.tuples(move_objects, st.booleans()).map(
        lambda m: Frame(text=json.dumps(m[0], ensure_ascii=m[1]))
    ),
)

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def last(value):
    return value[-1] if isinstance(value, list) and value else value


async def fuzz_once(world: World, who: str, routes: tuple, frame: Frame) -> None:
    for route in routes:
        await settle(world, who, route)
    result = await hit(world, who, routes, text=frame.text, data=frame.data)
    assert_no_live_markup(result.everything())
    data = None
    if frame.text is not None:
        with contextlib.suppress(ValueError):
            data = json.loads(frame.text)
    outcome = "written" if result.written else "closed" if result.closed else "refused"
    label(f"{routes[0]}: {outcome}")
    if not result.written:
        kind = last(data.get("move")) if isinstance(data, dict) else None
        if routes == ("dialogue",) and kind == "handover" and not result.closed:
            # A screen move: shows this screen for someone else, writes nothing, tells nobody.
            assert result.replies["dialogue"] and not result.heard, result.heard
        else:
            assert_refused(result)
        return
    # Something was written: it must be exactly one legitimate move of the sender's own.
    assert routes == ("dialogue",) and isinstance(data, dict), result.changed()
    changed = result.changed()
    assert set(changed) <= {"dialogue.Dialogue", "dialogue.Event"}, changed
    new = [e for e in result.after["dialogue.Event"] if e not in result.before["dialogue.Event"]]
    assert len(new) == 1, new
    event = new[0]
    assert event["dialogue_id"] == world.dialogue.pk, "a move reached another dialogue"
    assert event["actor_id"] == world.people[who].pk
    assert (event["kind"], event["key"]) == (last(data["move"]), data["key"]), (event, data)
    assert not error_messages(result.replies["dialogue"]), result.replies
    assert not any("jordan" in w.lower() for w in result.heard), result.heard
    await drain_all(world)
    # The same frame again is recognised, not applied twice, and is no error for its sender.
    again = await hit(world, who, routes, text=frame.text)
    assert not again.written, again.changed()
    assert not error_messages(again.replies["dialogue"]), again.replies


@pytest_asyncio.fixture
async def fuzzed(world):
    """The world, and afterwards the proof that every page of it still serves."""
    yield world
    await assert_all_quiet(world)
    await assert_still_serving(world)


@pytest.mark.asyncio
@FUZZ
@given(frame=frames)
async def test_fuzz_home_and_appreciations(fuzzed, frame):
    """These pages take no input: anything sent is dropped (or answered privately)."""
    await fuzz_once(fuzzed, "alex", ("home", "appreciations"), frame)


def legal_moves(state: machine.State, people: dict) -> list[tuple[str, str]]:
    """(who, move) pairs the rules allow now, leaving out the two that end the dialogue."""
    now = timezone.now()
    legal = []
    for who in ("alex", "sam"):
        for kind in sorted(machine.MOVES - {"leave", "end"}):
            attempt = machine.Move(
                kind=kind,
                by=people[who].pk,
                at=now,
                text="x",
                level=7,
                feelings=(FEELINGS[0],),
                time=now + timedelta(hours=1),
            )
            with contextlib.suppress(machine.IllegalMove):
                machine.apply(state, attempt)
                legal.append((who, kind))
    return legal


@pytest.mark.asyncio
@settings(FUZZ, max_examples=40)
@given(data=st.data())
async def test_fuzz_dialogue(fuzzed, data):
    """Half the frames are anything at all; half are moves the rules allow now, carrying hostile
    text, so the dialogue walks on through its steps and every push is checked on the way."""
    # What is drawn must not depend on the dialogue's state (Hypothesis replays draws against
    # a dialogue that has moved on): draw everything, then use what the move needs.
    allowed = data.draw(st.booleans(), label="a move the rules allow")
    pick = data.draw(st.integers(0, 10_000), label="which of them")
    fields = {
        "text": data.draw(nasty_text, label="text"),
        "level": str(data.draw(st.integers(0, 10), label="level")),
        "feelings": data.draw(st.lists(st.sampled_from(FEELINGS), max_size=3), label="feelings"),
        "later": "60",
    }
    who = data.draw(st.sampled_from(["alex", "sam"]), label="who")
    frame = data.draw(frames, label="frame")
    if allowed:
        state = await state_of(fuzzed.dialogue)
        legal = legal_moves(state, fuzzed.people)
        who, kind = legal[pick % len(legal)]
        label(f"{state.step}: {kind}")
        frame = Frame(text=move(kind, **fields))
    await fuzz_once(fuzzed, who, ("dialogue",), frame)


# --- a real daphne: what only a real server sees ---------------------------------------------


def open_raw(server, user, path):
    """A plain client socket on `path` as `user`, through daphne."""
    return ws_connect(
        server.url.replace("http://", "ws://") + path,
        additional_headers={"origin": server.url, "cookie": session_cookie(user)},
        open_timeout=10,
        max_size=None,
    )


def closed_with(ws, timeout: float = 10) -> int:
    """Read until the server ends the connection: its close code, or 1006 when it dropped the
    connection without a closing handshake."""
    deadline = time.monotonic() + timeout
    try:
        while True:
            ws.recv(timeout=max(0.05, deadline - time.monotonic()))
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else 1006
    except TimeoutError:
        raise AssertionError(f"the connection was still open after {timeout} s") from None


def sync_people():
    alex, sam = make_partner("Alex"), make_partner("Sam")
    couple = make_couple(alex, sam)
    dialogue = make_dialogue(couple, alex, topic="Sunday")
    jordan = make_partner("Jordan")
    make_couple(jordan, make_partner("Riley"))
    return alex, sam, jordan, dialogue


REAL_SERVER_CASES = [
    # (what is sent, how it goes out, the close codes that fit)
    ("bytes that are not UTF-8 in a text frame", "bad-utf8", {1007, 1006}),
    ("a text frame one byte over the server's limit", "over-limit", {1009, 1006}),
    ("a 2 MiB text frame", "big-text", {1009, 1006}),
    ("a 2 MiB binary frame", "big-binary", {1009, 1006}),
]


def send_case(ws, how: str) -> None:
    try:
        if how == "bad-utf8":
            ws.send(
                b'{"move": "pause", "key": "bad-utf8-1", "text": "\xff\xfe\xc3\x28"}', text=True
            )
        elif how == "over-limit":
            size = django_settings.WEBSOCKET_MAX_BYTES + 1
            ws.send(padded({"move": "dance", "key": "over-limit-1"}, size))
        elif how == "big-binary":
            ws.send(b"\x00" * (2 * 1024 * 1024))
        else:
            ws.send(move("pause", text="x" * (2 * 1024 * 1024)))
    except (ConnectionClosed, OSError):
        pass  # the server may close while the frame is still going out


def test_a_real_server_closes_what_it_cannot_take_and_keeps_serving(daphne_live):
    """daphne's WebSocket layer (autobahn) fails such a connection by dropping it, without a
    closing handshake: the client sees 1006 (1007 or 1009 would do as well)."""
    alex, sam, jordan, dialogue = sync_people()
    path = f"/ws/dialogue/{dialogue.pk}/"
    sam_phone = Phone(daphne_live.url, sam, path)
    jordan_phone = Phone(daphne_live.url, jordan, "/ws/home/")
    sam_phone.wait_for("would like")
    jordan_phone.wait_for("Riley")  # the first screen, however long a busy machine takes
    seen_by_sam, seen_by_jordan = len(sam_phone.seen), len(jordan_phone.seen)
    for case, how, expected in REAL_SERVER_CASES:
        for route in (path, "/ws/home/", "/ws/appreciations/"):
            with open_raw(daphne_live, alex, route) as ws:
                ws.recv(timeout=5)  # the first screen
                events_before = Event.objects.count()
                send_case(ws, how)
                code = closed_with(ws)
            assert code in expected, (case, route, code)
            assert Event.objects.count() == events_before, (case, route)
    # Sam's page heard only that Alex came and went; Jordan's heard nothing at all.
    sam_phone.drain(quiet=0.2)
    assert only_presence(sam_phone.seen[seen_by_sam:]), sam_phone.seen[seen_by_sam:]
    jordan_phone.drain(quiet=0.1)
    assert jordan_phone.seen[seen_by_jordan:] == []
    # The server still serves: Sam answers the request and both see the next step.
    alex_phone = Phone(daphne_live.url, alex, path)
    sam_phone.move("accept")
    sam_phone.wait_for("how settled do you feel")
    alex_phone.wait_for("how settled do you feel")
    assert Event.objects.filter(dialogue=dialogue, kind="accept").count() == 1
    for phone in (alex_phone, sam_phone, jordan_phone):
        phone.close()
    log = daphne_live.log_path.read_text(errors="replace")
    assert "Traceback" not in log, log


# --- found by these tests: each fails today -------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "frame",
    [
        nested(1_000),
        nested(4_000),
        '{"a":' * 1_000 + "1" + "}" * 1_000,
        '{"move": ' + nested(2_000) + "}",
    ],
    ids=["1,000 nested lists", "4,000 nested lists", "1,000 nested objects", "a nested move"],
)
async def test_deep_nesting_under_the_frame_limit_gets_a_private_answer(world, frame):
    """About 1,000 levels of JSON fit in 2 KiB, well under the frame limit. json.loads gives up
    with RecursionError, which is not a ValueError: DialogueConsumer.frame does not catch it and
    the consumer dies (a real daphne closes the socket with 1011 and logs the traceback)."""
    assert len(frame.encode()) <= LIMIT  # past the size check, into the JSON parser
    result = await hit(world, "alex", ROUTES, text=frame)
    assert_refused(result, UNREADABLE)
    for route in ROUTES:
        await settle(world, "alex", route)
    await assert_still_serving(world)


@pytest.mark.asyncio
@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "a\\ud83d", "\\ude00b"])
async def test_a_lone_surrogate_in_the_text_of_a_valid_move_gets_a_private_answer(world, escape):
    """JSON may spell half of a UTF-16 pair (the frame itself is plain ASCII); json.loads makes
    a str that cannot be encoded, the form takes it, and dialogue_move's Event insert raises
    UnicodeEncodeError (SQLite and PostgreSQL alike). It is not a DatabaseError, so the socket
    is not even closed with 1013: the consumer dies (1011 on a real daphne)."""
    frame = '{"move": "pause", "key": "surrogate-key-1", "text": "I felt ' + escape + '"}'
    result = await hit(world, "alex", ROUTES, text=frame)
    assert_refused(result)
    for route in ROUTES:
        await settle(world, "alex", route)
    await assert_still_serving(world)


WRONG_TYPES = [
    ("text", 7),
    ("text", 1.5),
    ("text", True),
    ("text", {"a": 1}),
    ("text", ["a", {"b": 1}]),
    ("text", [[["x"]]]),
    ("key", 12345678),
    ("key", 10**40),
    ("position", {}),
    ("position", []),
    ("position", {"a": 1}),
    ("level", True),
    ("level", {}),
    ("level", 7.0),
    ("feelings", {"sad": True}),
    ("feelings", [["sad"]]),
    ("later", {}),
    ("acting_for", 7.5),
    ("acting_for", {}),
    ("move", {"pause": 1}),
    ("move", 1),
]


@pytest.mark.asyncio
async def test_wrong_types_in_a_move_that_would_be_accepted_are_refused(world, subtests):
    """A form sends strings (and lists of them for repeated fields). A frame with a number, a
    boolean or an object in a field is not from the page: it is refused, not coerced and kept.
    Today MoveForm.from_frame hands the JSON values to Django's fields, which str() them (text
    {"a": 1} is stored as "{'a': 1}", key 12345678 as "12345678") or take {} and [] as empty
    (position {} skips the stale check)."""
    for name, wrong in WRONG_TYPES:
        with subtests.test(f"{name}={wrong!r}"):
            fields = {"move": "pause", "key": secrets.token_urlsafe(12), name: wrong}
            result = await hit(world, "alex", "dialogue", text=json.dumps(fields))
            stored = result.changed().get("dialogue.Event", {}).get("after", [])
            assert not stored, [(e["kind"], e["key"], e["text"]) for e in stored]
            assert_refused(result)
        # Undo an accepted pause, so the next case starts from the same place.
        if (await state_of(world.dialogue)).paused:
            await play(world, "alex", "ready")
            await play(world, "sam", "ready")
