#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on loopback for the tests (installs Debian's postgresql if missing).
# Prints the SQLAlchemy URL of its test database on stdout. Safe to run again: an already running server is reused.
set -euo pipefail
PORT="${CLAIMS_PG_PORT:-54329}"
DATA="${CLAIMS_PG_DATA:-/tmp/claims-pg-$PORT}"
DB="${CLAIMS_PG_DB:-claims_test}"
bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(bin_dir)" ]; then
  if [ "$(id -u)" != "0" ]; then echo "postgresql is not installed and this user cannot install it" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
BIN="$(bin_dir)"
as_pg() { if [ "$(id -u)" = "0" ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
if ! "$BIN/pg_isready" -h 127.0.0.1 -p "$PORT" -q 2>/dev/null; then
  if [ ! -s "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA"
    [ "$(id -u)" = "0" ] && chown postgres "$DATA"
    # UTF-8 whatever the caller's locale (an ungenerated one would stop initdb); C.UTF-8 keeps non-ASCII
    # letters letters for full-text search, and plain C is the fallback where it is missing
    as_pg "'$BIN/initdb' -D '$DATA' -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null" 2>/dev/null \
      || { rm -rf "${DATA:?}"/*; as_pg "'$BIN/initdb' -D '$DATA' -A trust -U postgres -E UTF8 --no-locale >/dev/null"; }
  fi
  as_pg "'$BIN/pg_ctl' -D '$DATA' -o \"-c listen_addresses=127.0.0.1 -p $PORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c unix_socket_directories='$DATA'\" -l '$DATA/server.log' -w start >/dev/null"
fi
as_pg "'$BIN/psql' -h 127.0.0.1 -p $PORT -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='$DB'\"" | grep -q 1 \
  || as_pg "'$BIN/createdb' -h 127.0.0.1 -p $PORT -U postgres '$DB'"
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"
