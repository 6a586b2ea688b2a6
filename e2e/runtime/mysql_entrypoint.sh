#!/bin/sh
# Stands in for the official mysql/mariadb image's entrypoint in a process-backed pod: Debian's
# MariaDB server, initialised on first start from the MYSQL_* environment as the official image does
# (root password, one database, one user with all rights on it), then run in the foreground with the
# container's arguments. Runs inside the pod's sandbox: 0.0.0.0 there is the pod's own loopback.
set -eu
datadir=/var/lib/mysql
run=/var/run/mysqld
mkdir -p "$run" /run/mysqld
if [ ! -d "$datadir/mysql" ]; then
  echo "mysql_entrypoint: initialising $datadir"
  mariadb-install-db --user=root --datadir="$datadir" --auth-root-authentication-method=normal \
    --skip-test-db >/dev/null
  mariadbd --user=root --datadir="$datadir" --skip-networking --socket="$run/init.sock" \
    --pid-file="$run/init.pid" &
  pid=$!
  for _ in $(seq 1 60); do
    mariadb --socket="$run/init.sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
    sleep 0.5
  done
  sql() { printf '%s' "$1" | sed "s/'/''/g"; }
  mariadb --socket="$run/init.sock" -uroot <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '$(sql "$MYSQL_ROOT_PASSWORD")';
CREATE USER 'root'@'%' IDENTIFIED BY '$(sql "$MYSQL_ROOT_PASSWORD")';
GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE:-}\`;
CREATE USER '$(sql "${MYSQL_USER:-}")'@'%' IDENTIFIED BY '$(sql "${MYSQL_PASSWORD:-}")';
GRANT ALL ON \`${MYSQL_DATABASE:-}\`.* TO '$(sql "${MYSQL_USER:-}")'@'%';
FLUSH PRIVILEGES;
SQL
  kill "$pid"
  wait "$pid" || true
  echo "mysql_entrypoint: initialised"
fi
exec mariadbd --user=root --datadir="$datadir" --bind-address=0.0.0.0 --port=3306 \
  --socket="$run/mysqld.sock" --pid-file="$run/mysqld.pid" "$@"
