#!/bin/sh
# Stands in for the official postgres (and pgvector/pgvector) image's entrypoint in a process-backed
# pod: Debian's PostgreSQL 15, initialised on first start from POSTGRES_USER, POSTGRES_PASSWORD,
# POSTGRES_DB and PGDATA as the official image does (password authentication for every host), run
# as the postgres user. The vector extension is there when pgvector is installed for PostgreSQL 15
# (e2e/scripts/runtimes.sh builds it). Runs inside the pod's sandbox: '*' is the pod's own loopback.
set -eu
bin=/usr/lib/postgresql/15/bin
: "${PGDATA:=/var/lib/postgresql/data}"
user=${POSTGRES_USER:-postgres}
mkdir -p "$PGDATA" /var/run/postgresql
chown -R postgres:postgres "$PGDATA" /var/run/postgresql "$(dirname "$PGDATA")"
chmod 700 "$PGDATA"
as_pg() { runuser -u postgres -- "$@"; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "postgres_entrypoint: initialising $PGDATA"
  pw=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pw"
  chown postgres "$pw"
  as_pg "$bin/initdb" -D "$PGDATA" -U "$user" --pwfile="$pw" --auth-host=scram-sha-256 \
    --auth-local=trust -E UTF8 >/dev/null
  rm -f "$pw"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  as_pg "$bin/pg_ctl" -D "$PGDATA" -o "-c listen_addresses='' -k /var/run/postgresql" -w start >/dev/null
  db=${POSTGRES_DB:-$user}
  if [ "$db" != postgres ]; then
    as_pg "$bin/psql" -h /var/run/postgresql -U "$user" -d postgres -v ON_ERROR_STOP=1 \
      -c "CREATE DATABASE \"$db\"" >/dev/null
  fi
  as_pg "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  echo "postgres_entrypoint: initialised"
fi
exec runuser -u postgres -- "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' \
  -c unix_socket_directories=/var/run/postgresql "$@"
