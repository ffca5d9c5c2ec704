#!/bin/sh
# Starts PostgreSQL as the postgres user. On the first start (an empty data directory) it runs
# initdb and creates POSTGRES_USER and POSTGRES_DB with the password in POSTGRES_PASSWORD_FILE;
# later starts never touch the password, so the data directory keeps the one it was made with.
# The password is read as root (the secret file is 0400 root) and never appears in argv or env.
set -eu

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=app}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_PASSWORD_FILE:=/run/secrets/db_password}"

as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }
sql_literal() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }
sql_ident() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }

if [ "$(id -u)" != 0 ]; then
  echo "pg-entrypoint: must start as root (it reads the 0400 secret file, then drops to postgres)" >&2
  exit 1
fi
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 0700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ ! -r "$POSTGRES_PASSWORD_FILE" ]; then
    echo "pg-entrypoint: the data directory is empty and there is no password file at" \
      "$POSTGRES_PASSWORD_FILE (give the service the secret db_password)" >&2
    exit 1
  fi
  password=$(cat "$POSTGRES_PASSWORD_FILE")
  if [ -z "$password" ]; then
    echo "pg-entrypoint: $POSTGRES_PASSWORD_FILE is empty" >&2
    exit 1
  fi
  echo "pg-entrypoint: initialising $PGDATA for user $POSTGRES_USER, database $POSTGRES_DB"
  # Written by root while root owns it, then handed over: with fs.protected_regular (1 under
  # systemd, PVE's default) even root may not open another user's file in sticky /tmp to write.
  pwfile=$(mktemp)
  printf '%s\n' "$password" > "$pwfile"
  chown postgres "$pwfile"
  chmod 0400 "$pwfile"
  as_postgres initdb -D "$PGDATA" -U postgres --pwfile="$pwfile" \
    --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 > /dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start > /dev/null
  # The SQL goes through stdin: the password is in no process's argv.
  {
    echo "CREATE ROLE $(sql_ident "$POSTGRES_USER") LOGIN PASSWORD $(sql_literal "$password");"
    echo "CREATE DATABASE $(sql_ident "$POSTGRES_DB") OWNER $(sql_ident "$POSTGRES_USER");"
  } | as_postgres psql -q -v ON_ERROR_STOP=1 -U postgres -d postgres > /dev/null
  as_postgres pg_ctl -D "$PGDATA" -m fast -w stop > /dev/null
  unset password
  echo "pg-entrypoint: initialised"
fi

exec setpriv --reuid=postgres --regid=postgres --init-groups -- \
  postgres -D "$PGDATA" -c listen_addresses='*' "$@"
