"""The security log: append, hash and verify (the model is AuditEntry).

Each entry's hash covers its own fields and the previous entry's hash, so changing or removing
a line breaks every hash after it. Appends take one lock (an advisory lock on PostgreSQL; SQLite
transactions here already begin with the write lock) so two appends never chain to the same
line. `verify()` walks the chain in order and reports the first line that does not add up; keep
the head hash it prints somewhere else to notice lines cut from the end.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from imago_app.addresses import client_address
from imago_app.models import AuditEntry

GENESIS = "0" * 64
Action = AuditEntry.Action
_LOCK_KEY = 0x1A60_A0D1  # pg_advisory_xact_lock key for appends


def entry_hash(entry) -> str:
    """The hash of an entry's content and the hash before it (works on models and rows alike)."""
    fields = [
        entry.seq,
        entry.at.isoformat(),
        entry.action,
        entry.actor_id,
        entry.couple_id,
        entry.username,
        entry.ip,
        entry.what,
        entry.prev_hash,
    ]
    canonical = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def client_ip(request) -> str:
    """The client's address, as sign-in throttling sees it (imago_app/addresses.py)."""
    if request is None:
        return ""
    return client_address(request) or ""


def record(
    action: str,
    *,
    actor=None,
    couple=None,
    request=None,
    username: str = "",
    what: str = "",
) -> AuditEntry:
    """Append one entry to the chain (inside the caller's transaction, if there is one)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = last if last else (0, GENESIS)
        entry = AuditEntry(
            seq=seq + 1,
            at=timezone.now(),
            action=action,
            actor_id=getattr(actor, "pk", actor),
            couple_id=getattr(couple, "pk", couple),
            username=username[:150],
            ip=client_ip(request),
            what=what[:200],
            prev_hash=prev_hash,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
    return entry


@dataclass
class Verdict:
    entries: int
    head: str
    broken_at: int | None = None  # the seq of the first entry that does not add up
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(entries: Iterator | None = None) -> Verdict:
    """Walk the chain from the first entry and report the first one that does not add up."""
    if entries is None:
        entries = AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)
    count, prev_hash = 0, GENESIS
    for entry in entries:
        count += 1
        if entry.seq != count:
            return Verdict(count - 1, prev_hash, entry.seq, f"entry {count} is missing")
        if entry.prev_hash != prev_hash:
            return Verdict(count - 1, prev_hash, entry.seq, "it does not follow the entry before")
        if entry_hash(entry) != entry.hash:
            return Verdict(count - 1, prev_hash, entry.seq, "its content was changed")
        prev_hash = entry.hash
    return Verdict(count, prev_hash)


# Reads of the same thing by the same therapist within this time of the first are one line.
READS_WINDOW = timedelta(minutes=30)


@dataclass
class LogLine:
    """A line of the couple's access log: one entry, or several reads told as one."""

    first: AuditEntry
    last: AuditEntry
    count: int = 1

    @property
    def same_day(self) -> bool:
        return timezone.localdate(self.first.at) == timezone.localdate(self.last.at)

    @property
    def same_minute(self) -> bool:
        start, end = timezone.localtime(self.first.at), timezone.localtime(self.last.at)
        return start.replace(second=0, microsecond=0) == end.replace(second=0, microsecond=0)


def _joins(line: LogLine, entry: AuditEntry, window: timedelta) -> bool:
    first = line.first
    return (
        entry.action == first.action == Action.RECORD_READ
        and entry.actor_id == first.actor_id
        and entry.what == first.what
        and entry.at - first.at <= window
    )


def couple_log(entries: Iterable[AuditEntry], window: timedelta = READS_WINDOW) -> list[LogLine]:
    """What a couple's access log shows, newest first, from their entries (newest first).

    Reads of the same thing by the same therapist within `window` of the first of them, with
    nothing else in between, become one line with a count ("read your record 5 times, 21:02 to
    21:06"), so a therapist paging through the record does not fill the couple's screen. Only
    the telling is grouped: every read stays its own entry in the security log.
    """
    lines: list[LogLine] = []
    for entry in reversed(list(entries)):
        if lines and _joins(lines[-1], entry, window):
            lines[-1].last = entry
            lines[-1].count += 1
        else:
            lines.append(LogLine(entry, entry))
    lines.reverse()
    return lines
