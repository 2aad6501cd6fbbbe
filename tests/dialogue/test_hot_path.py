"""What a move costs in database queries, both partners' screens included (issue 17).

Every statement any connection of this process runs is counted (the service's transaction on one
database thread, each socket's push on another), from the frame in to both pushes out. The cost
of a move must not grow as the dialogue does.
"""

import asyncio
import copy
import json
import secrets
from functools import partial

import pytest
from channels.db import database_sync_to_async
from django import forms
from django.db.backends import utils

from dialogue import resync
from dialogue.forms import MoveForm
from tests.factories import make_couple, make_dialogue, make_partner
from tests.sockets import open_ready, shown

MOST = 6  # the target: lock, insert and update, and each partner's push
# With both partners' sockets on this process, both screens are drawn from what the move left
# here (dialogue/latest.py): the move's own lock, insert and update are all that runs.
SAME_PROCESS = 3


@pytest.fixture(autouse=True)
def own_watcher(settings, monkeypatch):
    # A watcher of the test's own, ticking rarely, so its one query never falls inside a move.
    settings.RESYNC_SECONDS = 3600
    monkeypatch.setattr(resync, "watcher", resync.Watcher())


@pytest.fixture
def statements(monkeypatch):
    """Every SQL statement run while `on`, on any thread (BEGIN and savepoints included)."""
    seen: list[str] = []
    counting = {"on": False}
    for name in ("execute", "executemany"):
        original = getattr(utils.CursorWrapper, name)

        def counted(self, sql, *args, _original=original, **kwargs):
            if counting["on"]:
                seen.append(str(sql))
            return _original(self, sql, *args, **kwargs)

        monkeypatch.setattr(utils.CursorWrapper, name, counted)
    return seen, counting


@database_sync_to_async
def setup():
    a, b = make_partner("Alex"), make_partner("Sam")
    return a, b, make_dialogue(make_couple(a, b), a, topic="Sunday")


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_move_with_both_screens_costs_at_most_six_queries_however_long_the_dialogue(
    statements,
):
    seen, counting = statements
    alex, sam, dialogue = await setup()
    a = await open_ready(alex, f"/ws/dialogue/{dialogue.pk}/")
    b = await open_ready(sam, f"/ws/dialogue/{dialogue.pk}/")
    await asyncio.sleep(0.3)  # the presence notes
    await a.read(wait=0.1)
    await b.read(wait=0.1)
    socks = {alex.pk: a, sam.pk: b}
    seq = 1

    async def move(who, kind, **fields) -> list[str]:
        nonlocal seq
        seen.clear()
        counting["on"] = True
        frame = {"move": kind, "key": secrets.token_urlsafe(12), **fields}
        await socks[who.pk].send(json.dumps(frame))
        seq += 1
        await asyncio.gather(shown(a, seq, within=10), shown(b, seq, within=10))
        counting["on"] = False
        made = [s for s in seen if not s.upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT"))]
        assert not [s for s in seen if "SAVEPOINT" in s.upper()], seen
        await asyncio.sleep(0.25)  # under the sockets' frame rate
        return made

    await move(sam, "accept")
    await move(alex, "check_in", level="7")
    await move(sam, "check_in", level="7")
    first = await move(alex, "send", text="When the plans changed I felt left out.")
    assert len(first) <= MOST, first
    costs = []
    for _ in range(6):
        costs.append(len(await move(sam, "mirror", text="You felt left out when plans changed.")))
        costs.append(len(await move(alex, "confirm")))
        costs.append(len(await move(alex, "more")))
        costs.append(len(await move(alex, "send", text="And I missed you.")))
    assert max(costs) <= SAME_PROCESS, costs
    last = await move(sam, "mirror", text="You missed me.")
    assert len(last) <= MOST, last
    await a.close()
    await b.close()


def test_move_forms_share_their_fields_and_still_judge_each_frame_alone():
    good = MoveForm.from_frame({"move": "send", "key": "k" * 16, "feelings": ["lonely"]})
    bad = MoveForm.from_frame({"move": "send", "key": "k" * 16, "feelings": ["not-a-feeling"]})
    assert good.fields is bad.fields  # not copied per frame
    assert not bad.is_valid() and good.is_valid()
    assert good.cleaned_data["feelings"] == ["lonely"] and good.errors == {}
    assert bad.first_error() == "Choose feelings from the list, or write your own."


class DjangosMoveForm(MoveForm):
    """The move form as Django would clean it: a BoundField per field, each choice looked for
    in the list of choices."""

    _clean_fields = forms.Form._clean_fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {name: copy.deepcopy(field) for name, field in self.fields.items()}
        for field in self.fields.values():  # copies: the move form's own are shared
            if isinstance(field, forms.ChoiceField):
                field.valid_value = partial(forms.ChoiceField.valid_value, field)


FRAMES = [
    {"move": "send", "key": "k" * 16, "position": "1.send.sender.0", "text": "I felt left out."},
    {"move": "empathize", "key": "k" * 16, "feelings": ["lonely", "sad"], "text": " x "},
    {"move": "check_in", "key": "k" * 16, "level": "10"},
    {"move": "check_in", "key": "k" * 16, "level": " 7 "},
    {"move": "check_in", "key": "k" * 16, "level": "11"},
    {"move": "check_in", "key": "k" * 16, "level": "-0"},
    {"move": "offer_time", "key": "k" * 16, "later": "60"},
    {"move": "offer_time", "key": "k" * 16, "later": "61"},
    {"move": "handover", "key": "k" * 16, "acting_for": "0"},
    {"move": "handover", "key": "k" * 16, "acting_for": "12"},
    {"move": "handover", "key": "k" * 16, "acting_for": "twelve"},
    {"move": "no-such-move", "key": "k" * 16},
    {"move": "", "key": "k" * 16},
    {"move": "send"},
    {"move": "send", "key": "short"},
    {"move": "send", "key": "k" * 15 + "!"},
    {"move": "send", "key": "k" * 65},
    {"move": "send", "key": "k" * 16, "text": "a\x00b"},
    {"move": "send", "key": "k" * 16, "text": "x" * 4001},
    {"move": "send", "key": "k" * 16, "position": "p" * 41},
    {"move": "empathize", "key": "k" * 16, "feelings": ["lonely", "not-a-feeling"]},
    {"move": ["send", "send"], "key": "k" * 16},
    {},
]


@pytest.mark.parametrize("frame", FRAMES)
def test_the_move_form_judges_a_frame_exactly_as_django_would(frame):
    ours = MoveForm.from_frame(frame)
    if ours is None:  # not what a page sends: refused before any form
        return
    django_s = DjangosMoveForm(ours.data)
    assert ours.is_valid() == django_s.is_valid()
    assert ours.errors == django_s.errors
    assert ours.cleaned_data == django_s.cleaned_data


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_partners_screen_of_a_move_made_here_needs_no_database_call(monkeypatch):
    """The mover's call makes the move and draws their screen; the partner's is drawn on the
    event loop from what the move left in this process. What is not held (the therapist at the
    check-in) goes to the database as before."""
    from dialogue.consumers import DialogueConsumer

    calls: list[int] = []
    render = DialogueConsumer.render

    async def counted(self, *args, **kwargs):
        calls.append(self.user.pk)
        return await render(self, *args, **kwargs)

    monkeypatch.setattr(DialogueConsumer, "render", counted)
    alex, sam, dialogue = await setup()
    a = await open_ready(alex, f"/ws/dialogue/{dialogue.pk}/")
    b = await open_ready(sam, f"/ws/dialogue/{dialogue.pk}/")
    await asyncio.sleep(0.3)
    await a.read(wait=0.1)
    await b.read(wait=0.1)

    async def move(by, kind, seq, **fields) -> None:
        calls.clear()
        await by.send(json.dumps({"move": kind, "key": secrets.token_urlsafe(12), **fields}))
        await asyncio.gather(shown(a, seq, within=10), shown(b, seq, within=10))
        await asyncio.sleep(0.25)

    await move(b, "accept", 2)  # to the check-in, which asks who the therapist is
    assert sorted(calls) == sorted([sam.pk, alex.pk])
    await move(a, "check_in", 3, level="7")
    await move(b, "check_in", 4, level="7")
    await move(a, "send", 5, text="When the plans changed I felt left out.")
    assert calls == [alex.pk]  # the mover's call only
    await move(b, "mirror", 6, text="You felt left out when the plans changed.")
    assert calls == [sam.pk]
    assert "You felt left out when the plans changed." in "".join(a.frames)
    await a.close()
    await b.close()
