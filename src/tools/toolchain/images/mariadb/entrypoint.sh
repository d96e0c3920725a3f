#!/bin/bash
# MariaDB honouring the official mariadb image's contract (the part streamform uses):
# MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD / MARIADB_ALLOW_EMPTY_ROOT_PASSWORD), MARIADB_DATABASE,
# MARIADB_USER, MARIADB_PASSWORD, /docker-entrypoint-initdb.d/*.sql|*.sh on first start;
# arguments starting with '-' are passed to mariadbd.
set -euo pipefail
source /usr/local/lib/streamform/lib.sh

if [ $# -eq 0 ] || [ "${1:0:1}" = '-' ]; then set -- mariadbd "$@"; fi
if [ "$1" != mariadbd ]; then exec "$@"; fi

datadir=/var/lib/mysql
mkdir -p "$datadir" /run/mysqld
chown -R mysql:mysql "$datadir" /run/mysqld

if [ ! -d "$datadir/mysql" ]; then
  root_pw=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
  if [ -z "$root_pw" ] && [ -z "${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-}" ]; then
    die "database is uninitialized and MARIADB_ROOT_PASSWORD is not set (or set MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1)"
  fi
  db=${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}
  user=${MARIADB_USER:-${MYSQL_USER:-}}
  user_pw=${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}
  echo "streamform image: initializing $datadir" >&2
  mariadb-install-db --user=mysql --datadir="$datadir" --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve >/dev/null
  "$@" --user=mysql --skip-networking --socket=/run/mysqld/init.sock &
  pid=$!
  for _ in $(seq 1 60); do mariadb-admin --socket=/run/mysqld/init.sock ping --silent 2>/dev/null && break; sleep 0.5; done
  client=(mariadb --protocol=socket --socket=/run/mysqld/init.sock -uroot)
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "DELETE FROM mysql.user WHERE user='';"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '${root_pw//\'/\'\'}';"
    echo "CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '${root_pw//\'/\'\'}';"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    if [ -n "$db" ]; then echo "CREATE DATABASE IF NOT EXISTS \`$db\`;"; fi
    if [ -n "$user" ]; then
      echo "CREATE USER IF NOT EXISTS '$user'@'%' IDENTIFIED BY '${user_pw//\'/\'\'}';"
      if [ -n "$db" ]; then echo "GRANT ALL ON \`$db\`.* TO '$user'@'%';"; fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | "${client[@]}"
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sql) echo "streamform image: running $f" >&2; "${client[@]}" -p"$root_pw" ${db:+"$db"} < "$f" ;;
      *.sh) echo "streamform image: sourcing $f" >&2; . "$f" ;;
    esac
  done
  mariadb-admin --socket=/run/mysqld/init.sock -uroot -p"$root_pw" shutdown
  wait "$pid" || true
fi

exec "$@" --user=mysql
