#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis for the benchmark, on loopback, in a scratch folder: the same
# approach as .ci/run, on other ports so a CI or test run on this machine is not disturbed.
#
#   bench/services.sh start DIR PG_PORT REDIS_PORT   # initdb + start both; prints nothing else
#   bench/services.sh createdb DIR PG_PORT NAME      # a fresh database owned by role "app"
#   bench/services.sh stop DIR                       # stop both (safe to call twice)
#
# Runs as root (initdb and pg_ctl run as the postgres user through runuser). PostgreSQL keeps
# its default durability (fsync on): the benchmark measures commits as production pays them.
# pg_stat_statements is preloaded so the benchmark can count queries per move.
set -euo pipefail

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"

pg() { runuser -u postgres -- "$PG_BIN/$1" "${@:2}"; }

case "${1:-}" in
  start)
    DIR="$2"; PG_PORT="$3"; REDIS_PORT="$4"
    [ -n "$PG_BIN" ] || { echo "PostgreSQL is not installed (apt-get install -y postgresql)" >&2; exit 1; }
    command -v redis-server >/dev/null || { echo "Redis is not installed (apt-get install -y redis-server)" >&2; exit 1; }
    mkdir -p "$DIR"
    chown postgres:postgres "$DIR"
    pg initdb -D "$DIR/pg" -U postgres --auth=trust -E UTF8 >/dev/null
    # max_connections: the app opens a connection per database call (CONN_MAX_AGE=0), and
    # several server processes may do so at once.
    pg pg_ctl -D "$DIR/pg" -l "$DIR/pg.log" -w -o "-p $PG_PORT -k $DIR \
      -c listen_addresses=127.0.0.1 -c max_connections=200 \
      -c shared_preload_libraries=pg_stat_statements" start >/dev/null
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -q \
      -c "CREATE ROLE app LOGIN PASSWORD 'app';" -c "CREATE EXTENSION pg_stat_statements;"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
      --pidfile "$DIR/redis.pid" --dir "$DIR" --logfile "$DIR/redis.log"
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && exit 0; sleep 0.1; done
    echo "Redis did not answer on port $REDIS_PORT" >&2
    exit 1
    ;;
  createdb)
    DIR="$2"; PG_PORT="$3"; NAME="$4"
    PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -q \
      -c "DROP DATABASE IF EXISTS \"$NAME\";" -c "CREATE DATABASE \"$NAME\" OWNER app;"
    ;;
  stop)
    DIR="$2"
    if [ -d "$DIR/pg" ]; then
      pg pg_ctl -D "$DIR/pg" -m fast stop >/dev/null 2>&1 || true
    fi
    if [ -f "$DIR/redis.pid" ]; then
      kill "$(cat "$DIR/redis.pid")" 2>/dev/null || true
      rm -f "$DIR/redis.pid"
    fi
    ;;
  *)
    echo "usage: $0 start DIR PG_PORT REDIS_PORT | createdb DIR PG_PORT NAME | stop DIR" >&2
    exit 2
    ;;
esac
