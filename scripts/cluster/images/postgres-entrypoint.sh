#!/bin/sh
# Entrypoint of bank-cqrs.local/postgres (scripts/cluster/images/postgres.Dockerfile). On an empty
# $PGDATA: initdb with the superuser POSTGRES_USER (default postgres) and POSTGRES_PASSWORD
# (scram-sha-256 everywhere, clients from any address), then POSTGRES_DB is created if set. Then
# PostgreSQL runs as PID 1 on 0.0.0.0 (port: PGPORT, default 5432), its unix socket in /tmp.
# Arguments are postgres options (a leading "postgres", as the official image takes, is dropped).
set -eu
if [ "${1:-}" = postgres ]; then shift; fi
PGDATA=${PGDATA:-/var/lib/postgresql/data}
export PGDATA

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "postgres-entrypoint: $PGDATA is empty and POSTGRES_PASSWORD is not set (the superuser's password)" >&2
    exit 1
  fi
  user=${POSTGRES_USER:-postgres}
  mkdir -p "$PGDATA"
  chmod 0700 "$PGDATA"
  pwfile=$(mktemp)
  # A failure after initdb leaves nothing behind (initdb accepts only an empty directory), so the
  # next start initialises again instead of running a half-made cluster.
  made=
  trap 'status=$?; rm -f "$pwfile"; if [ $status -ne 0 ] && [ -n "$made" ]; then
    pg_ctl --silent --mode immediate stop >/dev/null 2>&1; find "$PGDATA" -mindepth 1 -delete; fi' EXIT
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb --username="$user" --pwfile="$pwfile" --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
    --no-instructions >&2
  made=1
  rm -f "$pwfile"
  printf '%s\n' '# Added by postgres-entrypoint: password logins from anywhere.' \
    'host all all 0.0.0.0/0 scram-sha-256' 'host all all ::/0 scram-sha-256' >>"$PGDATA/pg_hba.conf"
  if [ -n "${POSTGRES_DB:-}" ] && [ "$POSTGRES_DB" != postgres ]; then
    # A server on the unix socket only, for the time it takes to create the database (its name
    # quoted by psql's :"var").
    pg_ctl --wait --silent --options "-c listen_addresses='' -c unix_socket_directories=/tmp" start >&2
    echo 'CREATE DATABASE :"db";' | PGPASSWORD=$POSTGRES_PASSWORD psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 \
      --host /tmp --username "$user" --dbname postgres -v db="$POSTGRES_DB" >&2
    pg_ctl --wait --silent --mode fast stop >&2
  fi
  trap - EXIT
  echo "postgres-entrypoint: initialised $PGDATA (superuser $user${POSTGRES_DB:+, database $POSTGRES_DB})" >&2
fi

exec postgres -c listen_addresses=0.0.0.0 -c unix_socket_directories=/tmp "$@"
