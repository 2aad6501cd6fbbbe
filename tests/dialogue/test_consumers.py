import html
import json
import re

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError

from dialogue import rendering, routing
from dialogue.consumers import CLOSE_NOT_FOUND, MAX_FRAME_BYTES
from dialogue.models import Event
from dialogue.services import dialogue_group
from imago_app.asgi import application
from imago_app.consumers import CLOSE_NOT_SIGNED_IN, CLOSE_TOO_FAST, CLOSE_TRY_AGAIN, FRAME_BURST
from imago_app.layers import LOST
from tests.factories import make_couple, make_dialogue, make_partner

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1")


def as_user(user):
    """The dialogue routes, with the scope's user set as the session middleware would."""
    inner = URLRouter(routing.websocket_urlpatterns)

    async def app(scope, receive, send):
        return await inner({**scope, "user": user}, receive, send)

    return app


async def connect(user, dialogue_id):
    comm = WebsocketCommunicator(as_user(user), f"/ws/dialogue/{dialogue_id}/", headers=[ORIGIN])
    connected, _ = await comm.connect()
    assert connected
    return comm


async def drain(comm, *, raw: bool = False, first: float = 3.0) -> str:
    """Everything the socket has been sent so far, as one string (entities decoded unless raw).
    The first message may take up to `first` seconds (a busy machine renders slowly); after it,
    a pause of 0.2 s means the socket is done."""
    out = []
    wait = first
    while not await comm.receive_nothing(timeout=wait):
        out.append(await comm.receive_from())
        wait = 0.2
    joined = "".join(out)
    return joined if raw else html.unescape(joined)


@database_sync_to_async
def setup():
    alex, sam = make_partner("Alex"), make_partner("Sam")
    couple = make_couple(alex, sam)
    return alex, sam, make_dialogue(couple, alex, topic="Sunday")


@database_sync_to_async
def kinds(dialogue):
    return list(Event.objects.filter(dialogue=dialogue).values_list("kind", flat=True))


def frame(move, key, **fields):
    """A move as htmx's WebSocket extension sends a form: its values, and the request headers."""
    key = f"{key}-0000" if len(key) < 8 else key
    return json.dumps({"move": move, "key": key, **fields, "HEADERS": {"HX-Request": "true"}})


async def play(a, b, *moves) -> None:
    """Send each (socket, frame) in turn, letting both sockets take in what it caused."""
    for sock, data in moves:
        await sock.send_to(text_data=data)
        await drain(a)
        await drain(b)


async def up_to_send(a, b, low: bool = False) -> None:
    """Accept and check in both partners, so Alex is to share."""
    await play(
        a,
        b,
        (b, frame("accept", "k-up-1")),
        (a, frame("check_in", "k-up-2", level="3" if low else "7")),
        (b, frame("check_in", "k-up-3", level="8")),
    )
    if low:
        await play(a, b, (a, frame("go_on", "k-up-4")))


@pytest_asyncio.fixture
async def pair():
    alex, sam, dialogue = await setup()
    a, b = await connect(alex, dialogue.pk), await connect(sam, dialogue.pk)
    await drain(a)
    await drain(b)
    yield alex, sam, dialogue, a, b
    await a.disconnect()
    await b.disconnect()


async def test_partner_a_moves_and_partner_b_sees_it(pair):
    _alex, _sam, dialogue, a, b = pair
    await b.send_to(text_data=frame("accept", "accept-key-1"))
    seen_by_a = await drain(a)
    seen_by_b = await drain(b)
    assert "how settled do you feel" in seen_by_a
    assert "how settled do you feel" in seen_by_b
    assert await kinds(dialogue) == ["request", "accept"]


async def test_each_partner_gets_the_screen_for_their_role(pair):
    _alex, _sam, _dialogue, a, b = pair
    await up_to_send(a, b)
    await a.send_to(text_data=frame("send", "k-send-1", text="I felt alone."))
    a_sees, b_sees = await drain(a), await drain(b)
    assert "Sam is mirroring what you said." in a_sees
    assert "Mirror back what Alex said" in b_sees and "I felt alone." in b_sees
    assert "If I got it, you said" in b_sees


async def test_presence_shows_who_is_here(pair):
    _alex, sam, dialogue, a, b = pair
    await b.disconnect()
    assert "Sam isn't here right now" in await drain(a)
    b2 = await connect(sam, dialogue.pk)
    assert "Sam is here" in await drain(a)
    assert "Alex is here" in await drain(b2)
    await b2.disconnect()


BAD_FRAMES = [
    ("accept", "out of turn", lambda: frame("accept", "k-bad-1"), "Your partner answers"),
    ("send", "out of step", lambda: frame("send", "k-bad-2", text="hi"), "partner's turn"),
    ("missing key", "missing field", lambda: json.dumps({"move": "pause"}), "no key"),
    (
        "oversize text",
        "oversize field",
        lambda: frame("send", "k-bad-3", text="x" * 2001),
        "longer than we can keep",
    ),
    (
        "oversize frame",
        "oversize frame",
        lambda: json.dumps({"move": "pause", "key": "k-bad-4", "pad": "x" * MAX_FRAME_BYTES}),
        "too long to send",
    ),
    ("not json", "non-JSON", lambda: "{move: pause", "couldn't read that"),
    ("array", "JSON that is not an object", lambda: json.dumps(["pause"]), "couldn't read that"),
    ("unknown", "unknown move", lambda: frame("dance", "k-bad-5"), "don't know that move"),
    ("bad level", "bad field", lambda: frame("check_in", "k-bad-6", level="eleven"), "0 to 10"),
    ("bad key", "malformed key", lambda: frame("pause", "<script>"), "Enter a valid value"),
]


@pytest.mark.parametrize(
    ("name", "case", "make_frame", "message"),
    BAD_FRAMES,
    ids=[case for _n, case, _f, _m in BAD_FRAMES],
)
async def test_bad_input_gets_a_message_to_that_socket_only_and_changes_nothing(
    pair, name, case, make_frame, message
):
    _alex, _sam, dialogue, a, b = pair
    before = await kinds(dialogue)
    await a.send_to(text_data=make_frame())
    reply = await drain(a)
    assert 'id="dialogue-error"' in reply
    assert message in reply
    assert await b.receive_nothing(timeout=0.3)
    assert await kinds(dialogue) == before


async def test_a_binary_frame_is_refused_politely(pair):
    _alex, _sam, _dialogue, a, b = pair
    await a.send_to(bytes_data=b"\x00\xff")
    assert "couldn't read that" in await drain(a)
    assert await b.receive_nothing(timeout=0.3)


async def test_a_repeated_key_is_a_quiet_success_and_not_applied_twice(pair):
    _alex, _sam, dialogue, a, b = pair
    await b.send_to(text_data=frame("accept", "same-key-42"))
    await drain(a)
    await drain(b)
    # A double tap: the move was applied once; the second tap is no error for Sam.
    await b.send_to(text_data=frame("accept", "same-key-42"))
    reply = await drain(b)
    assert 'data-seq="2"' in reply and "already" not in reply
    assert 'id="dialogue-error" class="error-banner" role="alert"></p>' in reply
    assert await a.receive_nothing(timeout=0.3)
    assert await kinds(dialogue) == ["request", "accept"]


async def test_a_stale_move_is_told_and_gets_the_current_screen(pair):
    _alex, _sam, dialogue, a, b = pair
    await b.send_to(text_data=frame("accept", "k-fresh-1", position="1.appointment.receiver.0"))
    await drain(a)
    await drain(b)
    await b.send_to(text_data=frame("pause", "k-stale-1", position="1.appointment.receiver.0"))
    reply = await drain(b)
    assert "moved on while you were answering" in reply
    assert 'id="dialogue-stage"' in reply
    assert await kinds(dialogue) == ["request", "accept"]


async def test_an_outsider_and_a_visitor_cannot_connect():
    _alex, _sam, dialogue = await setup()
    stranger = await database_sync_to_async(make_partner)("Jordan")
    for who, code in [(stranger, CLOSE_NOT_FOUND), (AnonymousUser(), CLOSE_NOT_SIGNED_IN)]:
        comm = WebsocketCommunicator(as_user(who), f"/ws/dialogue/{dialogue.pk}/", headers=[ORIGIN])
        assert (await comm.connect())[0]
        assert f'data-close-code="{code}"' in (await comm.receive_output())["text"]
        assert (await comm.receive_output())["code"] == code
        await comm.disconnect()


async def test_nothing_leaks_to_another_couples_dialogue(pair):
    _alex, _sam, _dialogue, a, b = pair

    @database_sync_to_async
    def other_dialogue():
        jo, ri = make_partner("Jo"), make_partner("Ri")
        return jo, make_dialogue(make_couple(jo, ri), jo)

    jo, theirs = await other_dialogue()
    c = await connect(jo, theirs.pk)
    await drain(c)
    await b.send_to(text_data=frame("accept", "k-leak-1"))
    await drain(a)
    assert await c.receive_nothing(timeout=0.3)
    await c.disconnect()


async def test_the_full_stack_refuses_a_foreign_origin():
    _alex, _sam, dialogue = await setup()
    comm = WebsocketCommunicator(
        application, f"/ws/dialogue/{dialogue.pk}/", headers=[(b"origin", b"https://evil.example")]
    )
    assert not (await comm.connect())[0]
    await comm.disconnect()


async def test_a_reconnecting_partner_gets_the_exact_current_screen(pair):
    _alex, sam, dialogue, a, b = pair
    await b.send_to(text_data=frame("accept", "k-rc-1"))
    await drain(b)
    await b.disconnect()
    await a.send_to(text_data=frame("check_in", "k-rc-2", level="7"))
    await drain(a)
    b2 = await connect(sam, dialogue.pk)
    screen = await drain(b2)
    assert "Sam, how settled do you feel right now?" in screen
    assert 'id="dialogue-stage"' in screen and 'id="dialogue-bar"' in screen
    await b2.disconnect()


async def test_text_is_escaped(pair):
    _alex, _sam, _dialogue, a, b = pair
    await up_to_send(a, b)
    await a.send_to(text_data=frame("send", "k-x-4", text="<script>alert(1)</script>"))
    seen = await drain(b, raw=True)
    assert "<script>alert(1)</script>" not in seen
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in seen


async def test_leaving_ends_it_for_both_and_only_the_leaver_sees_support(pair):
    _alex, _sam, dialogue, a, b = pair
    await b.send_to(text_data=frame("accept", "k-leave-1"))
    await drain(a)
    await drain(b)
    await b.send_to(text_data=frame("leave", "k-leave-2"))
    sam_sees, alex_sees = await drain(b), await drain(a)
    assert "If you need support" in sam_sees
    assert "The dialogue has stopped for now." in alex_sees
    assert "support" not in alex_sees.lower()
    stage = alex_sees.split('id="dialogue-stage"')[1].split("</section>")[0]
    assert "Sam" not in stage  # not even who stopped it
    assert (await kinds(dialogue))[-1] == "leave"


async def test_the_channel_layer_carries_no_private_text(pair, monkeypatch):
    """Group messages may pass through Redis: they carry ids and numbers only."""
    _alex, _sam, dialogue, a, b = pair
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    sent: list[dict] = []
    original = layer.group_send

    async def recording(group, message):
        sent.append(message)
        return await original(group, message)

    monkeypatch.setattr(layer, "group_send", recording)
    secret = "I felt alone on Sunday, secretly."
    await up_to_send(a, b, low=True)
    await play(a, b, (a, frame("send", "k-layer-5", text=secret)))
    assert "I felt alone on Sunday, secretly." in (
        await database_sync_to_async(
            lambda: Event.objects.get(dialogue=dialogue, kind="send").text
        )()
    )
    dialogue_messages = [m for m in sent if m["type"] == "dialogue.changed"]
    assert len(dialogue_messages) == 5
    for message in sent:
        assert set(message) <= {"type", "seq", "user", "reply_to", "channel", "what"}, message
        for name, value in message.items():
            if name in ("type", "what"):
                assert re.fullmatch(r"[a-z_.]+", value), message
            elif name in ("reply_to", "channel"):
                assert value.startswith("specific."), message
            else:
                assert isinstance(value, int), message
        assert secret not in repr(message)


async def test_a_flood_is_slowed_then_closed_and_other_couples_carry_on(pair):
    _alex, _sam, dialogue, a, b = pair
    other_alex, other_sam, other = await setup()
    c, d = await connect(other_alex, other.pk), await connect(other_sam, other.pk)
    await drain(c)
    await drain(d)
    for _ in range(1000):
        await a.send_to(text_data="not json")
    replies, closed = [], None
    while closed is None:
        message = await a.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            closed = message
        else:
            replies.append(message["text"])
    assert closed["code"] == CLOSE_TOO_FAST
    # Only a burst was read at all; then one calm note, then nothing until the close.
    assert sum("couldn&#x27;t read that" in r for r in replies) == FRAME_BURST
    assert sum("Slow down a moment" in r for r in replies) == 1
    assert sum('data-close-code="4429"' in r for r in replies) == 1  # daphne drops the reason
    assert await b.receive_nothing(timeout=0.3)
    assert await kinds(dialogue) == ["request"]
    # Another couple's dialogue goes on as before.
    await d.send_to(text_data=frame("accept", "k-other-1"))
    assert 'data-seq="2"' in await drain(c)
    await c.disconnect()
    await d.disconnect()


async def test_a_database_that_cannot_answer_closes_the_socket_for_a_reconnect(pair, monkeypatch):
    _alex, _sam, _dialogue, a, b = pair

    def unavailable(*args, **kwargs):
        raise OperationalError("the database is restarting")

    monkeypatch.setattr(rendering, "load_screen", unavailable)
    await b.send_to(text_data=frame("accept", "k-db-1"))
    for sock in (a, b):
        message = await sock.receive_output(timeout=5)
        assert (message["type"], message["code"]) == ("websocket.close", CLOSE_TRY_AGAIN)


PAUSE_KEY = re.compile(r'name="move" value="pause"><input type="hidden" name="key" value="([^"]+)"')


async def test_a_push_leaves_out_the_bar_when_it_has_not_changed(pair):
    alex, _sam, dialogue, a, b = pair
    await b.send_to(text_data=frame("accept", "k-bar-1"))  # to the check-in: a new step
    a_sees, b_sees = await drain(a, raw=True), await drain(b, raw=True)
    assert all('id="dialogue-bar"' in s and 'data-seq="2"' in s for s in (a_sees, b_sees))
    (pause_key,) = PAUSE_KEY.findall(a_sees)
    # Alex checks in: still the check-in for both, so only the seq, the stage and the rest go.
    await a.send_to(text_data=frame("check_in", "k-bar-2", level="7"))
    a_sees, b_sees = await drain(a, raw=True), await drain(b, raw=True)
    for seen in (a_sees, b_sees):
        assert 'data-seq="3"' in seen and 'id="dialogue-error"' in seen
        assert 'id="dialogue-bar"' not in seen
    # The Pause form of the bar on Alex's screen, drawn two moves ago, still works.
    await a.send_to(text_data=frame("pause", pause_key))
    a_sees, b_sees = await drain(a, raw=True), await drain(b, raw=True)
    assert await kinds(dialogue) == ["request", "accept", "check_in", "pause"]
    for seen in (a_sees, b_sees):  # paused: the bar has no Pause button now
        assert 'id="dialogue-bar"' in seen and 'value="pause"' not in seen
    # A socket opened now is sent the whole screen, bar included.
    a2 = await connect(alex, dialogue.pk)
    assert 'id="dialogue-bar"' in await drain(a2, raw=True)
    await a2.disconnect()


async def test_a_lost_channel_layer_closes_the_socket_for_a_reconnect(pair):
    # The Redis layer tells every socket of a process whose connection failed (layers.py).
    _alex, _sam, dialogue, a, b = pair
    await get_channel_layer().group_send(dialogue_group(dialogue.pk), LOST)
    for sock in (a, b):
        out = await sock.receive_output(timeout=3)
        while out["type"] != "websocket.close":
            out = await sock.receive_output(timeout=3)
        assert out["code"] == CLOSE_TRY_AGAIN
