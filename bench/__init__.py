"""Load benchmark of the live dialogue (`make bench`, `make bench-smoke`); see bench/README.md.

Nothing here is imported by the app, except `bench.relay` when the server runs with
BENCH_RELAY=1.
"""
