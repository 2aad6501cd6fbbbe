"""The dialogue against real daphne processes: a crash, two processes sharing Redis, and a move
whose process died between its commit and its broadcast."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from dialogue.models import Event
from tests.conftest import BASE_DIR, Daphne, clean_environ, live_database_env, require
from tests.factories import make_couple, make_dialogue, make_partner
from tests.phone import Phone

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people():
    alex, sam = make_partner("Alex"), make_partner("Sam")
    couple = make_couple(alex, sam)
    return alex, sam, make_dialogue(couple, alex, topic="Sunday")


def test_every_acknowledged_move_survives_a_kill_9(people, tmp_path):
    alex, sam, dialogue = people
    path = f"/ws/dialogue/{dialogue.pk}/"
    server = Daphne(tmp_path / "first.log").start()
    a, b = Phone(server.url, alex, path), Phone(server.url, sam, path)
    a.drain()
    b.drain()
    acknowledged = [b.move("accept")]
    a.wait_for("Alex, how settled do you feel")
    acknowledged.append(a.move("check_in", level="7"))
    a.wait_for("Waiting for Sam to check in.")
    acknowledged.append(b.move("check_in", level="6"))
    a.wait_for("Alex, you're speaking")
    acknowledged.append(a.move("send", text="I felt alone on Sunday."))
    a.wait_for("Sam is mirroring what you said.")  # the push that acknowledges the move
    server.proc.kill()  # SIGKILL, right after the acknowledgement
    server.proc.wait(5)
    server.stop()

    restarted = Daphne(tmp_path / "second.log").start()
    try:
        b2 = Phone(restarted.url, sam, path)
        screen = b2.wait_for("Mirror back what Alex said")
        assert "I felt alone on Sunday." in screen
        keys = list(Event.objects.filter(dialogue=dialogue).values_list("key", flat=True))
        for key in acknowledged:
            assert keys.count(key) == 1
        assert len(keys) == 1 + len(acknowledged)  # the request, then each move once
        b2.close()
    finally:
        restarted.stop()


def play_round(a: Phone, b: Phone, *, idle_before: str | None = None, idle: float = 0) -> None:
    """A complete written round, each move seen live by the other partner on the other process."""
    steps = [
        (b, "accept", {}, a, "Alex, how settled do you feel"),
        (a, "check_in", {"level": "7"}, a, "Waiting for Sam to check in."),
        (b, "check_in", {"level": "8"}, a, "Alex, you're speaking"),
        (a, "send", {"text": "I felt alone."}, b, "I felt alone."),
        (b, "mirror", {"text": "You felt alone."}, a, "You felt alone."),
        (a, "confirm", {}, b, "Alex is deciding whether there's more."),
        (a, "no_more", {}, b, "Sum up everything Alex shared."),
        (b, "summarize", {"text": "All of it: alone."}, a, "All of it: alone."),
        (a, "confirm", {}, b, "Say how it makes sense"),
        (b, "validate", {"text": "You make sense."}, a, "You make sense."),
        (a, "confirm", {}, b, "Imagine how Alex feels"),
        (b, "empathize", {"feelings": ["lonely"]}, a, "Feelings: lonely"),
        (a, "confirm", {}, b, "Thank you both."),
        (b, "end", {}, a, "This dialogue has ended."),
    ]
    for mover, kind, fields, watcher, sign in steps:
        if kind == idle_before:
            a.drain()
            b.drain()
            time.sleep(idle)  # both sockets sit idle; redis-py 8 would time out after 5 s
        mover.move(kind, **fields)
        watcher.wait_for(sign)


def test_two_processes_share_a_dialogue_through_redis(people, tmp_path):
    redis_url = os.environ.get("REDIS_URL", "")
    require(bool(redis_url), "Redis (REDIS_URL)")
    alex, sam, dialogue = people
    path = f"/ws/dialogue/{dialogue.pk}/"
    first = Daphne(tmp_path / "one.log", {"REDIS_URL": redis_url}).start()
    second = Daphne(tmp_path / "two.log", {"REDIS_URL": redis_url}).start()
    try:
        a, b = Phone(first.url, alex, path), Phone(second.url, sam, path)
        a.wait_for("Sam is here")  # presence crosses processes too
        play_round(a, b, idle_before="mirror", idle=6.5)
        a.close()
        b.close()
    finally:
        first.stop()
        second.stop()
    assert Event.objects.filter(dialogue=dialogue).count() == 15


# --- a move whose process dies between commit and broadcast (tests/dying.py) ------------------

# What a partner may wait for a move they did not see broadcast: the resync watcher's interval,
# its grace and a render. The servers run with the default interval.
RESYNC = {"RESYNC_SECONDS": "2"}
DELIVERED_WITHIN = 5.0


def scaled_out() -> str:
    """The Redis URL; skips (fails in CI) without Redis and PostgreSQL."""
    redis_url = os.environ.get("REDIS_URL", "")
    require(bool(redis_url), "Redis (REDIS_URL)")
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    return redis_url


def committed_at(output: str) -> float:
    """The time the dying process printed as it committed (tests/dying.py)."""
    lines = [line for line in output.splitlines() if line.startswith("committed ")]
    assert len(lines) == 1, output[-2000:]
    return float(lines[0].split()[1])


@pytest.fixture
def sam_asks():
    """Sam asked, so Alex, whose process will die, makes the first move (accept)."""
    alex, sam = make_partner("Alex"), make_partner("Sam")
    return alex, sam, make_dialogue(make_couple(alex, sam), sam, topic="Sunday")


def test_a_move_whose_process_died_before_broadcasting_reaches_the_open_screens(sam_asks, tmp_path):
    redis_url = scaled_out()
    alex, sam, dialogue = sam_asks
    path = f"/ws/dialogue/{dialogue.pk}/"
    first = Daphne(tmp_path / "one.log", {"REDIS_URL": redis_url, **RESYNC}).start()
    second = Daphne(tmp_path / "two.log", {"REDIS_URL": redis_url, **RESYNC}).start()
    try:
        a, b = Phone(first.url, alex, path), Phone(second.url, sam, path)
        a.wait_for('data-seq="1"')
        b.wait_for('data-seq="1"')
        mover = subprocess.run(
            [sys.executable, "-m", "tests.dying", str(dialogue.pk), str(alex.pk), "accept"],
            cwd=BASE_DIR,
            env={**clean_environ(), **live_database_env(), "REDIS_URL": redis_url},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert mover.returncode == -signal.SIGKILL, mover.stderr[-2000:]
        commit = committed_at(mover.stdout)
        assert list(Event.objects.filter(dialogue=dialogue).values_list("kind", flat=True)) == [
            "request",
            "accept",
        ]
        # Nobody broadcast it: each socket's own process finds it in the database.
        screen = b.wait_for('data-seq="2"', timeout=DELIVERED_WITHIN)
        assert time.time() - commit < DELIVERED_WITHIN
        assert "Sam, how settled do you feel right now?" in screen
        a.wait_for('data-seq="2"', timeout=DELIVERED_WITHIN - (time.time() - commit))
        a.close()
        b.close()
    finally:
        first.stop()
        second.stop()


def test_a_move_whose_daphne_died_before_broadcasting_reaches_the_other_partner(sam_asks, tmp_path):
    redis_url = scaled_out()
    alex, sam, dialogue = sam_asks
    path = f"/ws/dialogue/{dialogue.pk}/"
    # Alex's server dies as the first move made on it commits, before its broadcast.
    env = {"REDIS_URL": redis_url, **RESYNC}
    dying = Daphne(tmp_path / "dying.log", env, app="tests.dying:application").start()
    second = Daphne(tmp_path / "two.log", env).start()
    try:
        a, b = Phone(dying.url, alex, path), Phone(second.url, sam, path)
        a.wait_for('data-seq="1"')
        b.wait_for("Alex is here")
        a.move("accept")
        assert dying.proc.wait(10) == -signal.SIGKILL
        commit = committed_at(dying.log_path.read_text())
        screen = b.wait_for('data-seq="2"', timeout=DELIVERED_WITHIN)
        assert time.time() - commit < DELIVERED_WITHIN
        assert "Sam, how settled do you feel right now?" in screen
        assert Event.objects.filter(dialogue=dialogue, kind="accept").count() == 1
        b.close()
    finally:
        dying.stop()
        second.stop()
