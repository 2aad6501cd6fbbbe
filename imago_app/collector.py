"""The garbage collector, set for a server process that holds many sockets.

CPython's cycle collector stops everything while it runs, and a full (generation 2) collection
walks every tracked object the process holds. With 500 couples on two processes that is some
150,000 to 250,000 objects, and on the benchmark machine each full collection held the event
loop for 100 to 200 ms, several times in 20 s: most of the partner latency's p99 at 500 couples
(180 ms where the median was 12). Two settings, applied once the application is loaded:

- `gc.freeze()`: everything the process holds by then (Django, the apps, the URL
  configuration) moves to the permanent generation, which no collection walks again. It is all
  kept for the life of the process anyway. Objects made later (sockets, screens) are collected
  as before.
- higher thresholds: a young collection after 10,000 new container objects rather than 700, a
  middle one after 20 young ones rather than 10, and a full one after 50 middle ones rather
  than 10. A push makes thousands of short-lived objects that reference counting frees; the
  collector only ever has cycles to find, and a few are left a little longer.

Measured with `bench.run --configs pg-redis --couples 500 --duration 20 --runs 1` and a probe
on the collector in each server: untouched, 14 full collections in the two processes (the
longest 203 ms, objects walked up to 263,000); frozen, the same number, shorter (up to 142 ms,
148,000 objects); frozen with these thresholds, 8, most while the couples connected. Partner
p99 24 ms with both, where the three runs before gave 203, 180 and 60 ms.
"""

import gc

YOUNG, MIDDLE, FULL = 10_000, 20, 50


def settle() -> None:
    """Freeze what the loaded application holds, and space the collections out."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, FULL)
