"""The garbage collector, set for a server process that holds many sockets.

CPython's cycle collector stops everything while it runs, and a full (generation 2) collection
walks every tracked object the process holds. With 500 couples on two processes that was some
150,000 to 260,000 objects, and on the benchmark machine each full collection held the event
loop for 100 to 200 ms, several times in 20 s: most of the partner latency's p99 at 500 couples
(180 ms where the median was 12).

So once the application is loaded, `gc.freeze()` moves everything the process holds by then
(Django, the apps, the URL configuration) to the permanent generation, which no collection walks
again; it is all kept for the life of the process anyway. Objects made later (sockets, screens)
are collected as before.

Measured with `bench.run --configs pg-redis --couples 500 --duration 20 --runs 1` and a probe
on the collector in each server: untouched, 14 full collections in the two processes, the
longest 203 ms over 263,000 objects; frozen, 14, the longest 142 ms over 148,000. Raising the
thresholds as well (10,000/20/50) made them rarer still, but then the garbage of closed sockets
waited longer for its collection and the heap grew with it: RSS +18% after 5,000 connections
on SQLite, where the target is 5%. Measured again once a closed socket no longer sat in a
cycle with its cancelled session watcher (consumers.py), 10,000/20/50 still gave +12.7% (the
short cycles Django's template contexts and bound forms make). The thresholds stay Python's.
"""

import gc


def settle() -> None:
    """Freeze what the loaded application holds."""
    gc.collect()
    gc.freeze()
