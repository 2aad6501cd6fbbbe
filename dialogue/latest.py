"""The last committed state of each dialogue this process has written or read, for the screens
its sockets push.

A move is written by one socket's database call, and straight after it both partners' sockets
draw their screens from the same two things: the dialogue row and the round's events. When the
partners are on the same process, reading those back from the database is work done twice. So
the move's transaction leaves, once it has committed, its row and the round's events here, and a
push whose sequence number is held here draws from them with no query.

The database stays the truth:
- only what has committed is kept (from a transaction's on-commit hook, or from a read), and it
  is kept under its sequence number, so what a push draws is exactly what it would have read;
- an entry is only ever extended by the move straight after it (seq + 1), so a move committed by
  another process leaves this one's entry behind, and the next push reads the database again;
- nothing here goes anywhere else: the channel layer still carries only the sequence number,
  and each socket still renders only what its own person may see.

Entries are dropped when the process's last socket on the dialogue closes, and at most
MAX_DIALOGUES are kept (the least recently used go first).
"""

import threading
from collections import OrderedDict
from typing import NamedTuple

from django.db import connection

from dialogue.models import Dialogue, Event
from imago_app import rows

MAX_DIALOGUES = 4096


class Entry(NamedTuple):
    dialogue: Dialogue  # the row as committed at dialogue.seq; never changed once kept
    round: int  # the round the state at that seq is in
    events: tuple[Event, ...]  # that round's events, up to and including seq


_entries: OrderedDict[int, Entry] = OrderedDict()
_lock = threading.Lock()  # database calls run on a pool of threads (imago_app/db.py)


def dialogue_at(dialogue_id: int, seq: int) -> Dialogue | None:
    """The dialogue row as committed at `seq` or later, if held here."""
    with _lock:
        entry = _entries.get(dialogue_id)
        if entry is None or entry.dialogue.seq < seq:
            return None
        _entries.move_to_end(dialogue_id)
        return entry.dialogue


def read(dialogue_id: int) -> Dialogue:
    """The dialogue row as committed now, for a push this process holds no entry at that seq
    for (a move made on another process). When it holds an earlier one, the events since are
    read in the same statement and the entry brought up to date, so drawing the screen reads
    nothing more: one statement where the row and the round would take two."""
    with _lock:
        entry = _entries.get(dialogue_id)
    if entry is None:
        return rows.get(Dialogue, dialogue_id)  # round_events() reads the round, and keeps it
    held = entry.dialogue.seq
    dialogue, since = rows.get_with(
        Dialogue,
        dialogue_id,
        Event,
        'o."dialogue_id" = m."id" AND o."seq" > %s AND o."seq" <= m."seq"',
        [held],
        order_by='o."seq"',
    )
    snapshot = dialogue.snapshot or {}
    if dialogue.seq < held or snapshot.get("seq") != dialogue.seq or "round" not in snapshot:
        return dialogue  # an old snapshot (or a database put back): round_events() reads
    round_ = snapshot["round"]
    for event in since:
        Event.dialogue.field.set_cached_value(event, dialogue)
    # Rounds only go up, so a round other than the held one began after `held`.
    events = tuple(e for e in (*entry.events, *since) if e.round == round_)
    if not connection.in_atomic_block:
        _keep(dialogue_id, Entry(dialogue, round_, events))
    return dialogue


def round_events(dialogue: Dialogue, round_: int) -> list[Event]:
    """The events of `round_` up to the dialogue's seq: held here, or read (and then held)."""
    with _lock:
        entry = _entries.get(dialogue.pk)
    if entry is not None and entry.dialogue.seq == dialogue.seq and entry.round == round_:
        return list(entry.events)
    # A move committed after the row was read is left out, so what is kept matches its seq.
    events = rows.select(
        Event,
        '"dialogue_id" = %s AND "round" = %s AND "seq" <= %s',
        [dialogue.pk, round_, dialogue.seq],
        order_by='"seq"',
    )
    for event in events:  # as the related manager would have it
        Event.dialogue.field.set_cached_value(event, dialogue)
    if not connection.in_atomic_block:  # inside a transaction, what was read may not commit
        _keep(dialogue.pk, Entry(dialogue, round_, tuple(events)))
    return events


def moved(dialogue: Dialogue, event: Event, new_round: int) -> None:
    """The move `event` has committed, leaving `dialogue` at event.seq in `new_round`: extend
    the entry it was made on (and only that one)."""
    with _lock:
        entry = _entries.get(dialogue.pk)
        if entry is None or entry.dialogue.seq != event.seq - 1:
            return  # this process did not hold the state it was made on
        if new_round != entry.round:
            events: tuple[Event, ...] = ()  # a new round starts with no events of its own
        else:
            events = (*entry.events, event)
    _keep(dialogue.pk, Entry(dialogue, new_round, events))


def forget(dialogue_id: int | None = None) -> None:
    """Drop what is held of one dialogue (of all, with no id)."""
    with _lock:
        if dialogue_id is None:
            _entries.clear()
        else:
            _entries.pop(dialogue_id, None)


def _keep(dialogue_id: int, entry: Entry) -> None:
    with _lock:
        held = _entries.get(dialogue_id)
        if held is not None and held.dialogue.seq > entry.dialogue.seq:
            return  # a newer state is already held
        _entries[dialogue_id] = entry
        _entries.move_to_end(dialogue_id)
        while len(_entries) > MAX_DIALOGUES:
            _entries.popitem(last=False)
