"""A process that dies by SIGKILL between a move's commit and its broadcast, with no hook in the
app: for tests/dialogue/test_processes.py and bench/recovery.py.

- `python -m tests.dying DIALOGUE_ID USER_ID KIND [FIELD=VALUE ...]` makes one move in a process of
  its own and dies as it commits.
- `daphne tests.dying:application` serves the app, and dies as the first move made on it commits.

Either way a callback is queued on the transaction before the move's broadcast is (Django runs
them in order after commit): it prints `committed <time.time()>` and kills its own process, so
the move is in the database and its broadcast is never sent. The environment chooses the
database and channel layer, as for any server process.
"""

import os
import signal
import sys
import time

from django.db import transaction


def die_after_commit() -> None:
    """Queue, on the current transaction, the death of this process once it commits."""

    def die() -> None:
        print(f"committed {time.time():.6f}", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    transaction.on_commit(die)


def main(argv: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imago_app.settings")
    django.setup()
    from dialogue import services
    from imago_app.models import User

    dialogue_id, user_id, kind, *pairs = argv
    fields: dict = dict(pair.split("=", 1) for pair in pairs)
    if "level" in fields:
        fields["level"] = int(fields["level"])
    partner = User.objects.get(pk=user_id)
    with transaction.atomic():
        die_after_commit()  # first, so it runs before the broadcast dialogue_move queues
        services.dialogue_move(
            dialogue_id=int(dialogue_id),
            partner=partner,
            kind=kind,
            key=f"dying-{time.time_ns()}",
            **fields,
        )
    raise SystemExit("still alive after commit")  # never reached


if __name__ == "__main__":
    main(sys.argv[1:])
else:
    # Served by daphne: the app, whose moves each die at commit, before their broadcast.
    from imago_app.asgi import application  # noqa: F401 - sets Django up first

    # isort: split
    from dialogue import services

    _broadcast = services._broadcast_after_commit

    def _die_then_broadcast(dialogue_id: int, seq: int) -> None:
        die_after_commit()
        _broadcast(dialogue_id, seq)

    services._broadcast_after_commit = _die_then_broadcast
