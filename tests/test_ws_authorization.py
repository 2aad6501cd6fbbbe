"""Every WebSocket route, tried by every kind of visitor (the socket side of
test_authorization.py), through the whole ASGI stack with real session cookies.

A visitor who is not signed in (or no longer is) is accepted and then closed with 4401; a socket
that is not the visitor's is closed with 4404 (or refused); either way, no frame sent before the
close carries anything of the couple. A socket that is theirs gets its content.
"""

import pytest
from channels.db import database_sync_to_async

from dialogue import services as dialogue_services
from exercises.appreciation import services as appreciation_services
from exercises.cycle import services as cycle_services
from imago_app import services as imago_services
from tests.factories import make_couple, make_dialogue, make_link, make_partner, make_therapist
from tests.sockets import NOT_FOUND, NOT_SIGNED_IN, Socket, login_cookie

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

# What the couple has said and done; only its two partners may ever receive these.
SECRET_TOPIC = "only-the-couple-knows-this-topic"
SECRET_PIECE = "only-the-couple-reads-this-piece"
SECRET_APPRECIATION = "only-the-couple-reads-this-appreciation"
SECRETS = (SECRET_TOPIC, SECRET_PIECE, SECRET_APPRECIATION, "only-the-couple-sees-this-side")
# The partners' names: also for the therapist both of them let in, and nobody else.
NAMES = ("Alexandrina", "Samwise")

PEOPLE = [
    "anonymous",
    "signed_out",  # Alexandrina's browser, after she signed out: the cookie is still sent
    "partner",
    "partner_b",
    "other_couple",
    "no_couple",
    "therapist",
    "pending_therapist",
    "revoked_therapist",
    "unlinked_therapist",
]
ROUTES = [
    "home",
    "appreciations",
    "caring",
    "requests",
    "our_dialogue",
    "their_dialogue",
    "no_dialogue",
    "our_cycle",
    "their_cycle",
    "no_cycle",
]
SECRET_SIDE = "only-the-couple-sees-this-side"

OURS = {"partner", "partner_b"}
# What each visitor's own socket shows (None: the socket is not theirs, or nothing is).
OWN = {
    "partner": {
        "home": "You and Samwise",
        "appreciations": SECRET_APPRECIATION,
        "our_dialogue": "Samwise is mirroring what you said",
        "caring": 'id="caring-giving"',
        "requests": 'id="requests-panel"',
        "our_cycle": "Round the loop",
    },
    "partner_b": {
        "home": "You and Alexandrina",
        "appreciations": SECRET_APPRECIATION,
        "our_dialogue": SECRET_PIECE,
        "caring": 'id="caring-giving"',
        "requests": 'id="requests-panel"',
        "our_cycle": SECRET_SIDE,
    },
    "other_couple": {
        "home": "You and Riley",
        "appreciations": 'id="appreciation-panel"',
        "their_dialogue": "their-own-topic",
        "caring": 'id="caring-giving"',
        "requests": 'id="requests-panel"',
        "their_cycle": "Riley hasn't shown their side yet",
    },
    "no_couple": {"home": "Link up with your partner"},
    "therapist": {"home": "Samwise"},  # the couple, listed for the therapist they both let in
    "pending_therapist": {"home": "still to agree"},
    "revoked_therapist": {"home": "Couples you work with"},
    "unlinked_therapist": {"home": "Couples you work with"},
}


@database_sync_to_async
def make_world():
    alex, sam = make_partner(NAMES[0]), make_partner(NAMES[1])
    couple = make_couple(alex, sam)
    # A therapist the couple let in and later sent away, then the one they have now.
    revoked = make_therapist("Dr Was")
    imago_services.therapist_link_end(link=make_link(couple, revoked), partner=alex)
    therapist = make_therapist("Dr Yes")
    make_link(couple, therapist)
    dialogue = make_dialogue(couple, alex, topic=SECRET_TOPIC)
    for who, kind, fields in [
        (sam, "accept", {}),
        (alex, "check_in", {"level": 7}),
        (sam, "check_in", {"level": 8}),
        (alex, "send", {"text": SECRET_PIECE}),
    ]:
        dialogue_services.dialogue_move(
            dialogue_id=dialogue.pk, partner=who, kind=kind, key=f"world-{kind}-{who.pk}", **fields
        )
    appreciation_services.appreciation_offer(
        couple=couple, author=sam, about="action", text=SECRET_APPRECIATION
    )
    cycle = cycle_services.cycle_create(couple=couple, partner=alex, name="the evenings")
    for who, move in ((alex, SECRET_SIDE), (sam, "goes quiet")):
        side = cycle_services.side_save(
            cycle=cycle,
            author=who,
            keep_as_written=True,
            trigger="the door closes",
            feel="alone",
            so_i=move,
        )
        cycle_services.side_show(side=side, author=who, shown=True, for_therapist=False)
    # Another couple, with a dialogue of their own and a therapist still waiting for consent.
    jordan, riley = make_partner("Jordan"), make_partner("Riley")
    theirs = make_couple(jordan, riley)
    their_dialogue = make_dialogue(theirs, jordan, topic="their-own-topic")
    their_cycle = cycle_services.cycle_create(couple=theirs, partner=jordan, name="x")
    side = cycle_services.side_save(
        cycle=their_cycle,
        author=jordan,
        keep_as_written=True,
        trigger="their-own-cycle",
        feel="sad",
        so_i="walks",
    )
    cycle_services.side_show(side=side, author=jordan, shown=True, for_therapist=False)
    pending = make_therapist("Dr Maybe")
    make_link(theirs, pending, consent=False)
    people = {
        "anonymous": None,
        "signed_out": alex,
        "partner": alex,
        "partner_b": sam,
        "other_couple": jordan,
        "no_couple": make_partner("Lone"),
        "therapist": therapist,
        "pending_therapist": pending,
        "revoked_therapist": revoked,
        "unlinked_therapist": make_therapist("Dr Who"),
    }
    paths = {
        "home": "/ws/home/",
        "appreciations": "/ws/appreciations/",
        "our_dialogue": f"/ws/dialogue/{dialogue.pk}/",
        "their_dialogue": f"/ws/dialogue/{their_dialogue.pk}/",
        "no_dialogue": f"/ws/dialogue/{their_dialogue.pk + 1000}/",
        "caring": "/ws/caring/",
        "requests": "/ws/requests/",
        "our_cycle": f"/ws/cycles/{cycle.pk}/",
        "their_cycle": f"/ws/cycles/{their_cycle.pk}/",
        "no_cycle": f"/ws/cycles/{their_cycle.pk + 1000}/",
    }
    return people, paths


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    # Argon2 costs a fifth of a second per person made; nobody here signs in with a password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


async def visit(person, path: str, *, signed_out: bool = False) -> Socket:
    """Open `path` as `person`, and read what it sends until it closes or goes quiet."""
    cookie = None
    if person is not None:
        cookie = await database_sync_to_async(login_cookie)(person, signed_out=signed_out)
    sock = await Socket(path, cookie, who=getattr(person, "display_name", "")).connect()
    if sock.accepted:
        await sock.read(wait=5, quiet=0.15)
    return sock


@pytest.mark.parametrize("who", PEOPLE)
async def test_each_visitor_gets_exactly_their_own_sockets(who):
    people, paths = await make_world()
    for route in ROUTES:
        sock = await visit(people[who], paths[route], signed_out=who == "signed_out")
        seen = "".join(sock.frames)
        expected = OWN.get(who, {}).get(route)
        if who in ("anonymous", "signed_out"):
            assert sock.accepted, (who, route, "refused before it could say why")
            assert sock.close_code == NOT_SIGNED_IN, (who, route, sock.close_code)
        elif expected is None:
            refused = sock.accepted is False or sock.close_code == NOT_FOUND
            assert refused, (who, route, sock.close_code)
        else:
            assert sock.close_code is None, (who, route, sock.close_code)
            assert expected in seen, (who, route, seen[:500])
        if who not in OURS:
            for secret in SECRETS:
                assert secret not in seen, (who, route, secret)
        if who not in OURS | {"therapist"}:
            for name in NAMES:
                assert name not in seen, (who, route, name)
        await sock.close()


async def test_a_dialogue_id_beyond_any_row_is_not_found():
    people, _paths = await make_world()
    for dialogue_id in (0, 2**31, 2**63, 10**30):
        sock = await visit(people["partner"], f"/ws/dialogue/{dialogue_id}/")
        assert (sock.accepted is False) or sock.close_code == NOT_FOUND, (dialogue_id, sock)
        # Nothing but the last frame that says why (daphne drops the close reason).
        assert [f for f in sock.frames if 'data-close-code="4404"' not in f] == [], sock.frames
        await sock.close()


async def test_a_therapist_still_waiting_for_consent_gets_nothing_of_the_couple():
    @database_sync_to_async
    def make():
        alex, sam = make_partner(NAMES[0]), make_partner(NAMES[1])
        couple = make_couple(alex, sam)
        waiting = make_therapist("Dr Soon")
        make_link(couple, waiting, consent=False)  # Alex invited them; Sam has not agreed
        dialogue = make_dialogue(couple, alex, topic=SECRET_TOPIC)
        appreciation_services.appreciation_offer(
            couple=couple, author=sam, about="action", text=SECRET_APPRECIATION
        )
        return waiting, dialogue

    waiting, dialogue = await make()
    for path in ("/ws/home/", "/ws/appreciations/", f"/ws/dialogue/{dialogue.pk}/"):
        sock = await visit(waiting, path)
        seen = "".join(sock.frames)
        if path == "/ws/home/":
            assert sock.close_code is None and "still to agree" in seen, seen
        else:
            assert (sock.accepted is False) or sock.close_code == NOT_FOUND, (path, sock)
        for secret in (*SECRETS, *NAMES):
            assert secret not in seen, (path, secret)
        await sock.close()


async def test_a_refused_socket_hears_nothing_that_happens_afterwards():
    """Closed at the door means out of the group: a later move reaches only the couple."""
    people, paths = await make_world()
    strangers = [
        await visit(people[who], paths["our_dialogue"])
        for who in ("other_couple", "therapist", "no_couple")
    ]
    sam = await visit(people["partner_b"], paths["our_dialogue"])
    await sam.send(text='{"move": "pause", "key": "after-the-door-1"}')
    assert await sam.read(wait=5, quiet=0.1)
    for sock in strangers:
        assert sock.close_code == NOT_FOUND
        assert await sock.has_nothing()
        await sock.close()
    await sam.close()
