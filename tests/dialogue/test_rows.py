"""imago_app/rows.py: the hot path's single-row statements give what the ORM gives, on SQLite
and on PostgreSQL (CI), through the same connection."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dialogue import services
from dialogue.models import Dialogue, Event
from imago_app import rows
from tests.factories import make_couple, make_dialogue, make_partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def dialogue():
    alex, sam = make_partner("Alex"), make_partner("Sam")
    found = make_dialogue(make_couple(alex, sam), alex, topic="Sunday afternoon")
    services.dialogue_move(dialogue_id=found.pk, partner=sam, kind="accept", key="k" * 16)
    return Dialogue.objects.get(pk=found.pk)


def fields_of(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_get_reads_the_row_as_the_orm_does(dialogue):
    with CaptureQueriesContext(connection) as queries:
        read = rows.get(Dialogue, dialogue.pk)
    assert len(queries) == 1
    assert fields_of(read) == fields_of(dialogue)
    assert isinstance(read.snapshot, dict) and read.snapshot["step"] == "check_in"
    assert timezone.is_aware(read.created_at)
    assert not read._state.adding and read._state.db == "default"


def test_get_for_update_locks_inside_a_transaction_and_a_missing_row_is_does_not_exist(
    dialogue,
):
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert rows.get(Dialogue, dialogue.pk, for_update=True).seq == dialogue.seq
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in queries[0]["sql"]
    with pytest.raises(Dialogue.DoesNotExist):
        rows.get(Dialogue, dialogue.pk + 1000)


def test_insert_writes_every_field_and_sets_the_key(dialogue):
    at = timezone.now() - timedelta(minutes=3)
    event = Event(
        dialogue=dialogue,
        seq=dialogue.seq + 1,
        kind="send",
        actor_id=dialogue.requested_by_id,
        key="insert-key-1",
        round=2,
        step="send",
        text="I felt alone. «Ça va»",
        data={"feelings": ["lonely", "sad"], "level": 7},
        at=at,
    )
    with CaptureQueriesContext(connection) as queries:
        rows.insert(event)
    assert len(queries) == 1
    assert event.pk is not None and not event._state.adding
    assert fields_of(Event.objects.get(pk=event.pk)) == fields_of(event)
    with pytest.raises(ValueError):
        rows.insert(event)  # not a new row


def test_an_insert_that_breaks_a_constraint_raises_integrity_error_and_writes_nothing(dialogue):
    taken = Event.objects.filter(dialogue=dialogue).first()
    before = Event.objects.count()
    twin = Event(dialogue=dialogue, seq=99, kind="send", key=taken.key, step="send")
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(twin)
    assert Event.objects.count() == before


def test_update_writes_only_the_fields_named(dialogue):
    dialogue.seq += 5
    dialogue.snapshot = {**dialogue.snapshot, "seq": dialogue.seq}
    dialogue.topic = "not written"
    rows.update(dialogue, ["seq", "snapshot"])
    stored = Dialogue.objects.get(pk=dialogue.pk)
    assert (stored.seq, stored.snapshot) == (dialogue.seq, dialogue.snapshot)
    assert stored.topic == "Sunday afternoon"


def test_select_filters_and_orders_like_the_orm(dialogue):
    found = rows.select(
        Event, '"dialogue_id" = %s AND "seq" <= %s', [dialogue.pk, dialogue.seq], order_by='"seq"'
    )
    expected = list(dialogue.events.filter(seq__lte=dialogue.seq))
    assert [fields_of(e) for e in found] == [fields_of(e) for e in expected]
    assert [e.seq for e in found] == sorted(e.seq for e in found)


@pytest.mark.django_db(transaction=True)
def test_each_thread_uses_its_own_connection(dialogue):
    # Database calls run on a pool of threads (imago_app/db.py), each with its own connection.
    seen = {}

    def read() -> None:
        seen["seq"] = rows.get(Dialogue, dialogue.pk).seq
        seen["connection"] = rows._plan(Dialogue).connection
        connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert seen["seq"] == dialogue.seq
    assert seen["connection"] is not rows._plan(Dialogue).connection


def test_get_with_reads_the_row_and_the_joined_rows_in_one_statement(dialogue):
    dialogue = services.dialogue_move(
        dialogue_id=dialogue.pk,
        partner=dialogue.requested_by,
        kind="check_in",
        key="c" * 16,
        level=7,
    )
    on = 'o."dialogue_id" = m."id" AND o."seq" > %s'
    with CaptureQueriesContext(connection) as queries:
        read, events = rows.get_with(Dialogue, dialogue.pk, Event, on, [1], order_by='o."seq"')
    assert len(queries) == 1
    assert fields_of(read) == fields_of(Dialogue.objects.get(pk=dialogue.pk))
    expected = Event.objects.filter(dialogue=dialogue, seq__gt=1).order_by("seq")
    assert [fields_of(e) for e in events] == [fields_of(e) for e in expected]
    assert [e.kind for e in events] == ["accept", "check_in"] and events[1].data == {"level": 7}
    # None joined: the row alone. No row: DoesNotExist, as get() raises.
    read, events = rows.get_with(Dialogue, dialogue.pk, Event, on, [99])
    assert read.pk == dialogue.pk and events == []
    with pytest.raises(Dialogue.DoesNotExist):
        rows.get_with(Dialogue, dialogue.pk + 1000, Event, on, [0])
