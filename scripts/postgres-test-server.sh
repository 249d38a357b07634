#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for tests and benchmarks: its own cluster in a temp dir, listening
# on a free loopback port, trust authentication (nothing but this machine can reach it).
#
#   scripts/postgres-test-server.sh start [DIR]   # prints the connection URI on stdout
#   scripts/postgres-test-server.sh stop DIR      # stops that server (by PID) and removes DIR
#
# DIR defaults to a new directory under ${TMPDIR:-/tmp}; start reports it on stderr. The URI
# names the superuser `postgres` and the database `postgres`, so the holder may create and
# drop databases. PG_TEST_DURABLE=1 keeps fsync and synchronous commit on (for measurements);
# otherwise they are off, which is what throwaway test databases want.
#
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user.
set -euo pipefail

pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}

as_owner() {
  if [[ $(id -u) == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local dir=${1:-}
  if [[ -z $dir ]]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/blazeiot-pg.XXXXXX")
  else
    mkdir -p "$dir"
  fi
  dir=$(cd "$dir" && pwd)
  [[ $(id -u) == 0 ]] && chown postgres: "$dir"
  chmod 700 "$dir"

  as_owner "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }

  local durability=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
  [[ ${PG_TEST_DURABLE:-0} == 1 ]] && durability=()

  # The port is free when chosen, but another process may take it before the server binds:
  # try a few.
  local port attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
         -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 ${durability[*]}" \
         start >/dev/null; then
      echo "$port" >"$dir/port"
      echo "postgresql://postgres@127.0.0.1:$port/postgres"
      echo "PostgreSQL test server on 127.0.0.1:$port; stop with: $0 stop $dir" >&2
      return 0
    fi
    echo "start on port $port failed (attempt $attempt):" >&2
    tail -n 3 "$dir/server.log" >&2 || true
  done
  return 1
}

stop() {
  local dir=${1:?usage: $0 stop DIR}
  [[ -d $dir ]] || return 0
  local pidfile=$dir/data/postmaster.pid
  if [[ -f $pidfile ]]; then
    local pid
    pid=$(head -n 1 "$pidfile")
    # Fast shutdown by PID; a server that does not go within 30 s is killed.
    kill -INT "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 300; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -rf "$dir"
}

case ${1:-} in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 start [DIR] | stop DIR" >&2; exit 2 ;;
esac
