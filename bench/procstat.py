"""CPU time and resident memory of processes, read from /proc (Linux only, no dependency)."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    # The command name is in parentheses and may contain spaces: split after its closing one.
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU of `pid`; with `children`, plus that of its exited, reaped children."""
    fields = _stat_fields(pid)
    # After the name: state is fields[0], so utime/stime/cutime/cstime are 11..14.
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int(_stat_fields(int(entry.name))[1]) == pid:
                found.append(int(entry.name))
        except (OSError, ValueError):
            continue  # exited while we looked
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a forking server such as PostgreSQL: the parent, its reaped children (backends
    that already exited) and its live children. Backends come and go once per app database
    call, so only this sum is stable between two readings."""
    total = cpu_seconds(pid, children=True)
    for child in _children(pid):
        try:
            total += cpu_seconds(child)
        except OSError:
            # Exited between the listing and the read: its time moved to the parent's
            # children total after our first read, so up to one short backend is missed.
            continue
    return total
