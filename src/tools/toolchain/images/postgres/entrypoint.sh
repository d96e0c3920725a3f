#!/bin/bash
# PostgreSQL honouring the official postgres image's contract (the part streamform uses):
# POSTGRES_PASSWORD, POSTGRES_USER (default postgres), POSTGRES_DB (default: the user), PGDATA,
# /docker-entrypoint-initdb.d/*.sql|*.sh on first start; arguments starting with '-' go to postgres.
set -euo pipefail
source /usr/local/lib/streamform/lib.sh

if [ $# -eq 0 ] || [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
if [ "$1" != postgres ]; then exec "$@"; fi

export PGDATA=${PGDATA:-/var/lib/postgresql/data}
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
mkdir -p "$PGDATA" /var/run/postgresql
chown -R postgres:postgres "$PGDATA" /var/run/postgresql
chmod 0700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -n "${POSTGRES_PASSWORD:-}" ] || die "database is uninitialized and POSTGRES_PASSWORD is not set"
  echo "streamform image: initializing $PGDATA" >&2
  pwfile=$(mktemp); printf '%s' "$POSTGRES_PASSWORD" > "$pwfile"; chown postgres "$pwfile"
  as_pg initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  printf 'host all all all scram-sha-256\nhost replication all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
  as_pg pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$db" != postgres ]; then
    as_pg psql -v ON_ERROR_STOP=1 --username "$user" --dbname postgres -c "CREATE DATABASE \"$db\"" >/dev/null
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sql) echo "streamform image: running $f" >&2; as_pg psql -v ON_ERROR_STOP=1 --username "$user" --dbname "$db" -f "$f" >/dev/null ;;
      *.sh) echo "streamform image: sourcing $f" >&2; . "$f" ;;
    esac
  done
  as_pg pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi

exec setpriv --reuid=postgres --regid=postgres --init-groups "$1" -c listen_addresses='*' "${@:2}"
